// The interpreter's prepared form (vm/prepared_filter.h) and the chain analysis it lowers
// (vm/jeq_chains.h). The semantics table of interpreter_semantics_test runs through both
// interpreters; here: chains written by hand (what the lowering must find, and what each lookup
// must answer), then random programs and random chain programs against the plain interpreter,
// whose own rules are pinned by the semantics table and the live-kernel tests.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "tests/eval_test_util.h"
#include "tests/random_program.h"
#include "vm/jeq_chains.h"
#include "vm/interpreter.h"
#include "vm/prepared_filter.h"
#include "verifier/verifier.h"

namespace sckit {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary
using testing::MustVerify;

constexpr uint16_t kJeqK = kJMP | kJEQ | kK;
constexpr uint16_t kLdAbs = kLD | kW | kABS;

SeccompData WithNr(uint32_t nr) {
  SeccompData d;
  d.nr = static_cast<int32_t>(nr);
  d.arch = 0xc000003e;
  return d;
}

// libseccomp's shape: jeq #nr jt ALLOW, every miss to the next compare, a duplicate key whose
// first compare wins, and a compare whose match goes on down the chain.
std::vector<SockFilter> ListFilter() {
  return {
      Stmt(kLdAbs, 0),           // 0
      Jump(kJeqK, 10, 7, 0),     // 1: 10 -> 9 (ret 1)
      Jump(kJeqK, 11, 7, 0),     // 2: 11 -> 10 (ret 2)
      Jump(kJeqK, 10, 6, 0),     // 3: duplicate 10: never decides
      Jump(kJeqK, 13, 0, 0),     // 4: 13 -> 5, on down the chain
      Jump(kJeqK, 13, 5, 0),     // 5: 13 again -> 11 (ret 3) via the compare at 4
      Jump(kJeqK, 20, 5, 0),     // 6: 20 -> 12 (ret A)
      Jump(kJeqK, 12, 2, 0),     // 7: 12 -> 10 (ret 2)
      Stmt(kRET | kK, 99),       // 8: no match
      Stmt(kRET | kK, 1),        // 9
      Stmt(kRET | kK, 2),        // 10
      Stmt(kRET | kK, 3),        // 11
      Stmt(kRET | kRetA, 0),     // 12
  };
}

TEST(JeqChains, FindsTheChainWithFirstMatchTargetsAndItsMiss) {
  const VerifiedProgram p = MustVerify(ListFilter());
  const std::vector<JeqChain> chains = FindJeqChains(p, 1, 1000);
  ASSERT_EQ(chains.size(), 1u);
  const JeqChain& c = chains[0];
  EXPECT_EQ(c.head, 1u);
  EXPECT_EQ(c.compares, 7u);
  EXPECT_EQ(c.miss, 8u);
  const std::vector<std::pair<uint32_t, uint32_t>> want = {
      {10, 9}, {11, 10}, {12, 10}, {13, 5}, {20, 12}};
  ASSERT_EQ(c.cases.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(c.cases[i].key, want[i].first) << i;
    EXPECT_EQ(c.cases[i].target, want[i].second) << i;
  }
  EXPECT_TRUE(FindJeqChains(p, 6, 1000).empty()) << "5 distinct keys are below a minimum of 6";
  EXPECT_TRUE(FindJeqChains(p, 1, 4).empty()) << "5 keys exceed a budget of 4";
}

TEST(JeqChains, PairsAndSharedTails) {
  // A two-compare chain at 1 that misses into the jeq/ret pairs at 3; the pairs' chain is
  // entered in the middle (from 1's miss), so only the chain at 1 is a head: its lookup covers
  // the pairs' keys too.
  const VerifiedProgram p = MustVerify({
      Stmt(kLdAbs, 0),            // 0
      Jump(kJeqK, 1, 8, 0),       // 1: 1 -> 10
      Jump(kJeqK, 2, 7, 2),       // 2: 2 -> 10, miss -> 5
      Jump(kJeqK, 3, 0, 1),       // 3: pairs: 3 -> 4
      Stmt(kRET | kK, 30),        // 4
      Jump(kJeqK, 4, 0, 1),       // 5: 4 -> 6
      Stmt(kRET | kK, 40),        // 6
      Jump(kJeqK, 5, 0, 1),       // 7: 5 -> 8
      Stmt(kRET | kK, 50),        // 8
      Stmt(kRET | kK, 0),         // 9: miss
      Stmt(kRET | kK, 10),        // 10
  });
  const std::vector<JeqChain> chains = FindJeqChains(p, 1, 100);
  ASSERT_EQ(chains.size(), 2u);
  EXPECT_EQ(chains[0].head, 1u);
  EXPECT_EQ(chains[0].compares, 4u);  // 1, 2, 5, 7
  EXPECT_EQ(chains[0].miss, 9u);
  ASSERT_EQ(chains[0].cases.size(), 4u);
  EXPECT_EQ(chains[0].cases[3].key, 5u);
  EXPECT_EQ(chains[0].cases[3].target, 8u);
  EXPECT_EQ(chains[1].head, 3u) << "3 is reached by no compare's miss: a head of its own";
  EXPECT_EQ(chains[1].compares, 3u);
}

TEST(PreparedFilter, HandWrittenChainAnswersEveryKey) {
  const VerifiedProgram p = MustVerify(ListFilter());
  const PreparedFilter prepared(p);
  EXPECT_EQ(prepared.stats().switches, 1u);
  EXPECT_EQ(prepared.stats().fused_loads, 1u);
  const std::pair<uint32_t, uint32_t> want[] = {
      {10, 1}, {11, 2}, {12, 2}, {13, 3}, {20, 20}, {0, 99}, {9, 99}, {14, 99}, {21, 99},
      {0xffffffff, 99}};
  for (const auto& [nr, ret] : want) {
    EXPECT_EQ(prepared.Run(WithNr(nr)), ret) << nr;
    EXPECT_EQ(RunFilter(p, WithNr(nr)), ret) << nr;
  }
}

TEST(PreparedFilter, DenseAndSparseLookupsAtTheEdgesOfTheKeySpace) {
  struct Case {
    const char* name;
    std::vector<uint32_t> keys;
    bool dense;
  };
  const Case cases[] = {
      {"syscall numbers", {0, 1, 3, 60, 231, 435}, true},
      {"top of the range", {0xfffffffc, 0xfffffffd, 0xfffffffe, 0xffffffff}, true},
      {"sparse", {0, 0x7fffffff, 0x80000000, 0xffffffff, 12345678}, false},
      {"one value past a dense table's reach", {0, 1, 2, 5000}, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<SockFilter> insns = {Stmt(kLdAbs, 0)};
    for (size_t i = 0; i < c.keys.size(); ++i) {
      insns.push_back(Jump(kJeqK, c.keys[i], 0, 1));
      insns.push_back(Stmt(kRET | kK, 100 + static_cast<uint32_t>(i)));
    }
    insns.push_back(Stmt(kRET | kK, 7));
    const VerifiedProgram p = MustVerify(insns);
    const PreparedFilter prepared(p);
    EXPECT_EQ(prepared.stats().switches, 1u);
    EXPECT_EQ(prepared.stats().dense_switches, c.dense ? 1u : 0u);
    for (size_t i = 0; i < c.keys.size(); ++i) {
      for (uint32_t delta : {0u, 1u, 0xffffffffu}) {
        const uint32_t nr = c.keys[i] + delta;
        EXPECT_EQ(prepared.Run(WithNr(nr)), RunFilter(p, WithNr(nr))) << nr;
      }
      EXPECT_EQ(prepared.Run(WithNr(c.keys[i])), 100 + i);
    }
  }
}

TEST(PreparedFilter, ShortChainsStayCompares) {
  const VerifiedProgram p = MustVerify({Stmt(kLdAbs, 0), Jump(kJeqK, 1, 2, 0),
                                        Jump(kJeqK, 2, 1, 0), Stmt(kRET | kK, 0),
                                        Stmt(kRET | kK, 1)});
  const PreparedFilter prepared(p);
  EXPECT_EQ(prepared.stats().switches, 0u);
  for (uint32_t nr : {0u, 1u, 2u, 3u}) EXPECT_EQ(prepared.Run(WithNr(nr)), RunFilter(p, WithNr(nr)));
}

TEST(PreparedFilter, KeyBudgetBoundsTheLookups) {
  // Blocks of [H_i: jeq #h_i -> R_i, miss C_i][C_i: jeq #c_i -> R_i, miss C_i+1][R_i: ret i]:
  // every H_i heads a chain through the shared tail C_i..C_last, so lookups for all of them
  // would hold about 1,300^2 / 2 keys. The budget stops them; the answers stay the same.
  constexpr uint32_t kBlocks = 1300;
  Program program;
  program.insns.push_back(Stmt(kLdAbs, 0));
  for (uint32_t i = 0; i < kBlocks; ++i) {
    const bool last = i + 1 == kBlocks;
    program.insns.push_back(Jump(kJeqK, 100000 + i, 1, 0));
    program.insns.push_back(Jump(kJeqK, 2 * i, 0, last ? 1 : 2));
    program.insns.push_back(Stmt(kRET | kK, i));
  }
  program.insns.push_back(Stmt(kRET | kK, 0xabcd));
  Result<VerifiedProgram> v = Verify(program);
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  const std::vector<JeqChain> chains =
      FindJeqChains(*v, kMinChainKeys, kChainKeyBudget);
  ASSERT_FALSE(chains.empty());
  EXPECT_EQ(chains[0].cases.size(), kBlocks + 1);
  uint32_t keys = 0;
  for (const JeqChain& c : chains) keys += static_cast<uint32_t>(c.cases.size());
  EXPECT_LE(keys, kChainKeyBudget);
  EXPECT_LT(chains.size(), kBlocks);
  const PreparedFilter prepared(*v);
  EXPECT_EQ(prepared.stats().switch_keys, keys);
  for (uint32_t nr = 0; nr < 2 * kBlocks + 2; ++nr) {
    ASSERT_EQ(prepared.Run(WithNr(nr)), RunFilter(*v, WithNr(nr))) << nr;
  }
  for (uint32_t nr = 100000; nr < 100000 + kBlocks; nr += 7) {
    ASSERT_EQ(prepared.Run(WithNr(nr)), RunFilter(*v, WithNr(nr))) << nr;
  }
}

TEST(PreparedFilter, DenseTablesStayWithinTheirEntryBudget) {
  const VerifiedProgram p = *Verify(testing::ManyChainsProgram());
  const PreparedFilter prepared(p);
  EXPECT_GT(prepared.stats().dense_switches, 10u);
  // Every dense table here has more than 400 entries.
  EXPECT_LE(prepared.stats().dense_switches * 400, kDenseTableEntryBudget);
  EXPECT_GT(prepared.stats().switches, prepared.stats().dense_switches) << "the rest go sparse";
  for (uint32_t nr = 0; nr < 700; ++nr) {
    ASSERT_EQ(prepared.Run(WithNr(nr)), RunFilter(p, WithNr(nr))) << nr;
  }
}

TEST(PreparedFilter, RandomProgramsMatchThePlainInterpreter) {
  std::mt19937 rng(20261123);
  for (int i = 0; i < 3000; ++i) {
    const VerifiedProgram p = *Verify(testing::RandomVerifiedProgram(rng));
    const PreparedFilter prepared(p);
    for (int r = 0; r < 64; ++r) {
      const SeccompData d = testing::RandomRecord(rng);
      ASSERT_EQ(prepared.Run(d), RunFilter(p, d)) << "program " << i << " record " << r;
    }
  }
}

TEST(PreparedFilter, RandomChainProgramsMatchThePlainInterpreter) {
  std::mt19937 rng(42);
  uint32_t switches = 0;
  uint32_t dense = 0;
  for (int i = 0; i < 1500; ++i) {
    std::vector<uint32_t> keys;
    const VerifiedProgram p = *Verify(testing::RandomChainProgram(rng, &keys));
    const PreparedFilter prepared(p);
    switches += prepared.stats().switches;
    dense += prepared.stats().dense_switches;
    for (const SeccompData& d : testing::KeyRecords(rng, keys, 16)) {
      ASSERT_EQ(prepared.Run(d), RunFilter(p, d)) << "program " << i << " nr " << d.nr;
    }
  }
  // The generator must exercise both lookups, not only the fallback compares.
  EXPECT_GT(switches, 1000u);
  EXPECT_GT(dense, 300u);
  EXPECT_GT(switches - dense, 300u);
}

TEST(PreparedFilter, LongestProgramsMatchThePlainInterpreter) {
  // 4096 instructions: jeq/ret pairs over 2,047 keys and a chain of ja.
  Program pairs;
  pairs.insns.push_back(Stmt(kLdAbs, 0));
  for (uint32_t nr = 0; pairs.insns.size() + 2 < 4096; ++nr) {
    pairs.insns.push_back(Jump(kJeqK, nr * 3, 0, 1));
    pairs.insns.push_back(Stmt(kRET | kK, 0x00050000 | nr));
  }
  pairs.insns.push_back(Stmt(kRET | kK, 0x7fff0000));
  Program jas;
  jas.insns.push_back(Stmt(kLdAbs, 0));
  while (jas.insns.size() + 1 < 4096) jas.insns.push_back(Stmt(kJMP | kJA, 0));
  jas.insns.push_back(Stmt(kRET | kRetA, 0));
  for (const Program* program : {&pairs, &jas}) {
    const VerifiedProgram p = *Verify(*program);
    ASSERT_EQ(p.size(), 4096u);
    const PreparedFilter prepared(p);
    for (uint32_t nr = 0; nr < 6200; ++nr) {
      ASSERT_EQ(prepared.Run(WithNr(nr)), RunFilter(p, WithNr(nr))) << nr;
    }
  }
}

}  // namespace
}  // namespace sckit
