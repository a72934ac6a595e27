// `sckit eval/test --engine kernel|all` on the bundled examples: the interpreter, the JIT and
// the running kernel (through live/kernel_engine) agree on every case, and the kernel engine's
// answers meet the cases' expectations. The kernel's own selftests precedence.* (tools/testing/
// selftests/seccomp/seccomp_bpf.c) as sckit cases through both engines, with and without a
// tracer (issue 22); --engine all never turns a failure into a skip (issue 20).
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

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
      {"--strict", "examples/strict/strict.cases"},  // a child really in strict mode
  };
  for (const Example& e : examples) {
    const CmdRun r = Sckit(std::string("test --engine all ") + e.filters + " " + e.cases);
    EXPECT_EQ(r.code, 0) << e.cases << "\n" << r.out;
    EXPECT_NE(r.out.find(" 0 failed"), std::string::npos) << r.out;
  }
  const CmdRun strict = Sckit("test --strict --engine kernel examples/strict/strict.cases");
  EXPECT_EQ(strict.code, 0) << strict.out;
  EXPECT_NE(strict.out.find("14 passed, 0 failed, 4 skipped; checked by kernel 14 "
                            "(4 not reproducible)"),
            std::string::npos)
      << strict.out;
}

TEST_F(LiveEngines, EvalReportsTheKernelsAnswer) {
  const CmdRun r = Sckit(
      "eval -f examples/server/server.bpf --engine all -d nr=execve "
      "-d 'nr=openat args=0xffffff9c,0x7ffc0000,0x241' -d 'arch=aarch64 nr=0'");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("interp KILL_PROCESS, jit KILL_PROCESS, kernel KILL_PROCESS"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("interp ERRNO(13) EACCES, jit ERRNO(13) EACCES, kernel ERRNO(13) EACCES\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("not reproducible"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("MISMATCH"), std::string::npos) << r.out;
}

// One JSON shape for every engine: the top-level "outcome", "ret" and "action" are the selected
// engine's answer (the kernel observes effects, not raw values: its ret and action are null);
// --engine all puts each engine's answer in "engines" beside the interpreter's at the top.
TEST_F(LiveEngines, JsonHasTheSameTopLevelAnswerForEveryEngine) {
  const std::string record = "-d 'nr=openat args=0xffffff9c,0x7ffc0000,0x241' --json";
  const std::string head =
      "{\"record\": \"arch=0xc000003e nr=257 ip=0x0 args=0xffffff9c,0x7ffc0000,0x241,0x0,0x0,"
      "0x0\", \"text\": \"arch=x86_64 nr=openat(257) a0=0xffffff9c a1=0x7ffc0000 a2=0x241\", "
      "\"arch_name\": \"x86_64\", \"syscall\": \"openat\", \"engine\": ";
  const std::string answer = "\"outcome\": \"ERRNO(13)\", \"errno_name\": \"EACCES\", ";
  for (const char* engine : {"interp", "jit", "kernel", "all"}) {
    const CmdRun r =
        Sckit("eval -f examples/server/server.bpf --engine " + std::string(engine) + " " + record);
    ASSERT_EQ(r.code, 0) << engine << "\n" << r.out;
    EXPECT_EQ(r.out.rfind(head + "\"" + engine + "\", " + answer, 0), 0u) << r.out;
    const bool raw = std::string(engine) != "kernel";
    EXPECT_NE(r.out.find(answer + (raw ? "\"ret\": \"0x0005000d\", \"action\": \"ERRNO\""
                                       : "\"ret\": null, \"action\": null")),
              std::string::npos)
        << r.out;
    EXPECT_EQ(r.out.find("\"kernel\": {\"outcome\"") != std::string::npos,
              std::string(engine) == "all")
        << r.out;
  }
  const CmdRun all = Sckit("eval -f examples/server/server.bpf --engine all " + record);
  EXPECT_NE(all.out.find("\"engines\": {\"interp\": {" + answer +
                         "\"ret\": \"0x0005000d\", \"action\": \"ERRNO\"}, \"jit\": {" +
                         answer + "\"ret\": \"0x0005000d\", \"action\": \"ERRNO\"}, "
                                  "\"kernel\": {" + answer + "\"ret\": null, \"action\": null, "
                                  "\"possible\": [\"ERRNO(13)\"]"),
            std::string::npos)
      << all.out;
  EXPECT_NE(all.out.find("\"agree\": true}\n"), std::string::npos) << all.out;
}

std::string WriteCases(const std::string& name, const std::string& text) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(tmp ? tmp : "/tmp") + "/" + name + ".cases";
  std::ofstream(path) << text;
  return path;
}

// The selftest fixture's filters (tests/live/data/precedence/*.s: ALLOW, or the action on
// x86-64 getpid 39 and ALLOW otherwise), stacked oldest first as each selftest installs them,
// and what getpid gets without a tracer and under one with PTRACE_O_TRACESECCOMP. The
// selftests' facts: KILL > TRAP > ERRNO > TRACE > LOG > ALLOW in any order; a TRACE with no
// tracer fails with -1/ENOSYS (trace_is_fourth: "No ptracer").
TEST_F(LiveEngines, KernelSelftestPrecedenceThroughBothEngines) {
  struct Selftest {
    const char* name;
    std::vector<const char*> filters;
    const char* untraced;
    const char* traced;
  };
  const std::vector<Selftest> selftests = {
      {"kill_is_highest",
       {"allow", "log", "trace", "errno", "trap", "kill"},
       "KILL_THREAD",
       "KILL_THREAD"},
      {"kill_is_highest_in_any_order",
       {"allow", "kill", "errno", "log", "trace", "trap"},
       "KILL_THREAD",
       "KILL_THREAD"},
      {"trap_is_second", {"allow", "log", "trace", "errno", "trap"}, "TRAP(0)", "TRAP(0)"},
      {"trap_is_second_in_any_order",
       {"allow", "trap", "log", "trace", "errno"},
       "TRAP(0)",
       "TRAP(0)"},
      {"errno_is_third", {"allow", "log", "trace", "errno"}, "ERRNO(0)", "ERRNO(0)"},
      {"errno_is_third_in_any_order", {"log", "errno", "trace", "allow"}, "ERRNO(0)", "ERRNO(0)"},
      {"trace_is_fourth", {"allow", "log", "trace"}, "ERRNO(38)", "TRACE(0)"},
      {"trace_is_fourth_in_any_order", {"trace", "allow", "log"}, "ERRNO(38)", "TRACE(0)"},
      {"log_is_fifth", {"allow", "log"}, "LOG", "LOG"},
      {"log_is_fifth_in_any_order", {"log", "allow"}, "LOG", "LOG"},
  };
  for (const Selftest& t : selftests) {
    std::string filters;
    for (const char* f : t.filters)
      filters += std::string(" -f tests/live/data/precedence/") + f + ".s";
    for (bool tracer : {false, true}) {
      const char* want = tracer ? t.traced : t.untraced;
      // allow_ok: getppid works under every stack.
      const std::string cases = WriteCases(
          t.name, std::string("arch=x86_64 nr=getppid => ALLOW\narch=i386 nr=getppid => ALLOW\n") +
                      "arch=x86_64,i386 nr=39 => " + want + "\n");
      for (const char* engine : {"interp", "kernel", "all"}) {
        const CmdRun r = Sckit(std::string("test --engine ") + engine +
                               (tracer ? " --tracer" : "") + filters + " " + cases);
        EXPECT_EQ(r.code, 0) << t.name << " --engine " << engine << " tracer " << tracer << "\n"
                             << r.out;
        EXPECT_NE(r.out.find("4 passed, 0 failed"), std::string::npos) << t.name << "\n" << r.out;
      }
    }
  }
  // The regression of issue 22: without --tracer, TRACE(0) is wrong for both engines.
  const std::string wrong = WriteCases("wrong", "arch=x86_64,i386 nr=39 => TRACE(0)\n");
  for (const char* engine : {"interp", "kernel", "all"}) {
    const CmdRun r = Sckit(std::string("test --engine ") + engine +
                           " -f tests/live/data/precedence/allow.s"
                           " -f tests/live/data/precedence/log.s"
                           " -f tests/live/data/precedence/trace.s " +
                           wrong);
    EXPECT_EQ(r.code, 1) << engine << "\n" << r.out;
    EXPECT_NE(r.out.find("0 passed, 2 failed"), std::string::npos) << engine << "\n" << r.out;
  }
}

// Issue 20: a case the kernel engine cannot send (a foreign arch, x86-64 335) is still decided
// by the interpreter and the JIT under --engine all: failures stay failures, and the summary
// says how many cases each engine checked.
TEST_F(LiveEngines, AllNeverTurnsAFailureIntoASkip) {
  const std::string cases = WriteCases("basic",
                                       "arch=aarch64 nr=63 => KILL_THREAD\n"
                                       "arch=x86_64 nr=335 => ERRNO(1)\n"
                                       "arch=x86_64 nr=read => ALLOW\n");
  const std::string filter = " -f tests/live/data/basic_allowlist.s ";
  CmdRun r = Sckit("test --engine interp" + filter + cases);
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("1 passed, 2 failed"), std::string::npos) << r.out;
  r = Sckit("test --engine all" + filter + cases);
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("1 passed, 2 failed; checked by interp 3, jit 3, kernel 1 (2 not "
                       "reproducible)"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("skipped"), std::string::npos) << r.out;
  // With the kernel alone, what it cannot send is skipped, and said so.
  r = Sckit("test --engine kernel" + filter + cases);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("1 passed, 0 failed, 2 skipped; checked by kernel 1 (2 not reproducible)"),
            std::string::npos)
      << r.out;
}

}  // namespace
