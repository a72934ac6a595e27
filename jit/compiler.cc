// The JIT's instruction selector (what it preserves and how: compiler.h) and the public
// Generate()/Compile(); multi-way branches are jit/multiway.cc's.
#include "jit/compiler.h"

#include <algorithm>

#include <bit>
#include <map>
#include <utility>

#include "jit/multiway.h"
#include "vm/jeq_chains.h"
#include "vm/bpf.h"
#include "vm/opcodes.h"

namespace sckit::jit {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

constexpr int32_t kFrameBytes = 4 * static_cast<int32_t>(kMemWords);  // 64: M[0..15]

bool IsCalleeSaved(Reg r) {
  switch (r) {
    case Reg::rbx: case Reg::rbp: case Reg::r12: case Reg::r13: case Reg::r14: case Reg::r15:
      return true;
    default:
      return false;
  }
}

// One pass over the verified program, calling the assembler only.
class Selector {
 public:
  Selector(const VerifiedProgram& program, const JitOptions& options)
      : insns_(program.insns()), r_(options.registers), cov_(options.coverage),
        cov_mask_(options.coverage_mask), chain_form_(options.chain_form) {
    for (size_t pc = 0; pc < insns_.size(); ++pc) {
      const SockFilter& f = insns_[pc];
      const uint16_t c = f.code;
      if (c == (kLD | kMEM) || c == (kLDX | kMEM) || c == kST || c == kSTX) uses_mem_ = true;
      if (c == (kALU | kDIV | kX)) uses_div_x_ = true;
    }
    // Every mapped callee-saved register is saved, touched by this program or not: the
    // prologue then depends only on the map (CheckRegisterMap() keeps the five distinct).
    const Reg used[] = {r_.a, r_.x, r_.ctx, r_.frame, r_.tmp};
    for (Reg reg : used) {
      if (IsCalleeSaved(reg)) saved_.push_back(reg);
    }
    own_frame_ = uses_mem_ && r_.frame != Reg::rsp;
    if (cov_ != nullptr) {
      // Instrument only when some slot is wanted, so an all-zero mask gives the plain code
      // (chain lowering included, see below).
      for (uint32_t pc = 0; pc < insns_.size() && !instrumented_; ++pc) {
        instrumented_ = Wants(pc, CoverageKind::kInsn) || Wants(pc, CoverageKind::kTaken) ||
                        Wants(pc, CoverageKind::kNotTaken);
      }
      // A caller-saved register outside the map (there are six candidates for five roles).
      for (Reg reg : {Reg::r11, Reg::r10, Reg::r9, Reg::r8, Reg::rsi, Reg::rdi}) {
        if (reg != r_.a && reg != r_.x && reg != r_.ctx && reg != r_.frame && reg != r_.tmp) {
          cov_reg_ = reg;
          break;
        }
      }
    }
    // Counters count per instruction, so chains stay compares when any counter is emitted;
    // with none (no coverage, or a mask that selects nothing) the code is the plain code.
    if (!instrumented_) {
      chains_ = FindJeqChains(program, kMinChainKeys, kChainKeyBudget);
      trees_ = FindCompareTrees(program, kMinTreeCompares, kTreeWorkBudget);
    }
  }

  Result<MachineCode> Run() {
    // About 8 bytes, 1 jump and 1 label per instruction in practice: no reallocation on the way.
    as_.Reserve(16 * insns_.size() + 64, 2 * insns_.size() + 8, 2 * insns_.size() + 8);
    pc_labels_.reserve(insns_.size());
    for (size_t i = 0; i < insns_.size(); ++i) pc_labels_.push_back(as_.NewLabel());
    exit_ = as_.NewLabel();
    div_zero_ = as_.NewLabel();
    Label body = as_.NewLabel();

    Prologue();
    as_.Bind(body);
    MultiwayEmitter multiway(as_, insns_, pc_labels_, r_.a, r_.tmp, exit_, BareEpilogue(),
                             chain_form_);
    size_t next_chain = 0;
    size_t next_tree = 0;
    for (size_t pc = 0; pc < insns_.size(); ++pc) {
      as_.Bind(pc_labels_[pc]);
      if (Wants(static_cast<uint32_t>(pc), CoverageKind::kInsn)) {
        Count(static_cast<uint32_t>(pc), CoverageKind::kInsn);
      }
      // Each replaces the head's compare; a tree wins over a chain at the same head.
      const bool chain = next_chain < chains_.size() && chains_[next_chain].head == pc;
      if (chain) ++next_chain;
      if (next_tree < trees_.size() && trees_[next_tree].head == pc &&
          multiway.LowerTree(trees_[next_tree++])) {
        continue;
      }
      if (chain) {
        multiway.LowerChain(chains_[next_chain - 1]);
        continue;
      }
      Select(pc);
    }
    if (uses_div_x_) {
      as_.Bind(div_zero_);
      as_.XorR32R32(Reg::rax, Reg::rax);  // DIV by X == 0: the program returns 0
    }
    as_.Bind(exit_);
    Epilogue();
    // Tables after the code, so a linear disassembly of the code never runs into data.
    const Label data = as_.NewLabel();
    as_.Bind(data);
    multiway.EmitData();

    Result<std::vector<uint8_t>> bytes = as_.Finish();
    if (!bytes.ok()) return bytes.error();
    MachineCode out;
    out.bytes = std::move(*bytes);
    for (Label l : pc_labels_) out.pc_offsets.push_back(as_.LabelOffset(l));
    out.body_offset = as_.LabelOffset(body);
    out.epilogue_offset = as_.LabelOffset(exit_);
    out.data_offset = as_.LabelOffset(data);
    return out;
  }

 private:
  void Prologue() {
    for (Reg reg : saved_) as_.PushR64(reg);
    // ctx first: A, X, tmp or frame may be mapped onto rdi, which holds the argument.
    if (r_.ctx != Reg::rdi) as_.MovR64R64(r_.ctx, Reg::rdi);
    if (own_frame_) {
      as_.SubR64Imm32(Reg::rsp, kFrameBytes);
      as_.MovR64R64(r_.frame, Reg::rsp);
    }
    // bpf_convert_filter's prologue: A ^= A; X ^= X.
    as_.XorR32R32(r_.a, r_.a);
    as_.XorR32R32(r_.x, r_.x);
    // After the ctx move: the counter register may be rdi once ctx has left it.
    if (instrumented_) as_.MovR64Imm64(cov_reg_, reinterpret_cast<uintptr_t>(cov_));
  }

  // Whether slot (pc, kind) gets a counter: coverage is on, the mask (if any) asks for it, and
  // a direction slot belongs to a conditional jump that really branches.
  bool Wants(uint32_t pc, CoverageKind kind) const {
    if (cov_ == nullptr) return false;
    if (kind != CoverageKind::kInsn) {
      const SockFilter& f = insns_[pc];
      if (Class(f.code) != kJMP || Op(f.code) == kJA || f.jt == f.jf) return false;
    }
    const size_t slot = CoverageSlot(pc, kind);
    return cov_mask_.empty() || cov_mask_[slot] != 0;
  }

  void Count(uint32_t pc, CoverageKind kind) {
    as_.AddM8Imm8(cov_reg_, static_cast<int32_t>(CoverageSlot(pc, kind)), 1);
  }

  void Epilogue() {
    if (own_frame_) as_.AddR64Imm32(Reg::rsp, kFrameBytes);
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) as_.PopR64(*it);
    as_.Ret();
  }

  // Displacement of M[k] from the frame register.
  int32_t MemDisp(uint32_t k) const {
    const int32_t off = 4 * static_cast<int32_t>(k);
    return r_.frame == Reg::rsp ? off - kFrameBytes : off;  // red zone below rsp
  }

  Label Target(size_t pc, uint32_t offset) const { return pc_labels_[pc + 1 + offset]; }

  // pc + 1 + offset is the next instruction: no jump needed.
  static bool FallsThrough(uint32_t offset) { return offset == 0; }

  void Return(size_t pc) {
    // The last instruction falls into the epilogue unless the DIV-by-zero stub sits between.
    const bool last = pc + 1 == insns_.size() && !uses_div_x_;
    if (last) return;
    if (BareEpilogue()) {
      as_.Ret();  // the epilogue is only `ret`: one byte, and no taken jump on the way out
    } else {
      as_.Jmp(exit_);
    }
  }

  // Nothing to restore: no callee-saved register, no frame of our own.
  bool BareEpilogue() const { return saved_.empty() && !own_frame_; }

  // A /= divisor, unsigned: div takes edx:eax, so A goes through eax.
  void Divide(Reg divisor) {
    if (r_.a != Reg::rax) as_.MovR32R32(Reg::rax, r_.a);
    as_.XorR32R32(Reg::rdx, Reg::rdx);
    as_.DivR32(divisor);
    if (r_.a != Reg::rax) as_.MovR32R32(r_.a, Reg::rax);
  }

  void ShiftByX(bool left) {
    if (r_.x != Reg::rcx) as_.MovR32R32(Reg::rcx, r_.x);
    if (left) {
      as_.ShlR32Cl(r_.a);
    } else {
      as_.ShrR32Cl(r_.a);
    }
  }

  void ConditionalJump(size_t pc, const SockFilter& f) {
    const uint16_t op = Op(f.code);
    const bool use_x = Src(f.code) == kX;
    if (f.jt == f.jf) {  // both ways lead to one place: no compare needed
      if (!FallsThrough(f.jt)) as_.Jmp(Target(pc, f.jt));
      return;
    }
    Cond cond;
    if (op == kJSET) {
      if (use_x) {
        as_.TestR32R32(r_.a, r_.x);
      } else {
        as_.TestR32Imm32(r_.a, f.k);
      }
      cond = Cond::ne;
    } else {
      if (use_x) {
        as_.CmpR32R32(r_.a, r_.x);
      } else if (f.k == 0) {
        // test A, A sets ZF as cmp A, 0 does and clears CF as it does: je/ja/jae agree.
        as_.TestR32R32(r_.a, r_.a);
      } else {
        as_.CmpR32Imm32(r_.a, f.k);
      }
      cond = op == kJEQ ? Cond::e : op == kJGT ? Cond::a : Cond::ae;  // unsigned
    }
    const uint32_t p = static_cast<uint32_t>(pc);
    const bool count_taken = Wants(p, CoverageKind::kTaken);
    const bool count_not_taken = Wants(p, CoverageKind::kNotTaken);
    if (count_taken || count_not_taken) {
      // Each direction gets its own path, so its counter runs only on that edge:
      //   j!cc not_taken; [count taken]; jmp T; not_taken: [count not taken]; jmp F (or fall)
      const Label not_taken = as_.NewLabel();
      as_.Jcc(Invert(cond), not_taken);
      if (count_taken) Count(p, CoverageKind::kTaken);
      as_.Jmp(Target(pc, f.jt));
      as_.Bind(not_taken);
      if (count_not_taken) Count(p, CoverageKind::kNotTaken);
      if (!FallsThrough(f.jf)) as_.Jmp(Target(pc, f.jf));
    } else if (FallsThrough(f.jf)) {
      as_.Jcc(cond, Target(pc, f.jt));
    } else if (FallsThrough(f.jt)) {
      as_.Jcc(Invert(cond), Target(pc, f.jf));
    } else {
      as_.Jcc(cond, Target(pc, f.jt));
      as_.Jmp(Target(pc, f.jf));
    }
  }

  // Instruction selection, one function per class of codes; each case is the code's meaning in
  // x86-64 (vm/opcodes.h says why the engines switch on codes).
  void Select(size_t pc) {
    const SockFilter& f = insns_[pc];
    switch (bpf::Class(f.code)) {
      case kALU: SelectAlu(f); break;
      case kJMP: SelectJump(pc, f); break;
      case kRET: SelectReturn(pc, f); break;
      default: SelectLoadStore(f); break;
    }
  }

  void MovImm(Reg r, uint32_t k) {
    if (k == 0) {
      as_.XorR32R32(r, r);
    } else {
      as_.MovR32Imm32(r, k);
    }
  }

  // Unreachable for a VerifiedProgram; fail closed like the interpreter does.
  void FailClosed() {
    as_.MovR32Imm32(Reg::rax, seccomp::kRetKillProcess);
    as_.Jmp(exit_);
  }

  void SelectLoadStore(const SockFilter& f) {
    const uint32_t k = f.k;
    switch (f.code) {
      case kSeccompLoadData: as_.MovR32Mem(r_.a, r_.ctx, static_cast<int32_t>(k)); break;
      case kLD | kIMM: MovImm(r_.a, k); break;
      case kLDX | kIMM: MovImm(r_.x, k); break;
      case kLD | kMEM: as_.MovR32Mem(r_.a, r_.frame, MemDisp(k)); break;
      case kLDX | kMEM: as_.MovR32Mem(r_.x, r_.frame, MemDisp(k)); break;
      case kST: as_.MovMemR32(r_.frame, MemDisp(k), r_.a); break;
      case kSTX: as_.MovMemR32(r_.frame, MemDisp(k), r_.x); break;
      case kMISC | kTAX: as_.MovR32R32(r_.x, r_.a); break;
      case kMISC | kTXA: as_.MovR32R32(r_.a, r_.x); break;
      default: FailClosed(); break;
    }
  }

  void SelectAlu(const SockFilter& f) {
    const uint32_t k = f.k;
    const Reg A = r_.a;
    const Reg X = r_.x;
    switch (f.code) {
      case kALU | kADD | kK: if (k != 0) as_.AddR32Imm32(A, k); break;
      case kALU | kADD | kX: as_.AddR32R32(A, X); break;
      case kALU | kSUB | kK: if (k != 0) as_.SubR32Imm32(A, k); break;
      case kALU | kSUB | kX: as_.SubR32R32(A, X); break;
      case kALU | kMUL | kK:
        if (k != 0 && std::has_single_bit(k)) {  // A * 2^n = A << n (mod 2^32)
          const int n = std::countr_zero(k);
          if (n != 0) as_.ShlR32Imm8(A, static_cast<uint8_t>(n));
        } else {
          as_.ImulR32R32Imm32(A, A, k);  // low 32 bits of the product: sign does not matter
        }
        break;
      case kALU | kMUL | kX: as_.ImulR32R32(A, X); break;
      case kALU | kDIV | kK:  // k != 0: verified
        if (std::has_single_bit(k)) {
          const int n = std::countr_zero(k);
          if (n != 0) as_.ShrR32Imm8(A, static_cast<uint8_t>(n));
        } else {
          as_.MovR32Imm32(r_.tmp, k);
          Divide(r_.tmp);
        }
        break;
      case kALU | kDIV | kX:
        as_.TestR32R32(X, X);
        as_.Jcc(Cond::e, div_zero_);
        Divide(X);
        break;
      case kALU | kOR | kK: if (k != 0) as_.OrR32Imm32(A, k); break;
      case kALU | kOR | kX: as_.OrR32R32(A, X); break;
      case kALU | kAND | kK: if (k != 0xffffffffu) as_.AndR32Imm32(A, k); break;
      case kALU | kAND | kX: as_.AndR32R32(A, X); break;
      case kALU | kXOR | kK: if (k != 0) as_.XorR32Imm32(A, k); break;
      case kALU | kXOR | kX: as_.XorR32R32(A, X); break;
      case kALU | kLSH | kK: if (k != 0) as_.ShlR32Imm8(A, static_cast<uint8_t>(k)); break;
      case kALU | kLSH | kX: ShiftByX(true); break;
      case kALU | kRSH | kK: if (k != 0) as_.ShrR32Imm8(A, static_cast<uint8_t>(k)); break;
      case kALU | kRSH | kX: ShiftByX(false); break;
      case kALU | kNEG: as_.NegR32(A); break;
      default: FailClosed(); break;
    }
  }

  void SelectJump(size_t pc, const SockFilter& f) {
    if (f.code == (kJMP | kJA)) {
      if (!FallsThrough(f.k)) as_.Jmp(Target(pc, f.k));
    } else if (IsConditionalJump(f.code)) {
      ConditionalJump(pc, f);
    } else {
      FailClosed();
    }
  }

  void SelectReturn(size_t pc, const SockFilter& f) {
    if (f.code == (kRET | kK)) {
      MovImm(Reg::rax, f.k);
    } else if (f.code == (kRET | kRetA)) {
      if (r_.a != Reg::rax) as_.MovR32R32(Reg::rax, r_.a);
    } else {
      FailClosed();
      return;
    }
    Return(pc);
  }

  std::span<const SockFilter> insns_;
  std::vector<JeqChain> chains_;    // ascending heads; empty with coverage counters
  std::vector<CompareTree> trees_;  // ascending heads; empty with coverage counters
  RegisterMap r_;
  X86Assembler as_;
  std::vector<Label> pc_labels_;
  Label exit_;
  Label div_zero_;
  std::vector<Reg> saved_;
  uint8_t* cov_ = nullptr;
  std::span<const uint8_t> cov_mask_;
  bool instrumented_ = false;
  Reg cov_reg_ = Reg::r11;
  bool uses_mem_ = false;
  bool uses_div_x_ = false;
  bool own_frame_ = false;
  ChainForm chain_form_ = ChainForm::kRule;
};

}  // namespace

std::string CheckRegisterMap(const RegisterMap& map) {
  const std::pair<const char*, Reg> regs[] = {
      {"a", map.a}, {"x", map.x}, {"ctx", map.ctx}, {"frame", map.frame}, {"tmp", map.tmp}};
  for (size_t i = 0; i < std::size(regs); ++i) {
    const auto& [name, reg] = regs[i];
    for (size_t j = i + 1; j < std::size(regs); ++j) {
      if (reg == regs[j].second) {
        return std::string(name) + " and " + regs[j].first + " share " +
               std::string(RegName64(reg));
      }
    }
    if (reg == Reg::rsp && reg != map.frame) return std::string(name) + " cannot be rsp";
    if (reg == Reg::rdx) return std::string(name) + " cannot be rdx (div clobbers it)";
    if (reg == Reg::rax && map.a != Reg::rax) {
      return std::string(name) + " cannot be rax unless a is (div and ret use it)";
    }
    if (reg == Reg::rcx && map.x != Reg::rcx) {
      return std::string(name) + " cannot be rcx unless x is (shifts by X use cl)";
    }
  }
  return "";
}

Result<MachineCode> Generate(const VerifiedProgram& program, const JitOptions& options) {
  if (std::string why = CheckRegisterMap(options.registers); !why.empty()) {
    return MakeError("bad-register-map", why);
  }
  if (!options.coverage_mask.empty() && options.coverage_mask.size() != CoverageSize(program)) {
    return MakeError("bad-coverage-mask",
                     "coverage mask has " + std::to_string(options.coverage_mask.size()) +
                         " bytes, the program needs " + std::to_string(CoverageSize(program)));
  }
  Selector selector(program, options);
  return selector.Run();
}

CompiledFilter::CompiledFilter(ExecMemory memory, std::vector<uint32_t> pc_offsets,
                               uint32_t body, uint32_t epilogue, uint32_t data)
    : memory_(std::move(memory)),
      pc_offsets_(std::move(pc_offsets)),
      body_offset_(body),
      epilogue_offset_(epilogue),
      data_offset_(data) {
  // The code starts at the mapping's first byte. Object-to-function pointer conversion is
  // conditionally supported; POSIX (dlsym) and every x86-64 compiler define it.
  entry_ = reinterpret_cast<Entry>(const_cast<uint8_t*>(memory_.data()));
}

Result<CompiledFilter> Compile(const VerifiedProgram& program, const JitOptions& options) {
#if !defined(__x86_64__)
  (void)program;
  (void)options;
  return MakeError("jit-unavailable", "the JIT emits x86-64 code and this host is not x86-64");
#else
  Result<MachineCode> code = Generate(program, options);
  if (!code.ok()) return code.error();
  Result<ExecMemory> memory = ExecMemory::Create(code->bytes);
  if (!memory.ok()) return memory.error();
  return CompiledFilter(std::move(*memory), std::move(code->pc_offsets), code->body_offset,
                        code->epilogue_offset, code->data_offset);
#endif
}

}  // namespace sckit::jit
