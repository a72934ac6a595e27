// The interpreter against expectations written down from the kernel's rules (spec §4:
// bpf_convert_filter + ___bpf_prog_run as seccomp uses them), never from running our engine:
// every value below was worked out by hand. A second part sweeps corner values through every
// ALU opcode against a reference model that is a literal reading of those rules.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "tests/eval_test_util.h"
#include "vm/interpreter.h"
#include "vm/prepared_filter.h"
#include "vm/opcodes.h"
#include "vm/seccomp_data.h"

namespace sckit {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary
using testing::MustVerify;

// Little-endian layout (this project builds for x86-64 only).
SeccompData Data() {
  SeccompData d;
  d.nr = 0x101;
  d.arch = 0xc000003e;
  d.instruction_pointer = 0x00007f0000001000ull;
  d.args[0] = 0x0123456789abcdefull;
  d.args[1] = 0xffffffff80000000ull;
  d.args[2] = 0x0000000000000001ull;
  d.args[3] = 0x7fffffff00000000ull;
  d.args[4] = 0x00000000ffffffffull;
  d.args[5] = 0xfedcba9876543210ull;
  return d;
}

constexpr uint16_t kLdAbs = kLD | kW | kABS;
constexpr uint16_t kRetK = kRET | kK;
constexpr uint16_t kRetA = kRET | bpf::kRetA;

SockFilter LdImm(uint32_t k) { return Stmt(kLD | kIMM, k); }
SockFilter LdxImm(uint32_t k) { return Stmt(kLDX | kIMM, k); }
SockFilter Alu(uint16_t op, uint16_t src, uint32_t k = 0) { return Stmt(kALU | op | src, k); }
SockFilter RetA() { return Stmt(kRetA, 0); }
SockFilter RetK(uint32_t k) { return Stmt(kRetK, k); }
// A conditional jump to "RET 1" (taken) or "RET 2" (not taken), which must follow it.
std::vector<SockFilter> Branch(uint16_t op, uint16_t src, uint32_t k) {
  return {Jump(kJMP | op | src, k, 0, 1), RetK(1), RetK(2)};
}

struct Row {
  const char* name;
  std::vector<SockFilter> insns;
  uint32_t expected;
};

std::vector<SockFilter> Cat(std::vector<SockFilter> a, const std::vector<SockFilter>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<Row> Table() {
  return {
      // ---- loads ----
      {"LD W ABS nr", {Stmt(kLdAbs, 0), RetA()}, 0x101},
      {"LD W ABS arch", {Stmt(kLdAbs, 4), RetA()}, 0xc000003e},
      {"LD W ABS ip lo", {Stmt(kLdAbs, 8), RetA()}, 0x00001000},
      {"LD W ABS ip hi", {Stmt(kLdAbs, 12), RetA()}, 0x00007f00},
      {"LD W ABS args[0] lo", {Stmt(kLdAbs, 16), RetA()}, 0x89abcdef},
      {"LD W ABS args[0] hi", {Stmt(kLdAbs, 20), RetA()}, 0x01234567},
      {"LD W ABS args[1] lo", {Stmt(kLdAbs, 24), RetA()}, 0x80000000},
      {"LD W ABS args[1] hi", {Stmt(kLdAbs, 28), RetA()}, 0xffffffff},
      {"LD W ABS args[2] lo", {Stmt(kLdAbs, 32), RetA()}, 1},
      {"LD W ABS args[2] hi", {Stmt(kLdAbs, 36), RetA()}, 0},
      {"LD W ABS args[3] lo", {Stmt(kLdAbs, 40), RetA()}, 0},
      {"LD W ABS args[3] hi", {Stmt(kLdAbs, 44), RetA()}, 0x7fffffff},
      {"LD W ABS args[4] lo", {Stmt(kLdAbs, 48), RetA()}, 0xffffffff},
      {"LD W ABS args[4] hi", {Stmt(kLdAbs, 52), RetA()}, 0},
      {"LD W ABS args[5] lo", {Stmt(kLdAbs, 56), RetA()}, 0x76543210},
      {"LD W ABS args[5] hi (last word)", {Stmt(kLdAbs, 60), RetA()}, 0xfedcba98},
      {"LD W LEN is 64", {Stmt(kLD | kW | kLEN, 0), RetA()}, 64},
      {"LDX W LEN is 64", {Stmt(kLDX | kW | kLEN, 0), Stmt(kMISC | kTXA, 0), RetA()}, 64},
      {"LD IMM", {LdImm(0xdeadbeef), RetA()}, 0xdeadbeef},
      {"LDX IMM then TXA", {LdxImm(0x80000000), Stmt(kMISC | kTXA, 0), RetA()}, 0x80000000},
      {"ST and LD MEM", {LdImm(0xcafef00d), Stmt(kST, 15), LdImm(0), Stmt(kLD | kMEM, 15), RetA()},
       0xcafef00d},
      {"STX and LDX MEM",
       {LdxImm(77), Stmt(kSTX, 0), LdxImm(0), Stmt(kLDX | kMEM, 0), Stmt(kMISC | kTXA, 0), RetA()},
       77},
      // ---- registers start at zero ----
      {"A starts at 0", {RetA()}, 0},
      {"X starts at 0", {Stmt(kMISC | kTXA, 0), RetA()}, 0},
      {"A + X with X untouched", {LdImm(5), Alu(kADD, kX), RetA()}, 5},
      // ---- TAX / TXA direction: TAX is X = A, TXA is A = X ----
      {"TAX copies A into X", {LdImm(5), Stmt(kMISC | kTAX, 0), LdImm(7), Stmt(kMISC | kTXA, 0), RetA()},
       5},
      {"TXA copies X into A", {LdxImm(9), LdImm(3), Stmt(kMISC | kTXA, 0), RetA()}, 9},
      {"TAX leaves A", {LdImm(3), Stmt(kMISC | kTAX, 0), Alu(kADD, kX), RetA()}, 6},
      // ---- ALU, K operand ----
      {"ADD K", {LdImm(40), Alu(kADD, kK, 2), RetA()}, 42},
      {"ADD K wraps 0xffffffff+1", {LdImm(0xffffffff), Alu(kADD, kK, 1), RetA()}, 0},
      {"ADD K wraps 0xffffffff+2", {LdImm(0xffffffff), Alu(kADD, kK, 2), RetA()}, 1},
      {"ADD K 0x7fffffff+1", {LdImm(0x7fffffff), Alu(kADD, kK, 1), RetA()}, 0x80000000},
      {"ADD K 0x80000000+0x80000000", {LdImm(0x80000000), Alu(kADD, kK, 0x80000000), RetA()}, 0},
      {"SUB K 0-1", {LdImm(0), Alu(kSUB, kK, 1), RetA()}, 0xffffffff},
      {"SUB K 0x80000000-1", {LdImm(0x80000000), Alu(kSUB, kK, 1), RetA()}, 0x7fffffff},
      {"SUB K 0-0x80000000", {LdImm(0), Alu(kSUB, kK, 0x80000000), RetA()}, 0x80000000},
      {"MUL K", {LdImm(6), Alu(kMUL, kK, 7), RetA()}, 42},
      {"MUL K 0xffffffff^2 low bits", {LdImm(0xffffffff), Alu(kMUL, kK, 0xffffffff), RetA()}, 1},
      {"MUL K 0x80000000*2", {LdImm(0x80000000), Alu(kMUL, kK, 2), RetA()}, 0},
      {"MUL K 0x7fffffff*2", {LdImm(0x7fffffff), Alu(kMUL, kK, 2), RetA()}, 0xfffffffe},
      {"MUL K 0x10000*0x10000", {LdImm(0x10000), Alu(kMUL, kK, 0x10000), RetA()}, 0},
      {"DIV K 100/7", {LdImm(100), Alu(kDIV, kK, 7), RetA()}, 14},
      {"DIV K 0/1", {LdImm(0), Alu(kDIV, kK, 1), RetA()}, 0},
      {"DIV K unsigned 0xffffffff/1", {LdImm(0xffffffff), Alu(kDIV, kK, 1), RetA()}, 0xffffffff},
      {"DIV K unsigned 0xffffffff/0xffffffff", {LdImm(0xffffffff), Alu(kDIV, kK, 0xffffffff), RetA()},
       1},
      {"DIV K unsigned 0x80000000/0xffffffff", {LdImm(0x80000000), Alu(kDIV, kK, 0xffffffff), RetA()},
       0},
      {"DIV K unsigned 0xffffffff/0x80000000", {LdImm(0xffffffff), Alu(kDIV, kK, 0x80000000), RetA()},
       1},
      {"DIV K 0x7fffffff/0x80000000", {LdImm(0x7fffffff), Alu(kDIV, kK, 0x80000000), RetA()}, 0},
      {"OR K", {LdImm(0x80000000), Alu(kOR, kK, 1), RetA()}, 0x80000001},
      {"AND K", {LdImm(0xffffffff), Alu(kAND, kK, 0x7fffffff), RetA()}, 0x7fffffff},
      {"AND K 0", {LdImm(0xffffffff), Alu(kAND, kK, 0), RetA()}, 0},
      {"XOR K", {LdImm(0xffffffff), Alu(kXOR, kK, 0x80000000), RetA()}, 0x7fffffff},
      {"XOR K self", {LdImm(0x12345678), Alu(kXOR, kK, 0x12345678), RetA()}, 0},
      {"LSH K 0", {LdImm(1), Alu(kLSH, kK, 0), RetA()}, 1},
      {"LSH K 31", {LdImm(1), Alu(kLSH, kK, 31), RetA()}, 0x80000000},
      {"LSH K 31 of 0xffffffff", {LdImm(0xffffffff), Alu(kLSH, kK, 31), RetA()}, 0x80000000},
      {"LSH K 1 drops the top bit", {LdImm(0x80000001), Alu(kLSH, kK, 1), RetA()}, 2},
      {"RSH K is logical", {LdImm(0x80000000), Alu(kRSH, kK, 31), RetA()}, 1},
      {"RSH K 1 of 0xffffffff", {LdImm(0xffffffff), Alu(kRSH, kK, 1), RetA()}, 0x7fffffff},
      {"RSH K 0", {LdImm(0xffffffff), Alu(kRSH, kK, 0), RetA()}, 0xffffffff},
      {"NEG 0", {LdImm(0), Stmt(kALU | kNEG, 0), RetA()}, 0},
      {"NEG 1", {LdImm(1), Stmt(kALU | kNEG, 0), RetA()}, 0xffffffff},
      {"NEG 0x7fffffff", {LdImm(0x7fffffff), Stmt(kALU | kNEG, 0), RetA()}, 0x80000001},
      {"NEG 0x80000000", {LdImm(0x80000000), Stmt(kALU | kNEG, 0), RetA()}, 0x80000000},
      {"NEG 0xffffffff", {LdImm(0xffffffff), Stmt(kALU | kNEG, 0), RetA()}, 1},
      // ---- ALU, X operand ----
      {"ADD X", {LdxImm(0xffffffff), LdImm(2), Alu(kADD, kX), RetA()}, 1},
      {"SUB X", {LdxImm(1), LdImm(0), Alu(kSUB, kX), RetA()}, 0xffffffff},
      {"MUL X", {LdxImm(0xffffffff), LdImm(0xffffffff), Alu(kMUL, kX), RetA()}, 1},
      {"DIV X", {LdxImm(7), LdImm(100), Alu(kDIV, kX), RetA()}, 14},
      {"DIV X unsigned", {LdxImm(0xffffffff), LdImm(0x80000000), Alu(kDIV, kX), RetA()}, 0},
      {"DIV X by 0 returns 0 at once", {LdImm(100), Alu(kDIV, kX), RetK(0x7fff0000)}, 0},
      {"DIV X by 0 with A = 0xffffffff", {LdImm(0xffffffff), LdxImm(0), Alu(kDIV, kX), RetA()}, 0},
      {"DIV X by 0 after a TAX of 0", {LdImm(0), Stmt(kMISC | kTAX, 0), LdImm(9), Alu(kDIV, kX),
                                       RetK(0x7fff0000)},
       0},
      {"OR X", {LdxImm(0x0f0f0f0f), LdImm(0xf0f0f0f0), Alu(kOR, kX), RetA()}, 0xffffffff},
      {"AND X", {LdxImm(0x0f0f0f0f), LdImm(0xff00ff00), Alu(kAND, kX), RetA()}, 0x0f000f00},
      {"XOR X", {LdxImm(0xffffffff), LdImm(0x80000000), Alu(kXOR, kX), RetA()}, 0x7fffffff},
      {"LSH X 0", {LdxImm(0), LdImm(5), Alu(kLSH, kX), RetA()}, 5},
      {"LSH X 31", {LdxImm(31), LdImm(1), Alu(kLSH, kX), RetA()}, 0x80000000},
      {"LSH X 32 is LSH 0", {LdxImm(32), LdImm(5), Alu(kLSH, kX), RetA()}, 5},
      {"LSH X 33 is LSH 1", {LdxImm(33), LdImm(1), Alu(kLSH, kX), RetA()}, 2},
      {"LSH X 33 of 0xffffffff", {LdxImm(33), LdImm(0xffffffff), Alu(kLSH, kX), RetA()}, 0xfffffffe},
      {"LSH X 0xffffffff is LSH 31", {LdxImm(0xffffffff), LdImm(1), Alu(kLSH, kX), RetA()},
       0x80000000},
      {"RSH X 0", {LdxImm(0), LdImm(0xffffffff), Alu(kRSH, kX), RetA()}, 0xffffffff},
      {"RSH X 31", {LdxImm(31), LdImm(0x80000000), Alu(kRSH, kX), RetA()}, 1},
      {"RSH X 32 is RSH 0", {LdxImm(32), LdImm(0x80000000), Alu(kRSH, kX), RetA()}, 0x80000000},
      {"RSH X 33 is RSH 1", {LdxImm(33), LdImm(0x80000000), Alu(kRSH, kX), RetA()}, 0x40000000},
      {"RSH X 40 is RSH 8", {LdxImm(40), LdImm(0x100), Alu(kRSH, kX), RetA()}, 1},
      // ---- jumps ----
      {"JA skips", {Stmt(kJMP | kJA, 1), RetK(1), RetK(2)}, 2},
      {"JA 0 falls through", {Stmt(kJMP | kJA, 0), RetK(1), RetK(2)}, 1},
      {"JEQ K taken", Cat({LdImm(7)}, Branch(kJEQ, kK, 7)), 1},
      {"JEQ K not taken", Cat({LdImm(7)}, Branch(kJEQ, kK, 8)), 2},
      {"JEQ K 0xffffffff", Cat({LdImm(0xffffffff)}, Branch(kJEQ, kK, 0xffffffff)), 1},
      {"JEQ X", Cat({LdxImm(0x80000000), LdImm(0x80000000)}, Branch(kJEQ, kX, 0)), 1},
      {"JGT K unsigned 0xffffffff > 0x80000000",
       Cat({LdImm(0xffffffff)}, Branch(kJGT, kK, 0x80000000)), 1},
      {"JGT K unsigned 0x7fffffff > 0x80000000 is false",
       Cat({LdImm(0x7fffffff)}, Branch(kJGT, kK, 0x80000000)), 2},
      {"JGT K 0x80000000 > 0x7fffffff", Cat({LdImm(0x80000000)}, Branch(kJGT, kK, 0x7fffffff)), 1},
      {"JGT K equal is false", Cat({LdImm(5)}, Branch(kJGT, kK, 5)), 2},
      {"JGT K 0 > 0xffffffff is false", Cat({LdImm(0)}, Branch(kJGT, kK, 0xffffffff)), 2},
      {"JGT X unsigned", Cat({LdxImm(1), LdImm(0xffffffff)}, Branch(kJGT, kX, 0)), 1},
      {"JGE K equal", Cat({LdImm(0x80000000)}, Branch(kJGE, kK, 0x80000000)), 1},
      {"JGE K below", Cat({LdImm(0x7fffffff)}, Branch(kJGE, kK, 0x80000000)), 2},
      {"JGE K 0 >= 0", Cat({LdImm(0)}, Branch(kJGE, kK, 0)), 1},
      {"JGE X", Cat({LdxImm(0xffffffff), LdImm(0xfffffffe)}, Branch(kJGE, kX, 0)), 2},
      {"JSET K bit 31", Cat({LdImm(0x80000000)}, Branch(kJSET, kK, 0x80000000)), 1},
      {"JSET K disjoint", Cat({LdImm(1)}, Branch(kJSET, kK, 2)), 2},
      {"JSET K 0 mask", Cat({LdImm(0xffffffff)}, Branch(kJSET, kK, 0)), 2},
      {"JSET X", Cat({LdxImm(0x10), LdImm(0x30)}, Branch(kJSET, kX, 0)), 1},
      {"jt and jf offsets are relative to pc+1",
       {LdImm(3), Jump(kJMP | kJEQ | kK, 3, 2, 0), RetK(10), RetK(11), RetK(12), RetK(13)}, 12},
      // ---- returns ----
      {"RET K exact value", {RetK(0x7fff0001)}, 0x7fff0001},
      {"RET K unknown action value", {RetK(0xaaaaaaaa)}, 0xaaaaaaaa},
      {"RET A", {LdImm(0x00050001), RetA()}, 0x00050001},
      {"RET A from a load", {Stmt(kLdAbs, 0), Alu(kOR, kK, 0x00050000), RetA()}, 0x00050101},
  };
}

TEST(Interpreter, KernelSemanticsTable) {
  const SeccompData data = Data();
  for (const Row& row : Table()) {
    SCOPED_TRACE(row.name);
    const VerifiedProgram p = MustVerify(row.insns);
    EXPECT_EQ(RunFilter(p, data), row.expected) << row.name;
    EXPECT_EQ(PreparedFilter(p).Run(data), row.expected) << row.name << " (prepared)";
    RunTrace trace;
    EXPECT_EQ(RunFilterTraced(p, data, &trace), row.expected) << row.name << " (traced)";
  }
}

TEST(Interpreter, TableCoversEverySeccompOpcode) {
  std::set<uint16_t> used;
  for (const Row& row : Table()) {
    for (const SockFilter& f : row.insns) used.insert(f.code);
  }
  for (const OpcodeInfo& info : AllOpcodes()) {
    if (info.classic && info.seccomp) {
      EXPECT_TRUE(used.count(info.code)) << "no row exercises opcode 0x" << std::hex << info.code
                                         << " (" << info.mnemonic << ")";
    }
  }
}

// The reference: a literal reading of spec §4 ("all arithmetic is modulo 2^32, unsigned";
// DIV X by 0 returns 0; shifts by X use X & 31), written with 64-bit intermediates so that
// the wrap-around is explicit rather than inherited from uint32_t.
struct Ref {
  bool returns_zero = false;
  uint32_t a = 0;
};
Ref Reference(uint16_t op, uint64_t a, uint64_t b, bool x_form) {
  const uint64_t m = 0xffffffffull;
  switch (op) {
    case kADD: return {false, static_cast<uint32_t>((a + b) % (m + 1))};
    case kSUB: return {false, static_cast<uint32_t>((a + (m + 1) - b) % (m + 1))};
    case kMUL: return {false, static_cast<uint32_t>((a * b) % (m + 1))};
    case kDIV:
      if (b == 0) return {true, 0};
      return {false, static_cast<uint32_t>(a / b)};
    case kOR: return {false, static_cast<uint32_t>(a | b)};
    case kAND: return {false, static_cast<uint32_t>(a & b)};
    case kXOR: return {false, static_cast<uint32_t>(a ^ b)};
    case kLSH: {
      const uint64_t s = x_form ? b % 32 : b;
      return {false, static_cast<uint32_t>((a << s) % (m + 1))};
    }
    case kRSH: {
      const uint64_t s = x_form ? b % 32 : b;
      return {false, static_cast<uint32_t>(a >> s)};
    }
  }
  ADD_FAILURE() << "bad op";
  return {};
}

TEST(Interpreter, CornerValuesThroughEveryAluOpMatchTheRules) {
  const uint32_t corners[] = {0, 1, 2, 7, 31, 32, 33, 0x7fffffff, 0x80000000, 0xfffffffe,
                              0xffffffff};
  const uint16_t ops[] = {kADD, kSUB, kMUL, kDIV, kOR, kAND, kXOR, kLSH, kRSH};
  const SeccompData data = Data();
  int checked = 0;
  for (uint16_t op : ops) {
    for (uint32_t a : corners) {
      for (uint32_t b : corners) {
        // X form: A op= X.
        {
          const Ref ref = Reference(op, a, b, true);
          const VerifiedProgram p = MustVerify({LdxImm(b), LdImm(a), Alu(op, kX), RetA()});
          const uint32_t got = RunFilter(p, data);
          EXPECT_EQ(got, ref.returns_zero ? 0 : ref.a)
              << "op 0x" << std::hex << op << " X form, A=0x" << a << " X=0x" << b;
          EXPECT_EQ(PreparedFilter(p).Run(data), got) << "prepared, X form";
          ++checked;
        }
        // K form, where the verifier allows it (DIV K 0 and shifts >= 32 are EINVAL).
        if ((op == kDIV && b == 0) || ((op == kLSH || op == kRSH) && b >= 32)) continue;
        const Ref ref = Reference(op, a, b, false);
        const VerifiedProgram p = MustVerify({LdImm(a), Alu(op, kK, b), RetA()});
        EXPECT_EQ(RunFilter(p, data), ref.a)
            << "op 0x" << std::hex << op << " K form, A=0x" << a << " k=0x" << b;
        EXPECT_EQ(PreparedFilter(p).Run(data), ref.a) << "prepared, K form";
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 1500);
}

TEST(Interpreter, TraceRecordsPcsRegistersAndWordsRead) {
  const VerifiedProgram p = MustVerify({Stmt(kLdAbs, 4), Jump(kJMP | kJEQ | kK, 0xc000003e, 0, 2),
                                        Stmt(kLdAbs, 0), Stmt(kMISC | kTAX, 0),
                                        RetK(0x7fff0000)});
  RunTrace t;
  EXPECT_EQ(RunFilterTraced(p, Data(), &t), 0x7fff0000u);
  ASSERT_EQ(t.steps.size(), 5u);
  EXPECT_EQ(t.steps[0].pc, 0u);
  EXPECT_EQ(t.steps[0].a, 0xc000003eu);
  EXPECT_EQ(t.steps[2].a, 0x101u);
  EXPECT_EQ(t.steps[3].x, 0x101u);
  EXPECT_EQ(t.steps[4].pc, 4u);
  EXPECT_EQ(t.words_read, 0b11);  // words 0 (nr) and 1 (arch)
  EXPECT_FALSE(t.div_by_zero);

  const VerifiedProgram div = MustVerify({LdImm(1), Alu(kDIV, kX), RetK(0x7fff0000)});
  EXPECT_EQ(RunFilterTraced(div, Data(), &t), 0u);
  EXPECT_TRUE(t.div_by_zero);
}

}  // namespace
}  // namespace sckit
