// sckit dump against the live kernel: a process with a known stack (launched here through
// `sckit run`) yields the identical programs in the identical order, oldest first.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "live/dump.h"
#include "vm/bpf.h"
#include "formats/codec.h"

namespace sckit {
namespace {

std::string TempDir() {
  const char* t = std::getenv("TEST_TMPDIR");
  return t ? t : "/tmp";
}

std::string Write(const std::string& name, const Program& p) {
  const std::string path = TempDir() + "/" + name;
  std::vector<uint8_t> bytes = EncodeRaw(p);
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
  return path;
}

// Two distinct filters that both let `sleep` run: one checks the arch, one ERRNOs kill(2) and
// uses LEN and an ALU op so the original (un-rewritten) opcodes 0x20/0x80 must come back.
Program ArchFilter() {
  return Program{{Stmt(0x20, 4), Jump(0x15, 0xc000003e, 0, 1), Stmt(0x06, seccomp::kRetAllow),
                  Stmt(0x06, seccomp::kRetKillProcess)}};
}
Program DenyKill() {
  return Program{{Stmt(0x80, 0), Stmt(0x20, 0), Stmt(0x54, 0xffff), Jump(0x15, 62, 0, 1),
                  Stmt(0x06, seccomp::kRetErrno | 1), Stmt(0x06, seccomp::kRetAllow)}};
}

int SeccompFilterCount(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  int mode = -1;
  while (std::getline(in, line)) {
    if (line.rfind("Seccomp:", 0) == 0) mode = std::atoi(line.c_str() + 8);
  }
  return mode;
}

class LiveDump : public ::testing::Test {
 protected:
  void SetUp() override {
    if (prctl(PR_GET_SECCOMP) < 0) GTEST_SKIP() << "seccomp is not available";
  }
};

TEST_F(LiveDump, RunningProcessGivesIdenticalFiltersOldestFirst) {
  const std::string a = Write("arch.bpf", ArchFilter());
  const std::string b = Write("denykill.bpf", DenyKill());
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    execl("tools/sckit", "sckit", "run", "--filter", a.c_str(), "--filter", b.c_str(), "--flag",
          "log", "--", "/bin/sleep", "30", static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait until the filters are in place (mode 2) and the exec happened.
  for (int i = 0; i < 200 && SeccompFilterCount(pid) != 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Result<live::TaskFilters> t = live::DumpTask(pid);
  ASSERT_TRUE(t.ok()) << t.error().ToString();
  EXPECT_EQ(t->mode, 2);
  ASSERT_EQ(t->filters.size(), 2u);
  EXPECT_EQ(t->filters[0].program, ArchFilter());
  EXPECT_EQ(t->filters[1].program, DenyKill());
  EXPECT_EQ(t->filters[0].flags, seccomp::kFlagLog);
  // The process keeps running unharmed after the dump.
  EXPECT_EQ(kill(pid, 0), 0);
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, WNOHANG), 0);
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
}

TEST_F(LiveDump, TaskWithoutFiltersAndMissingTask) {
  Result<live::TaskFilters> self = live::DumpTask(getpid());
  ASSERT_TRUE(self.ok()) << self.error().ToString();
  EXPECT_EQ(self->mode, 0);
  EXPECT_TRUE(self->filters.empty());
  Result<live::TaskFilters> none = live::DumpTask(0x3ffffff0);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kernel_errno, ESRCH);
}

TEST_F(LiveDump, CapturesInstallsOfATracedCommand) {
  const std::string a = Write("arch2.bpf", ArchFilter());
  const std::string b = Write("denykill2.bpf", DenyKill());
  Result<live::TraceReport> r = live::DumpWhileRunning(
      {"tools/sckit", "run", "--filter", a, "--filter", b, "--", "/bin/true"});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->installs.size(), 2u);
  EXPECT_EQ(r->installs[0].program, ArchFilter());
  EXPECT_EQ(r->installs[1].program, DenyKill());
  EXPECT_EQ(r->installs[0].result, 0);
  EXPECT_FALSE(r->installs[0].via_prctl);
  ASSERT_TRUE(WIFEXITED(r->wait_status));
  EXPECT_EQ(WEXITSTATUS(r->wait_status), 0);
}

}  // namespace
}  // namespace sckit
