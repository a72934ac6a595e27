// The one classic-BPF opcode table (vm/opcodes.h).
#include "vm/opcodes.h"

#include <algorithm>
#include <array>

#include "vm/bpf.h"

namespace sckit {
namespace {

using namespace bpf;  // NOLINT: opcode arithmetic reads best in the kernel's vocabulary.

constexpr KRule RuleFor(uint16_t code) {
  if (code == (kALU | kDIV | kK) || code == (kALU | kMOD | kK)) return KRule::kNonZero;
  if (code == (kALU | kLSH | kK) || code == (kALU | kRSH | kK)) return KRule::kShiftCount;
  return KRule::kAny;
}

constexpr OpcodeInfo Entry(uint16_t code, std::string_view mnemonic, Operand operand,
                           bool classic, bool seccomp) {
  return OpcodeInfo{code, mnemonic, operand, RuleFor(code), classic, seccomp};
}

// Sorted by code. classic = chk_code_allowed(); seccomp = seccomp_check_filter()'s allow-list
// (LD|W|ABS and the two LEN loads are accepted there and rewritten, see verifier.h).
constexpr std::array kTable = {
    Entry(kLD | kIMM, "ld", Operand::kImm, true, true),                  // 0x00
    Entry(kLDX | kIMM, "ldx", Operand::kImm, true, true),                // 0x01
    Entry(kST, "st", Operand::kMem, true, true),                         // 0x02
    Entry(kSTX, "stx", Operand::kMem, true, true),                       // 0x03
    Entry(kALU | kADD | kK, "add", Operand::kImm, true, true),           // 0x04
    Entry(kJMP | kJA, "ja", Operand::kJumpAlways, true, true),           // 0x05
    Entry(kRET | kK, "ret", Operand::kImm, true, true),                  // 0x06
    Entry(kMISC | kTAX, "tax", Operand::kNone, true, true),              // 0x07
    Entry(kALU | kADD | kX, "add", Operand::kX, true, true),             // 0x0c
    Entry(kRET | kX, "ret", Operand::kX, false, false),                  // 0x0e RET|X: never accepted
    Entry(kALU | kSUB | kK, "sub", Operand::kImm, true, true),           // 0x14
    Entry(kJMP | kJEQ | kK, "jeq", Operand::kJumpK, true, true),         // 0x15
    Entry(kRET | kRetA, "ret", Operand::kNone, true, true),              // 0x16
    Entry(kALU | kSUB | kX, "sub", Operand::kX, true, true),             // 0x1c
    Entry(kJMP | kJEQ | kX, "jeq", Operand::kJumpX, true, true),         // 0x1d
    Entry(kLD | kW | kABS, "ld", Operand::kAbs, true, true),             // 0x20
    Entry(kALU | kMUL | kK, "mul", Operand::kImm, true, true),           // 0x24
    Entry(kJMP | kJGT | kK, "jgt", Operand::kJumpK, true, true),         // 0x25
    Entry(kLD | kH | kABS, "ldh", Operand::kAbs, true, false),           // 0x28
    Entry(kALU | kMUL | kX, "mul", Operand::kX, true, true),             // 0x2c
    Entry(kJMP | kJGT | kX, "jgt", Operand::kJumpX, true, true),         // 0x2d
    Entry(kLD | kB | kABS, "ldb", Operand::kAbs, true, false),           // 0x30
    Entry(kALU | kDIV | kK, "div", Operand::kImm, true, true),           // 0x34
    Entry(kJMP | kJGE | kK, "jge", Operand::kJumpK, true, true),         // 0x35
    Entry(kALU | kDIV | kX, "div", Operand::kX, true, true),             // 0x3c
    Entry(kJMP | kJGE | kX, "jge", Operand::kJumpX, true, true),         // 0x3d
    Entry(kLD | kW | kIND, "ld", Operand::kInd, true, false),            // 0x40
    Entry(kALU | kOR | kK, "or", Operand::kImm, true, true),             // 0x44
    Entry(kJMP | kJSET | kK, "jset", Operand::kJumpK, true, true),       // 0x45
    Entry(kLD | kH | kIND, "ldh", Operand::kInd, true, false),           // 0x48
    Entry(kALU | kOR | kX, "or", Operand::kX, true, true),               // 0x4c
    Entry(kJMP | kJSET | kX, "jset", Operand::kJumpX, true, true),       // 0x4d
    Entry(kLD | kB | kIND, "ldb", Operand::kInd, true, false),           // 0x50
    Entry(kALU | kAND | kK, "and", Operand::kImm, true, true),           // 0x54
    Entry(kALU | kAND | kX, "and", Operand::kX, true, true),             // 0x5c
    Entry(kLD | kMEM, "ld", Operand::kMem, true, true),                  // 0x60
    Entry(kLDX | kMEM, "ldx", Operand::kMem, true, true),                // 0x61
    Entry(kALU | kLSH | kK, "lsh", Operand::kImm, true, true),           // 0x64
    Entry(kALU | kLSH | kX, "lsh", Operand::kX, true, true),             // 0x6c
    Entry(kALU | kRSH | kK, "rsh", Operand::kImm, true, true),           // 0x74
    Entry(kALU | kRSH | kX, "rsh", Operand::kX, true, true),             // 0x7c
    Entry(kLD | kW | kLEN, "ld", Operand::kLen, true, true),             // 0x80
    Entry(kLDX | kW | kLEN, "ldx", Operand::kLen, true, true),           // 0x81
    Entry(kALU | kNEG, "neg", Operand::kNone, true, true),               // 0x84
    Entry(kMISC | kTXA, "txa", Operand::kNone, true, true),              // 0x87
    Entry(kALU | kMOD | kK, "mod", Operand::kImm, true, false),          // 0x94
    Entry(kALU | kMOD | kX, "mod", Operand::kX, true, false),            // 0x9c
    Entry(kALU | kXOR | kK, "xor", Operand::kImm, true, true),           // 0xa4
    Entry(kALU | kXOR | kX, "xor", Operand::kX, true, true),             // 0xac
    Entry(kLDX | kB | kMSH, "ldxb", Operand::kMsh, true, false),         // 0xb1
};

constexpr bool IsSorted() {
  for (size_t i = 1; i < kTable.size(); ++i) {
    if (kTable[i - 1].code >= kTable[i].code) return false;
  }
  return true;
}
static_assert(IsSorted(), "opcode table must be sorted by code and free of duplicates");

// Every named code is below 0x100, so a lookup is one index into a table built at compile time
// (the verifier looks up every instruction several times: a binary search was a third of it).
constexpr bool CodesFitOneByte() {
  for (const OpcodeInfo& e : kTable) {
    if (e.code > 0xff) return false;
  }
  return kTable.size() < 0xff;
}
static_assert(CodesFitOneByte());

constexpr std::array<uint8_t, 256> kIndex = [] {
  std::array<uint8_t, 256> index{};
  index.fill(0xff);
  for (size_t i = 0; i < kTable.size(); ++i) index[kTable[i].code] = static_cast<uint8_t>(i);
  return index;
}();

}  // namespace

const OpcodeInfo* LookupOpcode(uint16_t code) {
  if (code > 0xff || kIndex[code] == 0xff) return nullptr;
  return &kTable[kIndex[code]];
}

std::span<const OpcodeInfo> AllOpcodes() { return {kTable.data(), kTable.size()}; }

}  // namespace sckit
