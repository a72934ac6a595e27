// Syscall user dispatch against the kernel's rules (kernel/entry/syscall_user_dispatch.c,
// vm/dispatch.h): the region check on the stored range, the selector, the vDSO sigreturn
// exception, the prctl's EINVAL cases, and that a dispatched call never reaches seccomp
// (strict mode, passthrough and filters all come after it in syscall_trace_enter).
#include <gtest/gtest.h>

#include <cerrno>
#include <vector>

#include "tests/eval_test_util.h"
#include "vm/dispatch.h"
#include "vm/outcome.h"
#include "vm/stack.h"

namespace sckit {
namespace {

using testing::Returning;

constexpr uint32_t kX86_64 = 0xc000003e;
constexpr uint32_t kI386 = 0x40000003;
constexpr uint32_t kNotRun = 0xdeadbeef;  // what rets hold when no filter ran

SeccompData Call(int32_t nr, uint64_t ip, uint32_t arch = kX86_64) {
  SeccompData d;
  d.nr = nr;
  d.arch = arch;
  d.instruction_pointer = ip;
  return d;
}

KernelContext Dispatch(DispatchMode mode, uint64_t offset, uint64_t len,
                       uint8_t selector = kDispatchBlock) {
  KernelContext ctx;
  ctx.dispatch.mode = mode;
  ctx.dispatch.offset = offset;
  ctx.dispatch.len = len;
  ctx.dispatch.selector = selector;
  return ctx;
}

// Under a filter returning ERRNO(5): the outcome, and whether the filter ran.
struct Seen {
  Outcome o;
  bool filter_ran;
};
Seen Through(const SeccompData& d, const KernelContext& ctx) {
  FilterStack stack;
  stack.Push(Returning(0x00050005), 0);
  std::vector<uint32_t> rets(1, kNotRun);
  Seen s{Decide(stack, d, ctx, rets), rets[0] != kNotRun};
  EXPECT_EQ(s.filter_ran, s.o.filters_ran(1));
  return s;
}

TEST(Dispatch, OffRunsTheFilters) {
  const Seen s = Through(Call(39, 0x400000), {});
  EXPECT_EQ(s.o.Text(), "ERRNO(5)");
  EXPECT_EQ(s.o.dispatch, DispatchResult::kOff);
  EXPECT_TRUE(s.filter_ran);
}

TEST(Dispatch, BlockOutsideTheRegionSignalsWithoutRunningTheFilters) {
  const KernelContext ctx = Dispatch(DispatchMode::kExclusive, 0x7f0000000000, 0x1000);
  const Seen s = Through(Call(39, 0x400123), ctx);
  EXPECT_EQ(s.o.Text(), "DISPATCH_SIGSYS");
  EXPECT_EQ(s.o.verdict(), Verdict::Of(Verdict::Kind::kDispatchSigsys));
  EXPECT_EQ(s.o.effect, Effect::kDispatchSignal);
  EXPECT_EQ(s.o.dispatch, DispatchResult::kDispatched);
  EXPECT_FALSE(s.filter_ran);
  EXPECT_FALSE(s.o.logged);  // seccomp_log is never reached
  EXPECT_EQ(s.o.signal, 31);
  ASSERT_TRUE(s.o.has_siginfo);
  EXPECT_EQ(s.o.sigsys.signo, 31);
  EXPECT_EQ(s.o.sigsys.code, 2);   // SYS_USER_DISPATCH
  EXPECT_EQ(s.o.sigsys.error, 0);  // si_errno = 0
  EXPECT_EQ(s.o.sigsys.syscall_nr, 39);
  EXPECT_EQ(s.o.sigsys.arch, kX86_64);
  EXPECT_EQ(s.o.sigsys.call_addr, 0x400123u);
}

TEST(Dispatch, TheRegionIsHalfOpenOnTheIpAfterTheCall) {
  const KernelContext ctx = Dispatch(DispatchMode::kExclusive, 0x1000, 0x100);
  EXPECT_EQ(Through(Call(39, 0x1000), ctx).o.Text(), "ERRNO(5)");  // ip - offset = 0 < len
  EXPECT_EQ(Through(Call(39, 0x10ff), ctx).o.Text(), "ERRNO(5)");
  EXPECT_EQ(Through(Call(39, 0x1100), ctx).o.Text(), "DISPATCH_SIGSYS");  // = offset + len
  EXPECT_EQ(Through(Call(39, 0xfff), ctx).o.Text(), "DISPATCH_SIGSYS");   // wraps: huge
  EXPECT_EQ(Through(Call(39, 0x1000), ctx).o.dispatch, DispatchResult::kRegionExempt);
}

TEST(Dispatch, AnEmptyRegionAtZeroExemptsNothing) {
  const KernelContext ctx = Dispatch(DispatchMode::kExclusive, 0, 0);
  EXPECT_EQ(Through(Call(0, 0), ctx).o.Text(), "DISPATCH_SIGSYS");
  EXPECT_EQ(Through(Call(0, ~0ull), ctx).o.Text(), "DISPATCH_SIGSYS");
}

TEST(Dispatch, SelectorAllowPassesToTheFilters) {
  const KernelContext ctx = Dispatch(DispatchMode::kExclusive, 0x1000, 0x100, kDispatchAllow);
  const Seen s = Through(Call(39, 0x400000), ctx);
  EXPECT_EQ(s.o.Text(), "ERRNO(5)");
  EXPECT_EQ(s.o.dispatch, DispatchResult::kSelectorAllow);
  EXPECT_TRUE(s.filter_ran);
}

TEST(Dispatch, AnyOtherSelectorByteKillsBySigsysWithoutAHandler) {
  for (int v : {2, 7, 0x80, 0xff}) {
    const KernelContext ctx =
        Dispatch(DispatchMode::kExclusive, 0x1000, 0x100, static_cast<uint8_t>(v));
    const Seen s = Through(Call(39, 0x400000), ctx);
    EXPECT_EQ(s.o.Text(), "KILL_PROCESS") << v;
    EXPECT_EQ(s.o.effect, Effect::kKillProcess);
    EXPECT_EQ(s.o.signal, 31);
    EXPECT_FALSE(s.o.has_siginfo);  // force_exit_sig: no handler sees it
    EXPECT_EQ(s.o.dispatch, DispatchResult::kInvalidSelector);
    EXPECT_FALSE(s.filter_ran);
    // Inside the region the byte is never read.
    EXPECT_EQ(Through(Call(39, 0x1010), ctx).o.Text(), "ERRNO(5)");
  }
}

TEST(Dispatch, NoSelectorAlwaysDispatchesAndAnUnreadableOneKillsBySigsegv) {
  KernelContext ctx = Dispatch(DispatchMode::kExclusive, 0x1000, 0x100);
  ctx.dispatch.selector_kind = SelectorKind::kNone;
  EXPECT_EQ(Through(Call(39, 0x400000), ctx).o.Text(), "DISPATCH_SIGSYS");
  ctx.dispatch.selector_kind = SelectorKind::kFault;
  const Seen s = Through(Call(39, 0x400000), ctx);
  EXPECT_EQ(s.o.Text(), "KILL_PROCESS");
  EXPECT_EQ(s.o.signal, 11);
  EXPECT_EQ(s.o.dispatch, DispatchResult::kSelectorFault);
}

TEST(Dispatch, InclusiveDispatchesCallsFromInsideTheRegion) {
  const KernelContext ctx = Dispatch(DispatchMode::kInclusive, 0x1000, 0x100);
  EXPECT_EQ(Through(Call(39, 0x1000), ctx).o.Text(), "DISPATCH_SIGSYS");
  EXPECT_EQ(Through(Call(39, 0x10ff), ctx).o.Text(), "DISPATCH_SIGSYS");
  EXPECT_EQ(Through(Call(39, 0x1100), ctx).o.Text(), "ERRNO(5)");
  EXPECT_EQ(Through(Call(39, 0xfff), ctx).o.Text(), "ERRNO(5)");
  EXPECT_EQ(Through(Call(39, 0), ctx).o.Text(), "ERRNO(5)");
  EXPECT_EQ(Through(Call(39, ~0ull), ctx).o.Text(), "ERRNO(5)");
}

TEST(Dispatch, TheVdsoSigreturnExceptionIsForIa32CallsOnly) {
  KernelContext ctx = Dispatch(DispatchMode::kExclusive, 0x1000, 0x100);
  ctx.dispatch.vdso_sigreturn[0] = 0xf7fc1570;
  ctx.dispatch.vdso_sigreturn[1] = 0xf7fc1580;
  EXPECT_EQ(Through(Call(119, 0xf7fc1570, kI386), ctx).o.dispatch, DispatchResult::kVdsoSigreturn);
  EXPECT_EQ(Through(Call(173, 0xf7fc1580, kI386), ctx).o.Text(), "ERRNO(5)");
  EXPECT_EQ(Through(Call(119, 0xf7fc1574, kI386), ctx).o.Text(), "DISPATCH_SIGSYS");
  EXPECT_EQ(Through(Call(15, 0xf7fc1570, kX86_64), ctx).o.Text(), "DISPATCH_SIGSYS");
  // Not known: no exception, not even for ip 0.
  ctx.dispatch.vdso_sigreturn[0] = ctx.dispatch.vdso_sigreturn[1] = 0;
  EXPECT_EQ(Through(Call(119, 0, kI386), ctx).o.Text(), "DISPATCH_SIGSYS");
}

TEST(Dispatch, ComesBeforeStrictModePassthroughAndTheEmptyChain) {
  KernelContext ctx = Dispatch(DispatchMode::kExclusive, 0x1000, 0x100);
  ctx.mode = Mode::kStrict;
  FilterStack none;
  std::vector<uint32_t> no_rets;
  EXPECT_EQ(Decide(none, Call(0, 0x400000), ctx, no_rets).Text(), "DISPATCH_SIGSYS");  // read
  EXPECT_EQ(Decide(none, Call(0, 0x1010), ctx, no_rets).Text(), "ALLOW");
  ctx.mode = Mode::kFilter;
  EXPECT_EQ(Decide(none, Call(39, 0x400000), ctx, no_rets).Text(), "DISPATCH_SIGSYS");
  const Seen uretprobe = Through(Call(335, 0x400000), ctx);  // passthrough on 6.18, but later
  EXPECT_EQ(uretprobe.o.Text(), "DISPATCH_SIGSYS");
  EXPECT_EQ(uretprobe.o.passthrough, Passthrough::kNone);
}

TEST(Dispatch, TracedDecisionAgrees) {
  const KernelContext ctx = Dispatch(DispatchMode::kExclusive, 0x1000, 0x100);
  FilterStack stack;
  stack.Push(Returning(0x00050005), 0);
  std::vector<uint32_t> rets(1);
  std::vector<FilterTrace> traces;
  EXPECT_EQ(DecideTraced(stack, Call(39, 0x400000), ctx, rets, &traces).Text(),
            "DISPATCH_SIGSYS");
  EXPECT_TRUE(traces.empty());
  EXPECT_EQ(DecideTraced(stack, Call(39, 0x1001), ctx, rets, &traces).Text(), "ERRNO(5)");
  EXPECT_EQ(traces.size(), 1u);
}

TEST(DispatchConfig, TheKernelRefusesWrappingAndEmptyRegions) {
  DispatchConfig c;
  c.mode = DispatchMode::kExclusive;
  auto check = [&](uint64_t offset, uint64_t len) {
    c.offset = offset;
    c.len = len;
    return CheckDispatchConfig(c);
  };
  EXPECT_TRUE(check(0, 0).ok());  // offset 0 is never checked
  EXPECT_TRUE(check(0, ~0ull).ok());
  EXPECT_TRUE(check(0x1000, 0x1000).ok());
  EXPECT_TRUE(check(~0ull - 0xfff, 0xfff).ok());  // ends at 2^64 - 1
  for (auto [offset, len] : {std::pair<uint64_t, uint64_t>{0x1000, 0},
                             {~0ull - 0xfff, 0x1000},  // ends exactly at 2^64: wraps to 0
                             {0x10, ~0ull - 0xf},
                             {~0ull, ~0ull}}) {
    Result<bool> r = check(offset, len);
    ASSERT_FALSE(r.ok()) << offset << "," << len;
    EXPECT_EQ(r.error().rule, "bad-dispatch-region");
    EXPECT_EQ(r.error().kernel_errno, EINVAL);
    EXPECT_NE(r.error().message.find("EINVAL"), std::string::npos);
  }
  c.mode = DispatchMode::kInclusive;
  EXPECT_FALSE(check(0, 0).ok());  // inclusive: len 0 is refused even at 0
  EXPECT_FALSE(check(~0ull - 0xfff, 0x1000).ok());
  EXPECT_TRUE(check(0, 0x1000).ok());
  c.mode = DispatchMode::kOff;
  EXPECT_FALSE(check(0x1000, 0x10).ok());
  EXPECT_TRUE(check(0, 0).ok());
}

TEST(DispatchConfig, OptionValues) {
  DispatchConfig c;
  ASSERT_TRUE(ParseDispatchRegion("0x7f0000000000,4096", &c).ok());
  EXPECT_EQ(c.offset, 0x7f0000000000u);
  EXPECT_EQ(c.len, 4096u);
  ASSERT_TRUE(ParseDispatchRegion("0,0xffffffffffffffff", &c).ok());
  EXPECT_EQ(c.len, ~0ull);
  for (const char* bad : {"", "1", "1,", ",1", "0x,1", "1,2,3", "0x10000000000000000,1", "-1,1"}) {
    EXPECT_FALSE(ParseDispatchRegion(bad, &c).ok()) << bad;
  }
  ASSERT_TRUE(ParseDispatchSelector("block", &c).ok());
  EXPECT_EQ(c.selector, kDispatchBlock);
  ASSERT_TRUE(ParseDispatchSelector("0x2a", &c).ok());
  EXPECT_EQ(c.selector, 42);
  EXPECT_EQ(c.selector_kind, SelectorKind::kByte);
  ASSERT_TRUE(ParseDispatchSelector("none", &c).ok());
  EXPECT_EQ(c.selector_kind, SelectorKind::kNone);
  EXPECT_FALSE(ParseDispatchSelector("256", &c).ok());
  EXPECT_FALSE(ParseDispatchSelector("BLOCKED", &c).ok());
  EXPECT_EQ(*ParseDispatchMode("on"), DispatchMode::kExclusive);
  EXPECT_EQ(*ParseDispatchMode("inclusive"), DispatchMode::kInclusive);
  EXPECT_FALSE(ParseDispatchMode("1").ok());
  EXPECT_FALSE(ParseDispatchVdso("0", &c).ok());
  ASSERT_TRUE(ParseDispatchVdso("0x1000", &c).ok());
  EXPECT_EQ(c.vdso_sigreturn[1], 0x1000u);
}

TEST(DispatchExpectation, IsItsOwnClass) {
  const Verdict dispatched = Verdict::Of(Verdict::Kind::kDispatchSigsys);
  EXPECT_EQ(dispatched.Text(), "DISPATCH_SIGSYS");
  Result<Expectation> e = ParseExpectation("dispatch_sigsys");
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->Matches(dispatched));
  EXPECT_FALSE(e->Matches(Verdict::Of(Verdict::Kind::kTrap, 0)));
  for (const char* other : {"KILL", "TRAP", "!ALLOW"}) {
    Result<Expectation> o = ParseExpectation(other);
    ASSERT_TRUE(o.ok());
    EXPECT_EQ(o->Matches(dispatched), std::string(other) == "!ALLOW") << other;
  }
  EXPECT_FALSE(ParseExpectation("DISPATCH_SIGSYS(2)").ok());
}

}  // namespace
}  // namespace sckit
