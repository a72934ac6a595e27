// The x86-64 assembler: golden bytes written by hand from the Intel SDM encodings, every method
// with every register cross-checked against capstone's decoding (text and length, so a redundant
// REX or SIB byte would fail), and label layout at the rel8/rel32 boundaries.
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "jit/x86_assembler.h"
#include "tests/jit_test_util.h"

namespace sckit::jit {
namespace {

using testing::CapstoneText;
using testing::Hex;

std::vector<uint8_t> Assemble(const std::function<void(Assembler&)>& emit) {
  Assembler a;
  emit(a);
  Result<std::vector<uint8_t>> code = a.Finish();
  EXPECT_TRUE(code.ok()) << code.error().ToString();
  return code.ok() ? *code : std::vector<uint8_t>{};
}

Reg R(int n) { return static_cast<Reg>(n); }
std::string N32(Reg r) { return std::string(RegName32(r)); }
std::string N64(Reg r) { return std::string(RegName64(r)); }

// Capstone 4 prints immediates below 10 in decimal, others as 0x hex, negatives with '-'.
std::string CsNum(int64_t v) {
  if (v < 0) return "-" + CsNum(-v);
  if (v < 10) return std::to_string(v);
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string CsMem(Reg base, int32_t disp) {
  std::string out = "dword ptr [" + N64(base);
  if (disp > 0) out += " + " + CsNum(disp);
  if (disp < 0) out += " - " + CsNum(-static_cast<int64_t>(disp));
  return out + "]";
}

bool High(Reg r) { return RegNumber(r) >= 8; }
bool FitsInt8(uint32_t imm) {
  const int32_t s = static_cast<int32_t>(imm);
  return s >= -128 && s <= 127;
}

struct Golden {
  const char* hex;
  const char* text;
  std::function<void(Assembler&)> emit;
};

TEST(X86Assembler, GoldenBytes) {
  using enum Reg;
  const Golden cases[] = {
      {"89C8", "mov eax, ecx", [](Assembler& a) { a.MovR32R32(rax, rcx); }},
      {"4189C0", "mov r8d, eax", [](Assembler& a) { a.MovR32R32(r8, rax); }},
      {"4489F8", "mov eax, r15d", [](Assembler& a) { a.MovR32R32(rax, r15); }},
      {"4589EC", "mov r12d, r13d", [](Assembler& a) { a.MovR32R32(r12, r13); }},
      {"4989FD", "mov r13, rdi", [](Assembler& a) { a.MovR64R64(r13, rdi); }},
      {"4989E4", "mov r12, rsp", [](Assembler& a) { a.MovR64R64(r12, rsp); }},
      {"4889E5", "mov rbp, rsp", [](Assembler& a) { a.MovR64R64(rbp, rsp); }},
      {"B80000FF7F", "mov eax, 0x7fff0000", [](Assembler& a) { a.MovR32Imm32(rax, 0x7fff0000); }},
      {"41BFFFFFFFFF", "mov r15d, 0xffffffff",
       [](Assembler& a) { a.MovR32Imm32(r15, 0xffffffff); }},
      {"8B4704", "mov eax, dword ptr [rdi + 4]", [](Assembler& a) { a.MovR32Mem(rax, rdi, 4); }},
      {"8B07", "mov eax, dword ptr [rdi]", [](Assembler& a) { a.MovR32Mem(rax, rdi, 0); }},
      {"458B4500", "mov r8d, dword ptr [r13]", [](Assembler& a) { a.MovR32Mem(r8, r13, 0); }},
      {"8B4D00", "mov ecx, dword ptr [rbp]", [](Assembler& a) { a.MovR32Mem(rcx, rbp, 0); }},
      {"418B442408", "mov eax, dword ptr [r12 + 8]",
       [](Assembler& a) { a.MovR32Mem(rax, r12, 8); }},
      {"8B4424C0", "mov eax, dword ptr [rsp - 0x40]",
       [](Assembler& a) { a.MovR32Mem(rax, rsp, -64); }},
      {"8B9600010000", "mov edx, dword ptr [rsi + 0x100]",
       [](Assembler& a) { a.MovR32Mem(rdx, rsi, 0x100); }},
      {"458B0C24", "mov r9d, dword ptr [r12]", [](Assembler& a) { a.MovR32Mem(r9, r12, 0); }},
      {"894C24FC", "mov dword ptr [rsp - 4], ecx", [](Assembler& a) { a.MovMemR32(rsp, -4, rcx); }},
      {"458944243C", "mov dword ptr [r12 + 0x3c], r8d",
       [](Assembler& a) { a.MovMemR32(r12, 60, r8); }},
      {"894580", "mov dword ptr [rbp - 0x80], eax",
       [](Assembler& a) { a.MovMemR32(rbp, -128, rax); }},
      {"53", "push rbx", [](Assembler& a) { a.PushR64(rbx); }},
      {"4154", "push r12", [](Assembler& a) { a.PushR64(r12); }},
      {"415F", "pop r15", [](Assembler& a) { a.PopR64(r15); }},
      {"5D", "pop rbp", [](Assembler& a) { a.PopR64(rbp); }},
      {"01C8", "add eax, ecx", [](Assembler& a) { a.AddR32R32(rax, rcx); }},
      {"4529C8", "sub r8d, r9d", [](Assembler& a) { a.SubR32R32(r8, r9); }},
      {"4421D2", "and edx, r10d", [](Assembler& a) { a.AndR32R32(rdx, r10); }},
      {"4109DB", "or r11d, ebx", [](Assembler& a) { a.OrR32R32(r11, rbx); }},
      {"31C0", "xor eax, eax", [](Assembler& a) { a.XorR32R32(rax, rax); }},
      {"4531C9", "xor r9d, r9d", [](Assembler& a) { a.XorR32R32(r9, r9); }},
      {"39C8", "cmp eax, ecx", [](Assembler& a) { a.CmpR32R32(rax, rcx); }},
      {"4585C0", "test r8d, r8d", [](Assembler& a) { a.TestR32R32(r8, r8); }},
      {"83C001", "add eax, 1", [](Assembler& a) { a.AddR32Imm32(rax, 1); }},
      {"0580000000", "add eax, 0x80", [](Assembler& a) { a.AddR32Imm32(rax, 0x80); }},
      {"81C180000000", "add ecx, 0x80", [](Assembler& a) { a.AddR32Imm32(rcx, 0x80); }},
      {"4183E8FF", "sub r8d, -1", [](Assembler& a) { a.SubR32Imm32(r8, 0xffffffff); }},
      {"250000FFFF", "and eax, 0xffff0000", [](Assembler& a) { a.AndR32Imm32(rax, 0xffff0000); }},
      {"4183CE7F", "or r14d, 0x7f", [](Assembler& a) { a.OrR32Imm32(r14, 0x7f); }},
      {"81F600000080", "xor esi, 0x80000000", [](Assembler& a) { a.XorR32Imm32(rsi, 0x80000000); }},
      {"3D3E0000C0", "cmp eax, 0xc000003e", [](Assembler& a) { a.CmpR32Imm32(rax, 0xc000003e); }},
      {"4183FD3B", "cmp r13d, 0x3b", [](Assembler& a) { a.CmpR32Imm32(r13, 0x3b); }},
      {"83F880", "cmp eax, -0x80", [](Assembler& a) { a.CmpR32Imm32(rax, 0xffffff80); }},
      {"A901000000", "test eax, 1", [](Assembler& a) { a.TestR32Imm32(rax, 1); }},
      {"41F7C100000080", "test r9d, 0x80000000",
       [](Assembler& a) { a.TestR32Imm32(r9, 0x80000000); }},
      {"0FAFC1", "imul eax, ecx", [](Assembler& a) { a.ImulR32R32(rax, rcx); }},
      {"450FAFC7", "imul r8d, r15d", [](Assembler& a) { a.ImulR32R32(r8, r15); }},
      {"6BC003", "imul eax, eax, 3", [](Assembler& a) { a.ImulR32R32Imm32(rax, rax, 3); }},
      {"4569D278563412", "imul r10d, r10d, 0x12345678",
       [](Assembler& a) { a.ImulR32R32Imm32(r10, r10, 0x12345678); }},
      {"F7F1", "div ecx", [](Assembler& a) { a.DivR32(rcx); }},
      {"41F7F7", "div r15d", [](Assembler& a) { a.DivR32(r15); }},
      {"F7D8", "neg eax", [](Assembler& a) { a.NegR32(rax); }},
      {"41F7D8", "neg r8d", [](Assembler& a) { a.NegR32(r8); }},
      {"D1E0", "shl eax, 1", [](Assembler& a) { a.ShlR32Imm8(rax, 1); }},
      {"41C1E01F", "shl r8d, 0x1f", [](Assembler& a) { a.ShlR32Imm8(r8, 31); }},
      {"C1E804", "shr eax, 4", [](Assembler& a) { a.ShrR32Imm8(rax, 4); }},
      {"D3E0", "shl eax, cl", [](Assembler& a) { a.ShlR32Cl(rax); }},
      {"41D3EC", "shr r12d, cl", [](Assembler& a) { a.ShrR32Cl(r12); }},
      {"4883EC40", "sub rsp, 0x40", [](Assembler& a) { a.SubR64Imm32(rsp, 64); }},
      {"4883C440", "add rsp, 0x40", [](Assembler& a) { a.AddR64Imm32(rsp, 64); }},
      {"4981C400100000", "add r12, 0x1000", [](Assembler& a) { a.AddR64Imm32(r12, 0x1000); }},
      {"C3", "ret", [](Assembler& a) { a.Ret(); }},
      {"CC", "int3", [](Assembler& a) { a.Int3(); }},
      {"EB00", "jmp 2",
       [](Assembler& a) {
         Label l = a.NewLabel();
         a.Jmp(l);
         a.Bind(l);
       }},
      {"7400", "je 2",
       [](Assembler& a) {
         Label l = a.NewLabel();
         a.Jcc(Cond::e, l);
         a.Bind(l);
       }},
      {"EBFE", "jmp 0",
       [](Assembler& a) {
         Label l = a.NewLabel();
         a.Bind(l);
         a.Jmp(l);
       }},
  };
  for (const Golden& g : cases) {
    const std::vector<uint8_t> code = Assemble(g.emit);
    EXPECT_EQ(Hex(code), g.hex) << g.text;
    EXPECT_EQ(CapstoneText(code), g.text) << g.hex;
  }
}

// Golden bytes for every register, built from the SDM's field layout written out here: REX =
// 0100WRXB (emitted only when not 0x40), ModRM = mod(2) reg(3) rm(3).
std::string Rex(bool w, int reg, int rm) {
  const int rex = 0x40 | (w ? 8 : 0) | ((reg >> 3) << 2) | (rm >> 3);
  char buf[4];
  std::snprintf(buf, sizeof buf, "%02X", rex);
  return rex == 0x40 ? "" : buf;
}
std::string Byte(int b) {
  char buf[4];
  std::snprintf(buf, sizeof buf, "%02X", b & 0xff);
  return buf;
}
std::string ModRm(int mod, int reg, int rm) {
  return Byte((mod << 6) | ((reg & 7) << 3) | (rm & 7));
}

TEST(X86Assembler, GoldenBytesForEveryRegister) {
  for (int d = 0; d < kNumRegs; ++d) {
    const Reg rd = R(d);
    // Single-register forms: opcode /digit with mod = 11.
    EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.NegR32(rd); })),
              Rex(false, 0, d) + "F7" + ModRm(3, 3, d));
    EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.DivR32(rd); })),
              Rex(false, 0, d) + "F7" + ModRm(3, 6, d));
    EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.ShlR32Cl(rd); })),
              Rex(false, 0, d) + "D3" + ModRm(3, 4, d));
    EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.ShrR32Cl(rd); })),
              Rex(false, 0, d) + "D3" + ModRm(3, 5, d));
    EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.ShlR32Imm8(rd, 1); })),
              Rex(false, 0, d) + "D1" + ModRm(3, 4, d));
    EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.ShrR32Imm8(rd, 7); })),
              Rex(false, 0, d) + "C1" + ModRm(3, 5, d) + "07");
    EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.PushR64(rd); })),
              Rex(false, 0, d) + Byte(0x50 + (d & 7)));
    EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.PopR64(rd); })),
              Rex(false, 0, d) + Byte(0x58 + (d & 7)));
    EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.MovR32Imm32(rd, 0x11223344); })),
              Rex(false, 0, d) + Byte(0xB8 + (d & 7)) + "44332211");
    EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.AddR32Imm32(rd, 5); })),
              Rex(false, 0, d) + "83" + ModRm(3, 0, d) + "05");
    EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.CmpR32Imm32(rd, 0x80000000); })),
              Rex(false, 0, d) + (d == 0 ? "3D" : "81" + ModRm(3, 7, d)) + "00000080");
    EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.TestR32Imm32(rd, 2); })),
              Rex(false, 0, d) + (d == 0 ? "A9" : "F7" + ModRm(3, 0, d)) + "02000000");
    EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.SubR64Imm32(rd, 64); })),
              Rex(true, 0, d) + "83" + ModRm(3, 5, d) + "40");
    for (int s = 0; s < kNumRegs; ++s) {
      const Reg rs = R(s);
      // op r/m32, r32: reg = source, rm = destination.
      EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.MovR32R32(rd, rs); })),
                Rex(false, s, d) + "89" + ModRm(3, s, d));
      EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.MovR64R64(rd, rs); })),
                Rex(true, s, d) + "89" + ModRm(3, s, d));
      EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.AddR32R32(rd, rs); })),
                Rex(false, s, d) + "01" + ModRm(3, s, d));
      EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.SubR32R32(rd, rs); })),
                Rex(false, s, d) + "29" + ModRm(3, s, d));
      EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.AndR32R32(rd, rs); })),
                Rex(false, s, d) + "21" + ModRm(3, s, d));
      EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.OrR32R32(rd, rs); })),
                Rex(false, s, d) + "09" + ModRm(3, s, d));
      EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.XorR32R32(rd, rs); })),
                Rex(false, s, d) + "31" + ModRm(3, s, d));
      EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.CmpR32R32(rd, rs); })),
                Rex(false, s, d) + "39" + ModRm(3, s, d));
      EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.TestR32R32(rd, rs); })),
                Rex(false, s, d) + "85" + ModRm(3, s, d));
      // imul r32, r/m32: reg = destination, rm = source.
      EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.ImulR32R32(rd, rs); })),
                Rex(false, d, s) + "0FAF" + ModRm(3, d, s));
      EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.ImulR32R32Imm32(rd, rs, 3); })),
                Rex(false, d, s) + "6B" + ModRm(3, d, s) + "03");
      // mov r32, [base + disp8] / mov [base + disp8], r32 with base = s: SIB 0x24 for rsp/r12.
      const std::string sib = (s & 7) == 4 ? "24" : "";
      EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.MovR32Mem(rd, rs, 8); })),
                Rex(false, d, s) + "8B" + ModRm(1, d, s) + sib + "08");
      EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.MovMemR32(rs, -8, rd); })),
                Rex(false, d, s) + "89" + ModRm(1, d, s) + sib + "F8");
      // disp 0: mod 00, except rbp/r13 which take mod 01 with a zero disp8.
      const std::string zero = (s & 7) == 5 ? ModRm(1, d, s) + "00" : ModRm(0, d, s) + sib;
      EXPECT_EQ(Hex(Assemble([&](Assembler& a) { a.MovR32Mem(rd, rs, 0); })),
                Rex(false, d, s) + "8B" + zero);
    }
  }
}

// Expected encoded length of a register-register form, derived from the rules: optional REX
// (only for r8..r15), the opcode bytes, the ModRM byte.
size_t RegRegLength(size_t opcode_bytes, Reg a, Reg b) {
  return (High(a) || High(b) ? 1 : 0) + opcode_bytes + 1;
}

TEST(X86Assembler, RegisterRegisterFormsForEveryPair) {
  struct Form {
    const char* mnemonic;
    size_t opcode_bytes;
    void (Assembler::*emit)(Reg, Reg);
  };
  const Form forms[] = {
      {"mov", 1, &Assembler::MovR32R32},   {"add", 1, &Assembler::AddR32R32},
      {"sub", 1, &Assembler::SubR32R32},   {"and", 1, &Assembler::AndR32R32},
      {"or", 1, &Assembler::OrR32R32},     {"xor", 1, &Assembler::XorR32R32},
      {"cmp", 1, &Assembler::CmpR32R32},   {"test", 1, &Assembler::TestR32R32},
      {"imul", 2, &Assembler::ImulR32R32},
  };
  for (const Form& f : forms) {
    for (int i = 0; i < kNumRegs; ++i) {
      for (int j = 0; j < kNumRegs; ++j) {
        const auto code = Assemble([&](Assembler& a) { (a.*f.emit)(R(i), R(j)); });
        EXPECT_EQ(CapstoneText(code), std::string(f.mnemonic) + " " + N32(R(i)) + ", " + N32(R(j)));
        EXPECT_EQ(code.size(), RegRegLength(f.opcode_bytes, R(i), R(j))) << Hex(code);
      }
    }
  }
  for (int i = 0; i < kNumRegs; ++i) {
    for (int j = 0; j < kNumRegs; ++j) {
      const auto code = Assemble([&](Assembler& a) { a.MovR64R64(R(i), R(j)); });
      EXPECT_EQ(CapstoneText(code), "mov " + N64(R(i)) + ", " + N64(R(j)));
      EXPECT_EQ(code.size(), 3u) << Hex(code);  // REX.W is always needed
    }
  }
}

TEST(X86Assembler, MemoryFormsForEveryBaseAndRegister) {
  const int32_t disps[] = {0, 4, 60, -4, -64, 127, 128, -128, -129, 0x7fffffff};
  for (int b = 0; b < kNumRegs; ++b) {
    for (int r = 0; r < kNumRegs; ++r) {
      for (int32_t disp : disps) {
        const Reg base = R(b);
        const Reg reg = R(r);
        // REX if either register is high; rsp/r12 need a SIB byte; rbp/r13 always carry a
        // displacement; disp8 when it fits in a signed byte.
        size_t len = (High(base) || High(reg) ? 1 : 0) + 2;
        if ((b & 7) == 4) len += 1;
        if (disp != 0 || (b & 7) == 5) len += (disp >= -128 && disp <= 127) ? 1 : 4;
        const auto load = Assemble([&](Assembler& a) { a.MovR32Mem(reg, base, disp); });
        EXPECT_EQ(CapstoneText(load), "mov " + N32(reg) + ", " + CsMem(base, disp));
        EXPECT_EQ(load.size(), len) << Hex(load);
        const auto store = Assemble([&](Assembler& a) { a.MovMemR32(base, disp, reg); });
        EXPECT_EQ(CapstoneText(store), "mov " + CsMem(base, disp) + ", " + N32(reg));
        EXPECT_EQ(store.size(), len) << Hex(store);
      }
    }
  }
}

const uint32_t kImms[] = {0,          1,          9,          10,         0x7f,
                          0x80,       0xff,       0x3b,       0xffffff80, 0xffffff7f,
                          0xffffffff, 0x7fffffff, 0x80000000, 0x7fff0000, 0xc000003e};

TEST(X86Assembler, ImmediateFormsForEveryRegister) {
  struct Form {
    const char* mnemonic;
    void (Assembler::*emit)(Reg, uint32_t);
    bool imm8_signed_in_capstone;  // capstone prints and/or/xor imm8 as the unsigned 32-bit value
  };
  const Form forms[] = {
      {"add", &Assembler::AddR32Imm32, true},  {"sub", &Assembler::SubR32Imm32, true},
      {"and", &Assembler::AndR32Imm32, false}, {"or", &Assembler::OrR32Imm32, false},
      {"xor", &Assembler::XorR32Imm32, false}, {"cmp", &Assembler::CmpR32Imm32, true},
  };
  for (const Form& f : forms) {
    for (int i = 0; i < kNumRegs; ++i) {
      for (uint32_t imm : kImms) {
        const Reg r = R(i);
        const auto code = Assemble([&](Assembler& a) { (a.*f.emit)(r, imm); });
        const bool imm8 = FitsInt8(imm);
        const int64_t shown = imm8 && f.imm8_signed_in_capstone
                                  ? static_cast<int64_t>(static_cast<int32_t>(imm))
                                  : static_cast<int64_t>(imm);
        EXPECT_EQ(CapstoneText(code), std::string(f.mnemonic) + " " + N32(r) + ", " + CsNum(shown));
        const size_t len = (High(r) ? 1 : 0) + (imm8 ? 3 : r == Reg::rax ? 5 : 6);
        EXPECT_EQ(code.size(), len) << f.mnemonic << " " << Hex(code);
      }
    }
  }
  for (int i = 0; i < kNumRegs; ++i) {
    for (uint32_t imm : kImms) {
      const Reg r = R(i);
      auto code = Assemble([&](Assembler& a) { a.MovR32Imm32(r, imm); });
      EXPECT_EQ(CapstoneText(code), "mov " + N32(r) + ", " + CsNum(imm));
      EXPECT_EQ(code.size(), (High(r) ? 1u : 0u) + 5);
      code = Assemble([&](Assembler& a) { a.TestR32Imm32(r, imm); });
      EXPECT_EQ(CapstoneText(code), "test " + N32(r) + ", " + CsNum(imm));
      EXPECT_EQ(code.size(), (High(r) ? 1u : 0u) + (r == Reg::rax ? 5 : 6));
      for (int j = 0; j < kNumRegs; ++j) {
        const Reg s = R(j);
        code = Assemble([&](Assembler& a) { a.ImulR32R32Imm32(r, s, imm); });
        const bool imm8 = FitsInt8(imm);
        const int64_t shown = imm8 ? static_cast<int32_t>(imm) : static_cast<int64_t>(imm);
        EXPECT_EQ(CapstoneText(code), "imul " + N32(r) + ", " + N32(s) + ", " + CsNum(shown));
        EXPECT_EQ(code.size(), RegRegLength(1, r, s) + (imm8 ? 1 : 4));
      }
    }
  }
}

TEST(X86Assembler, SingleRegisterFormsForEveryRegister) {
  for (int i = 0; i < kNumRegs; ++i) {
    const Reg r = R(i);
    const size_t rex = High(r) ? 1 : 0;
    struct Case {
      std::string text;
      size_t len;
      std::function<void(Assembler&)> emit;
    };
    const Case cases[] = {
        {"div " + N32(r), rex + 2, [&](Assembler& a) { a.DivR32(r); }},
        {"neg " + N32(r), rex + 2, [&](Assembler& a) { a.NegR32(r); }},
        {"shl " + N32(r) + ", cl", rex + 2, [&](Assembler& a) { a.ShlR32Cl(r); }},
        {"shr " + N32(r) + ", cl", rex + 2, [&](Assembler& a) { a.ShrR32Cl(r); }},
        {"shl " + N32(r) + ", 1", rex + 2, [&](Assembler& a) { a.ShlR32Imm8(r, 1); }},
        {"shr " + N32(r) + ", 1", rex + 2, [&](Assembler& a) { a.ShrR32Imm8(r, 1); }},
        {"shl " + N32(r) + ", 2", rex + 3, [&](Assembler& a) { a.ShlR32Imm8(r, 2); }},
        {"shr " + N32(r) + ", 0x1f", rex + 3, [&](Assembler& a) { a.ShrR32Imm8(r, 31); }},
        {"push " + N64(r), rex + 1, [&](Assembler& a) { a.PushR64(r); }},
        {"pop " + N64(r), rex + 1, [&](Assembler& a) { a.PopR64(r); }},
        {"add " + N64(r) + ", 0x40", 4, [&](Assembler& a) { a.AddR64Imm32(r, 64); }},
        {"sub " + N64(r) + ", 0x40", 4, [&](Assembler& a) { a.SubR64Imm32(r, 64); }},
        {"sub " + N64(r) + ", 0x1000", r == Reg::rax ? 6u : 7u,
         [&](Assembler& a) { a.SubR64Imm32(r, 0x1000); }},
    };
    for (const Case& c : cases) {
      const auto code = Assemble(c.emit);
      EXPECT_EQ(CapstoneText(code), c.text);
      EXPECT_EQ(code.size(), c.len) << c.text << " " << Hex(code);
    }
  }
}

TEST(X86Assembler, EveryConditionCode) {
  for (int c = 0; c < 16; ++c) {
    const Cond cond = static_cast<Cond>(c);
    const auto code = Assemble([&](Assembler& a) {
      Label l = a.NewLabel();
      a.Jcc(cond, l);
      a.Bind(l);
    });
    EXPECT_EQ(CapstoneText(code), "j" + std::string(CondName(cond)) + " 2");
    EXPECT_EQ(Invert(Invert(cond)), cond);
    EXPECT_NE(Invert(cond), cond);
  }
  EXPECT_EQ(Invert(Cond::e), Cond::ne);
  EXPECT_EQ(Invert(Cond::a), Cond::be);
  EXPECT_EQ(Invert(Cond::ae), Cond::b);
}

// A jump over `gap` int3 bytes, forward or backward; returns the code.
std::vector<uint8_t> JumpOver(int cond, size_t gap, bool backward, uint32_t* label_offset) {
  Assembler a;
  Label l = a.NewLabel();
  if (backward) a.Bind(l);
  if (!backward) {
    if (cond < 0)
      a.Jmp(l);
    else
      a.Jcc(static_cast<Cond>(cond), l);
  }
  for (size_t i = 0; i < gap; ++i) a.Int3();
  if (backward) {
    if (cond < 0)
      a.Jmp(l);
    else
      a.Jcc(static_cast<Cond>(cond), l);
  } else {
    a.Bind(l);
  }
  Result<std::vector<uint8_t>> code = a.Finish();
  EXPECT_TRUE(code.ok());
  *label_offset = a.LabelOffset(l);
  return code.ok() ? *code : std::vector<uint8_t>{};
}

TEST(X86Assembler, ShortJumpsWhereTheyFitNearOtherwise) {
  uint32_t off = 0;
  // Forward: rel8 reaches 127 bytes past the jump's end.
  auto code = JumpOver(-1, 127, false, &off);
  EXPECT_EQ(Hex(std::span(code).first(2)), "EB7F");
  EXPECT_EQ(off, 129u);
  code = JumpOver(-1, 128, false, &off);
  EXPECT_EQ(Hex(std::span(code).first(5)), "E980000000");
  EXPECT_EQ(off, 133u);
  code = JumpOver(static_cast<int>(Cond::ne), 127, false, &off);
  EXPECT_EQ(Hex(std::span(code).first(2)), "757F");
  code = JumpOver(static_cast<int>(Cond::ne), 128, false, &off);
  EXPECT_EQ(Hex(std::span(code).first(6)), "0F8580000000");
  EXPECT_EQ(off, 134u);
  // Backward: rel8 reaches -128 from the jump's end, i.e. 126 bytes of gap plus the jump.
  code = JumpOver(-1, 126, true, &off);
  EXPECT_EQ(Hex(std::span(code).last(2)), "EB80");
  code = JumpOver(-1, 127, true, &off);
  EXPECT_EQ(Hex(std::span(code).last(5)), "E97CFFFFFF");  // -(127 + 5) = -132
  code = JumpOver(static_cast<int>(Cond::a), 127, true, &off);
  EXPECT_EQ(Hex(std::span(code).last(6)), "0F877BFFFFFF");  // -(127 + 6) = -133
  EXPECT_EQ(testing::Capstone(code).back().text, "ja 0");
}

TEST(X86Assembler, WideningOneJumpCanWidenAnother) {
  // j1 fits in rel8 only while j2 is short; j2 must be near, which pushes j1's target out.
  Assembler a;
  Label l1 = a.NewLabel();
  Label l2 = a.NewLabel();
  a.Jmp(l1);
  a.Jcc(Cond::e, l2);
  for (int i = 0; i < 123; ++i) a.Int3();
  a.Bind(l1);
  for (int i = 0; i < 200; ++i) a.Int3();
  a.Bind(l2);
  a.Ret();
  Result<std::vector<uint8_t>> code = a.Finish();
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(Hex(std::span(*code).first(11)), "E9810000000F8443010000");
  EXPECT_EQ(a.LabelOffset(l1), 11u + 123u);
  EXPECT_EQ(a.LabelOffset(l2), 11u + 123u + 200u);
  const auto decoded = testing::Capstone(*code);
  ASSERT_GE(decoded.size(), 2u);
  EXPECT_EQ(decoded[0].text, "jmp 0x86");  // 134
  EXPECT_EQ(decoded[1].text, "je 0x14e");  // 334
}

TEST(X86Assembler, ManyLabelsAndJumpsLandWhereLaidOut) {
  // A chain of forward jumps with growing gaps; every label must be where capstone says the
  // jump goes.
  Assembler a;
  std::vector<Label> labels;
  for (int i = 0; i < 40; ++i) labels.push_back(a.NewLabel());
  for (int i = 0; i < 40; ++i) {
    a.Bind(labels[i]);
    if (i + 1 < 40) a.Jcc(static_cast<Cond>(i % 16), labels[i + 1]);
    for (int k = 0; k < i * 7; ++k) a.Int3();
  }
  a.Ret();
  Result<std::vector<uint8_t>> code = a.Finish();
  ASSERT_TRUE(code.ok());
  bool complete = false;
  const auto decoded = testing::Capstone(*code, &complete);
  ASSERT_TRUE(complete);
  size_t jumps = 0;
  for (const auto& d : decoded) {
    if (d.text[0] != 'j') continue;
    const uint64_t target = std::stoull(d.text.substr(d.text.find(' ') + 1), nullptr, 0);
    ++jumps;
    EXPECT_EQ(target, a.LabelOffset(labels[jumps])) << d.text;
  }
  EXPECT_EQ(jumps, 39u);
}

TEST(X86Assembler, UnboundLabelIsAnError) {
  Assembler a;
  Label l = a.NewLabel();
  a.Jmp(l);
  Result<std::vector<uint8_t>> code = a.Finish();
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(code.error().rule, "jit-internal");
}

}  // namespace
}  // namespace sckit::jit
