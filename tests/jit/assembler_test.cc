// The x86-64 assembler: golden bytes written by hand from the Intel SDM encodings, every method
// with every register cross-checked against capstone's decoding (text and length, so a redundant
// REX or SIB byte would fail), and label layout at the rel8/rel32 boundaries.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "jit/exec_memory.h"
#include "jit/x86_assembler.h"
#include "tests/jit_test_util.h"

namespace sckit::jit {
namespace {

using testing::CapstoneText;
using testing::Hex;

std::vector<uint8_t> Assemble(const std::function<void(X86Assembler&)>& emit) {
  X86Assembler a;
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
  std::function<void(X86Assembler&)> emit;
};

TEST(X86Assembler, GoldenBytes) {
  using enum Reg;
  const Golden cases[] = {
      {"89C8", "mov eax, ecx", [](X86Assembler& a) { a.MovR32R32(rax, rcx); }},
      {"4189C0", "mov r8d, eax", [](X86Assembler& a) { a.MovR32R32(r8, rax); }},
      {"4489F8", "mov eax, r15d", [](X86Assembler& a) { a.MovR32R32(rax, r15); }},
      {"4589EC", "mov r12d, r13d", [](X86Assembler& a) { a.MovR32R32(r12, r13); }},
      {"4989FD", "mov r13, rdi", [](X86Assembler& a) { a.MovR64R64(r13, rdi); }},
      {"4989E4", "mov r12, rsp", [](X86Assembler& a) { a.MovR64R64(r12, rsp); }},
      {"4889E5", "mov rbp, rsp", [](X86Assembler& a) { a.MovR64R64(rbp, rsp); }},
      {"B80000FF7F", "mov eax, 0x7fff0000", [](X86Assembler& a) { a.MovR32Imm32(rax, 0x7fff0000); }},
      {"41BFFFFFFFFF", "mov r15d, 0xffffffff",
       [](X86Assembler& a) { a.MovR32Imm32(r15, 0xffffffff); }},
      {"8B4704", "mov eax, dword ptr [rdi + 4]", [](X86Assembler& a) { a.MovR32Mem(rax, rdi, 4); }},
      {"8B07", "mov eax, dword ptr [rdi]", [](X86Assembler& a) { a.MovR32Mem(rax, rdi, 0); }},
      {"458B4500", "mov r8d, dword ptr [r13]", [](X86Assembler& a) { a.MovR32Mem(r8, r13, 0); }},
      {"8B4D00", "mov ecx, dword ptr [rbp]", [](X86Assembler& a) { a.MovR32Mem(rcx, rbp, 0); }},
      {"418B442408", "mov eax, dword ptr [r12 + 8]",
       [](X86Assembler& a) { a.MovR32Mem(rax, r12, 8); }},
      {"8B4424C0", "mov eax, dword ptr [rsp - 0x40]",
       [](X86Assembler& a) { a.MovR32Mem(rax, rsp, -64); }},
      {"8B9600010000", "mov edx, dword ptr [rsi + 0x100]",
       [](X86Assembler& a) { a.MovR32Mem(rdx, rsi, 0x100); }},
      {"458B0C24", "mov r9d, dword ptr [r12]", [](X86Assembler& a) { a.MovR32Mem(r9, r12, 0); }},
      {"894C24FC", "mov dword ptr [rsp - 4], ecx", [](X86Assembler& a) { a.MovMemR32(rsp, -4, rcx); }},
      {"458944243C", "mov dword ptr [r12 + 0x3c], r8d",
       [](X86Assembler& a) { a.MovMemR32(r12, 60, r8); }},
      {"894580", "mov dword ptr [rbp - 0x80], eax",
       [](X86Assembler& a) { a.MovMemR32(rbp, -128, rax); }},
      {"53", "push rbx", [](X86Assembler& a) { a.PushR64(rbx); }},
      {"4154", "push r12", [](X86Assembler& a) { a.PushR64(r12); }},
      {"415F", "pop r15", [](X86Assembler& a) { a.PopR64(r15); }},
      {"5D", "pop rbp", [](X86Assembler& a) { a.PopR64(rbp); }},
      {"01C8", "add eax, ecx", [](X86Assembler& a) { a.AddR32R32(rax, rcx); }},
      {"4529C8", "sub r8d, r9d", [](X86Assembler& a) { a.SubR32R32(r8, r9); }},
      {"4421D2", "and edx, r10d", [](X86Assembler& a) { a.AndR32R32(rdx, r10); }},
      {"4109DB", "or r11d, ebx", [](X86Assembler& a) { a.OrR32R32(r11, rbx); }},
      {"31C0", "xor eax, eax", [](X86Assembler& a) { a.XorR32R32(rax, rax); }},
      {"4531C9", "xor r9d, r9d", [](X86Assembler& a) { a.XorR32R32(r9, r9); }},
      {"39C8", "cmp eax, ecx", [](X86Assembler& a) { a.CmpR32R32(rax, rcx); }},
      {"4585C0", "test r8d, r8d", [](X86Assembler& a) { a.TestR32R32(r8, r8); }},
      {"83C001", "add eax, 1", [](X86Assembler& a) { a.AddR32Imm32(rax, 1); }},
      {"0580000000", "add eax, 0x80", [](X86Assembler& a) { a.AddR32Imm32(rax, 0x80); }},
      {"81C180000000", "add ecx, 0x80", [](X86Assembler& a) { a.AddR32Imm32(rcx, 0x80); }},
      {"4183E8FF", "sub r8d, -1", [](X86Assembler& a) { a.SubR32Imm32(r8, 0xffffffff); }},
      {"250000FFFF", "and eax, 0xffff0000", [](X86Assembler& a) { a.AndR32Imm32(rax, 0xffff0000); }},
      {"4183CE7F", "or r14d, 0x7f", [](X86Assembler& a) { a.OrR32Imm32(r14, 0x7f); }},
      {"81F600000080", "xor esi, 0x80000000", [](X86Assembler& a) { a.XorR32Imm32(rsi, 0x80000000); }},
      {"3D3E0000C0", "cmp eax, 0xc000003e", [](X86Assembler& a) { a.CmpR32Imm32(rax, 0xc000003e); }},
      {"4183FD3B", "cmp r13d, 0x3b", [](X86Assembler& a) { a.CmpR32Imm32(r13, 0x3b); }},
      {"83F880", "cmp eax, -0x80", [](X86Assembler& a) { a.CmpR32Imm32(rax, 0xffffff80); }},
      {"A901000000", "test eax, 1", [](X86Assembler& a) { a.TestR32Imm32(rax, 1); }},
      {"41F7C100000080", "test r9d, 0x80000000",
       [](X86Assembler& a) { a.TestR32Imm32(r9, 0x80000000); }},
      {"0FAFC1", "imul eax, ecx", [](X86Assembler& a) { a.ImulR32R32(rax, rcx); }},
      {"450FAFC7", "imul r8d, r15d", [](X86Assembler& a) { a.ImulR32R32(r8, r15); }},
      {"6BC003", "imul eax, eax, 3", [](X86Assembler& a) { a.ImulR32R32Imm32(rax, rax, 3); }},
      {"4569D278563412", "imul r10d, r10d, 0x12345678",
       [](X86Assembler& a) { a.ImulR32R32Imm32(r10, r10, 0x12345678); }},
      {"F7F1", "div ecx", [](X86Assembler& a) { a.DivR32(rcx); }},
      {"41F7F7", "div r15d", [](X86Assembler& a) { a.DivR32(r15); }},
      {"F7D8", "neg eax", [](X86Assembler& a) { a.NegR32(rax); }},
      {"41F7D8", "neg r8d", [](X86Assembler& a) { a.NegR32(r8); }},
      {"D1E0", "shl eax, 1", [](X86Assembler& a) { a.ShlR32Imm8(rax, 1); }},
      {"41C1E01F", "shl r8d, 0x1f", [](X86Assembler& a) { a.ShlR32Imm8(r8, 31); }},
      {"C1E804", "shr eax, 4", [](X86Assembler& a) { a.ShrR32Imm8(rax, 4); }},
      {"D3E0", "shl eax, cl", [](X86Assembler& a) { a.ShlR32Cl(rax); }},
      {"41D3EC", "shr r12d, cl", [](X86Assembler& a) { a.ShrR32Cl(r12); }},
      {"4883EC40", "sub rsp, 0x40", [](X86Assembler& a) { a.SubR64Imm32(rsp, 64); }},
      {"4883C440", "add rsp, 0x40", [](X86Assembler& a) { a.AddR64Imm32(rsp, 64); }},
      {"4981C400100000", "add r12, 0x1000", [](X86Assembler& a) { a.AddR64Imm32(r12, 0x1000); }},
      // lea r64, [rip + disp32]: REX.W 8D, ModRM 00 reg 101, disp32 from the instruction's end.
      {"488D0500000000", "lea rax, [rip]",
       [](X86Assembler& a) {
         Label l = a.NewLabel();
         a.LeaR64Label(rax, l);
         a.Bind(l);
       }},
      {"4C8D3DF9FFFFFF", "lea r15, [rip - 7]",
       [](X86Assembler& a) {
         Label l = a.NewLabel();
         a.Bind(l);
         a.LeaR64Label(r15, l);
       }},
      {"488D0D01000000C3", "lea rcx, [rip + 1]; ret",
       [](X86Assembler& a) {
         Label l = a.NewLabel();
         a.LeaR64Label(rcx, l);
         a.Ret();
         a.Bind(l);
       }},
      // movsxd r64, dword [base + index*4]: REX.W(RXB) 63, ModRM rm 100, SIB 10 index base.
      {"486304BA", "movsxd rax, dword ptr [rdx + rdi*4]",
       [](X86Assembler& a) { a.MovsxdR64MemIndex4(rax, rdx, rdi); }},
      {"4F637CA500", "movsxd r15, dword ptr [r13 + r12*4]",
       [](X86Assembler& a) { a.MovsxdR64MemIndex4(r15, r13, r12); }},
      {"48634CB500", "movsxd rcx, dword ptr [rbp + rsi*4]",
       [](X86Assembler& a) { a.MovsxdR64MemIndex4(rcx, rbp, rsi); }},
      {"4863048C", "movsxd rax, dword ptr [rsp + rcx*4]",
       [](X86Assembler& a) { a.MovsxdR64MemIndex4(rax, rsp, rcx); }},
      {"4B630484", "movsxd rax, dword ptr [r12 + r8*4]",
       [](X86Assembler& a) { a.MovsxdR64MemIndex4(rax, r12, r8); }},
      {"4C631C81", "movsxd r11, dword ptr [rcx + rax*4]",
       [](X86Assembler& a) { a.MovsxdR64MemIndex4(r11, rcx, rax); }},
      {"4801D0", "add rax, rdx", [](X86Assembler& a) { a.AddR64R64(rax, rdx); }},
      {"4D01F1", "add r9, r14", [](X86Assembler& a) { a.AddR64R64(r9, r14); }},
      {"4C01C3", "add rbx, r8", [](X86Assembler& a) { a.AddR64R64(rbx, r8); }},
      {"FFE0", "jmp rax", [](X86Assembler& a) { a.JmpR64(rax); }},
      {"41FFE3", "jmp r11", [](X86Assembler& a) { a.JmpR64(r11); }},
      {"C3", "ret", [](X86Assembler& a) { a.Ret(); }},
      {"CC", "int3", [](X86Assembler& a) { a.Int3(); }},
      {"EB00", "jmp 2",
       [](X86Assembler& a) {
         Label l = a.NewLabel();
         a.Jmp(l);
         a.Bind(l);
       }},
      {"7400", "je 2",
       [](X86Assembler& a) {
         Label l = a.NewLabel();
         a.Jcc(Cond::e, l);
         a.Bind(l);
       }},
      {"EBFE", "jmp 0",
       [](X86Assembler& a) {
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
// REX with an index register (X), for SIB forms.
std::string RexX(bool w, int reg, int index, int base) {
  const int rex = 0x40 | (w ? 8 : 0) | ((reg >> 3) << 2) | ((index >> 3) << 1) | (base >> 3);
  return rex == 0x40 ? "" : Byte(rex);
}
std::string Sib(int scale, int index, int base) {
  return Byte((scale << 6) | ((index & 7) << 3) | (base & 7));
}

TEST(X86Assembler, GoldenBytesForEveryRegister) {
  for (int d = 0; d < kNumRegs; ++d) {
    const Reg rd = R(d);
    // Single-register forms: opcode /digit with mod = 11.
    EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.NegR32(rd); })),
              Rex(false, 0, d) + "F7" + ModRm(3, 3, d));
    EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.DivR32(rd); })),
              Rex(false, 0, d) + "F7" + ModRm(3, 6, d));
    EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.ShlR32Cl(rd); })),
              Rex(false, 0, d) + "D3" + ModRm(3, 4, d));
    EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.ShrR32Cl(rd); })),
              Rex(false, 0, d) + "D3" + ModRm(3, 5, d));
    EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.ShlR32Imm8(rd, 1); })),
              Rex(false, 0, d) + "D1" + ModRm(3, 4, d));
    EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.ShrR32Imm8(rd, 7); })),
              Rex(false, 0, d) + "C1" + ModRm(3, 5, d) + "07");
    EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.PushR64(rd); })),
              Rex(false, 0, d) + Byte(0x50 + (d & 7)));
    EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.PopR64(rd); })),
              Rex(false, 0, d) + Byte(0x58 + (d & 7)));
    EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.MovR32Imm32(rd, 0x11223344); })),
              Rex(false, 0, d) + Byte(0xB8 + (d & 7)) + "44332211");
    EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.AddR32Imm32(rd, 5); })),
              Rex(false, 0, d) + "83" + ModRm(3, 0, d) + "05");
    EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.CmpR32Imm32(rd, 0x80000000); })),
              Rex(false, 0, d) + (d == 0 ? "3D" : "81" + ModRm(3, 7, d)) + "00000080");
    EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.TestR32Imm32(rd, 2); })),
              Rex(false, 0, d) + (d == 0 ? "A9" : "F7" + ModRm(3, 0, d)) + "02000000");
    EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.SubR64Imm32(rd, 64); })),
              Rex(true, 0, d) + "83" + ModRm(3, 5, d) + "40");
    EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.JmpR64(rd); })),
              Rex(false, 0, d) + "FF" + ModRm(3, 4, d));
    // lea r64, [rip + disp32] to a label bound at its own start: disp32 = -7.
    EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) {
                Label l = a.NewLabel();
                a.Bind(l);
                a.LeaR64Label(rd, l);
              })),
              Rex(true, d, 0) + "8D" + ModRm(0, d, 5) + "F9FFFFFF");
    for (int s = 0; s < kNumRegs; ++s) {
      const Reg rs = R(s);
      // op r/m32, r32: reg = source, rm = destination.
      EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.MovR32R32(rd, rs); })),
                Rex(false, s, d) + "89" + ModRm(3, s, d));
      EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.MovR64R64(rd, rs); })),
                Rex(true, s, d) + "89" + ModRm(3, s, d));
      EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.AddR64R64(rd, rs); })),
                Rex(true, s, d) + "01" + ModRm(3, s, d));
      // movsxd rd, [rs + ri*4] for every index but rsp: mod 00 rm 100 + SIB, except base
      // rbp/r13 which take mod 01 with a zero disp8.
      for (int i = 0; i < kNumRegs; ++i) {
        if (i == RegNumber(Reg::rsp)) continue;
        const bool disp8 = (s & 7) == 5;
        EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.MovsxdR64MemIndex4(rd, rs, R(i)); })),
                  RexX(true, d, i, s) + "63" + ModRm(disp8 ? 1 : 0, d, 4) + Sib(2, i, s) +
                      (disp8 ? "00" : ""));
      }
      EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.AddR32R32(rd, rs); })),
                Rex(false, s, d) + "01" + ModRm(3, s, d));
      EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.SubR32R32(rd, rs); })),
                Rex(false, s, d) + "29" + ModRm(3, s, d));
      EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.AndR32R32(rd, rs); })),
                Rex(false, s, d) + "21" + ModRm(3, s, d));
      EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.OrR32R32(rd, rs); })),
                Rex(false, s, d) + "09" + ModRm(3, s, d));
      EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.XorR32R32(rd, rs); })),
                Rex(false, s, d) + "31" + ModRm(3, s, d));
      EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.CmpR32R32(rd, rs); })),
                Rex(false, s, d) + "39" + ModRm(3, s, d));
      EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.TestR32R32(rd, rs); })),
                Rex(false, s, d) + "85" + ModRm(3, s, d));
      // imul r32, r/m32: reg = destination, rm = source.
      EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.ImulR32R32(rd, rs); })),
                Rex(false, d, s) + "0FAF" + ModRm(3, d, s));
      EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.ImulR32R32Imm32(rd, rs, 3); })),
                Rex(false, d, s) + "6B" + ModRm(3, d, s) + "03");
      // mov r32, [base + disp8] / mov [base + disp8], r32 with base = s: SIB 0x24 for rsp/r12.
      const std::string sib = (s & 7) == 4 ? "24" : "";
      EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.MovR32Mem(rd, rs, 8); })),
                Rex(false, d, s) + "8B" + ModRm(1, d, s) + sib + "08");
      EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.MovMemR32(rs, -8, rd); })),
                Rex(false, d, s) + "89" + ModRm(1, d, s) + sib + "F8");
      // disp 0: mod 00, except rbp/r13 which take mod 01 with a zero disp8.
      const std::string zero = (s & 7) == 5 ? ModRm(1, d, s) + "00" : ModRm(0, d, s) + sib;
      EXPECT_EQ(Hex(Assemble([&](X86Assembler& a) { a.MovR32Mem(rd, rs, 0); })),
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
    void (X86Assembler::*emit)(Reg, Reg);
  };
  const Form forms[] = {
      {"mov", 1, &X86Assembler::MovR32R32},   {"add", 1, &X86Assembler::AddR32R32},
      {"sub", 1, &X86Assembler::SubR32R32},   {"and", 1, &X86Assembler::AndR32R32},
      {"or", 1, &X86Assembler::OrR32R32},     {"xor", 1, &X86Assembler::XorR32R32},
      {"cmp", 1, &X86Assembler::CmpR32R32},   {"test", 1, &X86Assembler::TestR32R32},
      {"imul", 2, &X86Assembler::ImulR32R32},
  };
  for (const Form& f : forms) {
    for (int i = 0; i < kNumRegs; ++i) {
      for (int j = 0; j < kNumRegs; ++j) {
        const auto code = Assemble([&](X86Assembler& a) { (a.*f.emit)(R(i), R(j)); });
        EXPECT_EQ(CapstoneText(code), std::string(f.mnemonic) + " " + N32(R(i)) + ", " + N32(R(j)));
        EXPECT_EQ(code.size(), RegRegLength(f.opcode_bytes, R(i), R(j))) << Hex(code);
      }
    }
  }
  for (int i = 0; i < kNumRegs; ++i) {
    for (int j = 0; j < kNumRegs; ++j) {
      auto code = Assemble([&](X86Assembler& a) { a.MovR64R64(R(i), R(j)); });
      EXPECT_EQ(CapstoneText(code), "mov " + N64(R(i)) + ", " + N64(R(j)));
      EXPECT_EQ(code.size(), 3u) << Hex(code);  // REX.W is always needed
      code = Assemble([&](X86Assembler& a) { a.AddR64R64(R(i), R(j)); });
      EXPECT_EQ(CapstoneText(code), "add " + N64(R(i)) + ", " + N64(R(j)));
      EXPECT_EQ(code.size(), 3u) << Hex(code);
    }
  }
}

TEST(X86Assembler, JumpTableFormsForEveryRegister) {
  for (int d = 0; d < kNumRegs; ++d) {
    const Reg rd = R(d);
    // jmp r64: no REX.W (64-bit is the default in long mode), REX.B for r8..r15.
    auto code = Assemble([&](X86Assembler& a) { a.JmpR64(rd); });
    EXPECT_EQ(CapstoneText(code), "jmp " + N64(rd));
    EXPECT_EQ(code.size(), (High(rd) ? 1u : 0u) + 2) << Hex(code);
    // lea r64, [rip + disp32]: always 7 bytes, whatever the register and the distance.
    for (int gap : {0, 1, 200}) {
      code = Assemble([&](X86Assembler& a) {
        Label l = a.NewLabel();
        a.LeaR64Label(rd, l);
        for (int k = 0; k < gap; ++k) a.Int3();
        a.Bind(l);
      });
      ASSERT_GE(code.size(), 7u);
      EXPECT_EQ(CapstoneText(std::span(code).first(7)),
                "lea " + N64(rd) + ", [rip" + (gap ? " + " + CsNum(gap) : "") + "]");
      EXPECT_EQ(testing::Capstone(code)[0].size, 7u) << Hex(code);
    }
    // movsxd r64, dword [base + index*4]: REX.W, opcode, ModRM, SIB, disp8 for rbp/r13.
    for (int b = 0; b < kNumRegs; ++b) {
      for (int i = 0; i < kNumRegs; ++i) {
        if (i == RegNumber(Reg::rsp)) continue;
        code = Assemble([&](X86Assembler& a) { a.MovsxdR64MemIndex4(rd, R(b), R(i)); });
        EXPECT_EQ(CapstoneText(code), "movsxd " + N64(rd) + ", dword ptr [" + N64(R(b)) +
                                          " + " + N64(R(i)) + "*4]");
        EXPECT_EQ(code.size(), (b & 7) == 5 ? 5u : 4u) << Hex(code);
      }
    }
  }
}

TEST(X86Assembler, RangeTableFormsForEveryRegister) {
  // mov r32, dword [base + index*4] and movzx r32, byte [base + index]: REX only for r8..r15,
  // opcode, ModRM, SIB, disp8 for rbp/r13 as base.
  for (int d = 0; d < kNumRegs; ++d) {
    for (int b = 0; b < kNumRegs; ++b) {
      for (int i = 0; i < kNumRegs; ++i) {
        if (i == RegNumber(Reg::rsp)) continue;
        const Reg rd = R(d), rb = R(b), ri = R(i);
        const size_t rex = (High(rd) || High(rb) || High(ri)) ? 1 : 0;
        const size_t disp = (b & 7) == 5 ? 1 : 0;
        auto code = Assemble([&](X86Assembler& a) { a.MovR32MemIndex4(rd, rb, ri); });
        EXPECT_EQ(CapstoneText(code),
                  "mov " + N32(rd) + ", dword ptr [" + N64(rb) + " + " + N64(ri) + "*4]");
        EXPECT_EQ(code.size(), rex + 3 + disp) << Hex(code);
        code = Assemble([&](X86Assembler& a) { a.MovzxR32MemIndex1(rd, rb, ri); });
        EXPECT_EQ(CapstoneText(code),
                  "movzx " + N32(rd) + ", byte ptr [" + N64(rb) + " + " + N64(ri) + "]");
        EXPECT_EQ(code.size(), rex + 4 + disp) << Hex(code);
      }
    }
  }
  EXPECT_EQ(Hex(Assemble([](X86Assembler& a) { a.MovR32MemIndex4(Reg::rax, Reg::rdx, Reg::rsi); })),
            "8B04B2");
  EXPECT_EQ(Hex(Assemble([](X86Assembler& a) { a.MovzxR32MemIndex1(Reg::rsi, Reg::rdx, Reg::rsi); })),
            "0FB63432");
  EXPECT_EQ(Hex(Assemble([](X86Assembler& a) {
              a.Data8(0xAB);
              a.Data32(0x11223344);
            })),
            "AB44332211");
  for (auto emit : {+[](X86Assembler& a) { a.MovR32MemIndex4(Reg::rax, Reg::rdx, Reg::rsp); },
                    +[](X86Assembler& a) { a.MovzxR32MemIndex1(Reg::rax, Reg::rdx, Reg::rsp); }}) {
    X86Assembler a;
    emit(a);
    Result<std::vector<uint8_t>> code = a.Finish();
    ASSERT_FALSE(code.ok()) << "rsp cannot be an index";
    EXPECT_EQ(code.error().rule, "jit-internal");
  }
}

TEST(X86Assembler, RspAsAnIndexIsAnError) {
  X86Assembler a;
  a.MovsxdR64MemIndex4(Reg::rax, Reg::rdx, Reg::rsp);
  a.Ret();
  Result<std::vector<uint8_t>> code = a.Finish();
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(code.error().rule, "jit-internal");
}

TEST(X86Assembler, DataWordsGoldenBytes) {
  // dd target - base, little-endian, forward and backward, and relative to a third label.
  EXPECT_EQ(Hex(Assemble([](X86Assembler& a) {
              Label table = a.NewLabel(), t = a.NewLabel();
              a.Bind(table);
              a.Data32LabelDelta(t, table);
              a.Int3();
              a.Bind(t);
            })),
            "05000000CC");
  EXPECT_EQ(Hex(Assemble([](X86Assembler& a) {
              Label table = a.NewLabel(), t = a.NewLabel();
              a.Bind(t);
              a.Ret();
              a.Bind(table);
              a.Data32LabelDelta(t, table);
              a.Data32LabelDelta(table, table);
            })),
            "C3FFFFFFFF00000000");
  EXPECT_EQ(Hex(Assemble([](X86Assembler& a) {
              Label base = a.NewLabel(), t = a.NewLabel();
              a.Data32LabelDelta(t, base);
              a.Bind(t);
              for (int k = 0; k < 0x100; ++k) a.Int3();
              a.Bind(base);
            })).substr(0, 8),
            "00FFFFFF");  // 4 - 0x104 = -0x100
}

int32_t Read32(const std::vector<uint8_t>& code, size_t at) {
  int32_t v = 0;
  std::memcpy(&v, code.data() + at, 4);  // x86 is little-endian, like the encoding
  return v;
}

TEST(X86Assembler, JumpTableEntriesAndLeaFollowWidenedJumps) {
  using enum Reg;
  X86Assembler a;
  const Label table = a.NewLabel(), over = a.NewLabel(), done = a.NewLabel();
  const Label lea1 = a.NewLabel(), lea2 = a.NewLabel();
  std::vector<Label> targets;
  for (int i = 0; i < 6; ++i) targets.push_back(a.NewLabel());

  a.Bind(targets[0]);  // a target before everything: negative entry
  a.Ret();
  a.Bind(lea1);
  a.LeaR64Label(rdx, table);
  a.Jmp(over);  // over 200 bytes: widened to rel32
  for (int k = 0; k < 200; ++k) a.Int3();
  a.Bind(over);
  a.Jcc(Cond::ne, done);  // past the table and the targets: widened too
  a.Jcc(Cond::e, targets[1]);  // a short jump right before the table
  a.Bind(targets[1]);
  a.Bind(table);  // targets[1] shares the table's offset: entry 0
  for (const Label& t : targets) a.Data32LabelDelta(t, table);
  for (int i = 2; i < 6; ++i) {
    a.Bind(targets[i]);
    a.Jmp(done);  // widened for the first targets, short for the last
    for (int k = 0; k < 60; ++k) a.Int3();
  }
  a.Bind(lea2);
  a.LeaR64Label(r13, table);  // backward reference
  a.Bind(done);
  a.Ret();
  Result<std::vector<uint8_t>> result = a.Finish();
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  const std::vector<uint8_t>& code = *result;

  // The jumps were widened: jmp rel32 after the lea, jcc rel32 at `over`.
  EXPECT_EQ(code[a.LabelOffset(lea1) + 7], 0xE9);
  EXPECT_EQ(Hex(std::span(code).subspan(a.LabelOffset(over), 2)), "0F85");
  const uint32_t t = a.LabelOffset(table);
  EXPECT_EQ(a.LabelOffset(targets[1]), t);
  for (size_t i = 0; i < targets.size(); ++i) {
    EXPECT_EQ(Read32(code, t + 4 * i),
              static_cast<int64_t>(a.LabelOffset(targets[i])) - static_cast<int64_t>(t))
        << "entry " << i;
  }
  EXPECT_LT(Read32(code, t), 0);      // targets[0] is before the table
  EXPECT_EQ(Read32(code, t + 4), 0);  // targets[1] is the table
  // Each lea's disp32 (its last 4 bytes) points exactly at the table from its end.
  for (const Label& at : {lea1, lea2}) {
    const uint32_t end = a.LabelOffset(at) + 7;
    EXPECT_EQ(static_cast<int64_t>(end) + Read32(code, end - 4), static_cast<int64_t>(t));
    const auto decoded = testing::Capstone(std::span(code).subspan(a.LabelOffset(at), 7));
    ASSERT_EQ(decoded.size(), 1u);
    EXPECT_EQ(decoded[0].size, 7u);
  }
  EXPECT_LT(Read32(code, a.LabelOffset(lea2) + 3), 0);
  // The code before the table decodes and every jump lands on its label.
  const auto head = testing::Capstone(std::span(code).first(t));
  ASSERT_EQ(head.size(), 2u + 200u + 3u);
  EXPECT_EQ(head[1].text, "lea rdx, [rip + " + CsNum(t - (a.LabelOffset(lea1) + 7)) + "]");
  EXPECT_EQ(head[2].text, "jmp " + CsNum(a.LabelOffset(over)));
  EXPECT_EQ(head[203].text, "jne " + CsNum(a.LabelOffset(done)));
  EXPECT_EQ(head[204].text, "je " + CsNum(t));
}

TEST(X86Assembler, UnboundLabelInAPatchIsAnError) {
  for (int which = 0; which < 3; ++which) {
    X86Assembler a;
    Label bound = a.NewLabel(), unbound = a.NewLabel();
    a.Bind(bound);
    if (which == 0) a.LeaR64Label(Reg::rax, unbound);
    if (which == 1) a.Data32LabelDelta(unbound, bound);
    if (which == 2) a.Data32LabelDelta(bound, unbound);
    Result<std::vector<uint8_t>> code = a.Finish();
    ASSERT_FALSE(code.ok()) << which;
    EXPECT_EQ(code.error().rule, "jit-internal");
  }
}

// Registers for the executed dispatch: the table address, the index, the scratch target.
struct DispatchRegs {
  Reg table, index, target;
};

// uint64_t f(uint64_t i) { return 1000 + 7 * i; } through a jump table with `n` entries: the
// targets sit both before the dispatch (behind a widened jump) and after the table.
std::vector<uint8_t> JumpTableFunction(DispatchRegs r, int n) {
  using enum Reg;
  X86Assembler a;
  const Label entry = a.NewLabel(), table = a.NewLabel();
  std::vector<Label> targets;
  for (int i = 0; i < n; ++i) targets.push_back(a.NewLabel());
  auto target = [&](int i) {
    a.Bind(targets[i]);
    a.MovR32Imm32(rax, static_cast<uint32_t>(1000 + 7 * i));
    a.Ret();
    for (int k = 0; k < 40; ++k) a.Int3();
  };
  a.Jmp(entry);
  for (int i = 0; i < n / 2; ++i) target(i);
  a.Bind(entry);
  if (r.index != rdi) a.MovR64R64(r.index, rdi);
  a.LeaR64Label(r.table, table);
  a.MovsxdR64MemIndex4(r.target, r.table, r.index);
  a.AddR64R64(r.target, r.table);
  a.JmpR64(r.target);
  a.Int3();
  a.Bind(table);
  for (int i = 0; i < n; ++i) a.Data32LabelDelta(targets[i], table);
  for (int i = n / 2; i < n; ++i) target(i);
  Result<std::vector<uint8_t>> code = a.Finish();
  EXPECT_TRUE(code.ok()) << code.error().ToString();
  return code.ok() ? *code : std::vector<uint8_t>{};
}

TEST(X86Assembler, JumpTableExecutes) {
  using enum Reg;
  const DispatchRegs variants[] = {
      {rdx, rdi, rax}, {r11, r9, r10}, {r8, rcx, rsi}, {rax, rdx, r11}, {rdi, r8, rcx},
  };
  for (const DispatchRegs& r : variants) {
    constexpr int kTargets = 9;
    const std::vector<uint8_t> code = JumpTableFunction(r, kTargets);
    ASSERT_FALSE(code.empty());
    EXPECT_EQ(code[0], 0xE9) << "the entry jump should be widened";
    Result<ExecMemory> mem = ExecMemory::Create(code);
    ASSERT_TRUE(mem.ok()) << mem.error().ToString();
    auto fn = reinterpret_cast<uint64_t (*)(uint64_t)>(const_cast<uint8_t*>(mem->data()));
    for (uint64_t i = 0; i < kTargets; ++i) {
      EXPECT_EQ(fn(i), 1000u + 7 * i) << N64(r.table) << " " << N64(r.index) << " " << i;
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
        const auto load = Assemble([&](X86Assembler& a) { a.MovR32Mem(reg, base, disp); });
        EXPECT_EQ(CapstoneText(load), "mov " + N32(reg) + ", " + CsMem(base, disp));
        EXPECT_EQ(load.size(), len) << Hex(load);
        const auto store = Assemble([&](X86Assembler& a) { a.MovMemR32(base, disp, reg); });
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
    void (X86Assembler::*emit)(Reg, uint32_t);
    bool imm8_signed_in_capstone;  // capstone prints and/or/xor imm8 as the unsigned 32-bit value
  };
  const Form forms[] = {
      {"add", &X86Assembler::AddR32Imm32, true},  {"sub", &X86Assembler::SubR32Imm32, true},
      {"and", &X86Assembler::AndR32Imm32, false}, {"or", &X86Assembler::OrR32Imm32, false},
      {"xor", &X86Assembler::XorR32Imm32, false}, {"cmp", &X86Assembler::CmpR32Imm32, true},
  };
  for (const Form& f : forms) {
    for (int i = 0; i < kNumRegs; ++i) {
      for (uint32_t imm : kImms) {
        const Reg r = R(i);
        const auto code = Assemble([&](X86Assembler& a) { (a.*f.emit)(r, imm); });
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
      auto code = Assemble([&](X86Assembler& a) { a.MovR32Imm32(r, imm); });
      EXPECT_EQ(CapstoneText(code), "mov " + N32(r) + ", " + CsNum(imm));
      EXPECT_EQ(code.size(), (High(r) ? 1u : 0u) + 5);
      code = Assemble([&](X86Assembler& a) { a.TestR32Imm32(r, imm); });
      EXPECT_EQ(CapstoneText(code), "test " + N32(r) + ", " + CsNum(imm));
      EXPECT_EQ(code.size(), (High(r) ? 1u : 0u) + (r == Reg::rax ? 5 : 6));
      for (int j = 0; j < kNumRegs; ++j) {
        const Reg s = R(j);
        code = Assemble([&](X86Assembler& a) { a.ImulR32R32Imm32(r, s, imm); });
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
      std::function<void(X86Assembler&)> emit;
    };
    const Case cases[] = {
        {"div " + N32(r), rex + 2, [&](X86Assembler& a) { a.DivR32(r); }},
        {"neg " + N32(r), rex + 2, [&](X86Assembler& a) { a.NegR32(r); }},
        {"shl " + N32(r) + ", cl", rex + 2, [&](X86Assembler& a) { a.ShlR32Cl(r); }},
        {"shr " + N32(r) + ", cl", rex + 2, [&](X86Assembler& a) { a.ShrR32Cl(r); }},
        {"shl " + N32(r) + ", 1", rex + 2, [&](X86Assembler& a) { a.ShlR32Imm8(r, 1); }},
        {"shr " + N32(r) + ", 1", rex + 2, [&](X86Assembler& a) { a.ShrR32Imm8(r, 1); }},
        {"shl " + N32(r) + ", 2", rex + 3, [&](X86Assembler& a) { a.ShlR32Imm8(r, 2); }},
        {"shr " + N32(r) + ", 0x1f", rex + 3, [&](X86Assembler& a) { a.ShrR32Imm8(r, 31); }},
        {"push " + N64(r), rex + 1, [&](X86Assembler& a) { a.PushR64(r); }},
        {"pop " + N64(r), rex + 1, [&](X86Assembler& a) { a.PopR64(r); }},
        {"add " + N64(r) + ", 0x40", 4, [&](X86Assembler& a) { a.AddR64Imm32(r, 64); }},
        {"sub " + N64(r) + ", 0x40", 4, [&](X86Assembler& a) { a.SubR64Imm32(r, 64); }},
        {"sub " + N64(r) + ", 0x1000", r == Reg::rax ? 6u : 7u,
         [&](X86Assembler& a) { a.SubR64Imm32(r, 0x1000); }},
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
    const auto code = Assemble([&](X86Assembler& a) {
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
  X86Assembler a;
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
  X86Assembler a;
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
  X86Assembler a;
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
  X86Assembler a;
  Label l = a.NewLabel();
  a.Jmp(l);
  Result<std::vector<uint8_t>> code = a.Finish();
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(code.error().rule, "jit-internal");
}

}  // namespace
}  // namespace sckit::jit
