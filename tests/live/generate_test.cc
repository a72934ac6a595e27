// sckit generate against the live kernel: commands recorded by the tracer (a shell pipeline,
// python, a small TCP server), the policy compiled and the same command run under it with
// `sckit run` (it succeeds), while a call outside the trace is denied; `sckit test --strace`
// on a trace recorded with strace replays it against the filter; a real audit record from the
// kernel log read by generate and test --audit.
#include "live/trace_syscalls.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "formats/codec.h"
#include "tests/live_test_util.h"
#include "policy/generate.h"
#include "vm/arch.h"
#include "vm/bpf.h"
#include "vm/program.h"

namespace sckit {
namespace {

std::string TempDir() {
  const char* t = std::getenv("TEST_TMPDIR");
  return t ? t : "/tmp";
}

struct RunResult {
  int status = 0;  // raw wait status of the shell running sckit
  std::string output;
};

// tools/sckit ARGS, standard output and error together (stdin from /dev/null).
RunResult Sckit(const std::string& args) {
  const std::string out = TempDir() + "/out.txt";
  const std::string cmd = "tools/sckit " + args + " </dev/null >" + out + " 2>&1";
  RunResult r;
  r.status = std::system(cmd.c_str());
  std::ifstream in(out);
  r.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return r;
}

int ExitCode(const RunResult& r) { return WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1; }

// The shell reports a command killed by SIGSYS as 128 + 31.
bool KilledBySigsys(const RunResult& r) { return ExitCode(r) == 128 + SIGSYS; }

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// generate -> compile -> run, for `command` (already quoted for the shell).
std::string GenerateAndCompile(const std::string& name, const std::string& command) {
  const std::string policy = TempDir() + "/" + name + ".policy";
  const std::string filter = TempDir() + "/" + name + ".bpf";
  RunResult g = Sckit("generate -o " + policy + " -- " + command);
  EXPECT_EQ(ExitCode(g), 0) << g.output;
  RunResult c = Sckit("compile " + policy + " --kill-process -o " + filter);
  EXPECT_EQ(ExitCode(c), 0) << c.output;
  return filter;
}

const char* kPipeline = "ls / | wc -l";

TEST(TraceSyscalls, ShellPipelineFromItsExecve) {
  REQUIRE_SECCOMP();
  Result<live::SyscallTrace> t = live::TraceSyscalls({"/bin/sh", "-c", kPipeline});
  ASSERT_TRUE(t.ok()) << t.error().ToString();
  ASSERT_FALSE(t->calls.empty());
  EXPECT_TRUE(WIFEXITED(t->wait_status) && WEXITSTATUS(t->wait_status) == 0);
  // Nothing sckit's child did before the command (ptrace(TRACEME), raise) is recorded.
  EXPECT_EQ(t->calls.front().record.nr, SYS_execve);
  EXPECT_EQ(t->calls.front().pointer_args & 1, 1);  // the path: an address, maybe a pointer
  std::set<int64_t> pids;
  std::set<std::string> names;
  for (const TraceCall& c : t->calls) {
    EXPECT_EQ(c.record.arch, kAuditArchX86_64);
    EXPECT_EQ(c.known_args, 0x3f);
    pids.insert(c.pid);
    names.insert(c.name);
  }
  EXPECT_GE(pids.size(), 3u);  // sh, ls, wc: forks are followed
  for (const char* n : {"pipe2", "wait4", "getdents64", "execve", "exit_group"}) {
    EXPECT_TRUE(names.count(n)) << n;
  }
  EXPECT_FALSE(names.count("ptrace"));
  EXPECT_EQ(t->seen, t->calls.size());
  EXPECT_FALSE(t->truncated);
  Result<live::SyscallTrace> missing = live::TraceSyscalls({"/nonexistent/cmd"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().rule, "command-not-found");
}

// Python's socket call as the tracer records it: the family and type are checked by name.
TEST(TraceSyscalls, PythonSocketFamilies) {
  REQUIRE_SECCOMP();
  if (access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
  Result<live::SyscallTrace> t = live::TraceSyscalls(
      {"/usr/bin/python3", "-c",
       "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()"});
  ASSERT_TRUE(t.ok()) << t.error().ToString();
  Result<policy::GeneratedPolicy> g = policy::GeneratePolicy(t->calls, {});
  ASSERT_TRUE(g.ok()) << g.error().ToString();
  // (python's start-up may make AF_UNIX sockets too: other clauses of the same rule)
  EXPECT_NE(g->text.find("arg0 == AF_INET && arg1 == SOCK_DGRAM|SOCK_CLOEXEC\n"),
            std::string::npos)
      << g->text;
  EXPECT_NE(g->text.find("\nmmap: arg2 in "), std::string::npos);
}

TEST(GenerateEndToEnd, ShellPipelineRunsUnderItsPolicyAndNothingElse) {
  REQUIRE_SECCOMP();
  const std::string filter = GenerateAndCompile("pipeline", "/bin/sh -c " + Quote(kPipeline));
  RunResult plain = Sckit("run --filter " + filter + " -- /bin/sh -c " + Quote(kPipeline));
  EXPECT_EQ(ExitCode(plain), 0) << plain.output;
  RunResult expected;
  expected.status = std::system(("/bin/sh -c " + Quote(kPipeline) + " >" + TempDir() +
                                 "/direct.txt").c_str());
  std::ifstream direct(TempDir() + "/direct.txt");
  const std::string want((std::istreambuf_iterator<char>(direct)),
                         std::istreambuf_iterator<char>());
  EXPECT_EQ(plain.output, want);
  // getgroups (id -G) was never in the trace: the policy's default kills the process.
  RunResult extra = Sckit("run --filter " + filter + " -- /bin/sh -c " +
                          Quote(std::string(kPipeline) + "; id -G"));
  EXPECT_TRUE(KilledBySigsys(extra)) << extra.status << ": " << extra.output;
}

// A small TCP server: listens on the loopback, a forked client connects, sends, reads the
// answer. Run again under its policy it works; an AF_INET6 socket it never made is denied.
TEST(GenerateEndToEnd, SmallServer) {
  REQUIRE_SECCOMP();
  if (access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
  const std::string server =
      "import os, socket\n"
      "s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
      "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
      "s.bind(('127.0.0.1', 0)); s.listen(1)\n"
      "port = s.getsockname()[1]\n"
      "if os.fork() == 0:\n"
      "    c = socket.create_connection(('127.0.0.1', port)); c.sendall(b'ping')\n"
      "    print(c.recv(4).decode(), flush=True); os._exit(0)\n"
      "conn, _ = s.accept(); conn.sendall(conn.recv(4).replace(b'i', b'o'))\n"
      "os.wait()\n";
  const std::string cmd = "/usr/bin/python3 -c " + Quote(server);
  const std::string filter = GenerateAndCompile("server", cmd);
  std::ifstream policy(TempDir() + "/server.policy");
  const std::string text((std::istreambuf_iterator<char>(policy)),
                         std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("arg0 == AF_INET && arg1 == SOCK_STREAM|SOCK_CLOEXEC"),
            std::string::npos) << text;
  RunResult ok = Sckit("run --filter " + filter + " -- " + cmd);
  EXPECT_EQ(ExitCode(ok), 0) << ok.output;
  EXPECT_NE(ok.output.find("pong"), std::string::npos) << ok.output;
  const std::string with_v6 = "/usr/bin/python3 -c " +
                              Quote(server + "socket.socket(socket.AF_INET6, socket.SOCK_STREAM)\n");
  RunResult denied = Sckit("run --filter " + filter + " -- " + with_v6);
  EXPECT_TRUE(KilledBySigsys(denied)) << denied.status << ": " << denied.output;
}

// strace's own trace of the pipeline replays against the tracer's policy: every call passes;
// a trace with a call the policy denies fails with that line.
TEST(GenerateEndToEnd, TestStraceReplaysATrace) {
  REQUIRE_SECCOMP();
  if (access("/usr/bin/strace", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/strace";
  const std::string filter = GenerateAndCompile("replay", "/bin/sh -c " + Quote(kPipeline));
  const std::string trace = TempDir() + "/pipeline.strace";
  ASSERT_EQ(std::system(("/usr/bin/strace -f -o " + trace + " /bin/sh -c " + Quote(kPipeline) +
                         " >/dev/null").c_str()), 0);
  RunResult pass = Sckit("test --filter " + filter + " --strace " + trace + " --junit " +
                         TempDir() + "/j.xml");
  EXPECT_EQ(ExitCode(pass), 0) << pass.output;
  EXPECT_NE(pass.output.find(" passed, 0 failed"), std::string::npos) << pass.output;
  const std::string bad = TempDir() + "/extra.strace";
  ASSERT_EQ(std::system(("/usr/bin/strace -f -o " + bad + " /bin/sh -c " +
                         Quote(std::string(kPipeline) + "; id -G") + " >/dev/null").c_str()), 0);
  RunResult fail = Sckit("test --filter " + filter + " --strace " + bad);
  EXPECT_EQ(ExitCode(fail), 1) << fail.output;
  EXPECT_NE(fail.output.find(": FAIL: "), std::string::npos) << fail.output;
  EXPECT_NE(fail.output.find("getgroups("), std::string::npos) << fail.output;
  EXPECT_NE(fail.output.find("got:      KILL_PROCESS"), std::string::npos) << fail.output;
}

// A filter returning `action` for getppid and ALLOW for everything else.
std::string GetppidFilter(const std::string& name, uint32_t action) {
  const Program p{{Stmt(0x20, 0), Jump(0x15, SYS_getppid, 0, 1), Stmt(0x06, action),
                   Stmt(0x06, seccomp::kRetAllow)}};
  const std::string path = TempDir() + "/" + name;
  const std::vector<uint8_t> bytes = EncodeRaw(p);
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return path;
}

// The first type=1326 record of a getppid call by a process called sh in the kernel log.
std::string ReadGetppidRecord(int kmsg) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  char buf[8192];
  while (std::chrono::steady_clock::now() < deadline) {
    const ssize_t n = read(kmsg, buf, sizeof buf - 1);
    if (n <= 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // kauditd is asynchronous
      continue;
    }
    const std::string line(buf, static_cast<size_t>(n));
    if (line.find("type=1326") != std::string::npos && line.find("comm=\"sh\"") != std::string::npos &&
        line.find(" syscall=" + std::to_string(SYS_getppid) + " ") != std::string::npos) {
      return line;
    }
  }
  return "";
}

// Real audit records: a LOG filter on getppid, dash calls getppid at start-up, the kernel
// writes a type=1326 record to its log (/dev/kmsg, "6,seq,usec,-;audit: ..."); generate reads
// it, and test --audit replays it (LOG passes, a filter denying getppid fails).
TEST(GenerateEndToEnd, AuditRecordsFromTheKernelLog) {
  REQUIRE_SECCOMP();
  const int kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (kmsg < 0) GTEST_SKIP() << "cannot read /dev/kmsg";
  const std::string log_filter = GetppidFilter("log.bpf", seccomp::kRetLog);
  // The kernel log is rate limited (printk_ratelimit: a burst of 10 per 5 s, shared with every
  // test that logs): a run whose record was dropped is retried after the window.
  std::string records;
  for (int attempt = 0; attempt < 3 && records.empty(); ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5500));
    lseek(kmsg, 0, SEEK_END);
    RunResult r = Sckit("run --filter " + log_filter + " -- /bin/sh -c 'exit 0'");
    ASSERT_EQ(ExitCode(r), 0) << r.output;
    records = ReadGetppidRecord(kmsg);
  }
  close(kmsg);
  if (records.empty()) GTEST_SKIP() << "no record seen (audit=0, or the printk rate limit)";
  const std::string log = TempDir() + "/kmsg.log";
  std::ofstream(log) << records;
  RunResult g = Sckit("generate --args none --audit " + log + " -o " + TempDir() + "/a.policy");
  ASSERT_EQ(ExitCode(g), 0) << g.output;
  std::ifstream policy(TempDir() + "/a.policy");
  const std::string text((std::istreambuf_iterator<char>(policy)),
                         std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\ngetppid: 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("(sh)"), std::string::npos) << text;  // comm, in the rule's comment
  RunResult pass = Sckit("test --filter " + log_filter + " --audit " + log);
  EXPECT_EQ(ExitCode(pass), 0) << pass.output;
  RunResult fail = Sckit("test --filter " + GetppidFilter("deny.bpf", seccomp::kRetErrno | 1) +
                         " --audit " + log);
  EXPECT_EQ(ExitCode(fail), 1) << fail.output;
  EXPECT_NE(fail.output.find("got:      ERRNO(1)"), std::string::npos) << fail.output;
}

}  // namespace
}  // namespace sckit
