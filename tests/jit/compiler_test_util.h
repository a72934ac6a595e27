// Helpers shared by the JIT compiler's tests (tests/jit/compiler_*_test.cc): the register maps
// every program runs under, and Expect: a program run on a record under each map and in the
// interpreter, every result equal to the hand-derived one.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "jit/compiler.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/interpreter.h"
#include "vm/program.h"

namespace sckit::jit::testing {

inline constexpr uint16_t kLdAbs = bpf::kLD | bpf::kW | bpf::kABS;

inline std::vector<RegisterMap> Maps() {
  using enum Reg;
  return {
      RegisterMap::Default(),
      RegisterMap::HighRegisters(),
      // frame rbp ([rbp + 0] needs a disp8), ctx r12 (needs a SIB byte).
      RegisterMap{r15, r14, r12, rbp, r11},
      // A on rdi, the argument register: ctx must be moved out first. X off rcx: shifts by X
      // go through cl.
      RegisterMap{rdi, rsi, rbx, r13, r10},
      // The default with the DIV K scratch on a high register.
      RegisterMap{rax, rcx, rdi, rsp, r8},
  };
}

inline const char* MapName(size_t i) {
  static const char* kNames[] = {"default", "high", "r15/r14/r12/rbp", "rdi/rsi/rbx/r13",
                                 "default+tmp r8"};
  return kNames[i];
}

inline VerifiedProgram MustVerify(const std::vector<SockFilter>& insns) {
  Result<VerifiedProgram> v = Verify(Program{insns});
  if (!v.ok()) {
    ADD_FAILURE() << "program rejected: " << v.error().ToString();
    return *Verify(Program{{Stmt(bpf::kRET | bpf::kK, 0xdeadbeef)}});
  }
  return std::move(*v);
}

// Runs `insns` on `data` under every register map; each result must equal `expected`, and the
// interpreter must agree too.
inline void Expect(const std::vector<SockFilter>& insns, const SeccompData& data,
                   uint32_t expected, const std::string& what) {
  const VerifiedProgram program = MustVerify(insns);
  EXPECT_EQ(RunFilter(program, data), expected) << what << " (interpreter)";
  const std::vector<RegisterMap> maps = Maps();
  for (size_t m = 0; m < maps.size(); ++m) {
    JitOptions options;
    options.registers = maps[m];
    Result<CompiledFilter> jit = Compile(program, options);
    ASSERT_TRUE(jit.ok()) << jit.error().ToString();
    EXPECT_EQ(jit->Run(data), expected) << what << " (jit, map " << MapName(m) << ")";
  }
}

inline void Expect(const std::vector<SockFilter>& insns, uint32_t expected,
                   const std::string& what) {
  Expect(insns, SeccompData{}, expected, what);
}

}  // namespace sckit::jit::testing
