// The running kernel as the judge of the optimizer: the original and the optimized filter are
// each installed in a child by the kernel engine (live/kernel_engine.h: the record becomes a
// real system call that never executes) and must give the same outcome on every record:
// every x86_64 and i386 syscall number of the uniform workload plus out-of-table numbers, with
// arguments that the argument-checking filters tell apart. Filters: every bundled example and
// random jeq-chain programs (--merge: live_merge_test). Needs root (the engine skips
// otherwise).
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "bench/workload.h"
#include "formats/loader.h"
#include "live/kernel_engine.h"
#include "tests/optimize/live_util.h"
#include "optimize/optimize.h"
#include "tests/random_program.h"
#include "verifier/verifier.h"
#include "vm/arch.h"

namespace sckit::optimize {
namespace {

using testing::CompareInKernel;
using testing::Records;

TEST(OptimizeLive, BundledExamplesActTheSameInTheKernel) {
  const std::vector<SeccompData> records = Records();
  for (const char* path :
       {"examples/server/server.bpf", "examples/denylist/denylist.bpf",
        "examples/multiarch/multiarch.bpf", "examples/socket-args/socket-args.bpf",
        "examples/profiles/docker-default.bpf", "examples/profiles/podman-default.bpf"}) {
    SCOPED_TRACE(path);
    Result<Program> p = LoadProgramFile(path);
    ASSERT_TRUE(p.ok());
    Result<VerifiedProgram> v = Verify(*p);
    ASSERT_TRUE(v.ok());
    Result<OptimizeResult> r =
        Optimize(*v, bench::UniformWorkload(*FindArch("x86_64")).records);
    ASSERT_TRUE(r.ok());
    ASSERT_NE(r->chosen, "unchanged");
    if (!CompareInKernel(*p, r->output, records)) GTEST_SKIP() << "kernel engine unavailable";
  }
}

TEST(OptimizeLive, RandomChainProgramsActTheSameInTheKernel) {
  std::mt19937 rng(1618);
  for (int i = 0; i < 4; ++i) {
    std::vector<uint32_t> keys;
    Result<VerifiedProgram> v = Verify(sckit::testing::RandomChainProgram(rng, &keys));
    ASSERT_TRUE(v.ok());
    std::vector<SeccompData> records;
    for (uint32_t k : keys) {
      SeccompData d;
      d.arch = kAuditArchX86_64;
      d.nr = static_cast<int32_t>(k);
      d.args[0] = k;
      records.push_back(d);
    }
    Result<OptimizeResult> r = Optimize(*v, records);
    ASSERT_TRUE(r.ok());
    if (!CompareInKernel(v->original(), r->output, records)) {
      GTEST_SKIP() << "kernel engine unavailable";
    }
  }
}

}  // namespace
}  // namespace sckit::optimize
