// The x86-64 assembler's encoding (jit/x86_assembler.h): register and condition names, the byte
// and field layer (REX, ModRM, SIB, displacements, immediates) and one method per instruction
// form. Jumps and label-relative fields are only recorded here; their layout and the patching
// of placeholders is jit/x86_layout.cc.
#include "jit/x86_assembler.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

namespace sckit::jit {
namespace {

constexpr std::array<std::string_view, kNumRegs> kNames64 = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
constexpr std::array<std::string_view, kNumRegs> kNames32 = {
    "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
    "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
constexpr std::array<std::string_view, 16> kCondNames = {
    "o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"};

constexpr bool FitsInt8(int64_t v) { return v >= -128 && v <= 127; }

// Opcode-extension values (the /digit of the SDM) of the forms used here.
constexpr uint8_t kExtAdd = 0, kExtOr = 1, kExtAnd = 4, kExtSub = 5, kExtXor = 6, kExtCmp = 7;
constexpr uint8_t kExtTest = 0, kExtNeg = 3, kExtDiv = 6;
constexpr uint8_t kExtShl = 4, kExtShr = 5;

}  // namespace

std::string_view RegName64(Reg r) { return kNames64[RegNumber(r)]; }
std::string_view RegName32(Reg r) { return kNames32[RegNumber(r)]; }
std::string_view CondName(Cond c) { return kCondNames[static_cast<uint8_t>(c)]; }

// ---- byte and field layer ------------------------------------------------------------------

void X86Assembler::Byte(uint8_t b) { bytes_.push_back(b); }

void X86Assembler::Imm32(uint32_t v) {
  const uint8_t le[4] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8),
                         static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 24)};
  bytes_.insert(bytes_.end(), le, le + 4);
}

void X86Assembler::Rex(bool w, uint8_t reg, uint8_t index, uint8_t rm) {
  const uint8_t rex = static_cast<uint8_t>(0x40 | (w ? 8 : 0) | ((reg >> 3) << 2) |
                                           ((index >> 3) << 1) | (rm >> 3));
  if (rex != 0x40) Byte(rex);
}

void X86Assembler::ModRmReg(uint8_t reg, uint8_t rm) {
  Byte(static_cast<uint8_t>(0xC0 | ((reg & 7) << 3) | (rm & 7)));
}

void X86Assembler::ModRmMem(uint8_t reg, Reg base, int32_t disp) {
  const uint8_t b = RegNumber(base) & 7;
  // rbp/r13 (low bits 101) with mod 00 would mean RIP-relative / disp32-only: force a disp8.
  const bool need_disp = disp != 0 || b == 5;
  const uint8_t mod = !need_disp ? 0 : FitsInt8(disp) ? 1 : 2;
  Byte(static_cast<uint8_t>((mod << 6) | ((reg & 7) << 3) | b));
  // rsp/r12 (low bits 100) in rm means "SIB follows": SIB = scale 0, no index (100), base.
  if (b == 4) Byte(0x24);
  if (mod == 1) Byte(static_cast<uint8_t>(static_cast<int8_t>(disp)));
  if (mod == 2) Imm32(static_cast<uint32_t>(disp));
}

void X86Assembler::AluRR(uint8_t opcode, Reg rm, Reg reg) {
  Rex(false, RegNumber(reg), 0, RegNumber(rm));
  Byte(opcode);
  ModRmReg(RegNumber(reg), RegNumber(rm));
}

void X86Assembler::AluImm(uint8_t ext, Reg dst, uint32_t imm, bool w) {
  const int32_t simm = static_cast<int32_t>(imm);
  Rex(w, 0, 0, RegNumber(dst));
  if (FitsInt8(simm)) {
    Byte(0x83);  // op r/m, imm8 (sign-extended)
    ModRmReg(ext, RegNumber(dst));
    Byte(static_cast<uint8_t>(imm));
  } else if (dst == Reg::rax) {
    Byte(static_cast<uint8_t>((ext << 3) | 5));  // op eax/rax, imm32 (accumulator form)
    Imm32(imm);
  } else {
    Byte(0x81);  // op r/m, imm32
    ModRmReg(ext, RegNumber(dst));
    Imm32(imm);
  }
}

void X86Assembler::Group3(uint8_t ext, Reg r) {
  Rex(false, 0, 0, RegNumber(r));
  Byte(0xF7);
  ModRmReg(ext, RegNumber(r));
}

void X86Assembler::Shift(uint8_t ext, Reg r, uint8_t count) {
  Rex(false, 0, 0, RegNumber(r));
  if (count == 1) {
    Byte(0xD1);  // shift r/m32, 1
    ModRmReg(ext, RegNumber(r));
  } else {
    Byte(0xC1);  // shift r/m32, imm8
    ModRmReg(ext, RegNumber(r));
    Byte(count);
  }
}

void X86Assembler::ShiftCl(uint8_t ext, Reg r) {
  Rex(false, 0, 0, RegNumber(r));
  Byte(0xD3);  // shift r/m32, cl
  ModRmReg(ext, RegNumber(r));
}

// ---- instruction forms ---------------------------------------------------------------------

// mov r32, r32: 89 /r (MOV r/m32, r32)
void X86Assembler::MovR32R32(Reg dst, Reg src) { AluRR(0x89, dst, src); }

// mov r64, r64: REX.W 89 /r
void X86Assembler::MovR64R64(Reg dst, Reg src) {
  Rex(true, RegNumber(src), 0, RegNumber(dst));
  Byte(0x89);
  ModRmReg(RegNumber(src), RegNumber(dst));
}

// mov r32, imm32: B8+rd id
void X86Assembler::MovR32Imm32(Reg dst, uint32_t imm) {
  Rex(false, 0, 0, RegNumber(dst));
  Byte(static_cast<uint8_t>(0xB8 | (RegNumber(dst) & 7)));
  Imm32(imm);
}

// mov r32, dword [base + disp]: 8B /r
void X86Assembler::MovR32Mem(Reg dst, Reg base, int32_t disp) {
  Rex(false, RegNumber(dst), 0, RegNumber(base));
  Byte(0x8B);
  ModRmMem(RegNumber(dst), base, disp);
}

// mov dword [base + disp], r32: 89 /r
void X86Assembler::MovMemR32(Reg base, int32_t disp, Reg src) {
  Rex(false, RegNumber(src), 0, RegNumber(base));
  Byte(0x89);
  ModRmMem(RegNumber(src), base, disp);
}

// push r64: 50+rd (REX.B for r8..r15; 64-bit operand size is the default)
void X86Assembler::PushR64(Reg r) {
  Rex(false, 0, 0, RegNumber(r));
  Byte(static_cast<uint8_t>(0x50 | (RegNumber(r) & 7)));
}

// pop r64: 58+rd
void X86Assembler::PopR64(Reg r) {
  Rex(false, 0, 0, RegNumber(r));
  Byte(static_cast<uint8_t>(0x58 | (RegNumber(r) & 7)));
}

// mov r64, imm64: REX.W B8+rd io (the only x86 form with a 64-bit immediate)
void X86Assembler::MovR64Imm64(Reg dst, uint64_t imm) {
  Rex(true, 0, 0, RegNumber(dst));
  Byte(static_cast<uint8_t>(0xB8 | (RegNumber(dst) & 7)));
  Imm32(static_cast<uint32_t>(imm));
  Imm32(static_cast<uint32_t>(imm >> 32));
}

// lea r64, [rip + rel32]: REX.W 8D /r with mod = 00, rm = 101 (RIP-relative), then a disp32
// measured from the end of the instruction, which is also the end of the disp32 (no immediate
// follows): always 7 bytes. The disp32 is a placeholder patched by Finish().
void X86Assembler::LeaR64Label(Reg dst, Label label) {
  Rex(true, RegNumber(dst), 0, 0);
  Byte(0x8D);
  Byte(static_cast<uint8_t>(((RegNumber(dst) & 7) << 3) | 5));
  Patch32(label, -1);
}

// movsxd r64, dword [base + index*4]: REX.W 63 /r with rm = 100 (SIB follows) and SIB = scale
// 10 (*4), index, base; REX.X / REX.B extend index / base. SIB index 100 without REX.X means "no
// index", so rsp cannot be an index (r12 can). SIB base 101 with mod = 00 means disp32 and no
// base, so rbp/r13 as base take mod = 01 with a zero disp8; rsp/r12 as base need nothing extra.
void X86Assembler::MovsxdR64MemIndex4(Reg dst, Reg base, Reg index) {
  if (index == Reg::rsp) {
    if (operand_error_ == nullptr) operand_error_ = "movsxd with rsp as the index register";
    return;
  }
  Rex(true, RegNumber(dst), RegNumber(index), RegNumber(base));
  Byte(0x63);
  SibIndex(RegNumber(dst), base, index, 2);
}

// The ModRM + SIB (+ disp8 0 for rbp/r13) of [base + index * 2^scale_bits], as movsxd above.
bool X86Assembler::SibIndex(uint8_t reg, Reg base, Reg index, uint8_t scale_bits) {
  if (index == Reg::rsp) {
    if (operand_error_ == nullptr) operand_error_ = "rsp as an index register";
    return false;
  }
  const uint8_t b = RegNumber(base) & 7;
  const uint8_t mod = b == 5 ? 1 : 0;
  Byte(static_cast<uint8_t>((mod << 6) | ((reg & 7) << 3) | 4));
  Byte(static_cast<uint8_t>((scale_bits << 6) | ((RegNumber(index) & 7) << 3) | b));
  if (mod == 1) Byte(0x00);
  return true;
}

// mov r32, dword [base + index*4]: 8B /r with a SIB byte (scale 10); REX only for r8..r15.
void X86Assembler::MovR32MemIndex4(Reg dst, Reg base, Reg index) {
  if (index == Reg::rsp) {
    SibIndex(0, base, index, 2);  // records the operand error
    return;
  }
  Rex(false, RegNumber(dst), RegNumber(index), RegNumber(base));
  Byte(0x8B);
  SibIndex(RegNumber(dst), base, index, 2);
}

// movzx r32, byte [base + index]: 0F B6 /r with a SIB byte (scale 00); REX only for r8..r15
// (the byte is memory, so no REX is needed to name it).
void X86Assembler::MovzxR32MemIndex1(Reg dst, Reg base, Reg index) {
  if (index == Reg::rsp) {
    SibIndex(0, base, index, 0);  // records the operand error
    return;
  }
  Rex(false, RegNumber(dst), RegNumber(index), RegNumber(base));
  Byte(0x0F);
  Byte(0xB6);
  SibIndex(RegNumber(dst), base, index, 0);
}

// db / dd: data in the code stream (range tables after the epilogue).
void X86Assembler::Data8(uint8_t value) { Byte(value); }
void X86Assembler::Data32(uint32_t value) { Imm32(value); }

// dd target - base: a 4-byte placeholder in the code stream, patched by Finish().
void X86Assembler::Data32LabelDelta(Label target, Label base) { Patch32(target, base.id_); }

// add byte [base + disp], imm8: 80 /0 ib. No REX.W; a REX prefix only for base r8..r15 (the
// byte operand is memory, so the "REX selects sil/dil" rule does not apply).
void X86Assembler::AddM8Imm8(Reg base, int32_t disp, uint8_t imm) {
  Rex(false, 0, 0, RegNumber(base));
  Byte(0x80);
  ModRmMem(kExtAdd, base, disp);
  Byte(imm);
}

// add r32, r32: 01 /r
void X86Assembler::AddR32R32(Reg dst, Reg src) { AluRR(0x01, dst, src); }
// sub r32, r32: 29 /r
void X86Assembler::SubR32R32(Reg dst, Reg src) { AluRR(0x29, dst, src); }
// and r32, r32: 21 /r
void X86Assembler::AndR32R32(Reg dst, Reg src) { AluRR(0x21, dst, src); }
// or r32, r32: 09 /r
void X86Assembler::OrR32R32(Reg dst, Reg src) { AluRR(0x09, dst, src); }
// xor r32, r32: 31 /r
void X86Assembler::XorR32R32(Reg dst, Reg src) { AluRR(0x31, dst, src); }
// cmp r32, r32: 39 /r (CMP r/m32, r32: flags of lhs - rhs)
void X86Assembler::CmpR32R32(Reg lhs, Reg rhs) { AluRR(0x39, lhs, rhs); }
// test r32, r32: 85 /r
void X86Assembler::TestR32R32(Reg lhs, Reg rhs) { AluRR(0x85, lhs, rhs); }

// bt r/m64, r64: REX.W 0F A3 /r. CF = bit (index mod 64) of base; only CF is defined after it.
void X86Assembler::BtR64R64(Reg base, Reg index) {
  Rex(true, RegNumber(index), 0, RegNumber(base));
  Byte(0x0F);
  Byte(0xA3);
  ModRmReg(RegNumber(index), RegNumber(base));
}

// add r32, imm: 83 /0 ib | 05 id (eax) | 81 /0 id
void X86Assembler::AddR32Imm32(Reg dst, uint32_t imm) { AluImm(kExtAdd, dst, imm, false); }
// sub r32, imm: 83 /5 ib | 2D id (eax) | 81 /5 id
void X86Assembler::SubR32Imm32(Reg dst, uint32_t imm) { AluImm(kExtSub, dst, imm, false); }
// and r32, imm: 83 /4 ib | 25 id (eax) | 81 /4 id
void X86Assembler::AndR32Imm32(Reg dst, uint32_t imm) { AluImm(kExtAnd, dst, imm, false); }
// or r32, imm: 83 /1 ib | 0D id (eax) | 81 /1 id
void X86Assembler::OrR32Imm32(Reg dst, uint32_t imm) { AluImm(kExtOr, dst, imm, false); }
// xor r32, imm: 83 /6 ib | 35 id (eax) | 81 /6 id
void X86Assembler::XorR32Imm32(Reg dst, uint32_t imm) { AluImm(kExtXor, dst, imm, false); }
// cmp r32, imm: 83 /7 ib | 3D id (eax) | 81 /7 id. The imm8 is sign-extended to 32 bits, which
// yields the same 32-bit pattern as the imm32, so unsigned conditions (ja/jae/jb) stay correct.
void X86Assembler::CmpR32Imm32(Reg lhs, uint32_t imm) { AluImm(kExtCmp, lhs, imm, false); }

// test r32, imm32: A9 id (eax) | F7 /0 id (there is no imm8 form)
void X86Assembler::TestR32Imm32(Reg lhs, uint32_t imm) {
  Rex(false, 0, 0, RegNumber(lhs));
  if (lhs == Reg::rax) {
    Byte(0xA9);
  } else {
    Byte(0xF7);
    ModRmReg(kExtTest, RegNumber(lhs));
  }
  Imm32(imm);
}

// imul r32, r32: 0F AF /r (reg = dst, rm = src)
void X86Assembler::ImulR32R32(Reg dst, Reg src) {
  Rex(false, RegNumber(dst), 0, RegNumber(src));
  Byte(0x0F);
  Byte(0xAF);
  ModRmReg(RegNumber(dst), RegNumber(src));
}

// imul r32, r32, imm: 6B /r ib | 69 /r id (reg = dst, rm = src)
void X86Assembler::ImulR32R32Imm32(Reg dst, Reg src, uint32_t imm) {
  Rex(false, RegNumber(dst), 0, RegNumber(src));
  const bool short_form = FitsInt8(static_cast<int32_t>(imm));
  Byte(short_form ? 0x6B : 0x69);
  ModRmReg(RegNumber(dst), RegNumber(src));
  if (short_form) {
    Byte(static_cast<uint8_t>(imm));
  } else {
    Imm32(imm);
  }
}

// div r32: F7 /6 (unsigned edx:eax / r32; quotient eax, remainder edx)
void X86Assembler::DivR32(Reg divisor) { Group3(kExtDiv, divisor); }
// neg r32: F7 /3
void X86Assembler::NegR32(Reg r) { Group3(kExtNeg, r); }
// shl r32, imm8: C1 /4 ib (D1 /4 for a count of 1)
void X86Assembler::ShlR32Imm8(Reg r, uint8_t count) { Shift(kExtShl, r, count); }
// shr r32, imm8: C1 /5 ib (D1 /5 for a count of 1)
void X86Assembler::ShrR32Imm8(Reg r, uint8_t count) { Shift(kExtShr, r, count); }
// shl r32, cl: D3 /4 (the CPU masks the count to 5 bits)
void X86Assembler::ShlR32Cl(Reg r) { ShiftCl(kExtShl, r); }
// shr r32, cl: D3 /5
void X86Assembler::ShrR32Cl(Reg r) { ShiftCl(kExtShr, r); }

// add r64, imm: REX.W 83 /0 ib | REX.W 05 id (rax) | REX.W 81 /0 id
void X86Assembler::AddR64Imm32(Reg dst, int32_t imm) {
  AluImm(kExtAdd, dst, static_cast<uint32_t>(imm), true);
}
// sub r64, imm: REX.W 83 /5 ib | REX.W 2D id (rax) | REX.W 81 /5 id
void X86Assembler::SubR64Imm32(Reg dst, int32_t imm) {
  AluImm(kExtSub, dst, static_cast<uint32_t>(imm), true);
}

// add r64, r64: REX.W 01 /r (reg = src, rm = dst)
void X86Assembler::AddR64R64(Reg dst, Reg src) {
  Rex(true, RegNumber(src), 0, RegNumber(dst));
  Byte(0x01);
  ModRmReg(RegNumber(src), RegNumber(dst));
}

// ret: C3
void X86Assembler::Ret() { Byte(0xC3); }
// int3: CC
void X86Assembler::Int3() { Byte(0xCC); }

// jmp rel8 / rel32: EB cb | E9 cd (bytes written by Finish())
void X86Assembler::Jmp(Label target) { JumpTo(-1, target); }
// jcc rel8 / rel32: 70+cc cb | 0F 80+cc cd (bytes written by Finish())
void X86Assembler::Jcc(Cond cond, Label target) { JumpTo(static_cast<int>(cond), target); }

// jmp r64: FF /4 with mod = 11. The operand size is 64 bits in long mode without REX.W; REX.B
// only for r8..r15.
void X86Assembler::JmpR64(Reg target) {
  Rex(false, 0, 0, RegNumber(target));
  Byte(0xFF);
  ModRmReg(4, RegNumber(target));
}

}  // namespace sckit::jit
