// sckit dump against the live kernel: a process with a known stack (launched here through
// `sckit run`) yields the identical programs in the identical order, oldest first; a traced
// command's tasks get their real stacks (inherited across fork and clone, synchronised by
// TSYNC), and `sckit dump -- CMD` writes them, oldest first; a command that cannot start and an
// unusable --out are errors.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>
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

constexpr char kHelper[] = "tests/live/install_helper";

// The stack of `tid` in the report, as programs; fails the test when the task is not listed.
std::vector<Program> StackOf(const live::TraceReport& r, pid_t tid) {
  for (const live::TaskStack& s : r.stacks) {
    if (s.tid != tid) continue;
    std::vector<Program> out;
    for (size_t i : s.installs) out.push_back(r.installs.at(i).program);
    return out;
  }
  ADD_FAILURE() << "task " << tid << " has no stack in the report";
  return {};
}

TEST_F(LiveDump, AForkedChildsStackIncludesWhatItInherited) {
  const std::string a = Write("fork_a.bpf", ArchFilter());
  const std::string b = Write("fork_b.bpf", DenyKill());
  Result<live::TraceReport> r = live::DumpWhileRunning({kHelper, "fork", a, b});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_TRUE(WIFEXITED(r->wait_status) && WEXITSTATUS(r->wait_status) == 0);
  ASSERT_EQ(r->installs.size(), 2u);
  const pid_t parent = r->installs[0].tid, child = r->installs[1].tid;
  ASSERT_NE(parent, child);
  EXPECT_TRUE(r->installs[0].attached && r->installs[1].attached);
  EXPECT_EQ(StackOf(*r, child), (std::vector<Program>{ArchFilter(), DenyKill()}));
  EXPECT_EQ(StackOf(*r, parent), (std::vector<Program>{ArchFilter()}));
  EXPECT_EQ(r->stacks.size(), 2u);
}

TEST_F(LiveDump, ThreadsInheritAtCreationAndTsyncGivesTheCallersStack) {
  const std::string a = Write("thr_a.bpf", ArchFilter());
  const std::string b = Write("thr_b.bpf", DenyKill());
  // A thread that installs B itself: A (inherited) then B; the main thread keeps A.
  Result<live::TraceReport> r = live::DumpWhileRunning({kHelper, "thread", a, b});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->installs.size(), 2u);
  EXPECT_EQ(StackOf(*r, r->installs[1].tid), (std::vector<Program>{ArchFilter(), DenyKill()}));
  EXPECT_EQ(StackOf(*r, r->installs[0].tid), (std::vector<Program>{ArchFilter()}));
  // The main thread installs B with TSYNC: the other thread, which installed nothing, has
  // A and B too.
  r = live::DumpWhileRunning({kHelper, "tsync", a, b});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->installs.size(), 2u);
  EXPECT_EQ(r->installs[1].result, 0);
  EXPECT_TRUE(r->installs[1].attached);
  const pid_t main_tid = r->installs[0].tid;
  EXPECT_EQ(StackOf(*r, main_tid), (std::vector<Program>{ArchFilter(), DenyKill()}));
  ASSERT_EQ(r->stacks.size(), 2u);
  const live::TaskStack& other = r->stacks[0].tid == main_tid ? r->stacks[1] : r->stacks[0];
  EXPECT_NE(other.tid, main_tid);
  EXPECT_EQ(StackOf(*r, other.tid), (std::vector<Program>{ArchFilter(), DenyKill()}));
}

std::vector<uint8_t> ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::string RunSckit(const std::string& args, int* code) {
  const std::string out = TempDir() + "/sckit.out";
  *code = std::system(("tools/sckit " + args + " >" + out + " 2>&1").c_str());
  *code = WIFEXITED(*code) ? WEXITSTATUS(*code) : -1;
  std::ifstream in(out);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The files `sckit dump --out` writes for the forked child are its real stack, oldest first.
TEST_F(LiveDump, DumpCommandWritesEachTasksWholeStack) {
  const std::string a = Write("cli_a.bpf", ArchFilter());
  const std::string b = Write("cli_b.bpf", DenyKill());
  const std::string dir = TempDir() + "/stacks";
  int code = 0;
  const std::string out =
      RunSckit("dump --out " + dir + " -- " + kHelper + " fork " + a + " " + b, &code);
  ASSERT_EQ(code, 0) << out;
  // "  task TID: 2 filter(s): install 0,1 -> DIR/TID.0.bpf DIR/TID.1.bpf"
  const size_t at = out.find(": 2 filter(s): install 0,1 -> ");
  ASSERT_NE(at, std::string::npos) << out;
  const size_t start = out.rfind("task ", at) + 5;
  const std::string tid = out.substr(start, at - start);
  EXPECT_EQ(ReadBytes(dir + "/" + tid + ".0.bpf"), EncodeRaw(ArchFilter()));
  EXPECT_EQ(ReadBytes(dir + "/" + tid + ".1.bpf"), EncodeRaw(DenyKill()));
  EXPECT_NE(out.find("oldest filter first"), std::string::npos) << out;
  EXPECT_NE(out.find("inherited filters included"), std::string::npos) << out;
}

TEST_F(LiveDump, CommandsThatCannotStartAndBadOutDirsAreErrors) {
  Result<live::TraceReport> r = live::DumpWhileRunning({"/nonexistent/command"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rule, "command-not-found");
  EXPECT_EQ(r.error().kernel_errno, ENOENT);
  int code = 0;
  std::string out = RunSckit("dump -- /nonexistent/command", &code);
  EXPECT_EQ(code, 127) << out;
  EXPECT_NE(out.find("/nonexistent/command: No such file or directory"), std::string::npos)
      << out;
  out = RunSckit("dump -- /etc/passwd", &code);  // not executable
  EXPECT_EQ(code, 126) << out;
  const std::string file = Write("not_a_dir", ArchFilter());
  out = RunSckit("dump --out " + file + " -- /bin/true", &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find(file + ": exists and is not a directory"), std::string::npos) << out;
  EXPECT_EQ(out.find("Success"), std::string::npos) << out;
  out = RunSckit("dump --out " + file + " --pid 1", &code);
  EXPECT_EQ(code, 2) << out;
}

}  // namespace
}  // namespace sckit
