// The running kernel as the judge of the optimizer: the original and the optimized filter are
// each installed in a child by the kernel engine (live/kernel_engine.h: the record becomes a
// real system call that never executes) and must give the same outcome on every record:
// every x86_64 and i386 syscall number of the uniform workload plus out-of-table numbers, with
// arguments that the argument-checking filters tell apart. Filters: every bundled example and
// random jeq-chain programs; and stacks of bundled examples against their --merge filter.
// Needs root (the engine skips otherwise).
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "bench/workload.h"
#include "formats/loader.h"
#include "live/kernel_engine.h"
#include "optimize/merge.h"
#include "optimize/optimize.h"
#include "tests/random_program.h"
#include "verifier/verifier.h"
#include "vm/arch.h"

namespace sckit::optimize {
namespace {

bool Unavailable(const Error& e) {
  return e.rule == "suspend-seccomp-refused" || e.kernel_errno == EPERM ||
         e.kernel_errno == ENOSYS;
}

std::vector<SeccompData> Records() {
  std::vector<SeccompData> out;
  for (const char* a : {"x86_64", "i386"}) {
    for (SeccompData d : bench::UniformWorkload(*FindArch(a)).records) {
      out.push_back(d);
      d.args[0] = 1;  // socket(AF_UNIX), clone flags, personality ... take other branches
      d.args[1] = 0x7fffffff;
      out.push_back(d);
    }
  }
  for (int32_t nr : {-1, 1000, 0x40000000, 0x40000001}) {
    SeccompData d;
    d.arch = kAuditArchX86_64;
    d.nr = nr;
    out.push_back(d);
  }
  return out;
}

// Installs both stacks (oldest first) and compares the kernel's outcomes; false to skip.
bool CompareStacksInKernel(const std::vector<StackEntry>& a, const std::vector<StackEntry>& b,
                           const std::vector<SeccompData>& records) {
  Result<live::KernelEngine> ea = live::KernelEngine::Start(a);
  if (!ea.ok() && Unavailable(ea.error())) return false;
  EXPECT_TRUE(ea.ok()) << ea.error().ToString();
  Result<live::KernelEngine> eb = live::KernelEngine::Start(b);
  EXPECT_TRUE(ea.ok() && eb.ok());
  if (!ea.ok() || !eb.ok()) return true;
  int compared = 0;
  for (const SeccompData& d : records) {
    Result<live::KernelObservation> oa = ea->Run(d);
    Result<live::KernelObservation> ob = eb->Run(d);
    EXPECT_TRUE(oa.ok() && ob.ok());
    if (!oa.ok() || !ob.ok()) return true;
    if (!oa->reproducible || !ob->reproducible) continue;
    ++compared;
    EXPECT_EQ(oa->outcome, ob->outcome) << "nr " << d.nr << " arch " << d.arch;
  }
  EXPECT_GT(compared, static_cast<int>(records.size()) / 2);
  return true;
}

bool CompareInKernel(const Program& a, const Program& b, const std::vector<SeccompData>& records) {
  return CompareStacksInKernel({StackEntry{a, 0}}, {StackEntry{b, 0}}, records);
}

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

// --merge: the stack installed as it is against its one merged filter.
TEST(OptimizeLive, MergedStacksActTheSameInTheKernel) {
  const std::vector<SeccompData> records = Records();
  const std::vector<std::vector<const char*>> stacks = {
      {"examples/multiarch/multiarch.bpf", "examples/socket-args/socket-args.bpf"},
      {"examples/profiles/docker-default.bpf", "examples/server/server.bpf"},
      {"examples/denylist/denylist.bpf", "examples/multiarch/multiarch.bpf",
       "examples/socket-args/socket-args.bpf"}};
  for (const auto& files : stacks) {
    std::vector<VerifiedProgram> programs;
    std::vector<StackEntry> entries;
    for (const char* path : files) {
      Result<Program> p = LoadProgramFile(path);
      ASSERT_TRUE(p.ok()) << path;
      Result<VerifiedProgram> v = Verify(*p);
      ASSERT_TRUE(v.ok());
      programs.push_back(*v);
      entries.push_back(StackEntry{*p, 0});
    }
    std::vector<const VerifiedProgram*> stack;
    for (const VerifiedProgram& v : programs) stack.push_back(&v);
    SCOPED_TRACE(files.front());
    Result<MergeResult> m = MergeStack(stack, bench::UniformWorkload(*FindArch("x86_64")).records);
    ASSERT_TRUE(m.ok()) << m.error().ToString();
    if (!CompareStacksInKernel(entries, {StackEntry{m->optimized.output, 0}}, records)) {
      GTEST_SKIP() << "kernel engine unavailable";
    }
  }
}

}  // namespace
}  // namespace sckit::optimize
