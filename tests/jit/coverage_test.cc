// The JIT's edge-coverage instrumentation (JitOptions::coverage): the two assembler forms it
// adds, golden bytes checked against capstone; the plain code unchanged when it is off; and the
// counters of instrumented code agreeing exactly with the interpreter's traced run
// (RunFilterTraced) on random verified programs and records, for both register maps, with and
// without a mask.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "jit/compiler.h"
#include "jit/x86_assembler.h"
#include "tests/jit_test_util.h"
#include "tests/random_program.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/interpreter.h"
#include "vm/opcodes.h"

namespace sckit::jit {
namespace {

using testing::CapstoneText;
using testing::Hex;

template <typename Emit>
std::vector<uint8_t> Bytes(Emit emit) {
  X86Assembler a;
  emit(a);
  Result<std::vector<uint8_t>> code = a.Finish();
  EXPECT_TRUE(code.ok());
  return code.ok() ? *code : std::vector<uint8_t>{};
}

Reg R(int n) { return static_cast<Reg>(n); }

TEST(JitCoverageAssembler, GoldenBytes) {
  using enum Reg;
  struct Case {
    std::vector<uint8_t> bytes;
    const char* hex;
    const char* text;
  };
  const Case cases[] = {
      {Bytes([](X86Assembler& a) { a.MovR64Imm64(r11, 0x1122334455667788); }),
       "49BB8877665544332211", "movabs r11, 0x1122334455667788"},
      {Bytes([](X86Assembler& a) { a.MovR64Imm64(rax, 0x7f0000001000); }), "48B800100000007F0000",
       "movabs rax, 0x7f0000001000"},
      {Bytes([](X86Assembler& a) { a.MovR64Imm64(rdi, 0); }), "48BF0000000000000000",
       "movabs rdi, 0"},
      {Bytes([](X86Assembler& a) { a.AddM8Imm8(r11, 0, 1); }), "41800301",
       "add byte ptr [r11], 1"},
      {Bytes([](X86Assembler& a) { a.AddM8Imm8(r11, 5, 1); }), "4180430501",
       "add byte ptr [r11 + 5], 1"},
      {Bytes([](X86Assembler& a) { a.AddM8Imm8(r11, 300, 1); }), "4180832C01000001",
       "add byte ptr [r11 + 0x12c], 1"},
      {Bytes([](X86Assembler& a) { a.AddM8Imm8(rsi, 0x7f, 1); }), "80467F01",
       "add byte ptr [rsi + 0x7f], 1"},
      {Bytes([](X86Assembler& a) { a.AddM8Imm8(r13, 0, 1); }), "4180450001",
       "add byte ptr [r13], 1"},
      {Bytes([](X86Assembler& a) { a.AddM8Imm8(r12, 8, 2); }), "4180442408" "02",
       "add byte ptr [r12 + 8], 2"},
      {Bytes([](X86Assembler& a) { a.AddM8Imm8(rsp, -64, 1); }), "80442" "4C001",
       "add byte ptr [rsp - 0x40], 1"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Hex(c.bytes), c.hex) << c.text;
    EXPECT_EQ(CapstoneText(c.bytes), c.text) << c.hex;
  }
}

// Every register and displacement class decodes to what was asked, with no redundant byte
// (capstone's text covers the length: an undecodable or extra byte shows up).
TEST(JitCoverageAssembler, EveryRegisterMatchesCapstone) {
  for (int n = 0; n < kNumRegs; ++n) {
    const Reg r = R(n);
    const std::string name(RegName64(r));
    const std::vector<uint8_t> mov =
        Bytes([&](X86Assembler& a) { a.MovR64Imm64(r, 0x8000000000000001ull); });
    EXPECT_EQ(mov.size(), 10u);
    EXPECT_EQ(CapstoneText(mov), "movabs " + name + ", 0x8000000000000001");
    for (int32_t disp : {0, 1, 127, 128, 4096 * 3 - 1}) {
      const std::vector<uint8_t> add = Bytes([&](X86Assembler& a) { a.AddM8Imm8(r, disp, 1); });
      std::string want = "add byte ptr [" + name;
      if (disp != 0) {
        char buf[32];
        std::snprintf(buf, sizeof buf, disp < 10 ? " + %d" : " + 0x%x", disp);
        want += buf;
      }
      want += "], 1";
      EXPECT_EQ(CapstoneText(add), want) << Hex(add);
      const size_t expected = 3 + (n >= 8 ? 1 : 0) + ((n & 7) == 4 ? 1 : 0) +
                              (disp == 0 ? ((n & 7) == 5 ? 1 : 0) : disp <= 127 ? 1 : 4);
      EXPECT_EQ(add.size(), expected) << want;
    }
  }
}

Program SampleProgram() {
  using namespace bpf;  // NOLINT
  return Program{{
      Stmt(kLD | kW | kABS, 4),
      Jump(kJMP | kJEQ | kK, 0xc000003e, 1, 0),
      Stmt(kRET | kK, 0),
      Stmt(kLD | kW | kABS, 0),
      Jump(kJMP | kJGE | kK, 400, 0, 2),
      Stmt(kLDX | kIMM, 3),
      Stmt(kALU | kDIV | kX, 0),
      Jump(kJMP | kJSET | kK, 1, 1, 1),
      Stmt(kJMP | kJA, 0),
      Stmt(kRET | kRetA, 0),
  }};
}

// ld [nr]; a chain of 6 jeq to one target and 4 jeq/ret pairs (lowered into bt windows and a
// jump table when no counter is emitted).
Program ChainProgram() {
  using namespace bpf;  // NOLINT
  Program p;
  p.insns.push_back(Stmt(kLD | kW | kABS, 0));
  for (uint32_t k = 0; k < 6; ++k) {
    p.insns.push_back(Jump(kJMP | kJEQ | kK, k, static_cast<uint8_t>(5 - k + 8 + 1), 0));
  }
  for (uint32_t k = 10; k < 14; ++k) {
    p.insns.push_back(Jump(kJMP | kJEQ | kK, k, 0, 1));
    p.insns.push_back(Stmt(kRET | kK, 0x00050000 | k));
  }
  p.insns.push_back(Stmt(kRET | kK, 0x00050000));
  p.insns.push_back(Stmt(kRET | kK, 0x7fff0000));
  return p;
}

TEST(JitCoverage, OffMeansTheSameBytes) {
  for (const Program& program : {SampleProgram(), ChainProgram()}) {
    Result<VerifiedProgram> v = Verify(program);
    ASSERT_TRUE(v.ok()) << v.error().ToString();
    for (const RegisterMap& map : {RegisterMap::Default(), RegisterMap::HighRegisters()}) {
      JitOptions plain;
      plain.registers = map;
      Result<MachineCode> base = Generate(*v, plain);
      ASSERT_TRUE(base.ok());
      if (program == ChainProgram()) {
        EXPECT_LT(base->data_offset, base->bytes.size()) << "the pairs make a jump table";
        EXPECT_NE(CapstoneText(base->bytes).find("bt "), std::string::npos);
      }
      // Counters given, but a mask that selects nothing: nothing is instrumented.
      std::vector<uint8_t> counters(CoverageSize(*v));
      std::vector<uint8_t> none(CoverageSize(*v), 0);
      JitOptions off = plain;
      off.coverage = counters.data();
      off.coverage_mask = none;
      Result<MachineCode> same = Generate(*v, off);
      ASSERT_TRUE(same.ok());
      EXPECT_EQ(Hex(same->bytes), Hex(base->bytes));
      // Instrumented: longer, and the listing holds the counter form.
      JitOptions on = plain;
      on.coverage = counters.data();
      Result<MachineCode> inst = Generate(*v, on);
      ASSERT_TRUE(inst.ok());
      EXPECT_GT(inst->bytes.size(), base->bytes.size());
      EXPECT_NE(CapstoneText(inst->bytes).find("add byte ptr ["), std::string::npos);
      EXPECT_EQ(CapstoneText(inst->bytes).find("undecodable"), std::string::npos);
    }
  }
}

TEST(JitCoverage, RejectsAMaskOfTheWrongSize) {
  Result<VerifiedProgram> v = Verify(SampleProgram());
  ASSERT_TRUE(v.ok());
  std::vector<uint8_t> counters(CoverageSize(*v));
  std::vector<uint8_t> mask(5, 1);
  JitOptions o;
  o.coverage = counters.data();
  o.coverage_mask = mask;
  Result<MachineCode> code = Generate(*v, o);
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(code.error().rule, "bad-coverage-mask");
}

// The slots a traced run says were hit: instruction slots for every step, a direction slot for
// every conditional jump with jt != jf that was followed by another step.
std::vector<uint8_t> ExpectedCounters(const VerifiedProgram& p, const RunTrace& trace) {
  std::vector<uint8_t> out(CoverageSize(p), 0);
  const auto insns = p.insns();
  for (size_t s = 0; s < trace.steps.size(); ++s) {
    const uint32_t pc = trace.steps[s].pc;
    ++out[CoverageSlot(pc, CoverageKind::kInsn)];
    const SockFilter& f = insns[pc];
    if (IsConditionalJump(f.code) && f.jt != f.jf && s + 1 < trace.steps.size()) {
      const bool taken = trace.steps[s + 1].pc == pc + 1 + f.jt;
      ++out[CoverageSlot(pc, taken ? CoverageKind::kTaken : CoverageKind::kNotTaken)];
    }
  }
  return out;
}

void CheckAgreement(const RegisterMap& map, bool masked, uint32_t seed) {
  std::mt19937 rng(seed);
  int programs = 0, runs = 0;
  for (int i = 0; i < 150; ++i) {
    const Program p = sckit::testing::RandomVerifiedProgram(rng);
    Result<VerifiedProgram> v = Verify(p);
    ASSERT_TRUE(v.ok());
    std::vector<uint8_t> counters(CoverageSize(*v), 0xAA);
    std::vector<uint8_t> mask;
    if (masked) {
      mask.resize(CoverageSize(*v));
      for (uint8_t& m : mask) m = rng() % 2;
    }
    JitOptions o;
    o.registers = map;
    o.coverage = counters.data();
    o.coverage_mask = mask;
    Result<CompiledFilter> c = Compile(*v, o);
    ASSERT_TRUE(c.ok()) << c.error().ToString();
    ++programs;
    for (int r = 0; r < 40; ++r) {
      const SeccompData d = sckit::testing::RandomRecord(rng);
      RunTrace trace;
      const uint32_t want = RunFilterTraced(*v, d, &trace);
      std::fill(counters.begin(), counters.end(), 0);
      const uint32_t got = c->Run(d);
      ASSERT_EQ(got, want) << "program " << i << " record " << r;
      std::vector<uint8_t> expected = ExpectedCounters(*v, trace);
      if (masked) {
        for (size_t s = 0; s < expected.size(); ++s) expected[s] = mask[s] ? expected[s] : 0;
      }
      ASSERT_EQ(Hex(counters), Hex(expected)) << "program " << i << " record " << r;
      ++runs;
    }
    // Counters accumulate across runs when not cleared.
    std::fill(counters.begin(), counters.end(), 0);
    const SeccompData d = sckit::testing::RandomRecord(rng);
    RunTrace trace;
    (void)RunFilterTraced(*v, d, &trace);
    for (int r = 0; r < 3; ++r) (void)c->Run(d);
    std::vector<uint8_t> expected = ExpectedCounters(*v, trace);
    for (size_t s = 0; s < expected.size(); ++s) {
      expected[s] = static_cast<uint8_t>((masked && !mask[s]) ? 0 : 3 * expected[s]);
    }
    ASSERT_EQ(Hex(counters), Hex(expected));
  }
  EXPECT_EQ(programs, 150);
  EXPECT_EQ(runs, 150 * 40);
}

TEST(JitCoverage, CountersAgreeWithTracedInterpreter) {
  CheckAgreement(RegisterMap::Default(), false, 1);
}
TEST(JitCoverage, CountersAgreeWithTracedInterpreterHighRegisters) {
  CheckAgreement(RegisterMap::HighRegisters(), false, 2);
}
TEST(JitCoverage, MaskedCountersAgreeWithTracedInterpreter) {
  CheckAgreement(RegisterMap::Default(), true, 3);
  CheckAgreement(RegisterMap::HighRegisters(), true, 4);
}

// The counter register must dodge every mapped register: a map that takes r11, r10, r9, r8 and
// rsi leaves rdi (after ctx has moved off it).
TEST(JitCoverage, CounterRegisterAvoidsTheMap) {
  RegisterMap map{Reg::r11, Reg::r10, Reg::r9, Reg::r8, Reg::rsi};
  ASSERT_EQ(CheckRegisterMap(map), "");
  Result<VerifiedProgram> v = Verify(SampleProgram());
  ASSERT_TRUE(v.ok());
  std::vector<uint8_t> counters(CoverageSize(*v));
  JitOptions o;
  o.registers = map;
  o.coverage = counters.data();
  Result<CompiledFilter> c = Compile(*v, o);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_NE(CapstoneText(c->code()).find("add byte ptr [rdi"), std::string::npos);
  SeccompData d;
  d.arch = 0xc000003e;
  d.nr = 401;
  RunTrace trace;
  const uint32_t want = RunFilterTraced(*v, d, &trace);
  EXPECT_EQ(c->Run(d), want);
  EXPECT_EQ(Hex(counters), Hex(ExpectedCounters(*v, trace)));
}

}  // namespace
}  // namespace sckit::jit
