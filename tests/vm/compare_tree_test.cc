// Trees of constant compares (vm/jeq_chains.h FindCompareTrees) and their range lookups in the
// prepared interpreter (vm/prepared_filter.h): a tree written by hand (its ranges, and every
// bound +-1 through the lookup), a tree that is one bound, the dense window with ranges above it
// searched (for trees, and for chains whose keys are only partly close together), the work budget on a program whose trees share a long tail, and random trees
// against the plain interpreter (RunFilter), whose rules the semantics table and the live-kernel
// tests pin.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "tests/eval_test_util.h"
#include "tests/random_tree.h"
#include "verifier/verifier.h"
#include "vm/interpreter.h"
#include "vm/jeq_chains.h"
#include "vm/prepared_filter.h"

namespace sckit {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary
using testing::MustVerify;

constexpr uint16_t kLdAbs = kLD | kW | kABS;
constexpr uint16_t kJeqK = kJMP | kJEQ | kK;
constexpr uint16_t kJgtK = kJMP | kJGT | kK;
constexpr uint16_t kJgeK = kJMP | kJGE | kK;

SeccompData WithNr(uint32_t nr) {
  SeccompData d;
  d.nr = static_cast<int32_t>(nr);
  d.arch = 0xc000003e;
  return d;
}

// [0,9] -> ret 1, [10,14] -> ret 3, 15 -> ret 2, [16,19] -> ret 3, [20, max] -> ret 1.
std::vector<SockFilter> HandTree() {
  return {
      Stmt(kLdAbs, 0),          // 0
      Jump(kJgeK, 10, 0, 3),    // 1: A >= 10 ? 2 : 5
      Jump(kJgtK, 19, 2, 0),    // 2: A > 19 ? 5 : 3
      Jump(kJeqK, 15, 2, 0),    // 3: A == 15 ? 6 : 4
      Stmt(kJMP | kJA, 2),      // 4: -> 7
      Stmt(kRET | kK, 1),       // 5
      Stmt(kRET | kK, 2),       // 6
      Stmt(kRET | kK, 3),       // 7
  };
}

TEST(CompareTrees, HandTreeIsItsRanges) {
  const VerifiedProgram p = MustVerify(HandTree());
  const std::vector<CompareTree> trees = FindCompareTrees(p, 1, kTreeWorkBudget);
  ASSERT_EQ(trees.size(), 1u) << "2, 3 and the ja are inside the tree headed at 1";
  const CompareTree& t = trees[0];
  EXPECT_EQ(t.head, 1u);
  EXPECT_EQ(t.compares, 3u);
  const std::vector<std::pair<uint32_t, uint32_t>> want = {
      {0, 5}, {10, 7}, {15, 6}, {16, 7}, {20, 5}};
  ASSERT_EQ(t.ranges.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(t.ranges[i].first, want[i].first) << i;
    EXPECT_EQ(t.ranges[i].target, want[i].second) << i;
  }
  const DenseWindow w = FindDenseWindow(t);
  EXPECT_EQ(w.begin, 0u) << "starting at 0 covers as many ranges";
  EXPECT_EQ(w.end, 4u);
  EXPECT_EQ(w.span, 20u);
  EXPECT_TRUE(FindCompareTrees(p, 4, kTreeWorkBudget).empty()) << "3 compares, minimum 4";
  EXPECT_TRUE(FindCompareTrees(p, 1, 2).empty()) << "a budget of 2 steps stops it";
}

TEST(CompareTrees, HandTreeAnswersEveryBound) {
  const VerifiedProgram p = MustVerify(HandTree());
  const PreparedFilter prepared(p);
  EXPECT_EQ(prepared.stats().trees, 1u);
  EXPECT_EQ(prepared.stats().dense_trees, 1u);
  EXPECT_EQ(prepared.stats().tree_compares, 3u);
  EXPECT_EQ(prepared.stats().fused_loads, 1u);
  const std::pair<uint32_t, uint32_t> want[] = {
      {0, 1}, {9, 1}, {10, 3}, {14, 3}, {15, 2}, {16, 3}, {19, 3}, {20, 1}, {21, 1},
      {0x7fffffff, 1}, {0xffffffff, 1}};
  for (const auto& [nr, ret] : want) {
    EXPECT_EQ(RunFilter(p, WithNr(nr)), ret) << nr;
    EXPECT_EQ(prepared.Run(WithNr(nr)), ret) << nr;
  }
}

TEST(CompareTrees, ATreeOfOneBoundIsOneCompare) {
  // A >= 10 decides; the compares below it are always true there.
  const VerifiedProgram p = MustVerify({
      Stmt(kLdAbs, 0), Jump(kJgeK, 10, 0, 2), Jump(kJgtK, 5, 0, 1), Jump(kJgeK, 7, 1, 0),
      Stmt(kRET | kK, 1), Stmt(kRET | kK, 2)});
  const std::vector<CompareTree> trees = FindCompareTrees(p, 1, kTreeWorkBudget);
  ASSERT_EQ(trees.size(), 1u);
  ASSERT_EQ(trees[0].ranges.size(), 2u);
  EXPECT_EQ(trees[0].ranges[1].first, 10u);
  const PreparedFilter prepared(p);
  EXPECT_EQ(prepared.stats().trees, 1u);
  EXPECT_EQ(prepared.stats().dense_trees, 0u);
  for (uint32_t nr : {0u, 9u, 10u, 11u, 0xffffffffu}) {
    EXPECT_EQ(prepared.Run(WithNr(nr)), nr >= 10 ? 2u : 1u) << nr;
  }
}

TEST(CompareTrees, DenseWindowWithRangesAboveIt) {
  // libseccomp's default layout: an x32 check (jge 0x40000000; jeq 0xffffffff), then a chain
  // over syscall numbers. The table covers the numbers; 0x40000000.. is searched above it.
  std::vector<SockFilter> insns = {Stmt(kLdAbs, 0), Jump(kJgeK, 0x40000000, 0, 1),
                                   Jump(kJeqK, 0xffffffff, 0, 0)};  // jf patched below
  const uint32_t keys[] = {0, 1, 3, 5, 60, 61, 202, 231, 291};
  for (size_t i = 0; i < std::size(keys); ++i) {
    insns.push_back(Jump(kJeqK, keys[i], static_cast<uint8_t>(std::size(keys) - i), 0));
  }
  insns.push_back(Stmt(kRET | kK, 0x00050001));  // default
  insns.push_back(Stmt(kRET | kK, 0x7fff0000));  // allow
  insns.push_back(Stmt(kRET | kK, 0x80000000));  // x32: kill
  insns[2].jf = static_cast<uint8_t>(insns.size() - 1 - 3);
  const VerifiedProgram p = MustVerify(insns);
  const std::vector<CompareTree> trees = FindCompareTrees(p, kMinTreeCompares, kTreeWorkBudget);
  ASSERT_EQ(trees.size(), 1u);
  const DenseWindow w = FindDenseWindow(trees[0]);
  ASSERT_NE(w.end, 0u);
  EXPECT_EQ(w.lo, 0u);
  EXPECT_EQ(w.span, 292u) << "up to the range that starts after 291";
  EXPECT_EQ(trees[0].ranges.size() - w.end, 3u) << "[292, 2^30), [2^30, 2^32-1), 2^32-1";
  const PreparedFilter prepared(p);
  EXPECT_EQ(prepared.stats().dense_trees, 1u);
  std::vector<uint32_t> values = {0x3fffffff, 0x40000000, 0x40000001, 0xfffffffe, 0xffffffff};
  for (uint32_t k : keys) values.insert(values.end(), {k - 1, k, k + 1});
  for (uint32_t nr : values) EXPECT_EQ(prepared.Run(WithNr(nr)), RunFilter(p, WithNr(nr))) << nr;
}

TEST(CompareTrees, AChainWithFarKeysGetsATableOverItsCloseOnes) {
  // Syscall numbers and two x32 numbers: too spread for one table (FitsDenseTable), so the
  // chain takes the tree form: a table over 0..300, a search above it.
  std::vector<uint32_t> keys;
  for (uint32_t k = 0; k <= 300; k += 3) keys.push_back(k);
  keys.insert(keys.end(), {0x40000000, 0x40000005});
  std::vector<SockFilter> insns = {Stmt(kLdAbs, 0)};
  for (size_t i = 0; i < keys.size(); ++i) {
    insns.push_back(Jump(kJeqK, keys[i], 0, 1));
    insns.push_back(Stmt(kRET | kK, 0x00050000 | static_cast<uint32_t>(i % 7)));
  }
  insns.push_back(Stmt(kRET | kK, 0x7fff0000));
  const VerifiedProgram p = MustVerify(insns);
  const std::vector<JeqChain> chains = FindJeqChains(p, kMinChainKeys, kChainKeyBudget);
  ASSERT_EQ(chains.size(), 1u);
  EXPECT_FALSE(FitsDenseTable(chains[0]));
  const CompareTree tree = ChainAsTree(chains[0]);
  EXPECT_EQ(tree.ranges.front().first, 0u);
  const DenseWindow w = FindDenseWindow(tree);
  EXPECT_EQ(w.lo, 0u);
  EXPECT_EQ(w.span, 301u) << "0..300, up to the miss range after the last close key";
  const PreparedFilter prepared(p);
  EXPECT_EQ(prepared.stats().switches, 1u);
  EXPECT_EQ(prepared.stats().windowed_switches, 1u);
  EXPECT_EQ(prepared.stats().dense_switches, 0u);
  std::vector<uint32_t> values = {0xffffffff, 0x80000000, 0x3fffffff};
  for (uint32_t k : keys) values.insert(values.end(), {k - 1, k, k + 1});
  for (uint32_t nr : values) {
    EXPECT_EQ(prepared.Run(WithNr(nr)), RunFilter(p, WithNr(nr))) << nr;
  }
}

TEST(CompareTrees, WorkBudgetBoundsTreesSharingATail) {
  // 700 blocks `ld nr; jge #(100000 + i) ? ja T0 : next block`, then a tail T0..T899 of
  // `jgt #(200000 - j) ? ret j : T(j+1)`: every head's tree holds the whole tail, about 630,000
  // interval steps over all. The budget stops the search; the answers stay the same.
  constexpr uint32_t kHeads = 700;
  constexpr uint32_t kTail = 900;
  Program program;
  const size_t tail = 3 * kHeads;
  for (uint32_t i = 0; i < kHeads; ++i) {
    const size_t ja = program.insns.size() + 2;
    program.insns.push_back(Stmt(kLdAbs, 0));
    program.insns.push_back(Jump(kJgeK, 100000 + i, 0, 1));
    program.insns.push_back(Stmt(kJMP | kJA, static_cast<uint32_t>(tail - ja - 1)));
  }
  for (uint32_t j = 0; j < kTail; ++j) {
    program.insns.push_back(Jump(kJgtK, 200000 - j, 0, 1));
    program.insns.push_back(Stmt(kRET | kK, j));
  }
  program.insns.push_back(Stmt(kRET | kRetA, 0));
  Result<VerifiedProgram> v = Verify(program);
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  const std::vector<CompareTree> trees =
      FindCompareTrees(*v, kMinTreeCompares, kTreeWorkBudget);
  EXPECT_GT(trees.size(), 10u);
  EXPECT_LT(trees.size(), 100u) << "the budget covers about 70 heads' trees";
  const PreparedFilter prepared(*v);
  EXPECT_EQ(prepared.stats().trees, trees.size());
  std::vector<uint32_t> values = {0, 1, 99999, 0xffffffff};
  for (uint32_t i = 0; i <= kHeads; ++i) values.insert(values.end(), {100000 + i, 99999 + i});
  for (uint32_t j = 0; j <= kTail; ++j) values.insert(values.end(), {200000 - j, 200001 - j});
  for (uint32_t nr : values) {
    ASSERT_EQ(prepared.Run(WithNr(nr)), RunFilter(*v, WithNr(nr))) << nr;
  }
}

TEST(CompareTrees, RandomTreesMatchThePlainInterpreter) {
  std::mt19937 rng(19);
  uint32_t trees = 0, dense = 0, single = 0;
  for (int i = 0; i < 3000; ++i) {
    std::vector<uint32_t> keys;
    const VerifiedProgram p = *Verify(testing::RandomTreeProgram(rng, &keys));
    const PreparedFilter prepared(p);
    trees += prepared.stats().trees;
    dense += prepared.stats().dense_trees;
    for (const CompareTree& t : FindCompareTrees(p, kMinTreeCompares, kTreeWorkBudget)) {
      single += t.ranges.size() == 2;
    }
    for (const SeccompData& d : testing::KeyRecords(rng, keys, 8, testing::kWordEnds)) {
      ASSERT_EQ(prepared.Run(d), RunFilter(p, d)) << "program " << i << " word " << d.nr;
    }
  }
  // The generator must exercise every lowering, not only the fallback compares.
  EXPECT_GT(trees, 2000u);
  EXPECT_GT(dense, 300u);
  EXPECT_GT(trees - dense - single, 300u) << "sparse searches";
  EXPECT_GT(single, 20u) << "trees of one bound";
}

}  // namespace
}  // namespace sckit
