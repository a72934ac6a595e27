// seccomp_log() and the actions_logged / actions_avail sysctls (kernel/seccomp.c,
// vm/seccomp_log.h), through vm/outcome's Decide(): which call gets an audit record for each
// action, with and without SECCOMP_FILTER_FLAG_LOG, for every actions_logged that leaves one
// action out, and what an action missing from actions_avail does.
#include <gtest/gtest.h>

#include <vector>

#include "tests/eval_test_util.h"
#include "vm/outcome.h"
#include "vm/seccomp_log.h"
#include "vm/stack.h"

namespace sckit {
namespace {

using testing::Returning;

struct Case {
  uint32_t ret;
  Action action;
  uint32_t bit;
  bool needs_flag;  // logged only when the matched filter has FLAG_LOG
};
// The kernel's table: ERRNO/TRAP/TRACE(no tracer)/USER_NOTIF(no listener) need the flag; LOG
// and the kills do not; ALLOW is never logged.
const Case kCases[] = {
    {0x00050001, Action::kErrno, kLogErrno, true},
    {0x00030002, Action::kTrap, kLogTrap, true},
    {0x7ff00003, Action::kTrace, kLogTrace, true},
    {0x7fc00000, Action::kUserNotif, kLogUserNotif, true},
    {0x7ffc0000, Action::kLog, kLogLog, false},
    {0x00000000, Action::kKillThread, kLogKillThread, false},
    {0x80000000, Action::kKillProcess, kLogKillProcess, false},
    {0x10000000, Action::kUnknown, kLogKillProcess, false},  // default case: kill_process
};

Outcome Decide1(uint32_t ret, uint32_t flags, const KernelContext& ctx) {
  FilterStack stack;
  stack.Push(Returning(ret), flags);
  std::vector<uint32_t> rets(1);
  SeccompData d;
  d.nr = 39;
  d.arch = 0xc000003e;
  return Decide(stack, d, ctx, rets);
}

TEST(SeccompLog, DefaultActionsLogged) {
  const KernelContext ctx;
  for (const Case& c : kCases) {
    EXPECT_EQ(Decide1(c.ret, 0, ctx).logged, !c.needs_flag) << std::hex << c.ret;
    EXPECT_TRUE(Decide1(c.ret, seccomp::kFlagLog, ctx).logged) << std::hex << c.ret;
  }
  EXPECT_FALSE(Decide1(seccomp::kRetAllow, seccomp::kFlagLog, ctx).logged);
}

TEST(SeccompLog, LeavingOneActionOutSilencesOnlyIt) {
  for (const Case& left_out : kCases) {
    KernelContext ctx;
    ctx.log.actions_logged = kDefaultActionsLogged & ~left_out.bit;
    for (const Case& c : kCases) {
      const bool expect = c.bit != left_out.bit;
      EXPECT_EQ(Decide1(c.ret, seccomp::kFlagLog, ctx).logged, expect)
          << std::hex << c.ret << " without " << LogBitName(left_out.bit);
    }
  }
}

TEST(SeccompLog, NothingLoggedMeansNothingAndAuditOffMeansNothing) {
  KernelContext ctx;
  ctx.log.actions_logged = 0;
  for (const Case& c : kCases) EXPECT_FALSE(Decide1(c.ret, seccomp::kFlagLog, ctx).logged);
  ctx.log = LogConfig{};
  ctx.log.audit = false;
  for (const Case& c : kCases) EXPECT_FALSE(Decide1(c.ret, seccomp::kFlagLog, ctx).logged);
}

TEST(SeccompLog, TraceStopAndNotifiedCallsAreNotLoggedByTheSkipPath) {
  KernelContext ctx;
  ctx.tracer = true;
  ctx.listener = true;
  EXPECT_FALSE(Decide1(0x7ff00003, seccomp::kFlagLog, ctx).logged);  // PTRACE_EVENT_SECCOMP
  EXPECT_FALSE(Decide1(0x7fc00000, seccomp::kFlagLog, ctx).logged);  // the supervisor decides
}

TEST(SeccompLog, StrictModeKillsAreLoggedAsKillThread) {
  KernelContext ctx;
  ctx.mode = Mode::kStrict;
  FilterStack none;
  std::vector<uint32_t> rets;
  SeccompData d;
  d.nr = 39;
  d.arch = 0xc000003e;
  EXPECT_TRUE(Decide(none, d, ctx, rets).logged);
  ctx.log.actions_logged = kDefaultActionsLogged & ~kLogKillThread;
  EXPECT_FALSE(Decide(none, d, ctx, rets).logged);
  ctx.log.actions_logged = kLogKillThread;
  EXPECT_TRUE(Decide(none, d, ctx, rets).logged);
}

TEST(SeccompLog, AnActionMissingFromActionsAvailKillsTheProcess) {
  KernelContext ctx;
  ctx.log.actions_avail = kAllActionBits & ~kLogUserNotif & ~kLogLog;  // a 4.14-era kernel
  for (uint32_t ret : {0x7fc00000u, 0x7ffc0000u}) {
    const Outcome o = Decide1(ret, 0, ctx);
    EXPECT_EQ(o.Text(), "KILL_PROCESS") << std::hex << ret;
    EXPECT_TRUE(o.unavailable);
    EXPECT_EQ(o.action, ActionOf(ret));  // what the filter asked for
    EXPECT_TRUE(o.logged);               // as kill_process
    EXPECT_EQ(o.signal, 31);
  }
  const Outcome errno_o = Decide1(0x00050001, 0, ctx);
  EXPECT_EQ(errno_o.Text(), "ERRNO(1)");
  EXPECT_FALSE(errno_o.unavailable);
  EXPECT_FALSE(Decide1(0x10000000, 0, ctx).unavailable);  // unknown values are never "known"
}

TEST(SeccompLog, ActionNameLists) {
  EXPECT_EQ(*ParseActionNames("kill_process kill_thread trap errno user_notif trace log", true),
            kDefaultActionsLogged);
  EXPECT_EQ(*ParseActionNames("allow,log  errno\n", false), kLogAllow | kLogLog | kLogErrno);
  EXPECT_EQ(*ParseActionNames("", true), 0u);
  Result<uint32_t> allow = ParseActionNames("log allow", true);
  ASSERT_FALSE(allow.ok());
  EXPECT_EQ(allow.error().rule, "unknown-action-name");
  EXPECT_NE(allow.error().message.find("EINVAL"), std::string::npos);
  Result<uint32_t> typo = ParseActionNames("kill_process killthread", false);
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().message.find("'killthread'"), std::string::npos);
  EXPECT_FALSE(ParseActionNames("KILL_PROCESS", false).ok());  // the kernel compares exactly
  EXPECT_EQ(ActionNamesText(kAllActionBits),
            "kill_process kill_thread trap errno user_notif trace log allow");
  EXPECT_EQ(ActionNamesText(0), "");
}

}  // namespace
}  // namespace sckit
