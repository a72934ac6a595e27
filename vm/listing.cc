#include "vm/listing.h"

#include <cstdio>

#include "vm/opcodes.h"

namespace sckit {
namespace {

std::string Hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

// The seccomp_data field at byte offset k (little-endian layout).
std::string FieldName(uint32_t k) {
  if (k == 0) return "nr";
  if (k == 4) return "arch";
  if (k == 8) return "ip lo";
  if (k == 12) return "ip hi";
  if (k >= 16 && k < 64 && k % 4 == 0) {
    return "args[" + std::to_string((k - 16) / 8) + "] " + ((k % 8) ? "hi" : "lo");
  }
  return "";
}

}  // namespace

std::string ListInsn(const SockFilter& insn, uint32_t pc) {
  const OpcodeInfo* info = LookupOpcode(insn.code);
  if (info == nullptr) return ".insn " + Hex(insn.code) + ", " + Hex(insn.k);
  std::string m(info->mnemonic);
  const uint32_t k = insn.k;
  switch (info->operand) {
    case Operand::kNone:
      return bpf::Class(insn.code) == bpf::kRET ? "ret a" : m;
    case Operand::kImm:
      return m + " #" + Hex(k);
    case Operand::kX:
      return m + " x";
    case Operand::kAbs: {
      const std::string field = FieldName(k);
      return m + " [" + std::to_string(k) + "]" + (field.empty() ? "" : " ; " + field);
    }
    case Operand::kInd:
      return m + " [x + " + std::to_string(k) + "]";
    case Operand::kMem:
      return m + " M[" + std::to_string(k) + "]";
    case Operand::kLen:
      return m + " #len";
    case Operand::kMsh:
      return m + " 4*([" + std::to_string(k) + "]&0xf)";
    case Operand::kJumpAlways:
      return m + " " + std::to_string(pc + 1 + k);
    case Operand::kJumpK:
    case Operand::kJumpX:
      return m + (info->operand == Operand::kJumpX ? " x, " : " #" + Hex(k) + ", ") +
             std::to_string(pc + 1 + insn.jt) + ", " + std::to_string(pc + 1 + insn.jf);
  }
  return m;
}

}  // namespace sckit
