// The kernel selftests' precedence fixture (seccomp_bpf.c: kill_is_highest_in_any_order,
// trap_is_second..., log_is_fifth...): one tiny filter per action, stacked in every order, with
// the winner and its data written down from seccomp_run_filters() (spec §5): every filter runs,
// the lowest (s32)(ret & 0xffff0000) wins, ties keep the first evaluated = newest filter.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "tests/eval_test_util.h"
#include "vm/action.h"
#include "vm/outcome.h"
#include "vm/stack.h"

// Counts allocations so a test can prove the evaluation path allocates nothing.
static std::atomic<long> g_allocations{0};
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace sckit {
namespace {

using testing::Returning;

// Kernel rank order, most restrictive first (spec §1.2), with distinct data where data exists.
struct Tiny {
  const char* name;
  uint32_t ret;
  int rank;  // 0 wins over everything
};
constexpr std::array<Tiny, 8> kTiny = {{
    {"KILL_PROCESS", 0x80000000u, 0},
    {"KILL_THREAD", 0x00000000u, 1},
    {"TRAP", 0x00030011u, 2},
    {"ERRNO", 0x00050022u, 3},
    {"USER_NOTIF", 0x7fc00000u, 4},
    {"TRACE", 0x7ff00033u, 5},
    {"LOG", 0x7ffc0000u, 6},
    {"ALLOW", 0x7fff0000u, 7},
}};

SeccompData AnyCall() {
  SeccompData d;
  d.nr = 39;
  d.arch = 0xc000003e;
  return d;
}

TEST(StackPrecedence, EveryOrderOfEverySubsetPicksTheMostRestrictive) {
  const SeccompData data = AnyCall();
  long stacks = 0;
  for (unsigned mask = 1; mask < (1u << kTiny.size()); ++mask) {
    std::vector<int> order;
    for (int i = 0; i < static_cast<int>(kTiny.size()); ++i) {
      if (mask & (1u << i)) order.push_back(i);
    }
    do {
      FilterStack stack;
      for (int t : order) stack.Push(Returning(kTiny[t].ret));
      std::vector<uint32_t> rets(stack.size());
      const StackDecision d = stack.Evaluate(data, rets);
      // Expected: the filter holding the smallest rank (unique per stack here).
      int best = -1;
      for (int i = 0; i < static_cast<int>(order.size()); ++i) {
        if (best < 0 || kTiny[order[i]].rank < kTiny[order[best]].rank) best = i;
      }
      const Tiny& w = kTiny[order[best]];
      if (w.rank == 7) {  // only ALLOW filters: the kernel has no match, ret exactly ALLOW
        ASSERT_EQ(d.ret, 0x7fff0000u);
        ASSERT_EQ(d.matched, -1);
      } else {
        ASSERT_EQ(d.ret, w.ret) << "winner " << w.name;
        ASSERT_EQ(d.matched, best) << "winner " << w.name;
      }
      for (size_t i = 0; i < order.size(); ++i) ASSERT_EQ(rets[i], kTiny[order[i]].ret);
      ++stacks;
    } while (std::next_permutation(order.begin(), order.end()));
  }
  EXPECT_EQ(stacks, 109600);  // sum over k of C(8,k) * k!
}

// The selftest names, each checked in every order of its fixture's filters.
void ExpectWinnerInAnyOrder(std::vector<int> fixture, const char* expected) {
  std::sort(fixture.begin(), fixture.end());
  do {
    FilterStack stack;
    for (int t : fixture) stack.Push(Returning(kTiny[t].ret));
    std::vector<uint32_t> rets(stack.size());
    const StackDecision d = stack.Evaluate(AnyCall(), rets);
    EXPECT_EQ(ActionName(ActionOf(d.ret)), expected);
  } while (std::next_permutation(fixture.begin(), fixture.end()));
}

TEST(StackPrecedence, SelftestKillIsHighestInAnyOrder) {
  ExpectWinnerInAnyOrder({0, 2, 3, 5, 6, 7}, "KILL_PROCESS");
  ExpectWinnerInAnyOrder({1, 2, 3, 5, 6, 7}, "KILL_THREAD");
}
TEST(StackPrecedence, SelftestTrapIsSecondInAnyOrder) {
  ExpectWinnerInAnyOrder({2, 3, 5, 6, 7}, "TRAP");
}
TEST(StackPrecedence, SelftestErrnoIsThirdInAnyOrder) {
  ExpectWinnerInAnyOrder({3, 5, 6, 7}, "ERRNO");
}
TEST(StackPrecedence, SelftestTraceIsFourthInAnyOrder) {
  ExpectWinnerInAnyOrder({5, 6, 7}, "TRACE");
}
TEST(StackPrecedence, SelftestLogIsFifthInAnyOrder) { ExpectWinnerInAnyOrder({6, 7}, "LOG"); }

TEST(StackPrecedence, ErrnoTieKeepsTheNewestFiltersData) {
  // selftest ERRNO_order: older ERRNO|11, newer ERRNO|12 (and here a third, newest, |13).
  FilterStack stack;
  stack.Push(Returning(0x00050000u | 11));
  stack.Push(Returning(0x00050000u | 12));
  std::vector<uint32_t> rets(2);
  StackDecision d = stack.Evaluate(AnyCall(), rets);
  EXPECT_EQ(d.ret, 0x0005000cu);
  EXPECT_EQ(d.matched, 1);
  stack.Push(Returning(0x00050000u | 13));
  rets.resize(3);
  d = stack.Evaluate(AnyCall(), rets);
  EXPECT_EQ(d.ret, 0x0005000du);
  EXPECT_EQ(d.matched, 2);
}

TEST(StackPrecedence, TiesAmongTrapsAndKillsAlsoGoToTheNewest) {
  FilterStack stack;
  stack.Push(Returning(0x00030001u));
  stack.Push(Returning(0x00030002u));
  stack.Push(Returning(0x00000007u));  // KILL_THREAD with data
  stack.Push(Returning(0x00000009u));
  std::vector<uint32_t> rets(4);
  const StackDecision d = stack.Evaluate(AnyCall(), rets);
  EXPECT_EQ(d.ret, 0x00000009u);
  EXPECT_EQ(d.matched, 3);
}

TEST(StackPrecedence, AllowWithDataNeverMatches) {
  FilterStack stack;
  stack.Push(Returning(0x7fff0001u));
  stack.Push(Returning(0x7fffffffu));
  std::vector<uint32_t> rets(2);
  const StackDecision d = stack.Evaluate(AnyCall(), rets);
  EXPECT_EQ(d.ret, 0x7fff0000u);  // reported exactly as ALLOW
  EXPECT_EQ(d.matched, -1);
  EXPECT_EQ(rets[0], 0x7fff0001u);
  EXPECT_EQ(rets[1], 0x7fffffffu);
}

TEST(StackPrecedence, UnknownActionsRankByTheirValue) {
  struct Case {
    uint32_t older, newer, winner;
  };
  const Case cases[] = {
      {0x10000000u, 0x00030000u, 0x00030000u},  // positive unknown loses to TRAP
      {0x10000000u, 0x00050001u, 0x00050001u},  // ... and to ERRNO (0x00050000 < 0x10000000)
      {0x10000000u, 0x7fc00000u, 0x10000000u},  // ... but beats USER_NOTIF
      {0x90000000u, 0x00000000u, 0x90000000u},  // negative unknown beats KILL_THREAD
      {0x90000000u, 0x80000000u, 0x80000000u},  // KILL_PROCESS is the minimum
      {0x7ffe0000u, 0x7ffc0000u, 0x7ffc0000u},  // LOG (0x7ffc0000) ranks before 0x7ffe0000
      {0x7ffe0000u, 0x7fff0000u, 0x7ffe0000u},  // but it beats ALLOW
  };
  for (const Case& c : cases) {
    FilterStack stack;
    stack.Push(Returning(c.older));
    stack.Push(Returning(c.newer));
    std::vector<uint32_t> rets(2);
    EXPECT_EQ(stack.Evaluate(AnyCall(), rets).ret, c.winner)
        << std::hex << c.older << " vs " << c.newer;
  }
}

TEST(StackPrecedence, EveryFilterRunsEvenAfterAKill) {
  FilterStack stack;
  stack.Push(Returning(0x00050001u));
  stack.Push(Returning(0x80000000u));  // newest kills; the older one still runs
  std::vector<uint32_t> rets = {0xdeadbeef, 0xdeadbeef};
  stack.Evaluate(AnyCall(), rets);
  EXPECT_EQ(rets[0], 0x00050001u);
  EXPECT_EQ(rets[1], 0x80000000u);
}

// A stand-in for the JIT's CompiledFilter: anything with Run(const SeccompData&) const noexcept.
struct FakeCompiled {
  uint32_t value;
  uint32_t Run(const SeccompData& d) const noexcept { return value | (d.nr & 0xff); }
};

TEST(StackEngine, AnyEngineWithRunPlugsIn) {
  FilterStack stack;
  stack.Push(Returning(0x7fff0000u));
  stack.Push(Returning(0x7fff0000u), std::make_unique<EngineAdapter<FakeCompiled>>(
                                         FakeCompiled{0x00050000u}));
  std::vector<uint32_t> rets(2);
  const StackDecision d = stack.Evaluate(AnyCall(), rets);
  EXPECT_EQ(d.ret, 0x00050027u);  // ERRNO | (39 & 0xff) from the adapter
  EXPECT_EQ(d.matched, 1);
}

TEST(StackEngine, EvaluateAndDecideAllocateNothing) {
  FilterStack stack;
  for (const Tiny& t : kTiny) stack.Push(Returning(t.ret));
  std::vector<uint32_t> rets(stack.size());
  const KernelContext ctx;
  SeccompData data = AnyCall();
  const long before = g_allocations.load();
  uint32_t sink = 0;
  for (int i = 0; i < 1000; ++i) {
    data.nr = i;
    sink += stack.Evaluate(data, rets).ret;
    sink += Decide(stack, data, ctx, rets).ret;
  }
  EXPECT_EQ(g_allocations.load(), before);
  EXPECT_NE(sink, 1u);
}

}  // namespace
}  // namespace sckit
