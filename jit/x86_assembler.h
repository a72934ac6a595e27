// A small x86-64 assembler that knows nothing of BPF: typed registers, condition codes, labels
// with forward (and backward) fix-ups, and one method per instruction form, named mnemonic +
// operand shape (MovR32Imm32 = "mov r32, imm32"). This header with x86_assembler.cc (encoding of
// the instruction forms) and x86_layout.cc (labels, jump sizing, patches, Finish) is the only
// place in sckit that writes machine-code bytes; the BPF instruction selector (jit/compiler.h)
// only calls methods.
//
// Encoding rules it follows (Intel SDM vol. 2, ch. 2):
//   - REX (0x40 | W R X B) only when needed: a 64-bit operand size (W) or a register r8..r15 in
//     the ModRM reg field (R) or the rm / opcode-register field (B). No byte registers are used,
//     so a bare REX is never required.
//   - [base + disp] memory operands: rsp and r12 as base need a SIB byte (rm = 100 means "SIB
//     follows"); rbp and r13 as base need a displacement (mod = 00, rm = 101 means RIP-relative),
//     so [rbp] is emitted as [rbp + 0] with a disp8. disp8 whenever the displacement fits.
//   - Jumps to labels start short (rel8). Finish() lays the code out repeatedly, widening a jump
//     to rel32 only when its displacement does not fit, until no size changes (widening is
//     monotonic, so this terminates; it is also exact: distances only grow). The final pass then
//     writes the bytes and checks that every label lands where the converged layout put it.
//   - Patches: a 32-bit field whose value depends on final label offsets (the disp32 of a
//     RIP-relative lea, a jump-table entry) has a fixed size, so it is written into the byte
//     stream at once as a 4-byte zero placeholder and recorded with its position, the number of
//     jumps recorded before it and what to compute. Once the final pass has placed every label,
//     Finish() overwrites each placeholder at its final position (pos + the size of the jumps
//     before it) with label - end of the field (RIP-relative) or target label - base label.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "vm/status.h"

namespace sckit::jit {

// General-purpose registers by hardware number (the ModRM / opcode-register encoding).
enum class Reg : uint8_t {
  rax = 0, rcx = 1, rdx = 2, rbx = 3, rsp = 4, rbp = 5, rsi = 6, rdi = 7,
  r8 = 8, r9 = 9, r10 = 10, r11 = 11, r12 = 12, r13 = 13, r14 = 14, r15 = 15,
};
inline constexpr int kNumRegs = 16;

// The hardware number 0..15.
constexpr uint8_t RegNumber(Reg r) { return static_cast<uint8_t>(r); }
// Intel names: "rax".."r15" and the 32-bit views "eax".."r15d".
std::string_view RegName64(Reg r);
std::string_view RegName32(Reg r);

// Condition codes by their tttn encoding (Jcc = 0x70 + cc, 0x0F 0x80 + cc).
enum class Cond : uint8_t {
  o = 0x0, no = 0x1,
  b = 0x2, ae = 0x3,   // unsigned <, >=  (CF)
  e = 0x4, ne = 0x5,   // ZF
  be = 0x6, a = 0x7,   // unsigned <=, >
  s = 0x8, ns = 0x9,
  p = 0xa, np = 0xb,
  l = 0xc, ge = 0xd,   // signed <, >=
  le = 0xe, g = 0xf,   // signed <=, >
};
// The opposite condition: flipping the low bit of tttn negates it.
constexpr Cond Invert(Cond c) { return static_cast<Cond>(static_cast<uint8_t>(c) ^ 1); }
// "e", "ne", "a", ... (the Jcc suffix).
std::string_view CondName(Cond c);

// A position in the code, bound once with Bind(). Copyable handle.
class Label {
 public:
  Label() = default;
  bool valid() const { return id_ >= 0; }

 private:
  friend class X86Assembler;
  explicit Label(int id) : id_(id) {}
  int id_ = -1;
};

class X86Assembler {
 public:
  Label NewLabel();
  // Binds `label` at the current position. Each label is bound at most once.
  void Bind(Label label);
  // Room for this much code, jumps and labels without reallocating (a hint; optional).
  void Reserve(size_t bytes, size_t jumps, size_t labels);

  // ---- data movement -------------------------------------------------------------------
  void MovR32R32(Reg dst, Reg src);                   // mov r32, r32
  void MovR64R64(Reg dst, Reg src);                   // mov r64, r64
  void MovR32Imm32(Reg dst, uint32_t imm);            // mov r32, imm32 (zero-extends)
  void MovR32Mem(Reg dst, Reg base, int32_t disp);    // mov r32, dword [base + disp]
  void MovMemR32(Reg base, int32_t disp, Reg src);    // mov dword [base + disp], r32
  void PushR64(Reg r);                                // push r64
  void PopR64(Reg r);                                 // pop r64
  void MovR64Imm64(Reg dst, uint64_t imm);            // mov r64, imm64 (movabs)

  // ---- position-independent jump tables ----------------------------------------------------
  // A table of Data32LabelDelta(target_i, table) entries bound at `table` is dispatched with
  //   LeaR64Label(t, table); MovsxdR64MemIndex4(x, t, i); AddR64R64(x, t); JmpR64(x).
  void LeaR64Label(Reg dst, Label label);             // lea r64, [rip + rel32] (label address)
  // movsxd r64, dword [base + index*4]. `index` must not be rsp (SIB index 100 means "no
  // index"); the selector never asks for it, and Finish() fails ("jit-internal") if it was.
  void MovsxdR64MemIndex4(Reg dst, Reg base, Reg index);
  // 4 bytes of data in the code: the signed 32-bit offset(target) - offset(base).
  void Data32LabelDelta(Label target, Label base);    // dd target - base
  // Range tables (jit/compiler.h): values and slot numbers read with an index register. As for
  // movsxd, `index` must not be rsp.
  void MovR32MemIndex4(Reg dst, Reg base, Reg index);    // mov r32, dword [base + index*4]
  void MovzxR32MemIndex1(Reg dst, Reg base, Reg index);  // movzx r32, byte [base + index]
  void Data8(uint8_t value);                          // db value
  void Data32(uint32_t value);                        // dd value

  // ---- 32-bit arithmetic and logic (x86 32-bit ops zero the upper half) --------------------
  void AddR32R32(Reg dst, Reg src);                   // add r32, r32
  void SubR32R32(Reg dst, Reg src);                   // sub r32, r32
  void AndR32R32(Reg dst, Reg src);                   // and r32, r32
  void OrR32R32(Reg dst, Reg src);                    // or r32, r32
  void XorR32R32(Reg dst, Reg src);                   // xor r32, r32
  void CmpR32R32(Reg lhs, Reg rhs);                   // cmp r32, r32
  void TestR32R32(Reg lhs, Reg rhs);                  // test r32, r32
  // Group-1 immediates: the imm8 form (sign-extended) when it fits, else imm32; eax uses the
  // one-byte-shorter accumulator form for imm32.
  void AddR32Imm32(Reg dst, uint32_t imm);            // add r32, imm
  void SubR32Imm32(Reg dst, uint32_t imm);            // sub r32, imm
  void AndR32Imm32(Reg dst, uint32_t imm);            // and r32, imm
  void OrR32Imm32(Reg dst, uint32_t imm);             // or r32, imm
  void XorR32Imm32(Reg dst, uint32_t imm);            // xor r32, imm
  void CmpR32Imm32(Reg lhs, uint32_t imm);            // cmp r32, imm
  void TestR32Imm32(Reg lhs, uint32_t imm);           // test r32, imm32
  void BtR64R64(Reg base, Reg index);                 // bt r64, r64 (CF = bit index of base)
  void ImulR32R32(Reg dst, Reg src);                  // imul r32, r32
  void ImulR32R32Imm32(Reg dst, Reg src, uint32_t imm);  // imul r32, r32, imm
  void DivR32(Reg divisor);                           // div r32 (edx:eax / r32 -> eax, edx)
  void NegR32(Reg r);                                 // neg r32
  void ShlR32Imm8(Reg r, uint8_t count);              // shl r32, imm8
  void ShrR32Imm8(Reg r, uint8_t count);              // shr r32, imm8
  void ShlR32Cl(Reg r);                               // shl r32, cl
  void ShrR32Cl(Reg r);                               // shr r32, cl

  // ---- 64-bit arithmetic (stack pointer, jump-table addresses) ------------------------------
  void AddR64Imm32(Reg dst, int32_t imm);             // add r64, imm
  void SubR64Imm32(Reg dst, int32_t imm);             // sub r64, imm
  void AddR64R64(Reg dst, Reg src);                   // add r64, r64

  // ---- byte counters in memory (coverage instrumentation) -----------------------------------
  void AddM8Imm8(Reg base, int32_t disp, uint8_t imm);  // add byte [base + disp], imm8

  // ---- control flow ------------------------------------------------------------------------
  void Jmp(Label target);                             // jmp rel8 / rel32
  void Jcc(Cond cond, Label target);                  // jcc rel8 / rel32
  void JmpR64(Reg target);                            // jmp r64 (indirect)
  void Ret();                                         // ret
  void Int3();                                        // int3

  // Lays out the jumps, patches the label-dependent fields and returns the final code. Errors
  // ("jit-internal") for an unbound label (jumped to or patched against), an invalid operand or
  // a layout that did not reproduce. Call once.
  Result<std::vector<uint8_t>> Finish();
  // After a successful Finish(): the code offset of a bound label.
  uint32_t LabelOffset(Label label) const;

 private:
  // Encoding layers: bytes -> REX/ModRM/SIB fields -> instruction forms (the public methods).
  void Byte(uint8_t b);
  void Imm32(uint32_t v);
  void Rex(bool w, uint8_t reg, uint8_t index, uint8_t rm);  // only emits when needed
  void ModRmReg(uint8_t reg, uint8_t rm);                    // mod = 11
  void ModRmMem(uint8_t reg, Reg base, int32_t disp);        // [base + disp], SIB / disp rules
  void AluRR(uint8_t opcode, Reg rm, Reg reg);               // op r/m32, r32
  void AluImm(uint8_t ext, Reg dst, uint32_t imm, bool w);   // 83 /ext ib | 81 /ext id
  void Group3(uint8_t ext, Reg r);                           // F7 /ext
  void Shift(uint8_t ext, Reg r, uint8_t count);             // C1 /ext ib (D1 for 1)
  void ShiftCl(uint8_t ext, Reg r);                          // D3 /ext
  void JumpTo(int cond, Label target);                       // cond -1 = jmp
  // [base + index*scale] with a SIB byte; false (and an operand error) for rsp as the index.
  bool SibIndex(uint8_t reg, Reg base, Reg index, uint8_t scale_bits);
  void Patch32(Label target, int base);                      // 4-byte placeholder, see PatchSite

  struct JumpSite {
    size_t pos;     // offset in bytes_ (jumps occupy no bytes there)
    int cond;       // -1 for jmp, else the Cond value
    int label;
  };
  struct LabelSite {
    size_t pos = 0;           // offset in bytes_
    size_t jumps_before = 0;  // jumps recorded before the label was bound
    bool bound = false;
  };

  // A 4-byte field in bytes_ overwritten by Finish() once the final label offsets are known.
  struct PatchSite {
    size_t pos;           // offset in bytes_ of the placeholder
    size_t jumps_before;  // jumps recorded before it (final offset = pos + shift[jumps_before])
    int target;           // label whose offset the value measures
    int base;             // label it is relative to, or -1: the end of the field (RIP-relative)
  };

  std::vector<uint8_t> bytes_;          // every non-jump byte, in order
  std::vector<JumpSite> jumps_;
  std::vector<LabelSite> labels_;
  std::vector<PatchSite> patches_;
  // Bound labels in the order Bind() saw them, which is code order (positions and jump counts
  // only grow), so Finish() needs no sort.
  std::vector<int> bound_order_;
  // Finish()'s steps.
  std::optional<Error> CheckLabels() const;
  void PlanJumps(std::vector<bool>* near, std::vector<size_t>* shift) const;
  Result<bool> EmitJump(const JumpSite& j, bool near, uint32_t target,
                        std::vector<uint8_t>* out) const;
  std::optional<Error> ApplyPatches(const std::vector<size_t>& shift,
                                    std::vector<uint8_t>* out) const;

  const char* operand_error_ = nullptr;  // first invalid operand, reported by Finish()
  std::vector<uint32_t> label_offsets_;  // filled by Finish()
};

}  // namespace sckit::jit
