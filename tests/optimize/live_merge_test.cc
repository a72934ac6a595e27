// The running kernel as the judge of `sckit optimize --merge`: a stack of bundled filters,
// installed as it is, and its one merged filter must give the same outcome on every record
// (the records of live_test). Needs root (the kernel engine skips otherwise).
#include <gtest/gtest.h>

#include <vector>

#include "bench/workload.h"
#include "formats/loader.h"
#include "optimize/merge.h"
#include "tests/optimize/live_util.h"
#include "verifier/verifier.h"
#include "vm/arch.h"

namespace sckit::optimize {
namespace {

using testing::CompareStacksInKernel;
using testing::Records;

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
