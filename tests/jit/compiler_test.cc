// The JIT against the kernel's runtime rules (spec §4): every seccomp opcode with corner values,
// expectations written by hand from the rules (not taken from our interpreter), each program run
// under several register maps (including everything on r8..r15) and also compared with the
// interpreter. Plus the shape of the generated code (fall-through-aware jumps, prologue),
// long programs (4096 instructions, jumps of 255, chains of ja) and every jt/jf combination.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "jit/compiler.h"
#include "jit/listing.h"
#include "tests/jit_test_util.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/interpreter.h"
#include "vm/program.h"

namespace sckit::jit {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.
using enum Reg;

constexpr uint16_t kLdAbs = kLD | kW | kABS;

std::vector<RegisterMap> Maps() {
  return {
      RegisterMap::Default(),
      RegisterMap::HighRegisters(),
      // frame rbp ([rbp + 0] needs a disp8), ctx r12 (needs a SIB byte).
      RegisterMap{r15, r14, r12, rbp, r11},
      // A on rdi, the argument register: ctx must be moved out first. X off rcx: shifts by X
      // go through cl.
      RegisterMap{rdi, rsi, rbx, r13, r10},
      // The default with the DIV K scratch on a high register.
      RegisterMap{rax, rcx, rdi, rsp, r8},
  };
}

const char* MapName(size_t i) {
  static const char* kNames[] = {"default", "high", "r15/r14/r12/rbp", "rdi/rsi/rbx/r13",
                                 "default+tmp r8"};
  return kNames[i];
}

VerifiedProgram MustVerify(const std::vector<SockFilter>& insns) {
  Result<VerifiedProgram> v = Verify(Program{insns});
  if (!v.ok()) {
    ADD_FAILURE() << "program rejected: " << v.error().ToString();
    return *Verify(Program{{Stmt(kRET | kK, 0xdeadbeef)}});
  }
  return std::move(*v);
}

// Runs `insns` on `data` under every register map; each result must equal `expected`, and the
// interpreter must agree too.
void Expect(const std::vector<SockFilter>& insns, const SeccompData& data, uint32_t expected,
            const std::string& what) {
  const VerifiedProgram program = MustVerify(insns);
  EXPECT_EQ(RunFilter(program, data), expected) << what << " (interpreter)";
  const std::vector<RegisterMap> maps = Maps();
  for (size_t m = 0; m < maps.size(); ++m) {
    JitOptions options;
    options.registers = maps[m];
    Result<CompiledFilter> jit = Compile(program, options);
    ASSERT_TRUE(jit.ok()) << jit.error().ToString();
    EXPECT_EQ(jit->Run(data), expected) << what << " (jit, map " << MapName(m) << ")";
  }
}

void Expect(const std::vector<SockFilter>& insns, uint32_t expected, const std::string& what) {
  Expect(insns, SeccompData{}, expected, what);
}

std::string Hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%#x", v);
  return buf;
}

TEST(JitMaps, AllTestMapsAreValid) {
  for (const RegisterMap& m : Maps()) EXPECT_EQ(CheckRegisterMap(m), "");
}

TEST(JitMaps, BadMapsAreRejected) {
  EXPECT_NE(CheckRegisterMap({rax, rax, rdi, rsp, rsi}), "");  // shared
  EXPECT_NE(CheckRegisterMap({rax, rdx, rdi, rsp, rsi}), "");  // rdx: div clobbers
  EXPECT_NE(CheckRegisterMap({rax, r9, rcx, rsp, rsi}), "");   // rcx while X is not
  EXPECT_NE(CheckRegisterMap({r8, rcx, rdi, rsp, rax}), "");   // rax while A is not
  EXPECT_NE(CheckRegisterMap({rsp, rcx, rdi, rbp, rsi}), "");  // rsp as A
  JitOptions options;
  options.registers = {rax, rdx, rdi, rsp, rsi};
  Result<CompiledFilter> jit = Compile(MustVerify({Stmt(kRET | kK, 1)}), options);
  ASSERT_FALSE(jit.ok());
  EXPECT_EQ(jit.error().rule, "bad-register-map");
}

TEST(JitSemantics, RetKReturnsKUnchanged) {
  for (uint32_t k : {0u, 1u, 0x7fffffffu, 0x80000000u, 0xffffffffu, 0x7fff0000u, 0x00050001u}) {
    Expect({Stmt(kRET | kK, k)}, k, "ret " + Hex32(k));
  }
}

TEST(JitSemantics, AAndXStartAtZero) {
  Expect({Stmt(kRET | kRetA, 0)}, 0, "ret a at entry");
  Expect({Stmt(kMISC | kTXA, 0), Stmt(kRET | kRetA, 0)}, 0, "txa at entry");
  Expect({Stmt(kALU | kADD | kX, 0), Stmt(kRET | kRetA, 0)}, 0, "a + x at entry");
}

TEST(JitSemantics, LoadAbsReadsNativeEndianWordsOfSeccompData) {
  SeccompData d;
  d.nr = 0x01020304;
  d.arch = 0xC000003E;
  d.instruction_pointer = 0x1111222233334444ull;
  const uint64_t args[6] = {0xa0a0a0a0b1b1b1b1ull, 0xffffffff00000000ull, 0x7fffffff80000000ull,
                            0x0000000100000002ull, 0xdeadbeefcafef00dull, 0x0123456789abcdefull};
  for (int i = 0; i < 6; ++i) d.args[i] = args[i];
  // Little-endian x86-64: the low half of each 64-bit field comes first.
  const uint32_t words[16] = {0x01020304, 0xC000003E, 0x33334444, 0x11112222,
                              0xb1b1b1b1, 0xa0a0a0a0, 0x00000000, 0xffffffff,
                              0x80000000, 0x7fffffff, 0x00000002, 0x00000001,
                              0xcafef00d, 0xdeadbeef, 0x89abcdef, 0x01234567};
  for (uint32_t i = 0; i < 16; ++i) {
    Expect({Stmt(kLdAbs, 4 * i), Stmt(kRET | kRetA, 0)}, d, words[i],
           "ld [" + std::to_string(4 * i) + "]");
  }
  d.nr = -1;
  Expect({Stmt(kLdAbs, 0), Stmt(kRET | kRetA, 0)}, d, 0xffffffff, "nr -1");
}

TEST(JitSemantics, LenIsSixtyFour) {
  Expect({Stmt(kLD | kW | kLEN, 0), Stmt(kRET | kRetA, 0)}, 64, "ld len");
  Expect({Stmt(kLDX | kW | kLEN, 0), Stmt(kMISC | kTXA, 0), Stmt(kRET | kRetA, 0)}, 64, "ldx len");
}

TEST(JitSemantics, ImmediatesLoadExactly) {
  for (uint32_t k : {0u, 1u, 0x7fffffffu, 0x80000000u, 0xffffffffu}) {
    Expect({Stmt(kLD | kIMM, k), Stmt(kRET | kRetA, 0)}, k, "ld #" + Hex32(k));
    Expect(
        {Stmt(kLD | kIMM, 5), Stmt(kLDX | kIMM, k), Stmt(kMISC | kTXA, 0), Stmt(kRET | kRetA, 0)},
        k, "ldx #" + Hex32(k));
  }
}

TEST(JitSemantics, ScratchMemoryHoldsSixteenIndependentWords) {
  for (uint32_t k = 0; k < 16; ++k) {
    std::vector<SockFilter> p;
    for (uint32_t w = 0; w < 16; ++w) {  // M[w] = 0x1000 + w via ST, then via STX for odd w
      p.push_back(Stmt(kLD | kIMM, 0x1000 + w));
      p.push_back(Stmt(kST, w));
      if (w % 2) {
        p.push_back(Stmt(kLDX | kIMM, 0x80000000u + w));
        p.push_back(Stmt(kSTX, w));
      }
    }
    const uint32_t want = k % 2 ? 0x80000000u + k : 0x1000 + k;
    std::vector<SockFilter> a = p;
    a.push_back(Stmt(kLD | kMEM, k));
    a.push_back(Stmt(kRET | kRetA, 0));
    Expect(a, want, "ld M[" + std::to_string(k) + "]");
    std::vector<SockFilter> x = p;
    x.push_back(Stmt(kLDX | kMEM, k));
    x.push_back(Stmt(kMISC | kTXA, 0));
    x.push_back(Stmt(kRET | kRetA, 0));
    Expect(x, want, "ldx M[" + std::to_string(k) + "]");
  }
}

TEST(JitSemantics, TaxAndTxaMoveTheRightWay) {
  // Linux: TAX is X = A, TXA is A = X (gVisor once had them swapped).
  Expect({Stmt(kLD | kIMM, 7), Stmt(kMISC | kTAX, 0), Stmt(kLD | kIMM, 0), Stmt(kMISC | kTXA, 0),
          Stmt(kRET | kRetA, 0)},
         7, "tax then txa");
  Expect({Stmt(kLDX | kIMM, 9), Stmt(kLD | kIMM, 3), Stmt(kMISC | kTXA, 0), Stmt(kRET | kRetA, 0)},
         9, "txa overwrites A");
}

struct AluCase {
  uint16_t op;
  uint32_t a;
  uint32_t operand;
  uint32_t expected;
};

// Hand-computed from the rules: unsigned 32-bit, wrapping; MUL keeps the low 32 bits; DIV is
// unsigned; shifts are logical; shifts by X use X & 31.
const AluCase kAluCases[] = {
    {kADD, 0, 0, 0},
    {kADD, 0xffffffff, 2, 1},  // spec: 0xffffffff + 2 = 1
    {kADD, 0x7fffffff, 1, 0x80000000},
    {kADD, 0x80000000, 0x80000000, 0},
    {kADD, 1, 0xffffffff, 0},
    {kSUB, 0, 1, 0xffffffff},
    {kSUB, 0x80000000, 1, 0x7fffffff},
    {kSUB, 5, 5, 0},
    {kSUB, 0, 0x80000000, 0x80000000},
    {kSUB, 1, 0xffffffff, 2},
    {kMUL, 0xffffffff, 0xffffffff, 1},
    {kMUL, 0x80000000, 2, 0},
    {kMUL, 0x10000, 0x10000, 0},
    {kMUL, 0x7fffffff, 2, 0xfffffffe},
    {kMUL, 3, 0x55555556, 2},  // 0x1_00000002
    {kMUL, 0xffffffff, 0, 0},
    {kMUL, 0x12345678, 1, 0x12345678},
    {kMUL, 7, 0x80000000, 0x80000000},
    {kMUL, 0x80000001, 0x7fffffff, 0xffffffff},  // 0x3fffffff_ffffffff
    {kDIV, 100, 7, 14},                          // spec
    {kDIV, 0xffffffff, 1, 0xffffffff},
    {kDIV, 0xffffffff, 2, 0x7fffffff},  // unsigned: a signed divide would give 0
    {kDIV, 0xffffffff, 0x80000000, 1},
    {kDIV, 0x80000000, 0xffffffff, 0},
    {kDIV, 0xfffffffe, 0xffffffff, 0},
    {kDIV, 0x80000000, 16, 0x08000000},
    {kDIV, 0, 0x7fffffff, 0},
    {kDIV, 0x7fffffff, 0x7fffffff, 1},
    {kDIV, 0xffffffff, 3, 0x55555555},
    {kOR, 0x80000000, 1, 0x80000001},
    {kOR, 0, 0, 0},
    {kOR, 0x0f0f0f0f, 0xf0f0f0f0, 0xffffffff},
    {kAND, 0xffffffff, 0x80000000, 0x80000000},
    {kAND, 0x0f0f0f0f, 0xf0f0f0f0, 0},
    {kAND, 0x12345678, 0xffffffff, 0x12345678},
    {kAND, 0x12345678, 0, 0},
    {kXOR, 0xffffffff, 0xffffffff, 0},
    {kXOR, 0x80000000, 0x7fffffff, 0xffffffff},
    {kXOR, 0x12345678, 0, 0x12345678},
    {kLSH, 1, 0, 1},
    {kLSH, 1, 1, 2},
    {kLSH, 1, 31, 0x80000000},
    {kLSH, 3, 31, 0x80000000},
    {kLSH, 0xffffffff, 16, 0xffff0000},
    {kRSH, 0x80000000, 31, 1},
    {kRSH, 0x80000000, 1, 0x40000000},  // logical: no sign fill
    {kRSH, 0xffffffff, 0, 0xffffffff},
    {kRSH, 0xffffffff, 28, 0xf},
};

TEST(JitSemantics, AluWithK) {
  for (const AluCase& c : kAluCases) {
    Expect({Stmt(kLD | kIMM, c.a), Stmt(kALU | c.op | kK, c.operand), Stmt(kRET | kRetA, 0)},
           c.expected, "alu " + Hex32(c.op) + " " + Hex32(c.a) + " k=" + Hex32(c.operand));
  }
}

TEST(JitSemantics, AluWithX) {
  for (const AluCase& c : kAluCases) {
    if (c.op == kDIV && c.operand == 0) continue;
    Expect({Stmt(kLD | kIMM, c.a), Stmt(kLDX | kIMM, c.operand), Stmt(kALU | c.op | kX, 0),
            Stmt(kRET | kRetA, 0)},
           c.expected, "alu " + Hex32(c.op) + " " + Hex32(c.a) + " x=" + Hex32(c.operand));
  }
}

TEST(JitSemantics, ShiftsByXUseTheCountModThirtyTwo) {
  const AluCase cases[] = {
      {kLSH, 1, 0, 1},
      {kLSH, 1, 31, 0x80000000},
      {kLSH, 1, 32, 1},
      {kLSH, 1, 33, 2},
      {kLSH, 5, 32, 5},
      {kLSH, 0xffffffff, 63, 0x80000000},
      {kLSH, 1, 0xffffffff, 0x80000000},
      {kLSH, 3, 0x80000000, 3},
      {kRSH, 0x100, 40, 1},
      {kRSH, 0x80000000, 0, 0x80000000},
      {kRSH, 0x80000000, 31, 1},
      {kRSH, 0x80000000, 32, 0x80000000},
      {kRSH, 0x80000000, 33, 0x40000000},
      {kRSH, 0xffffffff, 0xffffffff, 1},
  };
  for (const AluCase& c : cases) {
    Expect({Stmt(kLD | kIMM, c.a), Stmt(kLDX | kIMM, c.operand), Stmt(kALU | c.op | kX, 0),
            Stmt(kRET | kRetA, 0)},
           c.expected, "shift " + Hex32(c.op) + " " + Hex32(c.a) + " by x=" + Hex32(c.operand));
  }
}

TEST(JitSemantics, DivByXZeroReturnsZeroFromTheProgram) {
  for (uint32_t a : {0u, 1u, 0x7fffffffu, 0x80000000u, 0xffffffffu}) {
    Expect({Stmt(kLD | kIMM, a), Stmt(kLDX | kIMM, 0), Stmt(kALU | kDIV | kX, 0),
            Stmt(kRET | kK, seccomp::kRetAllow)},
           0, "div " + Hex32(a) + " by x=0");
  }
  // With scratch memory in use (a frame to pop on the way out) and after a taken jump.
  Expect({Stmt(kLD | kIMM, 9), Stmt(kST, 3), Jump(kJMP | kJEQ | kK, 9, 1, 0), Stmt(kRET | kK, 1),
          Stmt(kALU | kDIV | kX, 0), Stmt(kLD | kMEM, 3), Stmt(kRET | kRetA, 0)},
         0, "div by zero with a frame");
  // A non-zero X divides normally in the same program shape.
  Expect({Stmt(kLD | kIMM, 9), Stmt(kST, 3), Stmt(kLDX | kIMM, 2), Stmt(kALU | kDIV | kX, 0),
          Stmt(kST, 4), Stmt(kLD | kMEM, 3), Stmt(kALU | kADD | kX, 0), Stmt(kLDX | kMEM, 4),
          Stmt(kALU | kADD | kX, 0), Stmt(kRET | kRetA, 0)},
         9 + 2 + 4, "div by 2 with a frame");
}

TEST(JitSemantics, NegIsTwosComplement) {
  const uint32_t cases[][2] = {
      {0, 0}, {1, 0xffffffff}, {0x7fffffff, 0x80000001}, {0x80000000, 0x80000000}, {0xffffffff, 1}};
  for (const auto& c : cases) {
    Expect({Stmt(kLD | kIMM, c[0]), Stmt(kALU | kNEG, 0), Stmt(kRET | kRetA, 0)}, c[1],
           "neg " + Hex32(c[0]));
  }
}

struct JumpCase {
  uint16_t op;
  uint32_t a;
  uint32_t operand;
  bool taken;
};

// Unsigned compares (spec: 0xffffffff > 0x80000000 is true); JSET is (A & op) != 0.
const JumpCase kJumpCases[] = {
    {kJEQ, 0, 0, true},
    {kJEQ, 1, 0, false},
    {kJEQ, 0xffffffff, 0xffffffff, true},
    {kJEQ, 0x80000000, 0x7fffffff, false},
    {kJEQ, 0x3b, 0x3b, true},
    {kJGT, 0xffffffff, 0x80000000, true},
    {kJGT, 0x80000000, 0x7fffffff, true},  // a signed compare would say false
    {kJGT, 0x7fffffff, 0x80000000, false},
    {kJGT, 0, 0xffffffff, false},
    {kJGT, 5, 5, false},
    {kJGT, 1, 0, true},
    {kJGT, 0, 0, false},
    {kJGT, 0xffffffff, 0xfffffffe, true},
    {kJGE, 5, 5, true},
    {kJGE, 4, 5, false},
    {kJGE, 0, 0, true},
    {kJGE, 0xffffffff, 0, true},
    {kJGE, 0x7fffffff, 0x80000000, false},
    {kJGE, 0x80000000, 0x80000000, true},
    {kJGE, 0, 0xffffffff, false},
    {kJGE, 0xffffffff, 0xffffffff, true},
    {kJSET, 0x80000000, 0x80000000, true},
    {kJSET, 1, 2, false},
    {kJSET, 0xffffffff, 0, false},
    {kJSET, 3, 2, true},
    {kJSET, 0, 0xffffffff, false},
    {kJSET, 0xffffffff, 1, true},
};

// Every condition, both sources, every (jt, jf) in {0, 1, 2}^2: pc 3 + n returns 100 + n.
TEST(JitSemantics, ConditionalJumpsAllJtJfCombinations) {
  for (const JumpCase& c : kJumpCases) {
    for (uint16_t src : {kK, kX}) {
      for (uint8_t jt = 0; jt < 3; ++jt) {
        for (uint8_t jf = 0; jf < 3; ++jf) {
          const std::vector<SockFilter> p = {
              Stmt(kLD | kIMM, c.a),
              Stmt(kLDX | kIMM, c.operand),
              Jump(kJMP | c.op | src, c.operand, jt, jf),
              Stmt(kRET | kK, 100),
              Stmt(kRET | kK, 101),
              Stmt(kRET | kK, 102),
          };
          Expect(p, 100u + (c.taken ? jt : jf),
                 "j" + Hex32(c.op) + (src == kX ? " x " : " k ") + Hex32(c.a) + " vs " +
                     Hex32(c.operand) + " jt=" + std::to_string(jt) + " jf=" + std::to_string(jf));
        }
      }
    }
  }
}

TEST(JitSemantics, JaSkipsExactlyK) {
  for (uint32_t k = 0; k < 4; ++k) {
    // pc 1 + k is "ret #(10 + k)".
    Expect({Stmt(kJMP | kJA, k), Stmt(kRET | kK, 10), Stmt(kRET | kK, 11), Stmt(kRET | kK, 12),
            Stmt(kRET | kK, 13)},
           10 + k, "ja " + std::to_string(k));
  }
}

// ---- long programs ---------------------------------------------------------------------------

TEST(JitLongPrograms, JaOverFourThousandInstructions) {
  // pc 0: ja 4093 -> pc 4094: add #7; pc 4095: ret a. Everything between adds 1000.
  std::vector<SockFilter> p(4096, Stmt(kALU | kADD | kK, 1000));
  p[0] = Stmt(kJMP | kJA, 4093);
  p[4094] = Stmt(kALU | kADD | kK, 7);
  p[4095] = Stmt(kRET | kRetA, 0);
  Expect(p, 7, "ja 4093");
  p[0] = Stmt(kJMP | kJA, 0);  // now every add runs: 4093 * 1000 + 7
  Expect(p, 4093u * 1000u + 7u, "ja 0 then 4093 adds");
}

TEST(JitLongPrograms, ChainOfJas) {
  // Pairs (ja 1, add #1000) skip every add; the last add #1 and ret a run.
  std::vector<SockFilter> p;
  while (p.size() < 4094) {
    p.push_back(Stmt(kJMP | kJA, 1));
    p.push_back(Stmt(kALU | kADD | kK, 1000));
  }
  p.push_back(Stmt(kALU | kADD | kK, 1));
  p.push_back(Stmt(kRET | kRetA, 0));
  ASSERT_EQ(p.size(), 4096u);
  Expect(p, 1, "ja chain");
  // A chain of ja 0 that falls through into every add #1.
  std::vector<SockFilter> q;
  while (q.size() < 4094) {
    q.push_back(Stmt(kJMP | kJA, 0));
    q.push_back(Stmt(kALU | kADD | kK, 1));
  }
  q.push_back(Stmt(kALU | kADD | kK, 1));
  q.push_back(Stmt(kRET | kRetA, 0));
  Expect(q, 2048, "ja 0 chain");
}

TEST(JitLongPrograms, JumpsOf255) {
  // Blocks of 256: "jgt #0, 255, 0" followed by 255 x "add #1". A starts at 1 (ld #1), so every
  // jgt is taken and skips its block; the final block is not a jump block.
  for (bool taken : {true, false}) {
    std::vector<SockFilter> p;
    p.push_back(Stmt(kLD | kIMM, taken ? 1 : 0));
    int blocks = 0;
    while (p.size() + 256 <= 4094) {
      p.push_back(Jump(kJMP | kJGT | kK, taken ? 0 : 0xffffffff, 255, 0));
      for (int i = 0; i < 255; ++i) p.push_back(Stmt(kALU | kADD | kK, 1));
      ++blocks;
    }
    while (p.size() < 4095) p.push_back(Stmt(kMISC | kTAX, 0));
    p.push_back(Stmt(kRET | kRetA, 0));
    ASSERT_EQ(p.size(), 4096u);
    // Not taken: every add runs, and A stays below every later jgt bound (0xffffffff).
    Expect(p, taken ? 1u : static_cast<uint32_t>(blocks) * 255u,
           taken ? "jumps of 255 taken" : "jumps of 255 not taken");
  }
  // jt = jf = 255 and jt = 255 / jf = 254 from the first instruction.
  std::vector<SockFilter> q(258, Stmt(kALU | kADD | kK, 1));
  q[0] = Jump(kJMP | kJEQ | kK, 0, 255, 254);  // A == 0: taken -> pc 256
  q[255] = Stmt(kRET | kK, 254);
  q[256] = Stmt(kRET | kK, 255);
  q[257] = Stmt(kRET | kK, 0);
  Expect(q, 255, "jt 255");
  q[0] = Jump(kJMP | kJEQ | kK, 1, 255, 254);  // not taken -> pc 255
  Expect(q, 254, "jf 254");
  q[0] = Jump(kJMP | kJSET | kX, 0, 255, 255);
  Expect(q, 255, "jt = jf = 255");
}

TEST(JitLongPrograms, MaximumSizeStraightLineAndManyReturns) {
  // 4095 instructions of alternating adds and xors, then ret a: interpreter and JIT agree.
  std::vector<SockFilter> p;
  for (int i = 0; p.size() < 4095; ++i) {
    p.push_back(i % 2 ? Stmt(kALU | kXOR | kK, 0x9e3779b9u * static_cast<uint32_t>(i))
                      : Stmt(kALU | kADD | kK, static_cast<uint32_t>(i)));
  }
  p.push_back(Stmt(kRET | kRetA, 0));
  const VerifiedProgram v = MustVerify(p);
  Result<CompiledFilter> jit = Compile(v);
  ASSERT_TRUE(jit.ok());
  EXPECT_EQ(jit->Run(SeccompData{}), RunFilter(v, SeccompData{}));
  // 2048 conditional returns: every RET jumps to the one epilogue, many with rel32.
  std::vector<SockFilter> q;
  q.push_back(Stmt(kLdAbs, 0));
  for (uint32_t i = 0; q.size() < 4095; ++i) {
    q.push_back(Jump(kJMP | kJEQ | kK, i, 0, 1));
    q.push_back(Stmt(kRET | kK, 0x10000 + i));
  }
  q.push_back(Stmt(kRET | kK, 0xffffffff));
  for (int32_t nr : {0, 1, 1000, 2046, 2047, -1}) {
    SeccompData d;
    d.nr = nr;
    Expect(q, d, nr >= 0 && nr < 2047 ? 0x10000u + static_cast<uint32_t>(nr) : 0xffffffffu,
           "nr " + std::to_string(nr));
  }
}

// ---- shape of the generated code -----------------------------------------------------------

// Disassembly of the code generated for BPF pc `pc` only.
std::string CodeOf(const MachineCode& code, size_t pc) {
  const uint32_t begin = code.pc_offsets[pc];
  const uint32_t end =
      pc + 1 < code.pc_offsets.size() ? code.pc_offsets[pc + 1] : code.epilogue_offset;
  std::string out;
  for (const auto& d : testing::Capstone(code.bytes)) {
    if (d.address < begin || d.address >= end) continue;
    if (!out.empty()) out += "; ";
    // Jumps as mnemonics only: their targets depend on the layout.
    out += d.text[0] == 'j' ? d.text.substr(0, d.text.find(' ')) : d.text;
  }
  return out;
}

TEST(JitCodeShape, DefaultPrologueZeroesAAndXOnly) {
  Result<MachineCode> code = Generate(MustVerify({Stmt(kRET | kRetA, 0)}));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(testing::CapstoneText(code->bytes), "xor eax, eax; xor ecx, ecx; ret");
  EXPECT_EQ(code->body_offset, 4u);
}

TEST(JitCodeShape, FallThroughAwareConditionalJumps) {
  auto shape = [](uint8_t jt, uint8_t jf) {
    Result<MachineCode> code =
        Generate(MustVerify({Stmt(kLdAbs, 0), Jump(kJMP | kJEQ | kK, 5, jt, jf), Stmt(kRET | kK, 1),
                             Stmt(kRET | kK, 2), Stmt(kRET | kK, 3)}));
    EXPECT_TRUE(code.ok());
    return code.ok() ? CodeOf(*code, 1) : std::string();
  };
  EXPECT_EQ(shape(1, 0), "cmp eax, 5; je");   // only jcc when jf == 0
  EXPECT_EQ(shape(0, 1), "cmp eax, 5; jne");  // inverted jcc when jt == 0
  EXPECT_EQ(shape(1, 2), "cmp eax, 5; je; jmp");
  EXPECT_EQ(shape(2, 2), "jmp");  // one place to go: no compare
  EXPECT_EQ(shape(0, 0), "");
}

TEST(JitCodeShape, UnsignedConditionsAndTestForJset) {
  auto shape = [](uint16_t code_op, uint32_t k) {
    Result<MachineCode> code = Generate(MustVerify(
        {Stmt(kLdAbs, 0), Jump(code_op, k, 1, 0), Stmt(kRET | kK, 1), Stmt(kRET | kK, 2)}));
    EXPECT_TRUE(code.ok());
    return code.ok() ? CodeOf(*code, 1) : std::string();
  };
  EXPECT_EQ(shape(kJMP | kJGT | kK, 0x80000000), "cmp eax, 0x80000000; ja");
  EXPECT_EQ(shape(kJMP | kJGE | kK, 0xffffffff), "cmp eax, -1; jae");
  EXPECT_EQ(shape(kJMP | kJGT | kX, 0), "cmp eax, ecx; ja");
  EXPECT_EQ(shape(kJMP | kJSET | kK, 4), "test eax, 4; jne");
  EXPECT_EQ(shape(kJMP | kJSET | kX, 0), "test eax, ecx; jne");
  EXPECT_EQ(shape(kJMP | kJEQ | kK, 0), "test eax, eax; je");
}

TEST(JitCodeShape, ArithmeticSelection) {
  auto body = [](std::vector<SockFilter> p) {
    p.push_back(Stmt(kRET | kRetA, 0));
    Result<MachineCode> code = Generate(MustVerify(p));
    EXPECT_TRUE(code.ok());
    std::string out;
    for (size_t pc = 0; pc + 1 < p.size(); ++pc) {
      const std::string s = CodeOf(*code, pc);
      if (!s.empty()) out += (out.empty() ? "" : "; ") + s;
    }
    return out;
  };
  EXPECT_EQ(body({Stmt(kALU | kLSH | kX, 0)}), "shl eax, cl");
  EXPECT_EQ(body({Stmt(kALU | kRSH | kX, 0)}), "shr eax, cl");
  EXPECT_EQ(body({Stmt(kALU | kDIV | kX, 0)}), "test ecx, ecx; je; xor edx, edx; div ecx");
  EXPECT_EQ(body({Stmt(kALU | kDIV | kK, 7)}), "mov esi, 7; xor edx, edx; div esi");
  EXPECT_EQ(body({Stmt(kALU | kDIV | kK, 16)}), "shr eax, 4");
  EXPECT_EQ(body({Stmt(kALU | kMUL | kK, 10)}), "imul eax, eax, 0xa");
  EXPECT_EQ(body({Stmt(kALU | kMUL | kX, 0)}), "imul eax, ecx");
  EXPECT_EQ(body({Stmt(kALU | kNEG, 0)}), "neg eax");
  EXPECT_EQ(body({Stmt(kLdAbs, 16), Stmt(kST, 0), Stmt(kLDX | kMEM, 0)}),
            "mov eax, dword ptr [rdi + 0x10]; mov dword ptr [rsp - 0x40], eax; "
            "mov ecx, dword ptr [rsp - 0x40]");
}

TEST(JitCodeShape, HighRegisterMapUsesRexSibAndDisp8) {
  JitOptions options;
  options.registers = RegisterMap::HighRegisters();
  Result<MachineCode> code = Generate(
      MustVerify({Stmt(kLdAbs, 0), Stmt(kST, 0), Stmt(kLDX | kIMM, 3), Stmt(kALU | kLSH | kX, 0),
                  Stmt(kALU | kDIV | kX, 0), Stmt(kRET | kRetA, 0)}),
      options);
  ASSERT_TRUE(code.ok());
  const std::string text = testing::CapstoneText(code->bytes);
  EXPECT_EQ(text,
            "push r13; push r12; push r15; mov r13, rdi; sub rsp, 0x40; mov r12, rsp; "
            "xor r8d, r8d; xor r9d, r9d; "
            "mov r8d, dword ptr [r13]; mov dword ptr [r12], r8d; mov r9d, 3; "
            "mov ecx, r9d; shl r8d, cl; "
            // je -> the DIV-by-zero stub at 0x3f; the RET's jmp -> the epilogue at 0x41.
            "test r9d, r9d; je 0x3f; mov eax, r8d; xor edx, edx; div r9d; mov r8d, eax; "
            "mov eax, r8d; jmp 0x41; xor eax, eax; "
            "add rsp, 0x40; pop r15; pop r12; pop r13; ret");
}

TEST(JitListing, MarksEveryBpfInstruction) {
  const VerifiedProgram v = MustVerify({Stmt(kLdAbs, 4), Jump(kJMP | kJEQ | kK, 0xc000003e, 1, 0),
                                        Stmt(kRET | kK, 0), Stmt(kRET | kK, 0x7fff0000)});
  Result<CompiledFilter> jit = Compile(v);
  ASSERT_TRUE(jit.ok());
  Result<std::string> text = Disassemble(jit->code(), jit->pc_offsets(), v.original().insns,
                                         jit->body_offset(), jit->epilogue_offset(),
                                         jit->data_offset());
  ASSERT_TRUE(text.ok()) << text.error().ToString();
  for (const char* want :
       {"; pc 0: ld [4]", "; pc 1: jeq #0xc000003e, 3, 2", "; pc 2: ret #0",
        "; pc 3: ret #0x7fff0000", "mov eax, dword ptr [rdi + 4]", "; epilogue", "ret"}) {
    EXPECT_NE(text->find(want), std::string::npos) << want << " in\n" << *text;
  }
  EXPECT_EQ(HexDump(std::vector<uint8_t>{0x31, 0xc0}), "0000  31 c0\n");
}

}  // namespace
}  // namespace sckit::jit
