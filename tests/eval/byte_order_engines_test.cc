// Big-endian records through every userspace engine and the outcome path: the same filter,
// built by eval/stack_builder with the interpreter and with the JIT, decided by vm/outcome, on
// records of s390x / ppc64 / mips64 / sparc64 and of x86_64 / aarch64 / ppc64le. Expectations by
// hand: a0 = 0x1_00000002 loads 1 at offset 16 on a big-endian machine, 2 on a little-endian one.
#include <gtest/gtest.h>

#include <vector>

#include "eval/stack_builder.h"
#include "tests/eval_test_util.h"
#include "vm/arch.h"
#include "vm/outcome.h"

namespace sckit {
namespace {

using testing::MustVerify;

// ERRNO(word at offset k): the loaded word becomes the errno the kernel returns.
VerifiedProgram ErrnoOfWord(uint32_t k) {
  return MustVerify({Stmt(bpf::kLD | bpf::kW | bpf::kABS, k),
                     Stmt(bpf::kALU | bpf::kOR | bpf::kK, seccomp::kRetErrno),
                     Stmt(bpf::kRET | bpf::kRetA, 0)});
}

TEST(ByteOrderEngines, InterpreterAndJitDecideAsTheMachine) {
  struct Case {
    const char* arch;
    uint32_t at16, at20, at8, at12;
  } const cases[] = {
      {"s390x", 1, 2, 3, 4},   {"ppc64", 1, 2, 3, 4},   {"mips64", 1, 2, 3, 4},
      {"sparc64", 1, 2, 3, 4}, {"mips", 1, 2, 3, 4},    {"x86_64", 2, 1, 4, 3},
      {"aarch64", 2, 1, 4, 3}, {"ppc64le", 2, 1, 4, 3}, {"mipsel64", 2, 1, 4, 3},
  };
  for (eval::EngineKind kind : {eval::EngineKind::kInterp, eval::EngineKind::kJit}) {
    for (const Case& c : cases) {
      SeccompData d;
      d.arch = FindArch(c.arch)->audit_arch;
      d.instruction_pointer = 0x0000000300000004ull;
      d.args[0] = 0x0000000100000002ull;
      const std::pair<uint32_t, uint32_t> loads[] = {
          {16, c.at16}, {20, c.at20}, {8, c.at8}, {12, c.at12}};
      for (const auto& [k, want] : loads) {
        std::vector<VerifiedProgram> filters;
        filters.push_back(ErrnoOfWord(k));
        Result<FilterStack> stack = eval::BuildStack(filters, kind);
        ASSERT_TRUE(stack.ok()) << stack.error().ToString();
        std::vector<uint32_t> rets(1);
        const Outcome o = Decide(*stack, d, KernelContext{}, rets);
        EXPECT_EQ(rets[0], seccomp::kRetErrno | want)
            << c.arch << " offset " << k << " " << eval::EngineKindName(kind);
        EXPECT_EQ(o.return_value, -static_cast<int64_t>(want)) << c.arch << " offset " << k;
      }
    }
  }
}

}  // namespace
}  // namespace sckit
