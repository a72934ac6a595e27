// The kernel's acceptance checks of a seccomp filter, in the kernel's order
// (verifier/verifier.h).
#include "verifier/verifier.h"

#include <cerrno>
#include <string>

#include "vm/bpf.h"
#include "vm/opcodes.h"
#include "vm/text.h"

namespace sckit {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

std::string CodeName(uint16_t code) {
  const OpcodeInfo* info = LookupOpcode(code);
  std::string hex = Hex(code);
  if (info == nullptr) return hex;
  return std::string(info->mnemonic) + " (" + hex + ")";
}

Error Reject(int pc, const char* rule, std::string message) {
  return MakeError(rule, std::move(message), pc, EINVAL);
}

// SKF_AD_OFF + SKF_AD_*: the ancillary loads bpf_anc_helper() knows (PROTOCOL .. VLAN_TPID).
bool IsKnownAncillary(uint32_t k) {
  if (k < kSkfAdOff) return false;
  const uint32_t off = k - kSkfAdOff;
  return off <= 60 && off % 4 == 0;
}

std::optional<Error> CheckConstant(const OpcodeInfo& info, const SockFilter& insn, uint32_t pc) {
  if (info.k_rule == KRule::kNonZero && insn.k == 0) {
    return Reject(pc, "division-by-zero", std::string(info.mnemonic) + " by constant 0");
  }
  if (info.k_rule == KRule::kShiftCount && insn.k >= 32) {
    return Reject(pc, "shift-out-of-range",
                  "shift by constant " + std::to_string(insn.k) + " (must be < 32)");
  }
  return std::nullopt;
}

std::optional<Error> CheckJump(const OpcodeInfo& info, const SockFilter& insn, uint32_t pc,
                               uint32_t len) {
  if (info.operand == Operand::kJumpAlways) {
    if (insn.k < len - pc - 1) return std::nullopt;
    return Reject(pc, "jump-out-of-range",
                  "ja +" + std::to_string(insn.k) + " lands at " +
                      std::to_string(uint64_t{pc} + 1 + insn.k) + " of " + std::to_string(len) +
                      " instructions");
  }
  if (pc + insn.jt + 1 < len && pc + insn.jf + 1 < len) return std::nullopt;
  const bool jt_bad = pc + insn.jt + 1 >= len;
  const uint32_t off = jt_bad ? insn.jt : insn.jf;
  return Reject(pc, "jump-out-of-range",
                std::string(jt_bad ? "jt=" : "jf=") + std::to_string(off) + " lands at " +
                    std::to_string(pc + off + 1) + " of " + std::to_string(len) +
                    " instructions");
}

// bpf_check_classic()'s per-instruction switch for one instruction, driven by the opcode
// table's operand kinds and constant rules; nullopt when it passes.
std::optional<Error> CheckClassicInsn(const SockFilter& insn, uint32_t pc, uint32_t len) {
  const OpcodeInfo* info = LookupOpcode(insn.code);
  if (info == nullptr || !info->classic) {
    return Reject(pc, "unknown-opcode",
                  "code " + Hex(insn.code) + " is not a classic BPF instruction (chk_code_allowed)");
  }
  switch (info->operand) {
    case Operand::kImm: return CheckConstant(*info, insn, pc);
    case Operand::kMem:
      if (insn.k < kMemWords) return std::nullopt;
      return Reject(pc, "scratch-index-out-of-range",
                    "M[" + std::to_string(insn.k) + "] (scratch memory has 16 words)");
    case Operand::kJumpAlways:
    case Operand::kJumpK:
    case Operand::kJumpX: return CheckJump(*info, insn, pc, len);
    case Operand::kAbs:  // ld/ldh/ldb [k]: the kernel checks only these for ancillary offsets
      if (insn.k < kSkfAdOff || IsKnownAncillary(insn.k)) return std::nullopt;
      return Reject(pc, "unknown-ancillary-load",
                    "load from " + Hex(insn.k) + ", an unknown SKF_AD_OFF ancillary field");
    default: return std::nullopt;
  }
}

std::optional<Error> CheckLastIsRet(const std::vector<SockFilter>& insns) {
  const uint16_t last = insns.back().code;
  if (last == (kRET | kK) || last == (kRET | kRetA)) return std::nullopt;
  return Reject(static_cast<int>(insns.size() - 1), "last-not-ret",
                "the last instruction is " + CodeName(last) + ", it must be ret");
}

// check_load_and_stores(): the kernel's forward pass. memvalid is the set of scratch words
// known written; masks[pc] is what every jump into pc guarantees. Note the kernel leaves
// memvalid unchanged across RET, so the instruction after a RET inherits its state.
std::optional<Error> CheckLoadAndStores(const std::vector<SockFilter>& insns) {
  const uint32_t len = static_cast<uint32_t>(insns.size());
  std::vector<uint16_t> masks(len, 0xffff);
  uint16_t memvalid = 0;
  for (uint32_t pc = 0; pc < len; ++pc) {
    const SockFilter& insn = insns[pc];
    memvalid &= masks[pc];
    const OpcodeInfo* info = LookupOpcode(insn.code);
    if (info == nullptr) continue;  // only VerifyAll() gets here with unknown codes
    switch (info->operand) {
      case Operand::kMem:
        if (IsStore(*info)) {
          memvalid |= static_cast<uint16_t>(1u << insn.k);
        } else if (!(memvalid & (1u << insn.k))) {
          return Reject(static_cast<int>(pc), "uninitialised-scratch-read",
                        "M[" + std::to_string(insn.k) +
                            "] may be read before it is written (check_load_and_stores)");
        }
        break;
      case Operand::kJumpAlways:
        masks[pc + 1 + insn.k] &= memvalid;
        memvalid = 0xffff;
        break;
      case Operand::kJumpK:
      case Operand::kJumpX:
        masks[pc + 1 + insn.jt] &= memvalid;
        masks[pc + 1 + insn.jf] &= memvalid;
        memvalid = 0xffff;
        break;
      default:
        break;
    }
  }
  return std::nullopt;
}

// seccomp_check_filter() for one instruction: nullopt when allowed (rewriting `insn` as the
// kernel does), or the error.
std::optional<Error> CheckSeccompInsn(SockFilter& insn, uint32_t pc) {
  switch (insn.code) {
    case kLD | kW | kABS:
      if (insn.k >= seccomp::kDataSize || (insn.k & 3) != 0) {
        return Reject(static_cast<int>(pc), "bad-data-offset",
                      "ld [" + std::to_string(insn.k) +
                          "]: seccomp_data loads need an offset < 64 and a multiple of 4");
      }
      insn.code = kSeccompLoadData;
      return std::nullopt;
    case kLD | kW | kLEN:
      insn.code = kLD | kIMM;
      insn.k = seccomp::kDataSize;
      return std::nullopt;
    case kLDX | kW | kLEN:
      insn.code = kLDX | kIMM;
      insn.k = seccomp::kDataSize;
      return std::nullopt;
    default:
      if (IsSeccompAllowed(insn.code)) return std::nullopt;
      return Reject(static_cast<int>(pc), "not-allowed-in-seccomp",
                    CodeName(insn.code) +
                        " is classic BPF but not allowed in seccomp filters "
                        "(seccomp_check_filter)");
  }
}

std::optional<Error> CheckLength(size_t len) {
  if (len == 0) return Reject(-1, "empty-program", "a filter needs at least one instruction");
  if (len > kMaxInsns) {
    return Reject(-1, "too-many-instructions",
                  std::to_string(len) + " instructions (the kernel allows at most 4096)");
  }
  return std::nullopt;
}

}  // namespace

uint32_t ConvertedLength(std::span<const SockFilter> original) {
  uint32_t n = 3;  // A ^= A; X ^= X; CTX = ARG1
  for (const SockFilter& insn : original) {
    const uint16_t code = insn.code;
    if (code == (kRET | kK)) {
      n += 2;  // mov32 A, k; exit
    } else if (code == (kRET | kRetA)) {
      n += 1;
    } else if (code == (kALU | kDIV | kX) || code == (kALU | kMOD | kX)) {
      n += 5;  // mov32 X, X; jne X, 0, +2; A ^= A; exit; op
    } else if (IsConditionalJump(code)) {
      const uint16_t op = Op(code);
      const bool one = insn.jf == 0 || (insn.jt == 0 && (op == kJEQ || op == kJGT || op == kJGE));
      n += one ? 1 : 2;
      if (Src(code) == kK && static_cast<int32_t>(insn.k) < 0) n += 1;  // mov32 TMP, k
    } else {
      n += 1;
    }
  }
  return n;
}

Result<VerifiedProgram> Verify(const Program& program) {
  if (auto e = CheckLength(program.size())) return *e;
  const uint32_t len = static_cast<uint32_t>(program.size());
  for (uint32_t pc = 0; pc < len; ++pc) {
    if (auto e = CheckClassicInsn(program.insns[pc], pc, len)) return *e;
  }
  if (auto e = CheckLastIsRet(program.insns)) return *e;
  if (auto e = CheckLoadAndStores(program.insns)) return *e;
  std::vector<SockFilter> runtime = program.insns;
  for (uint32_t pc = 0; pc < len; ++pc) {
    if (auto e = CheckSeccompInsn(runtime[pc], pc)) return *e;
  }
  VerifiedProgram verified;
  verified.original_ = program;
  verified.runtime_ = std::move(runtime);
  verified.converted_len_ = ConvertedLength(program.insns);
  return verified;
}

std::vector<Error> VerifyAll(const Program& program) {
  std::vector<Error> errors;
  if (auto e = CheckLength(program.size())) {
    errors.push_back(*e);
    if (program.empty()) return errors;
  }
  const uint32_t len = static_cast<uint32_t>(program.size());
  bool jumps_ok = true;
  for (uint32_t pc = 0; pc < len; ++pc) {
    if (auto e = CheckClassicInsn(program.insns[pc], pc, len)) {
      if (e->rule == "jump-out-of-range" || e->rule == "scratch-index-out-of-range") {
        jumps_ok = false;
      }
      errors.push_back(*e);
    }
  }
  if (auto e = CheckLastIsRet(program.insns)) errors.push_back(*e);
  if (jumps_ok) {
    if (auto e = CheckLoadAndStores(program.insns)) errors.push_back(*e);
  }
  std::vector<SockFilter> runtime = program.insns;
  for (uint32_t pc = 0; pc < len; ++pc) {
    if (!IsClassicAllowed(runtime[pc].code)) continue;  // already reported
    if (auto e = CheckSeccompInsn(runtime[pc], pc)) errors.push_back(*e);
  }
  return errors;
}

}  // namespace sckit
