// The reference interpreter, with the kernel's runtime semantics, and its traced form
// (vm/interpreter.h).
#include "vm/interpreter.h"

#include "vm/bpf.h"

namespace sckit {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

// No-op observer for the hot path; the traced run records into a RunTrace.
struct NoTrace {
  void Step(uint32_t, uint32_t, uint32_t) {}
  void Read(uint32_t) {}
  void DivByZero() {}
};

struct Recorder {
  RunTrace* trace;
  void Step(uint32_t pc, uint32_t a, uint32_t x) { trace->steps.push_back({pc, a, x}); }
  void Read(uint32_t k) { trace->words_read |= static_cast<uint16_t>(1u << (k / 4)); }
  void DivByZero() { trace->div_by_zero = true; }
};

// Whether a conditional jump is taken: unsigned 32-bit compares, JSET a bit test.
inline bool Taken(uint16_t code, uint32_t A, uint32_t operand) {
  switch (Op(code)) {
    case kJEQ: return A == operand;
    case kJGT: return A > operand;
    case kJGE: return A >= operand;
    default: return (A & operand) != 0;  // kJSET
  }
}

// The verifier guarantees every invariant this loop relies on (see VerifiedProgram::insns()):
// jump targets are in range, the last instruction returns, k is valid for loads, M[] indexes
// are < 16, DIV|K has k != 0, constant shifts are < 32, and no M[] word is read unwritten.
// Every verified code is below 0x100 (the classic encoding is 8 bits wide), so the dispatch
// switches on the low byte: a dense jump table with no range check.
template <typename Observer>
uint32_t Run(const VerifiedProgram& program, const SeccompData& data, Observer obs) {
  const SockFilter* insns = program.insns().data();
  uint32_t A = 0;
  uint32_t X = 0;
  uint32_t M[kMemWords] = {};
  uint32_t pc = 0;
  for (;;) {
    const SockFilter& f = insns[pc];
    const uint32_t k = f.k;
    switch (static_cast<uint8_t>(f.code)) {
      case kSeccompLoadData:
        obs.Read(k);
        A = LoadWord(data, k);
        break;
      case kLD | kIMM: A = k; break;
      case kLDX | kIMM: X = k; break;
      case kLD | kMEM: A = M[k]; break;
      case kLDX | kMEM: X = M[k]; break;
      case kST: M[k] = A; break;
      case kSTX: M[k] = X; break;
      case kALU | kADD | kK: A += k; break;
      case kALU | kADD | kX: A += X; break;
      case kALU | kSUB | kK: A -= k; break;
      case kALU | kSUB | kX: A -= X; break;
      case kALU | kMUL | kK: A *= k; break;
      case kALU | kMUL | kX: A *= X; break;
      case kALU | kDIV | kK: A /= k; break;  // k != 0: verified
      case kALU | kDIV | kX:
        if (X == 0) {  // bpf_convert_filter's guard: "for cBPF programs, this was always return 0"
          obs.Step(pc, A, X);
          obs.DivByZero();
          return 0;
        }
        A /= X;
        break;
      case kALU | kOR | kK: A |= k; break;
      case kALU | kOR | kX: A |= X; break;
      case kALU | kAND | kK: A &= k; break;
      case kALU | kAND | kX: A &= X; break;
      case kALU | kXOR | kK: A ^= k; break;
      case kALU | kXOR | kX: A ^= X; break;
      case kALU | kLSH | kK: A <<= k; break;  // k < 32: verified
      case kALU | kLSH | kX: A <<= (X & 31); break;  // eBPF ALU32 shift: count mod 32
      case kALU | kRSH | kK: A >>= k; break;
      case kALU | kRSH | kX: A >>= (X & 31); break;
      case kALU | kNEG: A = 0u - A; break;
      case kMISC | kTAX: X = A; break;
      case kMISC | kTXA: A = X; break;
      case kJMP | kJA:
        obs.Step(pc, A, X);
        pc += 1 + k;
        continue;
      case kJMP | kJEQ | kK: case kJMP | kJEQ | kX:
      case kJMP | kJGT | kK: case kJMP | kJGT | kX:
      case kJMP | kJGE | kK: case kJMP | kJGE | kX:
      case kJMP | kJSET | kK: case kJMP | kJSET | kX: {
        const bool taken = Taken(f.code, A, Src(f.code) == kX ? X : k);
        obs.Step(pc, A, X);
        pc += 1u + (taken ? f.jt : f.jf);
        continue;
      }
      case kRET | kK:
        obs.Step(pc, A, X);
        return k;
      case kRET | kRetA:
        obs.Step(pc, A, X);
        return A;
      default:
        // Unreachable for a verified program; fail closed like an unknown action would.
        return seccomp::kRetKillProcess;
    }
    obs.Step(pc, A, X);
    ++pc;
  }
}

}  // namespace

uint32_t RunFilter(const VerifiedProgram& program, const SeccompData& data) noexcept {
  return Run(program, data, NoTrace{});
}

uint32_t RunFilterTraced(const VerifiedProgram& program, const SeccompData& data,
                         RunTrace* trace) {
  *trace = RunTrace{};
  return Run(program, data, Recorder{trace});
}

}  // namespace sckit
