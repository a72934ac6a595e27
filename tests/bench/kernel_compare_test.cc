// The before/after kernel-cost comparison behind `sckit optimize --bench` (bench/
// kernel_compare.h): it measures both stacks with the kernel harness in alternating rounds and
// reports each side's median over its rounds; the same harmless syscalls are measured on both
// sides; harness errors and bad options come back as errors. No timing assertions.
#include <gtest/gtest.h>
#include <sys/syscall.h>

#include <algorithm>

#include "bench/kernel_compare.h"
#include "vm/bpf.h"
#include "vm/program.h"

namespace sckit::bench {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

// A chain of `jeq` misses before getpid's ALLOW (more instructions), and the direct form.
Program Chain(int misses) {
  Program p;
  p.insns.push_back(Stmt(kLD | kW | kABS, 0));
  for (int i = 0; i < misses; ++i) {
    p.insns.push_back(Jump(kJMP | kJEQ | kK, 5000 + i, 0, 0));
  }
  p.insns.push_back(Jump(kJMP | kJEQ | kK, SYS_getppid, 0, 1));
  p.insns.push_back(Stmt(kRET | kK, seccomp::kRetErrno | 1));
  p.insns.push_back(Stmt(kRET | kK, seccomp::kRetAllow));
  return p;
}

TEST(KernelCompare, MeasuresBothSidesInRounds) {
  KernelCompareOptions o;
  o.kernel.repetitions = 3;
  o.kernel.calls_per_rep = 500;
  o.rounds = 3;
  o.cpu = -2;
  Result<KernelCompareResult> r = CompareKernelCost({Chain(40)}, {Chain(0)}, o);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->before_rounds.size(), 3u);
  ASSERT_EQ(r->after_rounds.size(), 3u);
  std::vector<double> b = r->before_rounds;
  std::sort(b.begin(), b.end());
  EXPECT_EQ(r->before_ns, b[1]);  // the median of the rounds
  std::vector<double> a = r->after_rounds;
  std::sort(a.begin(), a.end());
  EXPECT_EQ(r->after_ns, a[1]);
  ASSERT_EQ(r->before.syscalls.size(), r->after.syscalls.size());
  for (size_t i = 0; i < r->before.syscalls.size(); ++i) {
    EXPECT_EQ(r->before.syscalls[i].nr, r->after.syscalls[i].nr);
    EXPECT_NE(r->before.syscalls[i].nr, SYS_getppid);  // denied by both: not measured
  }
  EXPECT_EQ(r->Change(), r->before_ns > 0 ? r->after_ns / r->before_ns - 1 : 0);
}

TEST(KernelCompare, ErrorsComeBack) {
  Program deny;
  deny.insns = {Stmt(kRET | kK, seccomp::kRetErrno | 1)};
  KernelCompareOptions o;
  o.cpu = -2;
  o.kernel.repetitions = 2;
  o.kernel.calls_per_rep = 10;
  Result<KernelCompareResult> r = CompareKernelCost({deny}, {deny}, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rule, "nothing-to-measure");
  o.rounds = 0;
  r = CompareKernelCost({Chain(0)}, {Chain(0)}, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rule, "bad-rounds");
}

}  // namespace
}  // namespace sckit::bench
