// What the kernel does with the winning value (__seccomp_filter, spec §6), the passthrough
// calls (§8, seccomp_uprobe_exception), strict mode (§9) and the test expectations.
#include <gtest/gtest.h>

#include <cstdint>

#include <cerrno>
#include <vector>

#include "tests/eval_test_util.h"
#include "vm/outcome.h"
#include "vm/stack.h"

namespace sckit {
namespace {

using testing::Returning;

SeccompData Call(int32_t nr, uint32_t arch = 0xc000003e) {
  SeccompData d;
  d.nr = nr;
  d.arch = arch;
  d.instruction_pointer = 0x7f0000001002;
  return d;
}

Outcome One(uint32_t ret, const KernelContext& ctx = {}, uint32_t flags = 0,
            SeccompData data = Call(39)) {
  FilterStack stack;
  stack.Push(Returning(ret), flags);
  std::vector<uint32_t> rets(1);
  return Decide(stack, data, ctx, rets);
}

TEST(Outcome, ErrnoIsCappedAt4095) {
  EXPECT_EQ(One(0x00050001).Text(), "ERRNO(1)");
  EXPECT_EQ(One(0x00050000 | 4095).Text(), "ERRNO(4095)");
  EXPECT_EQ(One(0x00050000 | 4096).Text(), "ERRNO(4095)");  // selftest ERRNO_capped
  EXPECT_EQ(One(0x0005ffff).Text(), "ERRNO(4095)");
  const Outcome o = One(0x00051388);  // ERRNO(5000)
  EXPECT_EQ(o.effect, Effect::kReturn);
  EXPECT_EQ(o.return_value, -4095);
  EXPECT_EQ(o.data, 5000);  // the raw data is kept
  EXPECT_EQ(o.action, Action::kErrno);
}

TEST(Outcome, ErrnoZeroReturnsZeroWithoutRunning) {
  const Outcome o = One(0x00050000);  // selftest ERRNO_zero
  EXPECT_EQ(o.Text(), "ERRNO(0)");
  EXPECT_EQ(o.effect, Effect::kReturn);
  EXPECT_EQ(o.return_value, 0);
}

TEST(Outcome, TrapDeliversSigsysWithTheSeccompFields) {
  SeccompData d = Call(39);
  d.instruction_pointer = 0x401234;
  const Outcome o = One(0x00030000 | 0x1234, {}, 0, d);
  EXPECT_EQ(o.Text(), "TRAP(4660)");
  EXPECT_EQ(o.effect, Effect::kSignal);
  EXPECT_EQ(o.signal, 31);
  ASSERT_TRUE(o.has_siginfo);
  EXPECT_EQ(o.sigsys.signo, 31);
  EXPECT_EQ(o.sigsys.code, 1);       // SYS_SECCOMP
  EXPECT_EQ(o.sigsys.error, 0x1234); // the data
  EXPECT_EQ(o.sigsys.syscall_nr, 39);
  EXPECT_EQ(o.sigsys.arch, 0xc000003eu);
  EXPECT_EQ(o.sigsys.call_addr, 0x401234u);
}

TEST(Outcome, TraceWithoutATracerFailsWithEnosys) {
  const Outcome none = One(0x7ff00000 | 0x1001);
  EXPECT_EQ(none.Text(), "ERRNO(38)");
  EXPECT_EQ(none.action, Action::kTrace);
  EXPECT_EQ(none.return_value, -ENOSYS);
  KernelContext ctx;
  ctx.tracer = true;
  const Outcome traced = One(0x7ff00000 | 0x1001, ctx);
  EXPECT_EQ(traced.Text(), "TRACE(4097)");
  EXPECT_EQ(traced.effect, Effect::kTraceStop);
}

TEST(Outcome, UserNotifNeedsAListenerOnTheMatchedFilter) {
  EXPECT_EQ(One(0x7fc00000).Text(), "ERRNO(38)");
  EXPECT_EQ(One(0x7fc00000, {}, seccomp::kFlagNewListener).Text(), "USER_NOTIF");
  KernelContext ctx;
  ctx.listener = true;
  EXPECT_EQ(One(0x7fc00000, ctx).Text(), "USER_NOTIF");

  // Spec §5.6 [verified]: the older filter has the listener, the newer one wins the tie.
  FilterStack stack;
  stack.Push(Returning(0x7fc00000), seccomp::kFlagNewListener);
  stack.Push(Returning(0x7fc00000), 0);
  std::vector<uint32_t> rets(2);
  const Outcome o = Decide(stack, Call(39), {}, rets);
  EXPECT_EQ(o.matched, 1);
  EXPECT_EQ(o.Text(), "ERRNO(38)");
  // The other way round, the listener's filter is the newest and wins.
  FilterStack stack2;
  stack2.Push(Returning(0x7fc00000), 0);
  stack2.Push(Returning(0x7fc00000), seccomp::kFlagNewListener);
  EXPECT_EQ(Decide(stack2, Call(39), {}, rets).Text(), "USER_NOTIF");
}

TEST(Outcome, LogRunsAndIsLoggedAllowIsNot) {
  const Outcome log = One(0x7ffc0000);
  EXPECT_EQ(log.Text(), "LOG");
  EXPECT_EQ(log.effect, Effect::kRun);
  EXPECT_TRUE(log.logged);
  EXPECT_EQ(log.matched, 0);
  const Outcome allow = One(0x7fff0000);
  EXPECT_EQ(allow.Text(), "ALLOW");
  EXPECT_FALSE(allow.logged);
  EXPECT_EQ(allow.matched, -1);
}

TEST(Outcome, ErrnoIsLoggedOnlyWithTheLogFlagOnTheMatch) {
  EXPECT_FALSE(One(0x00050001).logged);
  EXPECT_TRUE(One(0x00050001, {}, seccomp::kFlagLog).logged);
  EXPECT_TRUE(One(0x00000000).logged);  // kills are logged by default
}

TEST(Outcome, KillThreadAndKillProcessDiffer) {
  const Outcome t = One(0x00000000);
  EXPECT_EQ(t.Text(), "KILL_THREAD");
  EXPECT_EQ(t.effect, Effect::kKillThread);
  EXPECT_EQ(t.signal, 31);
  const Outcome p = One(0x80000000);
  EXPECT_EQ(p.Text(), "KILL_PROCESS");
  EXPECT_EQ(p.effect, Effect::kKillProcess);
  EXPECT_TRUE(p.has_siginfo);
}

TEST(Outcome, UnknownActionsKillTheProcess) {
  // selftests unknown_ret_is_kill_inside / _above_allow, KILL_unknown; spec: 0x7ffe0000,
  // 0x00040000 verified.
  for (uint32_t v : {0x10000000u, 0x90000000u, 0xaaaaaaaau, 0x7ffe0000u, 0x00040000u}) {
    const Outcome o = One(v);
    EXPECT_EQ(o.Text(), "KILL_PROCESS") << std::hex << v;
    EXPECT_EQ(o.action, Action::kUnknown) << std::hex << v;
    EXPECT_EQ(o.ret, v);
  }
}

TEST(Outcome, DivisionByZeroMeansKillThread) {
  const VerifiedProgram p =
      testing::MustVerify({Stmt(bpf::kALU | bpf::kDIV | bpf::kX, 0), Stmt(bpf::kRET, 0x7fff0000)});
  FilterStack stack;
  stack.Push(p);
  std::vector<uint32_t> rets(1);
  EXPECT_EQ(Decide(stack, Call(39), {}, rets).Text(), "KILL_THREAD");
}

TEST(Outcome, UretprobeAndUprobePassEveryFilterOnRecentKernels) {
  KernelContext k618;
  KernelContext k614;
  k614.kernel = {6, 14};
  KernelContext k613;
  k613.kernel = {6, 13};
  EXPECT_EQ(One(0x80000000, k618, 0, Call(335)).Text(), "ALLOW");
  EXPECT_EQ(One(0x80000000, k618, 0, Call(335)).passthrough, Passthrough::kUretprobe);
  EXPECT_EQ(One(0x80000000, k618, 0, Call(336)).Text(), "ALLOW");
  EXPECT_EQ(One(0x80000000, k614, 0, Call(335)).Text(), "ALLOW");
  EXPECT_EQ(One(0x80000000, k614, 0, Call(336)).Text(), "KILL_PROCESS");
  EXPECT_EQ(One(0x80000000, k613, 0, Call(335)).Text(), "KILL_PROCESS");
  // Native x86_64 only: not i386 (compat), not x32 (bit 30 set), not other numbers.
  EXPECT_EQ(One(0x80000000, k618, 0, Call(335, 0x40000003)).Text(), "KILL_PROCESS");
  EXPECT_EQ(One(0x80000000, k618, 0, Call(335 | 0x40000000)).Text(), "KILL_PROCESS");
  EXPECT_EQ(One(0x80000000, k618, 0, Call(334)).Text(), "KILL_PROCESS");
  EXPECT_EQ(One(0x80000000, k618, 0, Call(335, 0xc00000b7)).Text(), "KILL_PROCESS");
}

TEST(Outcome, EmptyFilterChainFailsClosed) {
  FilterStack empty;
  std::vector<uint32_t> rets;
  EXPECT_EQ(Decide(empty, Call(335), {}, rets).Text(), "KILL_PROCESS");
}

TEST(Outcome, StrictModeAllowsOnlyItsList) {
  KernelContext ctx;
  ctx.mode = Mode::kStrict;
  FilterStack none;
  std::vector<uint32_t> rets;
  auto text = [&](int32_t nr, uint32_t arch = 0xc000003e) {
    return Decide(none, Call(nr, arch), ctx, rets).Text();
  };
  for (int nr : {0, 1, 60, 15}) EXPECT_EQ(text(nr), "ALLOW") << nr;
  for (int nr : {231, 2, 39, 157, 317, -1}) EXPECT_EQ(text(nr), "KILL_THREAD") << nr;
  for (int nr : {3, 4, 1, 119}) EXPECT_EQ(text(nr, 0x40000003), "ALLOW") << nr;
  for (int nr : {0, 173, 252}) EXPECT_EQ(text(nr, 0x40000003), "KILL_THREAD") << nr;
  EXPECT_EQ(text(335), "ALLOW");
  EXPECT_EQ(text(336), "ALLOW");
  ctx.kernel = {6, 13};
  EXPECT_EQ(text(335), "KILL_THREAD");
  const Outcome o = Decide(none, Call(231), ctx, rets);
  EXPECT_EQ(o.signal, 9);  // SIGKILL, not SIGSYS
  EXPECT_TRUE(o.strict);
  // aarch64 uses the generic numbers: read 63, write 64, exit 93, rt_sigreturn 139.
  for (int nr : {63, 64, 93, 139}) EXPECT_EQ(text(nr, 0xc00000b7), "ALLOW") << nr;
  EXPECT_EQ(text(56, 0xc00000b7), "KILL_THREAD");
  // x32: in_compat_syscall() is true for x32 on x86, so the i386 list applies, and no x32
  // number (bit 30 set) is on it (reasoned from arch/x86/include/asm/compat.h, not measured).
  ctx.kernel = kDefaultKernel;
  EXPECT_EQ(text(0x40000000), "KILL_THREAD");
  EXPECT_EQ(text(0x40000000 | 3), "KILL_THREAD");
}

TEST(Outcome, KernelVersionParsing) {
  EXPECT_EQ(*ParseKernelVersion("6.18"), (KernelVersion{6, 18}));
  EXPECT_EQ(*ParseKernelVersion("6.14.3"), (KernelVersion{6, 14}));
  EXPECT_EQ(*ParseKernelVersion("6.18.44-generic"), (KernelVersion{6, 18}));
  EXPECT_EQ(*ParseKernelVersion("v5"), (KernelVersion{5, 0}));
  EXPECT_FALSE(ParseKernelVersion("").ok());
  EXPECT_FALSE(ParseKernelVersion("six").ok());
  EXPECT_FALSE(ParseKernelVersion("6.x").ok());
  EXPECT_LT((KernelVersion{6, 9}), (KernelVersion{6, 14}));
}

TEST(Expectation, ExactClassesAndNegation) {
  const Outcome errno1 = One(0x00050001);
  const Outcome kill_t = One(0x00000000);
  const Outcome kill_p = One(0x80000000);
  const Outcome allow = One(0x7fff0000);
  const Outcome trap = One(0x00030005);
  auto m = [](const char* text, const Outcome& o) {
    Result<Expectation> e = ParseExpectation(text);
    EXPECT_TRUE(e.ok()) << text;
    return e.ok() && e->Matches(o);
  };
  EXPECT_TRUE(m("ERRNO(1)", errno1));
  EXPECT_TRUE(m("ERRNO(EPERM)", errno1));
  EXPECT_TRUE(m("errno(0x1)", errno1));
  EXPECT_TRUE(m("ERRNO", errno1));
  EXPECT_FALSE(m("ERRNO(2)", errno1));
  EXPECT_TRUE(m("!ALLOW", errno1));
  EXPECT_FALSE(m("!ALLOW", allow));
  EXPECT_TRUE(m("KILL", kill_t));
  EXPECT_TRUE(m("KILL", kill_p));
  EXPECT_FALSE(m("KILL", trap));
  EXPECT_TRUE(m("KILL_THREAD", kill_t));
  EXPECT_FALSE(m("KILL_THREAD", kill_p));
  EXPECT_TRUE(m("TRAP", trap));
  EXPECT_TRUE(m("TRAP(5)", trap));
  EXPECT_TRUE(m("!KILL", trap));
  EXPECT_TRUE(m(" ALLOW ", allow));
  EXPECT_FALSE(ParseExpectation("DENY").ok());
  EXPECT_FALSE(ParseExpectation("ALLOW(1)").ok());
  EXPECT_FALSE(ParseExpectation("ERRNO(5000)").ok());  // the kernel never returns it
  EXPECT_FALSE(ParseExpectation("ERRNO(ENOTANERRNO)").ok());
  EXPECT_FALSE(ParseExpectation("ERRNO(1").ok());
  const Result<Expectation> bad = ParseExpectation("NOPE", 7);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().line, 7);
}

// Found by the results fuzz target (fuzz/regressions/results/): an Outcome read back from a
// results file may hold any return value; its verdict is the negated value, never UB.
TEST(Outcome, VerdictOfAnyReturnValueIsDefined) {
  Outcome o;
  o.effect = Effect::kReturn;
  o.return_value = INT64_MIN;
  EXPECT_EQ(o.verdict().kind, Verdict::Kind::kErrno);
  EXPECT_EQ(o.verdict().n, 0u);
  o.return_value = -13;
  EXPECT_EQ(o.verdict().n, 13u);
}

}  // namespace
}  // namespace sckit
