// Compare trees and range tables in the JIT (vm/jeq_chains.h FindCompareTrees,
// jit/multiway.h): exactness against the interpreter on every bound of random trees under both
// register maps and every chain form, and which form each tree gets: a table of return values
// (every target a `ret #k`), one-byte slots (return values and code targets mixed), 32-bit code
// offsets (more than 256 targets), one compare (a single bound), compares kept (no dense
// window), and nothing lowered under coverage counters.
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "jit/compiler.h"
#include "tests/jit_test_util.h"
#include "tests/random_tree.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/interpreter.h"
#include "vm/jeq_chains.h"

namespace sckit::jit {
namespace {

using namespace bpf;  // NOLINT

struct Forms {
  bool values = false;   // mov eax, [rdx + i*4]: a return value from a table
  bool slots = false;    // movzx: a one-byte slot
  bool indirect = false; // jmp r64
};
Forms FormsIn(const CompiledFilter& c) {
  Forms f;
  for (const auto& d : testing::Capstone(c.code().first(c.data_offset()))) {
    if (d.text.rfind("mov eax, dword ptr [rdx + ", 0) == 0) f.values = true;
    if (d.text.rfind("movzx ", 0) == 0) f.slots = true;
    if (d.text.rfind("jmp r", 0) == 0) f.indirect = true;
  }
  return f;
}

SeccompData WithNr(uint32_t nr) {
  SeccompData d;
  d.nr = static_cast<int32_t>(nr);
  return d;
}

// ld [nr]; a `jge` search over ranges [first_i, first_i+1) to leaf(i) (each leaf inline).
Program SearchProgram(const std::vector<uint32_t>& firsts,
                      const std::function<std::vector<SockFilter>(size_t)>& leaf) {
  std::function<std::vector<SockFilter>(size_t, size_t)> tree = [&](size_t lo, size_t hi) {
    if (hi - lo == 1) return leaf(lo);
    const size_t mid = lo + (hi - lo) / 2;
    std::vector<SockFilter> below = tree(lo, mid);
    std::vector<SockFilter> above = tree(mid, hi);
    std::vector<SockFilter> out;
    if (below.size() <= 255) {
      out.push_back(Jump(kJMP | kJGE | kK, firsts[mid], static_cast<uint8_t>(below.size()), 0));
    } else {
      out.push_back(Jump(kJMP | kJGE | kK, firsts[mid], 0, 1));
      out.push_back(Stmt(kJMP | kJA, static_cast<uint32_t>(below.size())));
    }
    out.insert(out.end(), below.begin(), below.end());
    out.insert(out.end(), above.begin(), above.end());
    return out;
  };
  Program p;
  p.insns.push_back(Stmt(kLD | kW | kABS, 0));
  const std::vector<SockFilter> t = tree(0, firsts.size());
  p.insns.insert(p.insns.end(), t.begin(), t.end());
  return p;
}

void ExpectExact(const VerifiedProgram& v, const CompiledFilter& c,
                 const std::vector<uint32_t>& bounds) {
  std::vector<uint32_t> values = {0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff};
  for (uint32_t b : bounds) values.insert(values.end(), {b - 1, b, b + 1});
  for (uint32_t a : values) ASSERT_EQ(c.Run(WithNr(a)), RunFilter(v, WithNr(a))) << a;
}

TEST(TreeLowering, EachTreeShapeGetsItsForm) {
  std::vector<uint32_t> firsts;
  for (uint32_t i = 0; i < 40; ++i) firsts.push_back(i * 7);
  // Every leaf returns: a table of return values.
  Result<VerifiedProgram> rets = Verify(SearchProgram(firsts, [](size_t i) {
    return std::vector<SockFilter>{Stmt(kRET | kK, 0x00050000 | static_cast<uint32_t>(i % 5))};
  }));
  // Some leaves load and compare: slots naming values or code.
  Result<VerifiedProgram> mixed = Verify(SearchProgram(firsts, [](size_t i) {
    if (i % 4 != 0) return std::vector<SockFilter>{Stmt(kRET | kK, 0x7fff0000)};
    return std::vector<SockFilter>{Stmt(kLD | kW | kABS, 16), Jump(kJMP | kJEQ | kK, 3, 0, 1),
                                   Stmt(kRET | kK, 0x7fff0000), Stmt(kRET | kRetA, 0)};
  }));
  // 300 leaves `ret A`, each its own code target: more than a byte can name.
  std::vector<uint32_t> many;
  for (uint32_t i = 0; i < 300; ++i) many.push_back(i);
  Result<VerifiedProgram> offsets = Verify(SearchProgram(many, [](size_t) {
    return std::vector<SockFilter>{Stmt(kRET | kRetA, 0)};
  }));
  // Bounds far apart: no dense window, the compares stay.
  std::vector<uint32_t> sparse = {0, 0x1000000, 0x2000000, 0x80000000, 0xf0000000};
  Result<VerifiedProgram> far = Verify(SearchProgram(sparse, [](size_t i) {
    return std::vector<SockFilter>{Stmt(kRET | kK, static_cast<uint32_t>(i))};
  }));
  ASSERT_TRUE(rets.ok() && mixed.ok() && offsets.ok() && far.ok());
  for (const RegisterMap& map : {RegisterMap::Default(), RegisterMap::HighRegisters()}) {
    JitOptions o;
    o.registers = map;
    Result<CompiledFilter> cr = Compile(*rets, o);
    Result<CompiledFilter> cm = Compile(*mixed, o);
    Result<CompiledFilter> co = Compile(*offsets, o);
    Result<CompiledFilter> cf = Compile(*far, o);
    ASSERT_TRUE(cr.ok() && cm.ok() && co.ok() && cf.ok());
    const Forms r = FormsIn(*cr), m = FormsIn(*cm), f = FormsIn(*co), s = FormsIn(*cf);
    EXPECT_TRUE(r.values && !r.slots && !r.indirect);
    EXPECT_EQ(cr->code().size() - cr->data_offset(), 4u * 39 * 7) << "a value per A below 273";
    EXPECT_TRUE(m.values && m.slots && m.indirect);
    EXPECT_TRUE(!f.values && !f.slots && f.indirect);
    EXPECT_EQ(co->code().size() - co->data_offset(), 4u * 299) << "an offset per A below 299";
    EXPECT_TRUE(!s.values && !s.slots && !s.indirect);
    EXPECT_EQ(cf->code().size(), cf->data_offset()) << "no tables";
    ExpectExact(*rets, *cr, firsts);
    ExpectExact(*mixed, *cm, firsts);
    ExpectExact(*offsets, *co, many);
    ExpectExact(*far, *cf, sparse);
    for (uint32_t a : firsts) {  // the loaded word decides the mixed leaves
      SeccompData d = WithNr(a);
      d.args[0] = 3;
      ASSERT_EQ(cm->Run(d), RunFilter(*mixed, d)) << a;
    }
  }
}

TEST(TreeLowering, OneBoundIsOneCompareAndCountersSeeEveryCompare) {
  const Program one{{Stmt(kLD | kW | kABS, 0), Jump(kJMP | kJGE | kK, 10, 0, 2),
                     Jump(kJMP | kJGT | kK, 5, 0, 1), Jump(kJMP | kJGE | kK, 7, 1, 0),
                     Stmt(kRET | kK, 1), Stmt(kRET | kK, 2)}};
  Result<VerifiedProgram> v = Verify(one);
  ASSERT_TRUE(v.ok());
  Result<CompiledFilter> c = Compile(*v);
  ASSERT_TRUE(c.ok());
  ExpectExact(*v, *c, {10});
  // The head's code is `cmp; jae; jmp`: one compare for three.
  const std::string text = testing::CapstoneText(c->code());
  EXPECT_NE(text.find("cmp eax, 0xa; jae"), std::string::npos) << text;
  // With counters (every slot wanted), every compare keeps its code and its counter.
  std::vector<SockFilter> tree;
  std::vector<uint32_t> firsts;
  for (uint32_t i = 0; i < 40; ++i) firsts.push_back(i * 7);
  Result<VerifiedProgram> big = Verify(SearchProgram(firsts, [](size_t i) {
    return std::vector<SockFilter>{Stmt(kRET | kK, static_cast<uint32_t>(i))};
  }));
  ASSERT_TRUE(big.ok());
  std::vector<uint8_t> counters(CoverageSize(*big), 0);
  JitOptions o;
  o.coverage = counters.data();
  Result<CompiledFilter> cov = Compile(*big, o);
  ASSERT_TRUE(cov.ok());
  EXPECT_EQ(cov->code().size(), cov->data_offset()) << "no tables under coverage";
  ExpectExact(*big, *cov, firsts);
}

TEST(TreeLowering, RandomTreesMatchTheInterpreter) {
  std::mt19937 rng(1919);
  int values = 0, slots = 0, plain = 0;
  const ChainForm forms[] = {ChainForm::kRule, ChainForm::kBitTests, ChainForm::kTable};
  for (int i = 0; i < 1500; ++i) {
    std::vector<uint32_t> keys;
    Result<VerifiedProgram> v = Verify(sckit::testing::RandomTreeProgram(rng, &keys));
    ASSERT_TRUE(v.ok());
    const std::vector<SeccompData> records =
        sckit::testing::KeyRecords(rng, keys, 8, sckit::testing::kWordEnds);
    for (const RegisterMap& map : {RegisterMap::Default(), RegisterMap::HighRegisters()}) {
      JitOptions o;
      o.registers = map;
      o.chain_form = forms[i % 3];
      Result<CompiledFilter> c = Compile(*v, o);
      ASSERT_TRUE(c.ok()) << c.error().ToString();
      const Forms f = FormsIn(*c);
      values += f.values;
      slots += f.slots;
      plain += !f.values && !f.slots && !f.indirect;
      for (const SeccompData& d : records) {
        ASSERT_EQ(c->Run(d), RunFilter(*v, d)) << "program " << i << " word " << d.nr;
      }
    }
  }
  // Every form is exercised, not only the compares kept.
  EXPECT_GT(values, 300);
  EXPECT_GT(slots, 300);
  EXPECT_GT(plain, 100);
}

}  // namespace
}  // namespace sckit::jit
