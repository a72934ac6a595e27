// sckit run against the live kernel: the installed filters really act on the command, and the
// command never runs when anything fails before it starts.
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "vm/bpf.h"
#include "formats/codec.h"
#include "vm/program.h"

namespace sckit {
namespace {

constexpr uint32_t kNrOpenat = 257;
constexpr uint32_t kNrExecve = 59;

std::string TempDir() {
  const char* t = std::getenv("TEST_TMPDIR");
  return t ? t : "/tmp";
}

// ld [nr]; jeq #nr, deny, allow
std::string WriteFilter(const std::string& name, uint32_t nr, uint32_t deny) {
  Program p{{Stmt(0x20, 0), Jump(0x15, nr, 0, 1), Stmt(0x06, deny),
             Stmt(0x06, seccomp::kRetAllow)}};
  const std::string path = TempDir() + "/" + name;
  std::vector<uint8_t> bytes = EncodeRaw(p);
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
  return path;
}

struct RunResult {
  int status = 0;  // raw wait status
  std::string output;
};

RunResult Sckit(const std::string& args) {
  const std::string out = TempDir() + "/out.txt";
  const std::string cmd = "tools/sckit " + args + " >" + out + " 2>&1";
  RunResult r;
  r.status = std::system(cmd.c_str());
  std::ifstream in(out);
  r.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return r;
}

bool SeccompAvailable() { return prctl(PR_GET_SECCOMP) >= 0; }

class LiveRun : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!SeccompAvailable()) GTEST_SKIP() << "seccomp is not available on this kernel";
  }
};

TEST_F(LiveRun, ErrnoOnOpenatMakesCatFailWithThatErrno) {
  const std::string data = TempDir() + "/data.txt";
  std::ofstream(data) << "hello\n";
  // Allowed: cat prints the file.
  RunResult ok = Sckit("run --filter " + WriteFilter("allow.bpf", 9999, 0) + " -- /bin/cat " +
                       data);
  ASSERT_TRUE(WIFEXITED(ok.status));
  EXPECT_EQ(WEXITSTATUS(ok.status), 0) << ok.output;
  EXPECT_EQ(ok.output, "hello\n");
  // ERRNO(EACCES) on openat: the dynamic loader cannot even open libc.
  RunResult denied = Sckit("run --filter " +
                           WriteFilter("deny.bpf", kNrOpenat, seccomp::kRetErrno | EACCES) +
                           " -- /bin/cat " + data);
  ASSERT_TRUE(WIFEXITED(denied.status));
  EXPECT_NE(WEXITSTATUS(denied.status), 0);
  EXPECT_NE(denied.output.find("Permission denied"), std::string::npos) << denied.output;
  EXPECT_EQ(denied.output.find("hello"), std::string::npos);
}

TEST_F(LiveRun, KillProcessKillsWithSigsys) {
  RunResult r = Sckit("run --filter " +
                      WriteFilter("kill.bpf", kNrOpenat, seccomp::kRetKillProcess) +
                      " -- /bin/cat /etc/hostname");
  // system() runs a shell, which reports a child killed by signal N as exit status 128 + N.
  ASSERT_TRUE(WIFEXITED(r.status));
  EXPECT_EQ(WEXITSTATUS(r.status), 128 + SIGSYS) << r.output;
}

TEST_F(LiveRun, RejectedFilterLeavesTheCommandUnrun) {
  const std::string marker = TempDir() + "/marker-rejected";
  std::remove(marker.c_str());
  // jf jumps past the end: the verifier (and the kernel) reject it.
  Program bad{{Stmt(0x20, 0), Jump(0x15, 1, 0, 9), Stmt(0x06, seccomp::kRetAllow)}};
  const std::string path = TempDir() + "/bad.bpf";
  std::vector<uint8_t> bytes = EncodeRaw(bad);
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
  RunResult r = Sckit("run --filter " + path + " -- /usr/bin/touch " + marker);
  ASSERT_TRUE(WIFEXITED(r.status));
  EXPECT_EQ(WEXITSTATUS(r.status), 125);
  EXPECT_NE(r.output.find("jump-out-of-range"), std::string::npos) << r.output;
  struct stat st;
  EXPECT_NE(stat(marker.c_str(), &st), 0) << "the command ran although the filter was rejected";
}

TEST_F(LiveRun, DeniedExecveLeavesTheCommandUnrun) {
  const std::string marker = TempDir() + "/marker-execve";
  std::remove(marker.c_str());
  RunResult r = Sckit("run --filter " +
                      WriteFilter("noexec.bpf", kNrExecve, seccomp::kRetErrno | EPERM) +
                      " -- /usr/bin/touch " + marker);
  ASSERT_TRUE(WIFEXITED(r.status));
  EXPECT_EQ(WEXITSTATUS(r.status), 126) << r.output;
  EXPECT_NE(r.output.find("EPERM"), std::string::npos) << r.output;
  struct stat st;
  EXPECT_NE(stat(marker.c_str(), &st), 0);
}

TEST_F(LiveRun, StackOverTheKernelLimitIsRefusedBeforeInstalling) {
  const std::string marker = TempDir() + "/marker-limit";
  std::remove(marker.c_str());
  Program big{std::vector<SockFilter>(4096, Stmt(0x06, seccomp::kRetAllow))};
  const std::string path = TempDir() + "/big.bpf";
  std::vector<uint8_t> bytes = EncodeRaw(big);
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
  std::string args = "run";
  for (int i = 0; i < 5; ++i) args += " --filter " + path;
  RunResult r = Sckit(args + " -- /usr/bin/touch " + marker);
  ASSERT_TRUE(WIFEXITED(r.status));
  EXPECT_EQ(WEXITSTATUS(r.status), 125);
  EXPECT_NE(r.output.find("path-too-long"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ENOMEM"), std::string::npos) << r.output;
  struct stat st;
  EXPECT_NE(stat(marker.c_str(), &st), 0);
}

TEST_F(LiveRun, CommandNotFoundAndUsage) {
  RunResult r = Sckit("run --filter " + WriteFilter("a.bpf", 9999, 0) + " -- no-such-cmd-xyz");
  EXPECT_EQ(WEXITSTATUS(r.status), 127) << r.output;
  RunResult u = Sckit("run -- /bin/true");
  EXPECT_EQ(WEXITSTATUS(u.status), 2) << u.output;
}

}  // namespace
}  // namespace sckit
