// The kernel-cost harness and RunBench return sane numbers (no timing assertions: performance
// goals live in //bench, never in timed tests).
#include <gtest/gtest.h>
#include <sys/syscall.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "bench/bench.h"
#include "bench/kernel_cost.h"
#include "eval/stack_builder.h"
#include "bench/measure.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/arch.h"
#include "vm/program.h"

namespace sckit::bench {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

// nr-only allow-list, cacheable: getppid -> ERRNO(1), the rest ALLOW.
Program CacheableFilter() {
  Program p;
  p.insns = {Stmt(kLD | kW | kABS, 0), Jump(kJMP | kJEQ | kK, SYS_getppid, 0, 1),
             Stmt(kRET | kK, seccomp::kRetErrno | 1), Stmt(kRET | kK, seccomp::kRetAllow)};
  return p;
}

// Reads args[0] for getuid: the cache cannot prove getuid constant.
Program ArgFilter() {
  Program p;
  p.insns = {Stmt(kLD | kW | kABS, 0), Jump(kJMP | kJEQ | kK, SYS_getuid, 0, 2),
             Stmt(kLD | kW | kABS, 16), Jump(kJMP | kJEQ | kK, 12345, 1, 0),
             Stmt(kRET | kK, seccomp::kRetAllow), Stmt(kRET | kK, seccomp::kRetErrno | 2)};
  return p;
}

TEST(KernelCost, MeasuresBothKinds) {
  KernelCostOptions options;
  options.repetitions = 3;
  options.calls_per_rep = 2000;
  Result<KernelCostResult> r = MeasureKernelCost({CacheableFilter(), ArgFilter()}, options);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_GT(r->tsc_ghz, 0.1);
  EXPECT_TRUE(r->forced_measured) << r->note;
  bool saw_cached = false, saw_filtered = false;
  for (const KernelSyscallCost& s : r->syscalls) {
    EXPECT_NE(s.nr, SYS_getppid);  // not allowed: skipped
    EXPECT_GT(s.base_ns.median, 1.0) << s.name;
    EXPECT_LT(s.base_ns.median, 1e6) << s.name;
    EXPECT_GT(s.stack_ns.median, 1.0) << s.name;
    EXPECT_EQ(s.base_ns.samples, 3);
    if (s.nr == SYS_getuid) {
      EXPECT_FALSE(s.cached);
      saw_filtered = true;
    }
    if (s.nr == SYS_getpid) {
      EXPECT_TRUE(s.cached);
      saw_cached = true;
    }
  }
  EXPECT_TRUE(saw_cached);
  EXPECT_TRUE(saw_filtered);
  ASSERT_EQ(r->skipped.size(), 1u);
  EXPECT_NE(r->skipped[0].find("getppid"), std::string::npos);
  EXPECT_GT(r->filtered.samples, 0);
  EXPECT_GT(r->cached.samples, 0);
}

TEST(KernelCost, NothingAllowedIsAnError) {
  Program deny;
  deny.insns = {Stmt(kRET | kK, seccomp::kRetErrno | 1)};
  Result<KernelCostResult> r = MeasureKernelCost({deny});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rule, "nothing-to-measure");
}

TEST(Measure, SummarizeAndCostModel) {
  const Stats s = Summarize({3, 1, 2, 10});
  EXPECT_EQ(s.median, 2.5);
  EXPECT_EQ(s.min, 1);
  EXPECT_EQ(s.max, 10);
  EXPECT_EQ(s.samples, 4);
  Result<VerifiedProgram> v = Verify(CacheableFilter());
  ASSERT_TRUE(v.ok());
  Result<FilterStack> stack = eval::BuildStack(std::vector<VerifiedProgram>{*v, *v}, eval::EngineKind::kJit);
  ASSERT_TRUE(stack.ok());
  SeccompData a, b;
  a.nr = SYS_getppid;
  b.nr = SYS_read;
  const std::vector<uint32_t> insns = InsnsPerRecord(*stack, std::vector<SeccompData>{a, b});
  EXPECT_EQ(insns, (std::vector<uint32_t>{6, 6}));  // 3 per filter, 2 filters
  TimingOptions t;
  t.repetitions = 3;
  t.min_rep_seconds = 0.001;
  const Stats ns = TimeStack(*stack, std::vector<SeccompData>{a, b}, t);
  EXPECT_EQ(ns.samples, 3);
  EXPECT_GT(ns.median, 0);
  EXPECT_LE(ns.min, ns.median);
  EXPECT_LE(ns.median, ns.max);
}

TEST(RunBench, ReportsEveryEngine) {
  const std::string path = testing::TempDir() + "/bench_filter.bpf";
  {
    const Program p = ArgFilter();
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(p.insns.data()),
              static_cast<std::streamsize>(p.insns.size() * sizeof(SockFilter)));
  }
  BenchRequest req;
  req.filter_files = {path};
  req.workload = "uniform";
  req.timing.repetitions = 3;
  req.timing.min_rep_seconds = 0.001;
  req.kernel.repetitions = 3;
  req.kernel.calls_per_rep = 1000;
  req.top = 3;
  req.cpu = -2;
  Result<BenchReport> r = RunBench(req);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->engines.size(), 3u);
  for (const EngineResult& e : r->engines) EXPECT_TRUE(e.measured) << e.name << ": " << e.error;
  EXPECT_GT(r->insns_per_eval, 2.0);
  EXPECT_EQ(r->insns_max, 5u);  // getuid with args[0] checked
  ASSERT_EQ(r->heaviest.size(), 3u);
  EXPECT_EQ(r->heaviest[0].name, "getuid");
  EXPECT_TRUE(r->heaviest[0].kernel_ns.has_value());
  const std::string json = ReportJson(*r);
  EXPECT_EQ(json.rfind("{\"engines\": {\"interp\": {\"ns_per_eval\": {\"median\": ", 0), 0u)
      << json;
  EXPECT_NE(json.find("\"jit\": {\"ns_per_eval\""), std::string::npos);
  EXPECT_NE(json.find("\"kernel\": {\"ns_per_eval\""), std::string::npos);
  EXPECT_NE(json.find("\"insns_per_eval\""), std::string::npos);
  const std::string svg = ReportSvg(*r);
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("getuid (5 insns)"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(ReportText(*r).find("heaviest syscalls"), std::string::npos);

  req.engines = {"nope"};
  EXPECT_FALSE(RunBench(req).ok());
}

}  // namespace
}  // namespace sckit::bench
