// The x86-64 assembler against golden bytes written by hand from the Intel SDM encodings: a
// table of instructions (bytes and capstone's text), every register of each form built from
// the SDM's REX/ModRM/SIB field layout, and the data words of jump tables.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "jit/exec_memory.h"
#include "jit/x86_assembler.h"
#include "tests/jit/assembler_test_util.h"
#include "tests/jit_test_util.h"

namespace sckit::jit {
namespace {

using namespace testing;  // NOLINT: CapstoneText, Hex and the assembler helpers.

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

}  // namespace
}  // namespace sckit::jit
