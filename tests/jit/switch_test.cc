// Chain lowering in the JIT (vm/jeq_chains.h, jit/multiway.h): chains of `jeq #k` with one
// target become range checks plus bit tests, others a jump table or a tree of compares, and
// chains whose keys span more than 64 values a range table (the measured rule; JitOptions::
// chain_form pins either). Exactness against the interpreter on sets of every shape (one
// window, many windows, values at 0 and 0xffffffff, window edges), on jumps into the middle of
// a chain, on random chain programs of every shape, in every form, under both register maps;
// which form each chain gets; and the bytes of `bt`.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <tuple>

#include "jit/compiler.h"
#include "jit/x86_assembler.h"
#include "tests/jit_test_util.h"
#include "vm/bpf.h"
#include "tests/random_program.h"
#include "vm/jeq_chains.h"
#include "vm/interpreter.h"
#include "verifier/verifier.h"

namespace sckit::jit {
namespace {

using namespace bpf;  // NOLINT

TEST(SwitchLowering, BtEncoding) {
  X86Assembler as;
  as.BtR64R64(Reg::rdx, Reg::rsi);
  as.BtR64R64(Reg::r8, Reg::r15);
  as.BtR64R64(Reg::rax, Reg::r12);
  Result<std::vector<uint8_t>> bytes = as.Finish();
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(testing::Hex(*bytes), "480FA3F24D0FA3F84C0FA3E0");
  EXPECT_EQ(testing::CapstoneText(*bytes), "bt rdx, rsi; bt r8, r15; bt rax, r12");
}

// ld [nr]; jeq v0..vn-1 -> ALLOW (all to one target); ret ERRNO(1); ret ALLOW
Program AllowList(const std::vector<uint32_t>& values) {
  Program p;
  p.insns.push_back(Stmt(kLD | kW | kABS, 0));
  const size_t n = values.size();
  for (size_t i = 0; i < n; ++i) {
    p.insns.push_back(Jump(kJMP | kJEQ | kK, values[i], static_cast<uint8_t>(n - i), 0));
  }
  p.insns.push_back(Stmt(kRET | kK, seccomp::kRetErrno | 1));
  p.insns.push_back(Stmt(kRET | kK, seccomp::kRetAllow));
  return p;
}

std::vector<uint32_t> Probes(const std::vector<uint32_t>& values) {
  std::set<uint32_t> s = {0, 1, 63, 64, 65, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff};
  for (uint32_t v : values) {
    for (uint32_t d : {0u, 1u, 2u, 62u, 63u, 64u, 65u}) {
      s.insert(v + d);
      s.insert(v - d);
    }
  }
  return {s.begin(), s.end()};
}

void ExpectSame(const Program& p, const std::vector<uint32_t>& probes, bool expect_bt,
                ChainForm form = ChainForm::kBitTests) {
  Result<VerifiedProgram> v = Verify(p);
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  for (const RegisterMap& map : {RegisterMap::Default(), RegisterMap::HighRegisters()}) {
    JitOptions o;
    o.registers = map;
    o.chain_form = form;
    Result<CompiledFilter> c = Compile(*v, o);
    ASSERT_TRUE(c.ok()) << c.error().ToString();
    const std::string text = testing::CapstoneText(c->code());
    EXPECT_EQ(text.find("bt ") != std::string::npos, expect_bt) << text;
    for (uint32_t a : probes) {
      SeccompData d;
      d.nr = static_cast<int32_t>(a);
      ASSERT_EQ(c->Run(d), RunFilter(*v, d)) << "A = 0x" << std::hex << a;
    }
  }
}

TEST(SwitchLowering, SetsOfEveryShape) {
  const std::vector<std::vector<uint32_t>> sets = {
      {0, 1, 2, 3},                          // one window from 0
      {10, 20, 30, 73},                      // 73 - 10 = 63: one window, edge bit
      {10, 20, 30, 74},                      // 74 is one past: two windows (last single)
      {0, 1, 3, 5, 8, 9, 12, 13, 15, 16, 17, 20, 21, 22, 23, 24, 28, 32, 33, 35, 39, 41, 42,
       56, 59, 60, 61, 62, 72, 186, 202, 217, 231, 232, 257, 262, 270, 273, 281, 288, 302},
      {0xfffffffc, 0xfffffffd, 0xfffffffe, 0xffffffff},  // top of the range
      {5, 5, 6, 6, 7, 5, 8},                              // duplicates
      {0xffffffff, 1000, 0x7fffffff, 0},                  // unsorted, far apart: all singles
      {5, 5, 5, 5, 6},  // 2 distinct keys: below the 4 a chain needs, stays compares
  };
  for (size_t i = 0; i < std::size(sets); ++i) {
    ExpectSame(AllowList(sets[i]), Probes(sets[i]), i + 2 < std::size(sets));
    // As range tables where they fit one (no bt then), else the other forms.
    const bool fits = i == 1 || i == 2 || i == 3 || i == 5;  // 0..3 and the top: 2 ranges
    ExpectSame(AllowList(sets[i]), Probes(sets[i]), !fits && i + 2 < std::size(sets),
               ChainForm::kTable);
  }
}

TEST(SwitchLowering, RandomSets) {
  std::mt19937 rng(4242);
  for (int round = 0; round < 300; ++round) {
    const size_t n = 4 + rng() % 60;
    std::vector<uint32_t> values;
    const uint32_t base = rng() % 3 == 0 ? static_cast<uint32_t>(rng()) : rng() % 512;
    for (size_t i = 0; i < n; ++i) {
      values.push_back(rng() % 4 == 0 ? static_cast<uint32_t>(rng()) : base + rng() % 200);
    }
    Result<VerifiedProgram> v = Verify(AllowList(values));
    ASSERT_TRUE(v.ok());
    Result<CompiledFilter> c = Compile(*v);
    ASSERT_TRUE(c.ok());
    for (uint32_t a : Probes(values)) {
      SeccompData d;
      d.nr = static_cast<int32_t>(a);
      ASSERT_EQ(c->Run(d), RunFilter(*v, d)) << "round " << round << " A = 0x" << std::hex << a;
    }
  }
}

TEST(SwitchLowering, RunsThatMustNotBeLowered) {
  // A jump into the middle of the chain (pc 1 jumps to pc 4): the chain is lowered at its head
  // (pc 2), and its compares keep their code, so entering at pc 4 tests only the values from
  // pc 4 on.
  Program into_middle{{Stmt(kLD | kW | kABS, 0),
                       Jump(kJMP | kJGT | kK, 100, 2, 0),
                       Jump(kJMP | kJEQ | kK, 1, 6, 0), Jump(kJMP | kJEQ | kK, 2, 5, 0),
                       Jump(kJMP | kJEQ | kK, 3, 4, 0), Jump(kJMP | kJEQ | kK, 200, 3, 0),
                       Jump(kJMP | kJEQ | kK, 201, 2, 0), Jump(kJMP | kJEQ | kK, 202, 1, 0),
                       Stmt(kRET | kK, 0), Stmt(kRET | kK, seccomp::kRetAllow)}};
  ExpectSame(into_middle, {0, 1, 2, 3, 4, 99, 100, 101, 200, 201, 202, 203}, true);
  ExpectSame(into_middle, {0, 1, 2, 3, 4, 99, 100, 101, 200, 201, 202, 203}, false,
             ChainForm::kTable);
  // Different true targets: a jump table, not bit tests.
  Program targets{{Stmt(kLD | kW | kABS, 0), Jump(kJMP | kJEQ | kK, 1, 4, 0),
                   Jump(kJMP | kJEQ | kK, 2, 3, 0), Jump(kJMP | kJEQ | kK, 3, 3, 0),
                   Jump(kJMP | kJEQ | kK, 4, 2, 0), Stmt(kRET | kK, 0),
                   Stmt(kRET | kK, seccomp::kRetErrno | 2), Stmt(kRET | kK, seccomp::kRetAllow)}};
  ExpectSame(targets, {0, 1, 2, 3, 4, 5}, false);
  // Coverage counters see every instruction: no lowering, same results.
  // (The jump-table and tree forms are checked in ChainsOfEveryShape.)
  Result<VerifiedProgram> v = Verify(AllowList({1, 2, 3, 4, 5}));
  ASSERT_TRUE(v.ok());
  std::vector<uint8_t> counters(3 * v->size(), 0);
  JitOptions o;
  o.coverage = counters.data();
  Result<CompiledFilter> c = Compile(*v, o);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(testing::CapstoneText(c->code()).find("bt "), std::string::npos);
}

// Which lowering a program's code shows: bit tests, an indirect jump through a table, or only
// compares.
struct Forms {
  bool bt = false;
  bool table = false;   // an indirect jump
  bool values = false;  // a return value loaded from a table
};
Forms FormsIn(const CompiledFilter& c) {
  Forms f;
  for (const auto& d : testing::Capstone(c.code().first(c.data_offset()))) {
    if (d.text.rfind("bt ", 0) == 0) f.bt = true;
    if (d.text.rfind("jmp r", 0) == 0) f.table = true;
    if (d.text.rfind("mov eax, dword ptr [rdx + ", 0) == 0) f.values = true;
  }
  return f;
}

TEST(SwitchLowering, EachChainShapeGetsItsForm) {
  auto pairs = [](const std::vector<uint32_t>& keys) {
    Program p;
    p.insns.push_back(Stmt(kLD | kW | kABS, 0));
    for (size_t i = 0; i < keys.size(); ++i) {
      p.insns.push_back(Jump(kJMP | kJEQ | kK, keys[i], 0, 1));
      p.insns.push_back(Stmt(kRET | kK, seccomp::kRetErrno | static_cast<uint32_t>(i)));
    }
    p.insns.push_back(Stmt(kRET | kK, seccomp::kRetAllow));
    return p;
  };
  const std::vector<uint32_t> dense = {0, 2, 3, 60, 200, 435};
  const std::vector<uint32_t> sparse = {0, 7, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe,
                                        0xffffffff, 123456789, 99};
  Result<VerifiedProgram> d = Verify(pairs(dense));
  Result<VerifiedProgram> s = Verify(pairs(sparse));
  ASSERT_TRUE(d.ok() && s.ok());
  JitOptions bits;
  bits.chain_form = ChainForm::kBitTests;
  Result<CompiledFilter> cd = Compile(*d, bits);
  Result<CompiledFilter> cs = Compile(*s, bits);
  ASSERT_TRUE(cd.ok() && cs.ok());
  EXPECT_TRUE(FormsIn(*cd).table);
  EXPECT_FALSE(FormsIn(*cd).bt);
  EXPECT_EQ(cd->code().size() - cd->data_offset(), 4u * 436) << "one entry per value 0..435";
  EXPECT_FALSE(FormsIn(*cs).table);
  EXPECT_FALSE(FormsIn(*cs).bt);
  EXPECT_EQ(cs->data_offset(), cs->code().size());
  // The rule: keys spanning more than 64 values get a range table; every target returns, so
  // it is a table of return values: no jump on A at all. The sparse keys' window covers 0..99;
  // the keys above it are searched.
  Result<CompiledFilter> rd = Compile(*d);
  Result<CompiledFilter> rs = Compile(*s);
  ASSERT_TRUE(rd.ok() && rs.ok());
  EXPECT_TRUE(FormsIn(*rd).values);
  EXPECT_FALSE(FormsIn(*rd).table || FormsIn(*rd).bt);
  EXPECT_EQ(rd->code().size() - rd->data_offset(), 4u * 436) << "one value per A in 0..435";
  EXPECT_TRUE(FormsIn(*rs).values);
  EXPECT_EQ(rs->code().size() - rs->data_offset(), 4u * 100) << "one value per A in 0..99";
  for (const auto& [v, c, keys] : {std::tuple{&*d, &*cd, dense}, std::tuple{&*s, &*cs, sparse},
                                   std::tuple{&*d, &*rd, dense}, std::tuple{&*s, &*rs, sparse}}) {
    for (uint32_t a : Probes(keys)) {
      SeccompData rec;
      rec.nr = static_cast<int32_t>(a);
      ASSERT_EQ(c->Run(rec), RunFilter(*v, rec)) << "A = 0x" << std::hex << a;
    }
  }
}

TEST(SwitchLowering, JumpTablesStayWithinTheirEntryBudget) {
  Result<VerifiedProgram> v = Verify(sckit::testing::ManyChainsProgram());
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  Result<CompiledFilter> c = Compile(*v);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  const size_t table_bytes = c->code().size() - c->data_offset();
  EXPECT_GT(table_bytes, 4u * 400 * 10) << "some chains do get tables";
  EXPECT_LE(table_bytes, 4 * kDenseTableEntryBudget);
  for (uint32_t nr = 0; nr < 700; ++nr) {
    SeccompData d;
    d.nr = static_cast<int32_t>(nr);
    ASSERT_EQ(c->Run(d), RunFilter(*v, d)) << nr;
  }
}

TEST(SwitchLowering, RandomChainProgramsMatchTheInterpreter) {
  std::mt19937 rng(7);
  int tables = 0;
  int trees_or_bits = 0;
  int values = 0;
  for (int i = 0; i < 600; ++i) {
    std::vector<uint32_t> keys;
    Result<VerifiedProgram> v = Verify(sckit::testing::RandomChainProgram(rng, &keys));
    ASSERT_TRUE(v.ok());
    const ChainForm forms[] = {ChainForm::kRule, ChainForm::kBitTests, ChainForm::kTable};
    for (const RegisterMap& map : {RegisterMap::Default(), RegisterMap::HighRegisters()}) {
      JitOptions o;
      o.registers = map;
      o.chain_form = forms[(i + (map.a == Reg::rax ? 0 : 1)) % 3];
      Result<CompiledFilter> c = Compile(*v, o);
      ASSERT_TRUE(c.ok()) << c.error().ToString();
      const Forms f = FormsIn(*c);
      tables += f.table;
      trees_or_bits += !f.table;
      values += f.values;
      for (const SeccompData& d : sckit::testing::KeyRecords(rng, keys, 8)) {
        ASSERT_EQ(c->Run(d), RunFilter(*v, d)) << "program " << i << " nr " << d.nr;
      }
    }
  }
  EXPECT_GT(tables, 200);
  EXPECT_GT(trees_or_bits, 200);
  EXPECT_GT(values, 100);
}

}  // namespace
}  // namespace sckit::jit
