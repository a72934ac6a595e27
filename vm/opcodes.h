// The one opcode table for classic BPF: per code, its mnemonic, what its k/jt/jf fields mean,
// which constant k the kernel refuses, and whether the kernel accepts it. The facts about codes
// are read from here: the verifier's checks and the disassembler and assembler switch on the
// operand kind, never on codes of their own.
//
// What still switches on codes, and why: the engines (vm/interpreter, vm/prepared_filter,
// jit/compiler) and the symbolic encoding (analysis/symbolic) each give every code its
// semantics in their own medium (C++ arithmetic, threaded operations, x86-64 instructions, Z3
// terms); a switch over the code is that mapping, written once per medium, and compiles to one
// jump table. Their defaults fail closed, and tests run all of them against each other and the
// kernel on every code (tests/vm, tests/jit, tests/analysis).
//
// "classic" mirrors chk_code_allowed() in net/core/filter.c (codes a socket filter may use);
// "seccomp" mirrors the allow-list of seccomp_check_filter() in kernel/seccomp.c.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "vm/bpf.h"

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

// Constant operands bpf_check_classic() refuses.
enum class KRule : uint8_t {
  kAny,        // every k is accepted
  kNonZero,    // div/mod #k: k == 0 is "division-by-zero"
  kShiftCount, // lsh/rsh #k: k >= 32 is "shift-out-of-range"
};

struct OpcodeInfo {
  uint16_t code;
  std::string_view mnemonic;  // bpf_asm spelling: "ld", "ldh", "jeq", "ret", ...
  Operand operand;
  KRule k_rule;
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

// st / stx: the instructions that write scratch memory (every other kMem operand reads it).
inline bool IsStore(const OpcodeInfo& info) {
  return info.operand == Operand::kMem &&
         (bpf::Class(info.code) == bpf::kST || bpf::Class(info.code) == bpf::kSTX);
}

inline bool IsConditionalJump(uint16_t code) {
  const OpcodeInfo* info = LookupOpcode(code);
  return info != nullptr &&
         (info->operand == Operand::kJumpK || info->operand == Operand::kJumpX);
}

}  // namespace sckit
