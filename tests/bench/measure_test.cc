// bench/measure.h and the report of `sckit bench`: the confidence interval of the median is the
// order statistics it promises, warm-up samples are dropped and counted, a run that cannot get
// enough undisturbed samples says it was too noisy, the text and JSON reports carry all of it,
// and the SVG draws a bar for every engine its legend names (the kernel's included). No
// assertion depends on how fast the machine is.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bench/bench.h"
#include "bench/measure.h"
#include "eval/stack_builder.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/program.h"

namespace sckit::bench {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

size_t Count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TEST(Measure, ConfidenceIntervalOfTheMedianIsOrderStatistics) {
  std::vector<double> samples;
  for (int i = 31; i >= 1; --i) samples.push_back(i);  // 1..31, given unsorted
  const Stats s = Summarize(samples);
  EXPECT_EQ(s.median, 16);
  // ranks floor(15.5 - 0.98 sqrt(31)) = 10 and ceil(15.5 + 0.98 sqrt(31)) = 21 (0-based)
  EXPECT_EQ(s.ci_low, 11);
  EXPECT_EQ(s.ci_high, 22);
  EXPECT_NEAR(s.ci_relative(), 5.5 / 16, 1e-12);
  const Stats few = Summarize({5, 1, 3});
  EXPECT_EQ(few.ci_low, 1);
  EXPECT_EQ(few.ci_high, 5);
}

FilterStack SmallStack() {
  Result<VerifiedProgram> v = Verify(Program{{Stmt(kLD | kW | kABS, 0),
                                              Jump(kJMP | kJEQ | kK, 39, 0, 1),
                                              Stmt(kRET | kK, seccomp::kRetErrno | 1),
                                              Stmt(kRET | kK, seccomp::kRetAllow)}});
  EXPECT_TRUE(v.ok());
  Result<FilterStack> stack =
      eval::BuildStack(std::vector<VerifiedProgram>{*v}, eval::EngineKind::kInterp);
  EXPECT_TRUE(stack.ok());
  return std::move(*stack);
}

TEST(Measure, WarmUpIsDroppedAndEverySampleAccountedFor) {
  const FilterStack stack = SmallStack();
  std::vector<SeccompData> records(4);
  records[1].nr = 39;
  TimingOptions t;
  t.repetitions = 5;
  t.warmup = 2;
  t.min_rep_seconds = 0.0002;
  t.max_attempts = 400;
  const Stats s = TimeStack(stack, records, t);
  EXPECT_EQ(s.discarded_warmup, 2);
  EXPECT_LE(s.samples, 5);
  EXPECT_LE(s.samples + s.discarded_warmup + s.discarded_migrated + s.discarded_preempted, 400);
  // Either all 5 clean samples came, or the result says why not.
  if (s.samples < 5) EXPECT_TRUE(s.too_noisy && !s.noisy_reason.empty());
  EXPECT_LE(s.ci_low, s.median);
  EXPECT_LE(s.median, s.ci_high);
}

TEST(Measure, TooFewUndisturbedSamplesIsTooNoisy) {
  const FilterStack stack = SmallStack();
  std::vector<SeccompData> records(2);
  TimingOptions t;
  t.repetitions = 5;
  t.warmup = 3;
  t.max_attempts = 4;  // at most one sample after the warm-up: never 5
  t.min_rep_seconds = 0.0002;
  const Stats s = TimeStack(stack, records, t);
  EXPECT_TRUE(s.too_noisy);
  EXPECT_NE(s.noisy_reason.find("of 5 samples ran undisturbed in 4 tries"), std::string::npos)
      << s.noisy_reason;
  EXPECT_LE(s.samples, 1);
}

BenchReport ReportWithKernel(bool kernel_row_in_heaviest) {
  BenchReport r;
  r.workload = "test";
  SyscallCost c;
  c.name = "openat";
  c.record.nr = 257;
  c.record.arch = kAuditArchX86_64;
  c.insns = 20;
  c.interp_ns = 20;
  c.jit_ns = 5;
  r.heaviest.push_back(c);
  if (kernel_row_in_heaviest) {
    c.name = "getpid";
    c.record.nr = 39;
    c.kernel_ns = 17;
    r.heaviest.push_back(c);
  }
  KernelCostResult k;
  KernelSyscallCost g;
  g.name = "getpid";
  g.nr = 39;
  g.cost_ns = 30;
  g.forced_cost_ns = 17;
  k.syscalls.push_back(g);
  g.name = "getuid";
  g.nr = 102;
  k.syscalls.push_back(g);
  k.forced_measured = true;
  r.kernel = k;
  EngineResult e;
  e.name = "kernel";
  e.measured = true;
  r.engines.push_back(e);
  return r;
}

TEST(BenchSvg, TheLegendNamesOnlyEnginesWithBarsAndTheKernelHasItsBars) {
  // The kernel harness measured getpid and getuid, which are not among the heaviest records:
  // their kernel bars are drawn in rows of their own.
  const std::string svg = ReportSvg(ReportWithKernel(false));
  EXPECT_EQ(Count(svg, "class=\"legend\""), 3u) << svg;
  EXPECT_EQ(Count(svg, "<rect class=\"kernel\""), 2u) << svg;
  EXPECT_NE(svg.find("getuid (kernel, every filter run)"), std::string::npos);
  // One kernel row already among the heaviest: not drawn twice.
  const std::string both = ReportSvg(ReportWithKernel(true));
  EXPECT_EQ(Count(both, "<rect class=\"kernel\""), 2u) << both;
  EXPECT_EQ(Count(both, "getpid"), 1u);  // one row, with all three bars
  // No kernel measured: no kernel in the legend.
  BenchReport plain = ReportWithKernel(false);
  plain.kernel.reset();
  const std::string no_kernel = ReportSvg(plain);
  EXPECT_EQ(Count(no_kernel, "class=\"legend\""), 2u);
  EXPECT_EQ(no_kernel.find(">kernel<"), std::string::npos);
  EXPECT_EQ(Count(no_kernel, "<rect class=\"kernel\""), 0u);
}

TEST(BenchReport, TextAndJsonCarryTheIntervalDiscardsAndNoise) {
  BenchReport r;
  r.workload = "test";
  EngineResult e;
  e.name = "interp";
  e.measured = true;
  e.ns_per_eval = Summarize({10, 11, 12, 13, 14, 15, 16});
  e.ns_per_eval.discarded_warmup = 3;
  e.ns_per_eval.discarded_preempted = 9;
  e.ns_per_eval.too_noisy = true;
  e.ns_per_eval.noisy_reason = "95% confidence interval +-14.3% of the median (limit 10%)";
  r.engines.push_back(e);
  const std::string text = ReportText(r);
  EXPECT_NE(text.find("10.00 - 16.00"), std::string::npos) << text;
  EXPECT_NE(text.find("3/0/9"), std::string::npos) << text;
  EXPECT_NE(text.find("TOO NOISY: interp: 95% confidence interval"), std::string::npos) << text;
  const std::string json = ReportJson(r);
  EXPECT_NE(json.find("\"ci95\": [10.00, 16.00]"), std::string::npos) << json;
  EXPECT_NE(json.find("\"discarded\": {\"warmup\": 3, \"migrated\": 0, \"preempted\": 9}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"too_noisy\": true"), std::string::npos) << json;
}

}  // namespace
}  // namespace sckit::bench
