// Runtime semantics against the running kernel: a forked child installs a stack and makes one
// harmless system call (tests/live/untraced_call.h); what it observes must be what our side
// predicts (tests/live/outcome_check.h: RunFilter() per filter on the same seccomp_data,
// ResolveStack() across the stack, vm/outcome's ApplyAction with no tracer and no listener, and
// its user-visible effect, tests/live/expected_effect.h, spec §6). Here the precedence: one tiny
// filter per action (ALLOW, LOG, ERRNO, TRAP, TRACE, USER_NOTIF without a listener,
// KILL_THREAD, KILL_PROCESS, unknown) stacked in many orders, the spec's named facts, and the
// harness itself. The arithmetic is tests/live/outcome_arithmetic_test.cc.
//
// Seed: fixed (kDefaultSeed), printed; override with SCKIT_LIVE_SEED=<n>.
#include <gtest/gtest.h>
#include <sys/prctl.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "live/seccomp_probe.h"
#include "tests/live/expected_effect.h"
#include "tests/live/outcome_check.h"
#include "tests/live/untraced_call.h"
#include "tests/live_test_util.h"
#include "verifier/verifier.h"
#include "vm/action.h"
#include "vm/bpf.h"
#include "vm/interpreter.h"
#include "vm/program.h"
#include "vm/seccomp_data.h"

namespace sckit {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.
using namespace outcome_testing;  // NOLINT: Check, Tiny, Tally and the seed.

// ---- precedence with one tiny filter per action -------------------------------------------

struct Named {
  const char* name;
  uint32_t value;
};

std::vector<Named> ActionValues() {
  return {
      {"ALLOW", kAllow},
      {"ALLOW|data", kAllow | 7},
      {"LOG", seccomp::kRetLog},
      {"ERRNO(1)", seccomp::kRetErrno | 1},
      {"ERRNO(0)", seccomp::kRetErrno | 0},
      {"ERRNO(5000)", seccomp::kRetErrno | 5000},
      {"ERRNO(4095)", seccomp::kRetErrno | 4095},
      {"ERRNO(0xffff)", seccomp::kRetErrno | 0xffff},
      {"TRAP(0)", seccomp::kRetTrap},
      {"TRAP(1234)", seccomp::kRetTrap | 1234},
      {"TRACE(9)", seccomp::kRetTrace | 9},
      {"USER_NOTIF", seccomp::kRetUserNotif},
      {"KILL_THREAD", seccomp::kRetKillThread},
      {"KILL_PROCESS", seccomp::kRetKillProcess},
      {"unknown 0x10000000", 0x10000000u},
      {"unknown 0x7ffe0000", 0x7ffe0000u},
      {"unknown 0x90000000", 0x90000000u},
  };
}

TEST(LiveOutcome, EachActionAlone) {
  REQUIRE_SECCOMP();
  for (const Named& a : ActionValues()) {
    for (int32_t nr : {kNrGetpid, 1000, -1}) {
      SCOPED_TRACE(std::string(a.name) + " on nr " + std::to_string(nr));
      live::SyscallRequest call;
      call.nr = nr;
      EXPECT_EQ(Check({{Tiny(nr, a.value), 0}}, call), "");
    }
  }
}

// The spec's named facts, checked directly on the kernel's outcome (not via our prediction).
TEST(LiveOutcome, NamedActionFacts) {
  REQUIRE_SECCOMP();
  live::SyscallRequest getpid;
  auto run = [&](uint32_t value, live::RunOptions options = {}) {
    Result<live::LiveOutcome> out =
        live::RunOnKernel({{Tiny(kNrGetpid, value), 0}}, getpid, options);
    EXPECT_TRUE(out.ok());
    return *out;
  };
  live::LiveOutcome o = run(seccomp::kRetErrno | 5000);
  EXPECT_EQ(o.ret, -4095) << o.ToString();
  o = run(seccomp::kRetErrno | 0);
  EXPECT_TRUE(o.syscall_returned);
  EXPECT_EQ(o.ret, 0) << o.ToString();
  o = run(seccomp::kRetTrap | 0xbeef);
  EXPECT_EQ(o.sigsys.count, 1) << o.ToString();
  EXPECT_EQ(o.sigsys.errno_data, 0xbeef);
  EXPECT_EQ(o.sigsys.syscall, kNrGetpid);
  EXPECT_EQ(o.sigsys.arch, live::kAuditArchX86_64);
  EXPECT_EQ(o.sigsys.call_addr, o.data.instruction_pointer);
  EXPECT_EQ(o.ret, kNrGetpid);  // syscall_rollback: the call returns its own number
  for (uint32_t v : {seccomp::kRetTrace, seccomp::kRetUserNotif}) {
    o = run(v);
    EXPECT_EQ(o.ret, -ENOSYS) << o.ToString();
  }
  for (uint32_t v : {seccomp::kRetKillThread, seccomp::kRetKillProcess, 0x10000000u}) {
    o = run(v);
    EXPECT_FALSE(o.syscall_returned);
    EXPECT_EQ(o.end.kind, live::ChildEnd::Kind::kSignaled) << o.ToString();
    EXPECT_EQ(o.end.code, SIGSYS) << o.ToString();
  }
  o = run(seccomp::kRetTrap | 1, live::RunOptions{.sigsys_handler = false});
  EXPECT_EQ(o.end.kind, live::ChildEnd::Kind::kSignaled) << o.ToString();
  EXPECT_EQ(o.end.code, SIGSYS);
  o = run(kAllow);
  EXPECT_EQ(o.ret, o.natural_ret);
  EXPECT_GT(o.ret, 0);

  // USER_NOTIF goes to the *matching* filter's listener: the older filter has one, but on a tie
  // the newer filter (no listener) wins, so the call gets ENOSYS (spec §5.6).
  Result<live::LiveOutcome> notif =
      live::RunOnKernel({{Tiny(kNrGetpid, seccomp::kRetUserNotif | 1), seccomp::kFlagNewListener},
                         {Tiny(kNrGetpid, seccomp::kRetUserNotif | 2), 0}},
                        getpid);
  ASSERT_TRUE(notif.ok());
  EXPECT_GT(notif->installs[0].ret, 2) << "listener fd";
  EXPECT_EQ(notif->ret, -ENOSYS) << notif->ToString();
}

// TRAP rolls the return register back to the syscall number; when that number is a kernel
// restart code, the x86 signal-delivery path (handle_signal) treats it as one. Found by the
// random test (nr -512 returned -EINTR, not -512).
TEST(LiveOutcome, TrapOfARestartCodeNumber) {
  REQUIRE_SECCOMP();
  struct Case {
    int32_t nr;
    bool sa_restart;
    const char* expect;
  };
  const std::vector<Case> cases = {
      {-511, false, "returns -511"},    {-512, false, "EINTR"},
      {-512, true, "restarts forever"}, {-513, false, "restarts forever"},
      {-514, false, "EINTR"},           {-515, false, "returns -515"},
      {-516, false, "EINTR"},           {-516, true, "EINTR"},
      {-1, false, "returns -1"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.nr) + (c.sa_restart ? " SA_RESTART: " : ": ") + c.expect);
    live::SyscallRequest call;
    call.nr = c.nr;
    live::RunOptions options;
    options.sa_restart = c.sa_restart;
    EXPECT_EQ(Check({{Tiny(c.nr, seccomp::kRetTrap | 42), 0}}, call, options), "");
    // And the prediction says what the case says.
    const live::ExpectedEffect e =
        live::PredictEffect(seccomp::kRetTrap | 42, call, -ENOSYS, options);
    if (std::string(c.expect) == "EINTR") {
      EXPECT_EQ(e.ret, -EINTR);
    } else if (std::string(c.expect) == "restarts forever") {
      EXPECT_EQ(e.kind, live::ExpectedEffect::Kind::kTrapsForever);
    } else {
      EXPECT_EQ(e.ret, c.nr);
    }
  }
}

// The harness itself: a child whose filters deny exit_group and exit is ended by the parent,
// and what it recorded before is still reported.
TEST(LiveHarness, ChildWhoseExitIsDeniedIsEndedByTheParent) {
  REQUIRE_SECCOMP();
  live::SyscallRequest getpid;
  Result<live::LiveOutcome> out =
      live::RunOnKernel({{Tiny(231 /* exit_group */, seccomp::kRetErrno | 1), 0},
                         {Tiny(60 /* exit */, seccomp::kRetTrace), 0},
                         {Tiny(kNrGetpid, seccomp::kRetErrno | 77), 0}},
                        getpid);
  ASSERT_TRUE(out.ok()) << out.error().ToString();
  EXPECT_EQ(out->end.kind, live::ChildEnd::Kind::kKilledByHarness) << out->ToString();
  EXPECT_EQ(out->ret, -77);
}

TEST(LiveOutcome, EveryOrderedPairOfActions) {
  REQUIRE_SECCOMP();
  const std::vector<Named> actions = ActionValues();
  for (const Named& older : actions) {
    for (const Named& newer : actions) {
      SCOPED_TRACE(std::string(older.name) + " then " + newer.name);
      live::SyscallRequest call;
      EXPECT_EQ(Check({{Tiny(kNrGetpid, older.value), 0}, {Tiny(kNrGetpid, newer.value), 0}}, call),
                "");
    }
  }
}

TEST(LiveOutcome, RandomOrdersOfManyActions) {
  REQUIRE_SECCOMP();
  const uint64_t seed = Seed();
  printf("seed 0x%llx\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  const std::vector<Named> actions = ActionValues();
  int failures = 0;
  Tally tally;
  for (int round = 0; round < 160; ++round) {
    std::vector<Named> pick;
    for (const Named& a : actions) {
      // Every other round without the kills, so the lesser actions get to win too.
      const bool kills = ActionOf(a.value) == Action::kKillThread ||
                         ActionOf(a.value) == Action::kKillProcess ||
                         ActionOf(a.value) == Action::kUnknown;
      if (round % 2 == 0 || !kills) pick.push_back(a);
    }
    std::shuffle(pick.begin(), pick.end(), rng);
    pick.resize(std::min<size_t>(pick.size(), 2 + rng() % 8));
    std::vector<StackEntry> stack;
    std::string order;
    live::SyscallRequest call;
    call.nr = round % 4 == 3 ? 1000 + static_cast<int32_t>(rng() % 5000) : kNrGetpid;
    for (const Named& a : pick) {
      // Random data bits on top of the action make ties and data selection visible.
      const uint32_t value = a.value | (rng() % 3 == 0 ? static_cast<uint32_t>(rng() & 0xfff) : 0);
      stack.push_back({Tiny(call.nr, value), rng() % 5 == 0 ? seccomp::kFlagLog : 0u});
      order += std::string(order.empty() ? "" : ", ") + Hex(value);
    }
    const std::string r = Check(stack, call, {}, &tally);
    if (!r.empty() && ++failures <= 5) ADD_FAILURE() << "order [" << order << "]: " << r;
  }
  printf("effects: %s\n", tally.ToString().c_str());
  EXPECT_EQ(failures, 0);
}

TEST(LiveOutcome, RefusesSyscallsOffTheHarmlessList) {
  live::SyscallRequest call;
  call.nr = 62;  // kill
  Result<live::LiveOutcome> out = live::RunOnKernel({}, call);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().rule, "unsafe-syscall");
  for (int32_t nr : {0, 1, 57, 59, 60, 231, 317, 335, 0x40000027, 999}) {
    EXPECT_FALSE(live::IsHarmlessSyscall(nr)) << nr;
  }
  for (int32_t nr : {39, 110, 186, 1000, 0x3fffffff, -1, INT32_MIN}) {
    EXPECT_TRUE(live::IsHarmlessSyscall(nr)) << nr;
  }
}

// Last in the file: everything above ran in children; this process never entered seccomp.
TEST(LiveHarness, TestProcessStaysUnfiltered) {
  EXPECT_EQ(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), live::ProbeSeccomp().mode);
  EXPECT_EQ(prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2, live::ProbeSeccomp().inherited_filters());
  EXPECT_NE(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 1);
}

}  // namespace
}  // namespace sckit
