// `sckit fuzz` (analysis/record_search.h, tools/cmd_fuzz.cc): within a bounded budget the search
// reaches every reachable instruction and branch direction of the bundled examples and of
// filters with narrow conditions (one 64-bit argument value, a mask test), the solver proves
// the rest unreachable, the JIT engine runs the search, and the cases file it writes passes
// `sckit test`.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "eval/stack_builder.h"
#include "analysis/record_search.h"
#include "tests/cli_capture.h"
#include "tools/command.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "formats/codec.h"
#include "vm/interpreter.h"
#include "formats/loader.h"
#include "vm/program.h"

namespace sckit {
namespace {

using namespace bpf;  // NOLINT
using analysis::FuzzEdge;
using analysis::FuzzOptions;
using analysis::FuzzResult;

constexpr uint32_t kX86_64 = 0xc000003e;
constexpr uint32_t kArgLo = 16, kArgHi = 20;  // offsetof(seccomp_data, args[0]) and its high half

std::string TmpPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

// A deterministic budget: runs, a stall count and a seed end the search, a resource limit
// bounds each solver query; no clock is read, so the result is the same under any load.
FuzzOptions Budget() {
  FuzzOptions o;
  o.instrumented = eval::JitCoverageEngines();
  o.max_runs = 20'000'000;
  o.max_seconds = 0;
  o.stall_runs = 500'000;
  o.solver_timeout_ms = 0;
  o.solver_rlimit = 50'000'000;
  return o;
}

FuzzResult Fuzz(const std::vector<Program>& programs, const FuzzOptions& o = Budget()) {
  std::vector<VerifiedProgram> verified;
  for (const Program& p : programs) {
    Result<VerifiedProgram> v = Verify(p);
    EXPECT_TRUE(v.ok()) << v.error().ToString();
    if (v.ok()) verified.push_back(*v);
  }
  std::vector<const VerifiedProgram*> ptrs;
  for (const VerifiedProgram& v : verified) ptrs.push_back(&v);
  return analysis::FuzzStack(ptrs, o);
}

// Everything is settled: covered or proven unreachable, nothing left to the solver's timeout.
void ExpectComplete(const FuzzResult& r) {
  EXPECT_TRUE(r.unknown.empty());
  EXPECT_EQ(r.edges_covered + r.unreachable.size(), r.edges_total);
  EXPECT_FALSE(r.records.empty());
#if defined(__x86_64__)
  EXPECT_EQ(r.engine, "jit");
#endif
}

// nr == 59 && args[0] == 0x123456789abcdef0 (both halves) => ERRNO(1), else ALLOW.
Program ExactArgument() {
  return Program{{
      Stmt(kLD | kW | kABS, 4),
      Jump(kJMP | kJEQ | kK, kX86_64, 1, 0),
      Stmt(kRET | kK, seccomp::kRetKillProcess),
      Stmt(kLD | kW | kABS, 0),
      Jump(kJMP | kJEQ | kK, 59, 0, 5),
      Stmt(kLD | kW | kABS, kArgLo),
      Jump(kJMP | kJEQ | kK, 0x9abcdef0, 0, 3),
      Stmt(kLD | kW | kABS, kArgHi),
      Jump(kJMP | kJEQ | kK, 0x12345678, 0, 1),
      Stmt(kRET | kK, seccomp::kRetErrno | 1),
      Stmt(kRET | kK, seccomp::kRetAllow),
  }};
}

// openat's flags: (args[2] & O_ACCMODE) == O_RDWR, or O_TMPFILE's bits all set, are refused.
Program MaskTest() {
  return Program{{
      Stmt(kLD | kW | kABS, 0),
      Jump(kJMP | kJEQ | kK, 257, 0, 7),
      Stmt(kLD | kW | kABS, 32),               // args[2] low half
      Stmt(kALU | kAND | kK, 0x3),
      Jump(kJMP | kJEQ | kK, 2, 3, 0),         // O_RDWR
      Stmt(kLD | kW | kABS, 32),
      Stmt(kALU | kAND | kK, 0x410000),        // O_TMPFILE = __O_TMPFILE | O_DIRECTORY
      Jump(kJMP | kJEQ | kK, 0x410000, 0, 1),
      Stmt(kRET | kK, seccomp::kRetErrno | 13),
      Stmt(kRET | kK, seccomp::kRetAllow),
  }};
}

// A single-bit JSET on the high half of a 64-bit argument, and a JGT boundary.
Program BitAndBoundary() {
  return Program{{
      Stmt(kLD | kW | kABS, 44),               // args[3] high half
      Jump(kJMP | kJSET | kK, 0x00100000, 0, 2),
      Stmt(kLD | kW | kABS, 24),               // args[1] low half
      Jump(kJMP | kJGT | kK, 0xfffffff0, 1, 0),
      Stmt(kRET | kK, seccomp::kRetAllow),
      Stmt(kRET | kK, seccomp::kRetTrap),
  }};
}

// The second compare repeats the first on its false path: its true edge can never be taken.
Program DeadBranch() {
  return Program{{
      Stmt(kLD | kW | kABS, 0),
      Jump(kJMP | kJEQ | kK, 2, 2, 0),
      Jump(kJMP | kJEQ | kK, 2, 0, 1),
      Stmt(kRET | kK, seccomp::kRetErrno | 5),
      Stmt(kRET | kK, seccomp::kRetAllow),
  }};
}

TEST(PolicyFuzz, ExactSixtyFourBitArgument) {
  const FuzzResult r = Fuzz({ExactArgument()});
  ExpectComplete(r);
  EXPECT_TRUE(r.unreachable.empty());
  EXPECT_EQ(r.covered_by_search, r.edges_total);  // the dictionary finds both halves
  bool errno_record = false;
  for (const SeccompData& d : r.records) {
    errno_record |= d.nr == 59 && d.args[0] == 0x123456789abcdef0ull && d.arch == kX86_64;
  }
  EXPECT_TRUE(errno_record);
}

TEST(PolicyFuzz, MaskTest) {
  const FuzzResult r = Fuzz({MaskTest()});
  ExpectComplete(r);
  EXPECT_TRUE(r.unreachable.empty());
  EXPECT_EQ(r.covered_by_search, r.edges_total);
}

TEST(PolicyFuzz, SingleBitAndBoundary) {
  const FuzzResult r = Fuzz({BitAndBoundary()});
  ExpectComplete(r);
  EXPECT_EQ(r.covered_by_search, r.edges_total);
}

TEST(PolicyFuzz, ReportsUnreachableBranches) {
  const FuzzResult r = Fuzz({DeadBranch()});
  ExpectComplete(r);
  // The true edge of pc 2 and the RET it alone leads to.
  ASSERT_EQ(r.unreachable.size(), 2u);
  EXPECT_EQ(r.unreachable[0].pc, 2u);
  EXPECT_EQ(r.unreachable[0].kind, FuzzEdge::Kind::kTaken);
  EXPECT_EQ(r.unreachable[0].Describe(), "filter 0 pc 2 true edge");
  EXPECT_EQ(r.unreachable[1].Describe(), "filter 0 pc 3");
  EXPECT_EQ(r.edges_covered, r.edges_total - 2);
}

TEST(PolicyFuzz, JitAndInterpreterSearchesAgree) {
  // Same seed, same mutations: the engines differ only in speed, so the coverage and the kept
  // records are the same.
  FuzzOptions o = Budget();
  o.solver_assist = false;
  o.max_runs = 200'000;
  o.stall_runs = 0;
  const FuzzResult jit = Fuzz({MaskTest(), ExactArgument()}, o);
  o.instrumented = {};
  const FuzzResult interp = Fuzz({MaskTest(), ExactArgument()}, o);
  EXPECT_EQ(interp.engine, "interpreter");
  EXPECT_EQ(jit.covered_by_search, interp.covered_by_search);
  EXPECT_EQ(jit.runs, interp.runs);
  ASSERT_EQ(jit.records.size(), interp.records.size());
  for (size_t i = 0; i < jit.records.size(); ++i) {
    EXPECT_EQ(std::memcmp(&jit.records[i], &interp.records[i], sizeof(SeccompData)), 0);
  }
}

// No wall clock: the run count alone ends the search, and the same budget gives the same
// records however loaded the machine is.
TEST(PolicyFuzz, ADeterministicBudgetRunsExactlyItsRunCount) {
  FuzzOptions o = Budget();  // DeadBranch keeps the search from ever covering everything
  o.solver_assist = false;
  o.max_runs = 300'000;
  o.stall_runs = 0;
  const FuzzResult first = Fuzz({DeadBranch(), MaskTest()}, o);
  EXPECT_EQ(first.runs, 300'000u);
  const FuzzResult second = Fuzz({DeadBranch(), MaskTest()}, o);
  EXPECT_EQ(second.runs, first.runs);
  EXPECT_EQ(second.covered_by_search, first.covered_by_search);
  ASSERT_EQ(second.records.size(), first.records.size());
  for (size_t i = 0; i < first.records.size(); ++i) {
    EXPECT_EQ(std::memcmp(&first.records[i], &second.records[i], sizeof(SeccompData)), 0);
  }
}

bool SameRecords(const FuzzResult& a, const FuzzResult& b) {
  if (a.records.size() != b.records.size()) return false;
  for (size_t i = 0; i < a.records.size(); ++i) {
    if (std::memcmp(&a.records[i], &b.records[i], sizeof(SeccompData)) != 0) return false;
  }
  return true;
}

// On a large filter (docker-default: ~2,900 edges, found in bursts), the JIT's code is rebuilt
// only now and then while covered slots are masked out of the check: the records kept must
// still be exactly those of the traced interpreter with the same seed, the same on a second
// run, and another seed must give another search.
TEST(PolicyFuzz, SeedAloneDecidesTheRecordsOnALargeFilter) {
  Result<Program> docker = LoadProgramFile("examples/profiles/docker-default.bpf");
  ASSERT_TRUE(docker.ok()) << docker.error().ToString();
  FuzzOptions o = Budget();
  o.solver_assist = false;
  o.max_runs = 150'000;
  o.stall_runs = 0;
  const FuzzResult jit = Fuzz({*docker}, o);
  const FuzzResult again = Fuzz({*docker}, o);
  FuzzOptions interp_options = o;
  interp_options.instrumented = {};
  const FuzzResult interp = Fuzz({*docker}, interp_options);
  o.seed = 2;
  const FuzzResult other_seed = Fuzz({*docker}, o);
#if defined(__x86_64__)
  EXPECT_EQ(jit.engine, "jit");
#endif
  EXPECT_EQ(interp.engine, "interpreter");
  EXPECT_GT(jit.records.size(), 100u);
  EXPECT_TRUE(SameRecords(jit, again));
  EXPECT_TRUE(SameRecords(jit, interp));
  EXPECT_EQ(jit.covered_by_search, interp.covered_by_search);
  EXPECT_FALSE(SameRecords(jit, other_seed));
  EXPECT_GT(jit.search_cpu_seconds, 0);
}

struct Example {
  const char* name;
  std::vector<std::string> files;
};

class PolicyFuzzExamples : public ::testing::TestWithParam<Example> {};

TEST_P(PolicyFuzzExamples, CoversEverythingReachable) {
  std::vector<Program> programs;
  for (const std::string& f : GetParam().files) {
    Result<Program> p = LoadProgramFile(f);
    ASSERT_TRUE(p.ok()) << f << ": " << p.error().ToString();
    programs.push_back(*p);
  }
  const FuzzResult r = Fuzz(programs);
  ExpectComplete(r);
  // The solver's part is small: the search alone gets nearly everything.
  EXPECT_GE(r.covered_by_search + 8, r.edges_covered) << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(
    Bundled, PolicyFuzzExamples,
    ::testing::Values(
        Example{"server", {"examples/server/server.bpf"}},
        Example{"denylist", {"examples/denylist/denylist.bpf"}},
        Example{"socket_args", {"examples/socket-args/socket-args.bpf"}},
        Example{"multiarch", {"examples/multiarch/multiarch.bpf"}},
        Example{"stack", {"examples/multiarch/multiarch.bpf",
                          "examples/socket-args/socket-args.bpf"}},
        Example{"docker", {"examples/profiles/docker-default.bpf"}},
        Example{"podman", {"examples/profiles/podman-default.bpf"}}),
    [](const auto& info) { return std::string(info.param.name); });

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// sckit fuzz --out F, then sckit test on F: every observed outcome is reproduced.
TEST(PolicyFuzzCli, CasesFilePassesSckitTest) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> stacks = {
      {"server", {"examples/server/server.bpf"}},
      {"stack", {"examples/multiarch/multiarch.bpf", "examples/socket-args/socket-args.bpf"}},
      {"docker", {"examples/profiles/docker-default.bpf"}},
  };
  for (const auto& [name, files] : stacks) {
    const std::string out = TmpPath(name + ".fuzz.cases");
    std::vector<std::string> args;
    for (const std::string& f : files) {
      args.push_back("--filter");
      args.push_back(f);
    }
    std::vector<std::string> fuzz_args = args;
    for (const char* a : {"--time", "0", "--runs", "5000000", "--stall", "300000", "--out"}) {
      fuzz_args.push_back(a);
    }
    fuzz_args.push_back(out);
    const testing::CliRun fuzz = testing::CaptureCli(tools::CmdFuzz, fuzz_args);
    const std::string& report = fuzz.out;
    EXPECT_EQ(fuzz.code, 0) << report << fuzz.err;
    EXPECT_NE(report.find(", jit)"), std::string::npos) << report;
    const std::string cases = ReadFile(out);
    EXPECT_NE(cases.find(" => "), std::string::npos);
    std::vector<std::string> test_args = args;
    test_args.push_back(out);
    const testing::CliRun test = testing::CaptureCli(tools::CmdTest, test_args);
    EXPECT_EQ(test.code, 0) << name << "\n" << test.out << test.err << "\n" << cases;
  }
}

TEST(PolicyFuzzCli, ReportsUnreachableInJson) {
  const std::string filter = TmpPath("dead.bpf");
  const std::vector<uint8_t> raw = EncodeRaw(DeadBranch());
  std::ofstream(filter, std::ios::binary).write(reinterpret_cast<const char*>(raw.data()),
                                                static_cast<std::streamsize>(raw.size()));
  const testing::CliRun r = testing::CaptureCli(
      tools::CmdFuzz,
      {"--filter", filter, "--json", "--time", "0", "--out", TmpPath("dead.cases")});
  const std::string& json = r.out;
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(json.find("\"unreachable\": [\"filter 0 pc 2 true edge\", \"filter 0 pc 3\"]"), std::string::npos)
      << json;
  EXPECT_NE(json.find("\"unknown\": 0"), std::string::npos) << json;
}

}  // namespace
}  // namespace sckit
