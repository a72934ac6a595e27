// The x86-64 JIT for verified seccomp filters: instruction selection from the kernel's rewritten
// classic BPF (VerifiedProgram::insns()) onto the assembler in jit/x86_assembler.h. This file
// never writes bytes; the assembler does, and jit/exec_memory.h owns the executable pages.
//
// What it preserves from the kernel's path (bpf_convert_filter() + the x86 eBPF JIT, spec §4 and
// §12): A and X start at 0; every ALU op is 32-bit and wraps (x86 32-bit ops zero-extend); MUL
// is the low half of imul; DIV by X == 0 returns 0 from the whole program; shifts by X use the
// count X & 31 (shl/shr r32, cl: the CPU masks it); compares are unsigned 32-bit (cmp r32,
// imm32 / r32 and ja/jae/je, test + jne for JSET); loads are native-endian 32-bit words of
// seccomp_data; RET returns the u32 in eax.
//
// Generated function: uint32_t f(const SeccompData* data) under the System V AMD64 ABI.
// Default register assignment (RegisterMap::Default()):
//   A    = eax  - the return register and div's implicit dividend: no moves around RET or DIV
//   X    = ecx  - shifts by X read the count from cl directly
//   ctx  = rdi  - the first argument register, so no prologue move
//   M[]  = the 128-byte red zone below rsp (a leaf function needs no frame): M[k] = [rsp-64+4k]
//   tmp  = esi  - the DIV K divisor
//   edx is clobbered by div, and holds the bit mask or the table address of a lowered chain or
//   tree (see below). Nothing callee-saved is touched, so there is no prologue at all.
// JitOptions::registers can move every BPF register elsewhere (e.g. onto r8..r15, a test hook
// that makes the generated code exercise the REX, SIB and forced-disp8 encodings); callee-saved
// registers are then pushed and popped, and M[] lives in a 64-byte frame addressed by `frame`.
//
// Multi-way branches (jit/multiway.h), emitted at the head of what they replace; the replaced
// compares keep their code for jumps into the middle:
//   - a chain of at least 4 distinct `jeq #k` on an unchanged A (each miss lands on the next
//     compare; vm/jeq_chains.h) whose keys span more than 64 values and fit a dense table
//     becomes a range table (below); other chains become, for the largest groups of keys that
//     share a target, range checks plus `bt` over windows of 64 consecutive keys (the way
//     compilers lower a switch), and for the other keys a bounds check plus an indirect jump
//     through a table of 32-bit code offsets when they are close together, or a balanced tree
//     of compares. Which of the two a chain gets is the measured rule of docs/performance.md
//     (JitOptions::chain_form pins one);
//   - a tree of constant compares (`jgt`/`jge`/`jeq #k`, `ja`; vm/jeq_chains.h
//     FindCompareTrees) becomes a range table, or one compare when it has one bound; a tree
//     with no dense window keeps its compares (they already are a search);
//   - a range table: a bounds check on A - lo, then, when every target in the window is a
//     `ret #k`, `mov eax, [table + 4 * (A - lo)]` and the epilogue (no branch on A at all);
//     else a byte per value naming a return value or a code target (one compare between the
//     two, then a load or an indirect jump through 32-bit offsets); values outside the window:
//     the first range below it, a `jae` search over the ranges above it.
// Tables follow the epilogue (data_offset()), so the code before them disassembles linearly.
// Not done when coverage counters are emitted, as they count per instruction (a coverage array
// with a mask that selects nothing emits none: the code is then the plain code).
//
// Jumps are fall-through-aware (as FreeBSD's bpf_jit_machdep): only jcc when jf == 0, the
// inverted jcc when jt == 0, jcc + jmp otherwise, one jmp when jt == jf (nothing when both are
// 0). Every RET goes through one epilogue.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "jit/exec_memory.h"
#include "jit/x86_assembler.h"
#include "vm/engine.h"
#include "vm/program.h"
#include "vm/seccomp_data.h"
#include "vm/status.h"

namespace sckit::jit {

// Where the BPF machine lives in the generated code.
struct RegisterMap {
  Reg a = Reg::rax;      // the accumulator A
  Reg x = Reg::rcx;      // the index register X
  Reg ctx = Reg::rdi;    // const SeccompData*
  Reg frame = Reg::rsp;  // base of M[]: rsp = red zone; any other register = a pushed frame
  Reg tmp = Reg::rsi;    // scratch for DIV K

  static RegisterMap Default() { return {}; }
  // Everything on r8..r15: A r8, X r9, ctx r13 ([r13 + 0] needs a disp8), frame r12 (needs a
  // SIB byte), tmp r15.
  static RegisterMap HighRegisters() {
    return {Reg::r8, Reg::r9, Reg::r13, Reg::r12, Reg::r15};
  }
};

// Why a map is unusable, or an empty string when it is fine. Rules: the five
// registers are distinct; rsp only as frame; never rdx (div clobbers it); rax is free unless it
// is A (div and RET use it), rcx is free unless it is X (shifts by X use cl).
std::string CheckRegisterMap(const RegisterMap& map);

// Edge-coverage instrumentation (JitOptions::coverage): the counters and their layout are
// vm/engine.h's (CoverageSlot, CoverageSize). Each executed slot gets
// `add byte [counters + slot], 1` (flags are dead there: every compare is consumed by the jcc
// of its own instruction), so the counters accumulate across runs and wrap at 256: clear them
// between runs to read "this run reached it" (a run executes each instruction at most once:
// classic BPF only jumps forward). The counter base lives in a caller-saved register the map
// leaves free (r11, r10, r9, r8, rsi or rdi), loaded once with `mov r64, imm64`; the array
// must outlive the compiled code. With coverage == nullptr (the default) the generated code is
// exactly the uninstrumented one.
// How a lowered jeq chain is emitted. kRule: the measured rule (jit/multiway.cc UseTable,
// docs/performance.md); the others pin one form, for tests and benchmarks (kTable falls back to
// the other forms when the keys fit no table).
enum class ChainForm : uint8_t { kRule, kBitTests, kTable };

struct JitOptions {
  RegisterMap registers = RegisterMap::Default();
  // Counters to increment (see CoverageSlot); nullptr = no instrumentation.
  uint8_t* coverage = nullptr;
  // Optional, CoverageSize(program) bytes: instrument only the slots whose byte is nonzero (a
  // fuzzer stops counting what it has already covered). Empty = every slot.
  std::span<const uint8_t> coverage_mask;
  ChainForm chain_form = ChainForm::kRule;
};

class CompiledFilter {
 public:
  CompiledFilter(CompiledFilter&&) noexcept = default;
  CompiledFilter& operator=(CompiledFilter&&) noexcept = default;
  CompiledFilter(const CompiledFilter&) = delete;
  CompiledFilter& operator=(const CompiledFilter&) = delete;

  // The filter's raw 32-bit result for one record, like RunFilter() in vm/interpreter.h.
  uint32_t Run(const SeccompData& data) const noexcept { return entry_(&data); }

  std::span<const uint8_t> code() const { return {memory_.data(), memory_.size()}; }
  // pc_offsets()[pc] = code offset of the first byte generated for BPF instruction pc (an
  // instruction that needs no code, e.g. "ja 0", shares the offset of the next one).
  std::span<const uint32_t> pc_offsets() const { return pc_offsets_; }
  // Code offsets of the prologue end, of the shared epilogue and of the jump tables after it
  // (data_offset() == code().size() when there are none).
  uint32_t body_offset() const { return body_offset_; }
  uint32_t epilogue_offset() const { return epilogue_offset_; }
  uint32_t data_offset() const { return data_offset_; }
  // The machine code's entry point, uint32_t (*)(const SeccompData*), valid while this object
  // lives: for callers that call the code directly (the C API's prepared handle).
  auto entry() const noexcept { return entry_; }

 private:
  friend Result<CompiledFilter> Compile(const VerifiedProgram&, const JitOptions&);
  using Entry = uint32_t (*)(const SeccompData*);
  CompiledFilter(ExecMemory memory, std::vector<uint32_t> pc_offsets, uint32_t body,
                 uint32_t epilogue, uint32_t data);

  ExecMemory memory_;
  Entry entry_ = nullptr;
  std::vector<uint32_t> pc_offsets_;
  uint32_t body_offset_ = 0;
  uint32_t epilogue_offset_ = 0;
  uint32_t data_offset_ = 0;
};

// Only the machine code, without mapping it (works on any host): for dumps and tests.
struct MachineCode {
  std::vector<uint8_t> bytes;
  std::vector<uint32_t> pc_offsets;
  uint32_t body_offset = 0;
  uint32_t epilogue_offset = 0;
  uint32_t data_offset = 0;  // jump tables from here to the end
};
Result<MachineCode> Generate(const VerifiedProgram& program, const JitOptions& options = {});

// Generates and maps the code. Errors: "jit-unavailable" when the host is not x86-64,
// "bad-register-map", "bad-coverage-mask" (a mask whose size is not CoverageSize(program)), "jit-internal", or the mapping errors of ExecMemory::Create.
Result<CompiledFilter> Compile(const VerifiedProgram& program, const JitOptions& options = {});

}  // namespace sckit::jit
