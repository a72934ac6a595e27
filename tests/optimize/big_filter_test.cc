// A filter at the kernel's size limit through the whole optimizer, proof included: a
// libseccomp-style chain of 2044 jeq/ret pairs (4095 instructions). Prints the times; the
// proof's time is reported in docs/optimize.md (a benchmark figure, not asserted here).
#include <gtest/gtest.h>

#include <cstdio>

#include "bench/workload.h"
#include "optimize/optimize.h"
#include "verifier/verifier.h"
#include "vm/arch.h"
#include "vm/bpf.h"

namespace sckit::optimize {
namespace {

using namespace bpf;  // NOLINT

TEST(Optimize, A4095InstructionChainIsOptimizedIncludingTheProof) {
  // libseccomp's layout with jeq/ret pairs: 2044 syscalls, every fifth one an errno.
  Program p;
  p.insns = {Stmt(kLD | kW | kABS, 4), Jump(kJMP | kJEQ | kK, kAuditArchX86_64, 1, 0),
             Stmt(kRET | kK, seccomp::kRetKillProcess), Stmt(kLD | kW | kABS, 0),
             Jump(kJMP | kJGE | kK, 0x40000000u, 0, 1), Stmt(kRET | kK, seccomp::kRetErrno | 1)};
  for (uint32_t i = 0; i < 2044; ++i) {
    p.insns.push_back(Jump(kJMP | kJEQ | kK, i * 3, 0, 1));
    p.insns.push_back(Stmt(kRET | kK, i % 5 ? seccomp::kRetAllow : seccomp::kRetErrno | i));
  }
  p.insns.push_back(Stmt(kRET | kK, seccomp::kRetErrno | 1));
  Result<VerifiedProgram> v = Verify(p);
  ASSERT_TRUE(v.ok());
  const VerifiedProgram& in = *v;
  // The proof goes class by class (analysis/diff.h): no solver query here involves more than
  // the few instructions one syscall reaches, so the default timeout per query is ample.
  OptimizeOptions options;
  Result<OptimizeResult> result =
      Optimize(in, bench::UniformWorkload(*FindArch("x86_64")).records, options);
  ASSERT_TRUE(result.ok());
  const OptimizeResult& r = *result;
  EXPECT_TRUE(r.proven);
  EXPECT_FALSE(r.proof_failed);
  EXPECT_TRUE(LostCacheEntries(in.original(), r.output).empty());
  EXPECT_LE(r.after.mean_insns * 2, r.before.mean_insns);
  std::printf("4095-instruction chain: mean %.1f -> %.1f, %zu -> %zu insns, proof %.2fs, "
              "total %.2fs\n",
              r.before.mean_insns, r.after.mean_insns, r.before.total_insns, r.after.total_insns,
              r.proof_seconds, r.total_seconds);
  EXPECT_NE(r.chosen, "unchanged");
}

}  // namespace
}  // namespace sckit::optimize
