// The one opcode table for classic BPF. Every component (decoder, disassembler, assembler,
// verifier, interpreter, JIT and their tests) asks this table what a code means, instead of
// keeping a switch of its own that must agree with the others.
//
// "classic" mirrors chk_code_allowed() in net/core/filter.c (codes a socket filter may use);
// "seccomp" mirrors the allow-list of seccomp_check_filter() in kernel/seccomp.c.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace sckit {

// What the k/jt/jf fields of an instruction mean, by opcode.
enum class Operand : uint8_t {
  kNone,      // no operand (tax, txa, neg, ret a): k, jt, jf unused
  kImm,       // k is an immediate (ld #k, alu op #k, ret #k)
  kX,         // the operand is X (alu op x)
  kAbs,       // k is an absolute offset into the data (ld [k])
  kInd,       // k is an offset relative to X (ld [x + k])
  kMem,       // k indexes scratch memory M[k]
  kLen,       // the data length (ld len)
  kMsh,       // 4 * ([k] & 0xf) (ldx msh)
  kJumpAlways,  // ja: k is the relative jump distance
  kJumpK,     // conditional jump comparing A with k: jt/jf relative
  kJumpX,     // conditional jump comparing A with X: jt/jf relative
};

struct OpcodeInfo {
  uint16_t code;
  std::string_view mnemonic;  // bpf_asm spelling: "ld", "ldh", "jeq", "ret", ...
  Operand operand;
  bool classic;  // accepted by chk_code_allowed (bpf_check_classic)
  bool seccomp;  // accepted by seccomp_check_filter (only meaningful when classic)
};

// The entry for `code`, or nullptr when no classic BPF opcode has that value.
const OpcodeInfo* LookupOpcode(uint16_t code);

// Every entry of the table, in ascending code order.
std::span<const OpcodeInfo> AllOpcodes();

inline bool IsClassicAllowed(uint16_t code) {
  const OpcodeInfo* info = LookupOpcode(code);
  return info != nullptr && info->classic;
}

inline bool IsSeccompAllowed(uint16_t code) {
  const OpcodeInfo* info = LookupOpcode(code);
  return info != nullptr && info->classic && info->seccomp;
}

inline bool IsConditionalJump(uint16_t code) {
  const OpcodeInfo* info = LookupOpcode(code);
  return info != nullptr &&
         (info->operand == Operand::kJumpK || info->operand == Operand::kJumpX);
}

}  // namespace sckit
