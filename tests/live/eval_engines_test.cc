// `sckit eval/test --engine kernel|all` on the bundled examples: the interpreter, the JIT and
// the running kernel (through live/kernel_engine) agree on every case, and the kernel engine's
// answers meet the cases' expectations.
#include <sys/prctl.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace {

struct CmdRun {
  int code = -1;
  std::string out;
};

CmdRun Sckit(const std::string& args) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string out = std::string(tmp ? tmp : "/tmp") + "/engines.out";
  const int status = std::system(("tools/sckit " + args + " >" + out + " 2>&1").c_str());
  CmdRun r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(out);
  r.out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return r;
}

class LiveEngines : public ::testing::Test {
 protected:
  void SetUp() override {
    if (prctl(PR_GET_SECCOMP) < 0) GTEST_SKIP() << "seccomp is not available";
    // The kernel engine needs CAP_SYS_ADMIN (PTRACE_O_SUSPEND_SECCOMP).
    CmdRun probe = Sckit("eval -f examples/server/server.bpf -d nr=read --engine kernel");
    if (probe.out.find("could not start") != std::string::npos) {
      GTEST_SKIP() << "the live kernel engine is unavailable here: " << probe.out;
    }
  }
};

TEST_F(LiveEngines, AllEnginesAgreeOnTheBundledCases) {
  struct Example {
    const char* filters;
    const char* cases;
  } examples[] = {
      {"-f examples/server/server.bpf", "examples/server/server.cases"},
      {"-f examples/denylist/denylist.bpf", "examples/denylist/denylist.cases"},
      {"-f examples/socket-args/socket-args.bpf", "examples/socket-args/socket-args.cases"},
      {"-f examples/multiarch/multiarch.bpf", "examples/multiarch/multiarch.cases"},
      {"-f examples/multiarch/multiarch.bpf -f examples/socket-args/socket-args.bpf",
       "examples/stack/stack.cases"},
  };
  for (const Example& e : examples) {
    const CmdRun r = Sckit(std::string("test --engine all ") + e.filters + " " + e.cases);
    EXPECT_EQ(r.code, 0) << e.cases << "\n" << r.out;
    EXPECT_NE(r.out.find(" 0 failed"), std::string::npos) << r.out;
  }
}

TEST_F(LiveEngines, EvalReportsTheKernelsAnswer) {
  const CmdRun r = Sckit(
      "eval -f examples/server/server.bpf --engine all -d nr=execve "
      "-d 'nr=openat args=0xffffff9c,0x7ffc0000,0x241' -d 'arch=aarch64 nr=0'");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("interp KILL_PROCESS, jit KILL_PROCESS, kernel KILL_PROCESS"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("interp ERRNO(13), jit ERRNO(13), kernel ERRNO(13)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("not reproducible"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("MISMATCH"), std::string::npos) << r.out;
}

}  // namespace
