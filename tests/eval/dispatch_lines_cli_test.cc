// `sckit eval` and `sckit test` with records and cases lines that carry their own syscall user
// dispatch configuration (formats/record_dispatch.h): the line's configuration decides for that
// line only, over the command line's; it is printed with the record and parses back; bad
// configurations are usage errors naming the line and the token.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "formats/codec.h"
#include "tests/cli_capture.h"
#include "tools/command.h"
#include "vm/bpf.h"
#include "vm/program.h"

namespace sckit {
namespace {

using namespace bpf;  // NOLINT

using testing::CaptureCli;
using testing::CliRun;

using tools::CmdCoverage;
using tools::CmdEval;
using tools::CmdTest;

std::string WriteFile(const std::string& name, const std::string& bytes) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir ? dir : "/tmp") + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

// getpid -> ERRNO(1), write -> TRAP(7), else ALLOW.
std::string Filter() {
  const std::vector<uint8_t> raw = EncodeRaw(Program{
      {Stmt(kLD | kW | kABS, 0), Jump(kJMP | kJEQ | kK, 39, 0, 1), Stmt(kRET | kK, 0x00050001),
       Jump(kJMP | kJEQ | kK, 1, 0, 1), Stmt(kRET | kK, 0x00030007),
       Stmt(kRET | kK, 0x7fff0000)}});
  return WriteFile("dl.bpf", std::string(raw.begin(), raw.end()));
}

constexpr const char* kRegion = "region=0x7f0000000000,0x1000";

TEST(DispatchLines, EachLineDecidesWithItsOwnConfiguration) {
  const std::string f = Filter();
  const CliRun r = CaptureCli(
      CmdEval, {"-f", f, "-d", "nr=getpid ip=0x401000 dispatch=on " + std::string(kRegion), "-d",
                "nr=getpid ip=0x401000", "-d",
                "nr=getpid ip=0x7f0000000010 dispatch=on " + std::string(kRegion)});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "arch=x86_64 nr=getpid(39) ip=0x401000 dispatch=on region=0x7f0000000000,0x1000 "
            "selector=block -> DISPATCH_SIGSYS\n"
            "arch=x86_64 nr=getpid(39) ip=0x401000 -> ERRNO(1) EPERM\n"
            "arch=x86_64 nr=getpid(39) ip=0x7f0000000010 dispatch=on "
            "region=0x7f0000000000,0x1000 selector=block -> ERRNO(1) EPERM\n");
}

TEST(DispatchLines, ALineOverridesTheCommandLineForItselfOnly) {
  const std::string f = Filter();
  const std::string v = WriteFile("dl.records",
                                  "nr=write ip=0x401000\n"
                                  "nr=write ip=0x401000 selector=allow\n"
                                  "nr=write ip=0x401000 dispatch=off\n"
                                  "nr=write ip=0x401000 selector=2\n"
                                  "nr=write ip=0x401000\n");
  const CliRun r = CaptureCli(CmdEval, {"-f", f, "--dispatch", "on", "--dispatch-region",
                                        "0x7f0000000000,0x1000", "--vectors", v});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "arch=x86_64 nr=write(1) ip=0x401000 -> DISPATCH_SIGSYS\n"
            "arch=x86_64 nr=write(1) ip=0x401000 dispatch=on region=0x7f0000000000,0x1000 "
            "selector=allow -> TRAP(7)\n"
            "arch=x86_64 nr=write(1) ip=0x401000 dispatch=off -> TRAP(7)\n"
            "arch=x86_64 nr=write(1) ip=0x401000 dispatch=on region=0x7f0000000000,0x1000 "
            "selector=2 -> KILL_PROCESS (syscall user dispatch: invalid-selector, signal SIGSYS)\n"
            "arch=x86_64 nr=write(1) ip=0x401000 -> DISPATCH_SIGSYS\n");
}

TEST(DispatchLines, PatternsAndRangesAcrossTheRegionBoundary) {
  const std::string f = Filter();
  const CliRun r = CaptureCli(
      CmdEval, {"-f", f, "-d",
                "nr=getpid ip=0x7f0000000fff-0x7f0000001000 dispatch=on " + std::string(kRegion)});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "arch=x86_64 nr=getpid(39) ip=0x7f0000000fff dispatch=on region=0x7f0000000000,0x1000"
            " selector=block -> ERRNO(1) EPERM\n"
            "arch=x86_64 nr=getpid(39) ip=0x7f0000001000 dispatch=on region=0x7f0000000000,0x1000"
            " selector=block -> DISPATCH_SIGSYS\n");
  // Inclusive: the region's calls are the dispatched ones.
  const CliRun in = CaptureCli(
      CmdEval,
      {"-f", f, "-d",
       "nr=getpid ip=0x7f0000000fff-0x7f0000001000 dispatch=inclusive " + std::string(kRegion)});
  EXPECT_NE(in.out.find("0x7f0000000fff dispatch=inclusive region=0x7f0000000000,0x1000 "
                        "selector=block -> DISPATCH_SIGSYS"),
            std::string::npos) << in.out;
  EXPECT_NE(in.out.find("0x7f0000001000 dispatch=inclusive region=0x7f0000000000,0x1000 "
                        "selector=block -> ERRNO(1)"),
            std::string::npos) << in.out;
}

TEST(DispatchLines, PrintedLinesParseBackToTheSameAnswer) {
  const std::string f = Filter();
  const CliRun first =
      CaptureCli(CmdEval, {"-f", f, "--dispatch", "on", "-d",
                           "nr=getpid ip=0x5 selector=none vdso-sigreturn=0x10,0x20", "-d",
                           "nr=write ip=0x5 region=0,0x10"});
  ASSERT_EQ(first.code, 0) << first.err;
  size_t start = 0;
  int lines = 0;
  while (start < first.out.size()) {
    const size_t nl = first.out.find('\n', start);
    const std::string line = first.out.substr(start, nl - start);
    const std::string record = line.substr(0, line.find(" -> "));
    // Without the command line's configuration: the printed one is whole.
    const CliRun again = CaptureCli(CmdEval, {"-f", f, "-d", record});
    EXPECT_EQ(again.code, 0) << again.err;
    EXPECT_EQ(again.out, line + "\n");
    start = nl + 1;
    ++lines;
  }
  EXPECT_EQ(lines, 2);
  EXPECT_NE(first.out.find("selector=none vdso-sigreturn=0x10,0x20 -> DISPATCH_SIGSYS"),
            std::string::npos) << first.out;
  EXPECT_NE(first.out.find("region=0x0,0x10 selector=block -> TRAP(7)"), std::string::npos)
      << first.out;
}

TEST(DispatchLines, JsonCarriesTheConfigurationAsAnObject) {
  const std::string f = Filter();
  CliRun r = CaptureCli(CmdEval, {"-f", f, "--json", "-d",
                                  "nr=getpid ip=0x401000 dispatch=on " + std::string(kRegion)});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"outcome\": \"DISPATCH_SIGSYS\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"dispatch_config\": {\"mode\": \"on\", \"offset\": 139637976727552, "
                       "\"len\": 4096, \"selector\": \"block\", \"vdso_sigreturn\": null}}\n"),
            std::string::npos) << r.out;
  r = CaptureCli(CmdEval, {"-f", f, "--json", "-d", "nr=getpid"});
  EXPECT_EQ(r.out.find("dispatch_config"), std::string::npos) << r.out;
}

TEST(DispatchLines, CasesExpectWhatTheirLineConfigures) {
  const std::string f = Filter();
  const std::string cases = WriteFile(
      "dl.cases",
      "nr=getpid ip=0x401000 dispatch=on region=0x7f0000000000,0x1000 => DISPATCH_SIGSYS\n"
      "nr=getpid ip=0x401000 => ERRNO(1)\n"
      "nr=getpid ip=0x7f0000000000-0x7f0000000003 dispatch=on region=0x7f0000000000,0x1000 "
      "=> ERRNO(1)\n"
      "nr=write ip=0x401000 dispatch=on selector=allow => DISPATCH_SIGSYS\n");
  const CliRun r = CaptureCli(CmdTest, {"-f", f, cases});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.out.find(":4: FAIL: nr=write ip=0x401000 dispatch=on selector=allow"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("record:   arch=x86_64 nr=write(1) ip=0x401000 dispatch=on "
                       "region=0x0,0x0 selector=allow"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("got:      TRAP(7)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("6 passed, 1 failed"), std::string::npos) << r.out;
}

TEST(DispatchLines, BadConfigurationsAreUsageErrorsAtTheLine) {
  const std::string f = Filter();
  const struct {
    std::string line, says;
  } kBad[] = {
      {"nr=1 dispatch=on region=0x10,0xfffffffffffffff0", "overflows"},
      {"nr=1 dispatch=inclusive", "non-empty"},
      {"nr=1 dispatch=maybe", "'dispatch=maybe'"},
      {"nr=1 selector=block", "'selector=block': needs syscall user dispatch on"},
  };
  for (const auto& bad : kBad) {
    CliRun r = CaptureCli(CmdEval, {"-f", f, "-d", "nr=getpid", "-d", bad.line});
    EXPECT_EQ(r.code, 2) << bad.line;
    EXPECT_TRUE(r.out.empty()) << r.out;  // --data lines are all checked first
    EXPECT_NE(r.err.find(bad.says), std::string::npos) << r.err;
    const std::string v = WriteFile("dl_bad.records", "nr=getpid\n" + bad.line + "\n");
    r = CaptureCli(CmdEval, {"-f", f, "--vectors", v});
    EXPECT_EQ(r.code, 2) << bad.line;
    EXPECT_NE(r.err.find("line 2"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(bad.says), std::string::npos) << r.err;
    const std::string c = WriteFile("dl_bad.cases", "nr=getpid => ERRNO\n" + bad.line + " => ALLOW\n");
    r = CaptureCli(CmdTest, {"-f", f, c});
    EXPECT_EQ(r.code, 2) << bad.line;
    EXPECT_NE(r.err.find("line 2"), std::string::npos) << r.err;
  }
  // Below Linux 5.11 there is no dispatch to configure.
  CliRun r = CaptureCli(CmdEval, {"-f", f, "--kernel-version", "5.10", "-d", "nr=1 dispatch=on"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("5.11"), std::string::npos) << r.err;
}

// The live kernel (an armed probe, live/engine_record.cc PassDispatch) agrees with the model
// line by line: dispatched outside the region, the filters inside it and for a line with
// dispatch off, killed for an invalid selector.
TEST(DispatchLines, TheLiveKernelAgreesLineByLine) {
  const std::string f = Filter();
  const std::string on = "dispatch=on " + std::string(kRegion);
  CliRun r =
      CaptureCli(CmdEval, {"-f", f, "--engine", "all", "-d", "nr=getpid ip=0x401000 " + on, "-d",
                           "nr=getpid ip=0x401000", "-d", "nr=getpid ip=0x7f0000000010 " + on, "-d",
                           "nr=write ip=0x7f0000001000 dispatch=inclusive " + std::string(kRegion),
                           "-d", "nr=write ip=0x401000 selector=9 " + on});
  if (r.err.find("kernel engine could not start") != std::string::npos) {
    GTEST_SKIP() << "the kernel engine cannot run here (tests/live runs it): " << r.err;
  }
  EXPECT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_EQ(r.out.find("MISMATCH"), std::string::npos) << r.out;
  const std::vector<std::string> kernel = {"kernel DISPATCH_SIGSYS", "kernel ERRNO(1)",
                                           "kernel ERRNO(1)", "kernel TRAP(7)",
                                           "kernel KILL_PROCESS"};
  size_t at = 0;
  for (const std::string& k : kernel) {
    const size_t nl = r.out.find('\n', at);
    ASSERT_NE(nl, std::string::npos) << r.out;
    EXPECT_NE(r.out.substr(at, nl - at).find(k), std::string::npos) << k << " in " << r.out;
    at = nl + 1;
  }
  const std::string c = WriteFile(
      "dl_kernel.cases", "nr=getpid ip=0x401000 " + on + " => DISPATCH_SIGSYS\n" +
                             "nr=getpid ip=0x7f0000000fff " + on + " => ERRNO(1)\n" +
                             "nr=read ip=0x7f0000000000 dispatch=inclusive " + std::string(kRegion) +
                             " selector=block => DISPATCH_SIGSYS\n" +
                             "nr=read ip=0x401000 " + on + " selector=allow => ALLOW\n" +
                             "nr=read ip=0x401000 " + on + " selector=none => DISPATCH_SIGSYS\n");
  r = CaptureCli(CmdTest, {"-f", f, "--engine", "all", c});
  EXPECT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("5 passed, 0 failed; checked by interp 5, jit 5, kernel 5"),
            std::string::npos)
      << r.out;
  // The one selector the engine cannot show is refused with the line.
  r = CaptureCli(CmdEval, {"-f", f, "--engine", "kernel", "-d", "nr=1 selector=fault " + on});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("dispatch-unsupported"), std::string::npos) << r.err;
}

TEST(DispatchLines, CoverageCountsOnlyTheRecordsThatReachTheFilters) {
  const std::string f = Filter();
  // No region and the default selector (block): getpid never reaches the filter.
  const std::string stopped = WriteFile("dl_cov1.cases", "nr=getpid dispatch=on\nnr=read\n");
  CliRun r = CaptureCli(CmdCoverage, {"-f", f, stopped});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("1 records"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("never reached: return at pc 2"), std::string::npos) << r.out;
  const std::string passes =
      WriteFile("dl_cov2.cases", "nr=getpid dispatch=on selector=allow\nnr=read\n");
  r = CaptureCli(CmdCoverage, {"-f", f, passes});
  EXPECT_NE(r.out.find("2 records"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("never reached: return at pc 2"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace sckit
