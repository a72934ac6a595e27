// `sckit kernel`'s probes (live/kernel_info.h) on the running kernel: the answers must agree
// with each other and with the kernel's rules (actions_avail lists exactly the actions
// SECCOMP_GET_ACTION_AVAIL accepts; seccomp_data is 64 bytes; an unknown filter flag is
// EINVAL), and the sysctl lists are read and refused as the kernel would write them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "live/kernel_info.h"
#include "tests/live_test_util.h"
#include "tools/command.h"
#include "vm/seccomp_log.h"

namespace sckit::live {
namespace {

std::string TmpFile(const std::string& name, const std::string& text) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir ? dir : "/tmp") + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(KernelInfo, ProbesAgreeWithEachOther) {
  REQUIRE_SECCOMP();
  Result<KernelInfo> k = ProbeKernel();
  ASSERT_TRUE(k.ok()) << k.error().ToString();
  EXPECT_GE(k->strict_mode.ret, 0);
  EXPECT_EQ(k->filter_mode.ret, -14);  // EFAULT
  ASSERT_EQ(k->actions.size(), 8u);
  if (k->actions_avail.present) {
    for (const ActionProbe& a : k->actions) {
      const Result<uint32_t> bit = ParseActionNames(a.name, false);
      ASSERT_TRUE(bit.ok());
      EXPECT_EQ(a.avail.ret == 0, (k->actions_avail.bits & *bit) != 0) << a.name;
    }
  }
  if (k->notif_sizes.ret == 0) {
    EXPECT_EQ(k->data, 64);
  }
  ASSERT_FALSE(k->flags.empty());
  EXPECT_EQ(k->flags.back().name, "unknown_bit6");
  EXPECT_FALSE(k->flags.back().known());
  EXPECT_EQ(k->flags.back().answer.ret, -22);  // EINVAL
  for (const FlagProbe& f : k->flags) {
    if (f.name == "tsync" || f.name == "log") {
      EXPECT_TRUE(f.known()) << f.name;  // 3.17, 4.14
    }
  }
  if (k->version >= KernelVersion{5, 11}) {
    EXPECT_EQ(k->dispatch.ret, 0);
  }
  EXPECT_EQ(k->uretprobe_passthrough,
            k->x86_64 && k->version >= kUretprobePassthroughSince);
}

TEST(KernelInfo, RunningLogConfigIsTheSysctls) {
  Result<LogConfig> c = ReadRunningLogConfig();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  Result<SysctlList> logged = ReadSysctlList(kActionsLoggedPath, true);
  ASSERT_TRUE(logged.ok());
  EXPECT_EQ(c->actions_logged, logged->present ? logged->bits : kDefaultActionsLogged);
  EXPECT_EQ(c->actions_logged & kLogAllow, 0u);
}

TEST(KernelInfo, SysctlListsAreReadAndRefusedLikeTheKernel) {
  Result<SysctlList> ok = ReadSysctlList(TmpFile("ok", "kill_process log\n"), true);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->present);
  EXPECT_EQ(ok->text, "kill_process log");
  EXPECT_EQ(ok->bits, kLogKillProcess | kLogLog);
  Result<SysctlList> absent = ReadSysctlList(TmpFile("x", "") + ".missing", true);
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->present);
  const std::string bad = TmpFile("bad", "kill_process frobnicate\n");
  Result<SysctlList> unknown = ReadSysctlList(bad, false);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().rule, "unknown-action-name");
  EXPECT_NE(unknown.error().message.find(bad), std::string::npos);
  EXPECT_NE(unknown.error().message.find("'frobnicate'"), std::string::npos);
}

TEST(KernelCommand, JsonNamesEveryPiece) {
  REQUIRE_SECCOMP();
  ::testing::internal::CaptureStdout();
  const int code = tools::CmdKernel({"--json"});
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(code, 0);
  for (const char* key : {"\"release\"", "\"strict_mode\": true", "\"filter_mode\": true",
                          "\"actions_avail\"", "\"actions_logged\"", "\"get_action_avail\"",
                          "\"notif_sizes\"", "\"filter_flags\"", "\"unknown_bit6\": false",
                          "\"syscall_user_dispatch\"", "\"uretprobe_passthrough\""}) {
    EXPECT_NE(out.find(key), std::string::npos) << key << " in " << out;
  }
  EXPECT_EQ(out.back(), '\n');
}

}  // namespace
}  // namespace sckit::live
