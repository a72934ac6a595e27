// All 65536 code values classified against the kernel's two tables, written out here
// independently of vm/opcodes.cc as hex literals: chk_code_allowed() in net/core/filter.c and
// the allow-list of seccomp_check_filter() in kernel/seccomp.c.
#include "vm/opcodes.h"

#include <gtest/gtest.h>

#include <set>

#include "vm/bpf.h"

namespace sckit {
namespace {

// chk_code_allowed(): ALU {ADD,SUB,MUL,DIV,MOD,AND,OR,XOR,LSH,RSH} x {K,X}, NEG; LD W/H/B ABS,
// LD W LEN, LD W/H/B IND, LD IMM, LD MEM; LDX W LEN, LDX B MSH, LDX IMM, LDX MEM; ST, STX;
// TAX, TXA; RET K, RET A; JA, {JEQ,JGE,JGT,JSET} x {K,X}.
const std::set<uint16_t> kClassic = {
    0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c, 0x94, 0x9c, 0x54, 0x5c, 0x44, 0x4c,
    0xa4, 0xac, 0x64, 0x6c, 0x74, 0x7c, 0x84,                    // ALU
    0x20, 0x28, 0x30, 0x80, 0x40, 0x48, 0x50, 0x00, 0x60,        // LD
    0x81, 0xb1, 0x01, 0x61,                                      // LDX
    0x02, 0x03,                                                  // ST, STX
    0x07, 0x87,                                                  // TAX, TXA
    0x06, 0x16,                                                  // RET K, RET A
    0x05, 0x15, 0x1d, 0x35, 0x3d, 0x25, 0x2d, 0x45, 0x4d,        // JMP
};

// seccomp_check_filter(): LD|W|ABS and the two LEN loads (rewritten), RET K/A, ALU
// {ADD,SUB,MUL,DIV,AND,OR,XOR,LSH,RSH} x {K,X} and NEG, LD/LDX IMM, TAX, TXA, LD/LDX MEM,
// ST, STX, JA, {JEQ,JGE,JGT,JSET} x {K,X}. No MOD, no packet loads, no MSH.
const std::set<uint16_t> kSeccomp = {
    0x20, 0x80, 0x81, 0x06, 0x16, 0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c,
    0x54, 0x5c, 0x44, 0x4c, 0xa4, 0xac, 0x64, 0x6c, 0x74, 0x7c, 0x84, 0x00, 0x01,
    0x07, 0x87, 0x60, 0x61, 0x02, 0x03, 0x05, 0x15, 0x1d, 0x35, 0x3d, 0x25, 0x2d,
    0x45, 0x4d,
};

TEST(Opcodes, EveryCodeClassifiedLikeTheKernel) {
  int classic = 0;
  int seccomp = 0;
  for (uint32_t code = 0; code <= 0xffff; ++code) {
    const uint16_t c = static_cast<uint16_t>(code);
    EXPECT_EQ(IsClassicAllowed(c), kClassic.count(c) == 1) << "code 0x" << std::hex << code;
    EXPECT_EQ(IsSeccompAllowed(c), kSeccomp.count(c) == 1) << "code 0x" << std::hex << code;
    classic += IsClassicAllowed(c);
    seccomp += IsSeccompAllowed(c);
  }
  EXPECT_EQ(classic, 49);
  EXPECT_EQ(seccomp, 41);
}

TEST(Opcodes, SeccompIsASubsetOfClassic) {
  for (uint16_t c : kSeccomp) EXPECT_TRUE(kClassic.count(c)) << c;
}

TEST(Opcodes, FieldsAgreeWithTheEncoding) {
  for (const OpcodeInfo& info : AllOpcodes()) {
    const uint16_t cls = bpf::Class(info.code);
    switch (info.operand) {
      case Operand::kJumpAlways:
      case Operand::kJumpK:
      case Operand::kJumpX:
        EXPECT_EQ(cls, bpf::kJMP) << info.mnemonic;
        EXPECT_EQ(info.operand == Operand::kJumpX, bpf::Src(info.code) == bpf::kX);
        break;
      case Operand::kX:
        EXPECT_TRUE(cls == bpf::kALU || cls == bpf::kRET) << info.mnemonic;
        break;
      case Operand::kAbs:
      case Operand::kInd:
      case Operand::kLen:
        EXPECT_TRUE(cls == bpf::kLD || cls == bpf::kLDX) << info.mnemonic;
        break;
      default:
        break;
    }
  }
}

TEST(Opcodes, LookupOfUnknownCodesIsNull) {
  EXPECT_EQ(LookupOpcode(0x21), nullptr);  // the kernel's internal seccomp load marker
  EXPECT_EQ(LookupOpcode(0x8c), nullptr);  // NEG|X
  EXPECT_EQ(LookupOpcode(0x17), nullptr);
  EXPECT_EQ(LookupOpcode(0x26), nullptr);
  EXPECT_EQ(LookupOpcode(0xffff), nullptr);
  ASSERT_NE(LookupOpcode(0x0e), nullptr);  // RET|X: has a name, never accepted
  EXPECT_FALSE(LookupOpcode(0x0e)->classic);
}

}  // namespace
}  // namespace sckit
