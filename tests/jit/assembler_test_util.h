// Helpers shared by the x86-64 assembler's tests (tests/jit/assembler_*_test.cc): assembling a
// snippet, register names, capstone's number and memory-operand spelling, and the encoded
// length of a register-register form from the encoding rules.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "jit/x86_assembler.h"

namespace sckit::jit::testing {

inline std::vector<uint8_t> Assemble(const std::function<void(X86Assembler&)>& emit) {
  X86Assembler a;
  emit(a);
  Result<std::vector<uint8_t>> code = a.Finish();
  EXPECT_TRUE(code.ok()) << code.error().ToString();
  return code.ok() ? *code : std::vector<uint8_t>{};
}

inline Reg R(int n) { return static_cast<Reg>(n); }
inline std::string N32(Reg r) { return std::string(RegName32(r)); }
inline std::string N64(Reg r) { return std::string(RegName64(r)); }

// Capstone 4 prints immediates below 10 in decimal, others as 0x hex, negatives with '-'.
inline std::string CsNum(int64_t v) {
  if (v < 0) return "-" + CsNum(-v);
  if (v < 10) return std::to_string(v);
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

inline std::string CsMem(Reg base, int32_t disp) {
  std::string out = "dword ptr [" + N64(base);
  if (disp > 0) out += " + " + CsNum(disp);
  if (disp < 0) out += " - " + CsNum(-static_cast<int64_t>(disp));
  return out + "]";
}

inline bool High(Reg r) { return RegNumber(r) >= 8; }
inline bool FitsInt8(uint32_t imm) {
  const int32_t s = static_cast<int32_t>(imm);
  return s >= -128 && s <= 127;
}

// Expected encoded length of a register-register form, derived from the rules: optional REX
// (only for r8..r15), the opcode bytes, the ModRM byte.
inline size_t RegRegLength(size_t opcode_bytes, Reg a, Reg b) {
  return (High(a) || High(b) ? 1 : 0) + opcode_bytes + 1;
}

}  // namespace sckit::jit::testing
