// The JIT against the kernel's runtime rules (spec §4): every seccomp opcode with corner values,
// expectations written by hand from the rules (not taken from our interpreter), each program run
// under several register maps (including everything on r8..r15) and also compared with the
// interpreter, and every jt/jf combination.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "jit/compiler.h"
#include "jit/listing.h"
#include "tests/jit/compiler_test_util.h"
#include "tests/jit_test_util.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/interpreter.h"
#include "vm/program.h"

namespace sckit::jit {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.
using namespace testing;  // NOLINT: the JIT tests' helpers (Expect, Maps, capstone).
using enum Reg;

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

}  // namespace
}  // namespace sckit::jit
