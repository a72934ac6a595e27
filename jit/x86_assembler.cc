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

// Jump sizes: jmp rel8 = EB cb, jmp rel32 = E9 cd, jcc rel8 = 7x cb, jcc rel32 = 0F 8x cd.
constexpr size_t JumpSize(int cond, bool near) {
  if (!near) return 2;
  return cond < 0 ? 5 : 6;
}

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

void X86Assembler::Patch32(Label target, int base) {
  patches_.push_back(PatchSite{bytes_.size(), jumps_.size(), target.id_, base});
  Imm32(0);
}

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

void X86Assembler::JumpTo(int cond, Label target) {
  jumps_.push_back(JumpSite{bytes_.size(), cond, target.id_});
}

// ---- labels and layout ---------------------------------------------------------------------

Label X86Assembler::NewLabel() {
  labels_.emplace_back();
  return Label(static_cast<int>(labels_.size() - 1));
}

void X86Assembler::Bind(Label label) {
  LabelSite& site = labels_.at(static_cast<size_t>(label.id_));
  site.pos = bytes_.size();
  site.jumps_before = jumps_.size();
  if (!site.bound) bound_order_.push_back(label.id_);
  site.bound = true;
}

void X86Assembler::Reserve(size_t bytes, size_t jumps, size_t labels) {
  bytes_.reserve(bytes);
  jumps_.reserve(jumps);
  labels_.reserve(labels);
  bound_order_.reserve(labels);
}

uint32_t X86Assembler::LabelOffset(Label label) const {
  return label_offsets_.at(static_cast<size_t>(label.id_));
}

// Every jump and patch names a bound label; nullopt when so.
std::optional<Error> X86Assembler::CheckLabels() const {
  if (operand_error_ != nullptr) return MakeError("jit-internal", operand_error_);
  auto bound = [&](int label) {
    return label >= 0 && labels_[static_cast<size_t>(label)].bound;
  };
  for (const JumpSite& j : jumps_) {
    if (!bound(j.label)) return MakeError("jit-internal", "jump to an unbound label");
  }
  for (const PatchSite& p : patches_) {
    if (!bound(p.target) || (p.base >= 0 && !bound(p.base))) {
      return MakeError("jit-internal", "label reference to an unbound label");
    }
  }
  return std::nullopt;
}

// Layout passes: widen jumps whose rel8 does not fit until nothing changes. Fills near[i] and
// shift[i] (the total size of jumps 0..i-1, the bytes they add before jump i's position).
void X86Assembler::PlanJumps(std::vector<bool>* near, std::vector<size_t>* shift) const {
  const size_t n = jumps_.size();
  near->assign(n, false);
  shift->assign(n + 1, 0);
  auto label_offset = [&](const LabelSite& l) { return l.pos + (*shift)[l.jumps_before]; };
  for (bool changed = true; changed;) {
    for (size_t i = 0; i < n; ++i) {
      (*shift)[i + 1] = (*shift)[i] + JumpSize(jumps_[i].cond, (*near)[i]);
    }
    changed = false;
    for (size_t i = 0; i < n; ++i) {
      if ((*near)[i]) continue;
      const JumpSite& j = jumps_[i];
      const int64_t end = static_cast<int64_t>(j.pos + (*shift)[i] + JumpSize(j.cond, false));
      const int64_t disp =
          static_cast<int64_t>(label_offset(labels_[static_cast<size_t>(j.label)])) - end;
      if (!FitsInt8(disp)) {
        (*near)[i] = true;
        changed = true;
      }
    }
  }
}

// Appends jump i in its planned size, aimed at `target` (a final code offset).
Result<bool> X86Assembler::EmitJump(const JumpSite& j, bool near, uint32_t target,
                                    std::vector<uint8_t>* out) const {
  const int64_t end = static_cast<int64_t>(out->size() + JumpSize(j.cond, near));
  const int64_t disp = static_cast<int64_t>(target) - end;
  if (!near) {
    if (!FitsInt8(disp)) return MakeError("jit-internal", "rel8 jump out of range");
    out->push_back(j.cond < 0 ? 0xEB : static_cast<uint8_t>(0x70 | j.cond));  // jmp/jcc rel8
    out->push_back(static_cast<uint8_t>(static_cast<int8_t>(disp)));
    return true;
  }
  if (j.cond < 0) {
    out->push_back(0xE9);  // jmp rel32
  } else {
    out->push_back(0x0F);  // jcc rel32
    out->push_back(static_cast<uint8_t>(0x80 | j.cond));
  }
  const uint32_t d = static_cast<uint32_t>(static_cast<int32_t>(disp));
  for (int b = 0; b < 4; ++b) out->push_back(static_cast<uint8_t>(d >> (8 * b)));
  return true;
}

// Patches: every label is final; overwrite each placeholder where it landed.
std::optional<Error> X86Assembler::ApplyPatches(const std::vector<size_t>& shift,
                                                std::vector<uint8_t>* out) const {
  for (const PatchSite& p : patches_) {
    const size_t at = p.pos + shift[p.jumps_before];
    const int64_t from = p.base < 0 ? static_cast<int64_t>(at + 4)
                                    : label_offsets_[static_cast<size_t>(p.base)];
    const int64_t to = label_offsets_[static_cast<size_t>(p.target)];
    const int64_t value = to - from;
    if (value < INT32_MIN || value > INT32_MAX) {
      return MakeError("jit-internal", "label reference out of 32-bit range");
    }
    const uint32_t v = static_cast<uint32_t>(static_cast<int32_t>(value));
    for (size_t b = 0; b < 4; ++b) (*out)[at + b] = static_cast<uint8_t>(v >> (8 * b));
  }
  return std::nullopt;
}

Result<std::vector<uint8_t>> X86Assembler::Finish() {
  if (std::optional<Error> e = CheckLabels()) return *e;
  const size_t n = jumps_.size();
  std::vector<bool> near;
  std::vector<size_t> shift;
  PlanJumps(&near, &shift);
  std::vector<uint32_t> planned(labels_.size(), 0);
  const std::vector<int>& order = bound_order_;  // code order (see Bind)
  for (int l : order) {
    const LabelSite& site = labels_[static_cast<size_t>(l)];
    planned[static_cast<size_t>(l)] = static_cast<uint32_t>(site.pos + shift[site.jumps_before]);
  }

  // Final pass: write the bytes, recording where each label really lands.
  std::vector<uint8_t> out;
  out.reserve(bytes_.size() + shift[n]);
  label_offsets_.assign(labels_.size(), 0);
  size_t copied = 0;
  size_t next_label = 0;
  auto copy_to = [&](size_t pos) {
    out.insert(out.end(), bytes_.begin() + static_cast<ptrdiff_t>(copied),
               bytes_.begin() + static_cast<ptrdiff_t>(pos));
    copied = pos;
  };
  for (size_t i = 0; i <= n; ++i) {
    while (next_label < order.size() &&
           labels_[static_cast<size_t>(order[next_label])].jumps_before == i) {
      copy_to(labels_[static_cast<size_t>(order[next_label])].pos);
      label_offsets_[static_cast<size_t>(order[next_label])] = static_cast<uint32_t>(out.size());
      ++next_label;
    }
    copy_to(i < n ? jumps_[i].pos : bytes_.size());
    if (i == n) break;
    Result<bool> emitted =
        EmitJump(jumps_[i], near[i], planned[static_cast<size_t>(jumps_[i].label)], &out);
    if (!emitted.ok()) return emitted.error();
  }
  for (size_t l = 0; l < labels_.size(); ++l) {
    if (labels_[l].bound && label_offsets_[l] != planned[l]) {
      return MakeError("jit-internal", "label " + std::to_string(l) + " planned at " +
                                           std::to_string(planned[l]) + " landed at " +
                                           std::to_string(label_offsets_[l]));
    }
  }
  if (out.size() != bytes_.size() + shift[n]) {
    return MakeError("jit-internal", "final code size differs from the layout");
  }
  if (std::optional<Error> e = ApplyPatches(shift, &out)) return *e;
  return out;
}

}  // namespace sckit::jit
