// analysis::Diff by classes of (arch, nr) (analysis/diff_classes.h): the classes a filter's
// comparisons make, the grouped rows (ranges, arch folding, argument-dependent rows), --arch
// and --max, and exactness against brute force and against the whole-space solver query on
// random filters shaped like real ones. The bundled large pair: tests/analysis:diff_large_test.
#include <gtest/gtest.h>

#include <random>

#include "analysis/diff.h"
#include "analysis/diff_classes.h"
#include "analysis/symbolic.h"
#include "tests/random_program.h"
#include "verifier/verifier.h"
#include "vm/arch.h"
#include "vm/bpf.h"

namespace sckit::analysis {
namespace {

using namespace bpf;  // NOLINT

constexpr uint32_t kAllow = seccomp::kRetAllow;
constexpr uint32_t kErrno1 = seccomp::kRetErrno | 1;

VerifiedProgram V(const Program& p) {
  Result<VerifiedProgram> v = Verify(p);
  EXPECT_TRUE(v.ok()) << v.error().ToString();
  return std::move(v).value();
}

DataClasses Classes(const Program& p) {
  const VerifiedProgram v = V(p);
  return ClassesOf({&v});
}

// x86_64 only (else `other`), then: nr in `deny` -> ERRNO(1), else ALLOW.
Program DenyList(const std::vector<uint32_t>& deny, uint32_t other = seccomp::kRetKillProcess) {
  Program p{{Stmt(kLD | kW | kABS, 4), Jump(kJMP | kJEQ | kK, kAuditArchX86_64, 1, 0),
             Stmt(kRET | kK, other), Stmt(kLD | kW | kABS, 0)}};
  for (uint32_t nr : deny) {
    p.insns.push_back(Jump(kJMP | kJEQ | kK, nr, 0, 1));
    p.insns.push_back(Stmt(kRET | kK, kErrno1));
  }
  p.insns.push_back(Stmt(kRET | kK, kAllow));
  return p;
}

TEST(DiffClasses, ComparisonsOfTheWholeWordSplitIt) {
  const DataClasses c = Classes(Program{{
      Stmt(kLD | kW | kABS, 4), Jump(kJMP | kJEQ | kK, kAuditArchX86_64, 1, 0),
      Stmt(kRET | kK, 0), Stmt(kLD | kW | kABS, 0), Jump(kJMP | kJEQ | kK, 5, 3, 0),
      Jump(kJMP | kJGT | kK, 9, 2, 0), Jump(kJMP | kJGE | kK, 100, 1, 0),
      Stmt(kRET | kK, kAllow), Stmt(kRET | kK, kErrno1)}});
  EXPECT_TRUE(c.arch.exact);
  EXPECT_TRUE(c.nr.exact);
  EXPECT_EQ(c.arch.starts, (std::vector<uint32_t>{0, kAuditArchX86_64, kAuditArchX86_64 + 1}));
  EXPECT_EQ(c.nr.starts, (std::vector<uint32_t>{0, 5, 6, 10, 100}));
  EXPECT_EQ(c.nr.last(4), 0xffffffffu);
  EXPECT_EQ(c.nr.last(2), 9u);
}

TEST(DiffClasses, JsetOnTheX32BitSplitsIntoAlignedBlocks) {
  const DataClasses c = Classes(Program{{Stmt(kLD | kW | kABS, 0),
                                         Jump(kJMP | kJSET | kK, 0x40000000, 0, 1),
                                         Stmt(kRET | kK, 0), Stmt(kRET | kK, kAllow)}});
  EXPECT_TRUE(c.nr.exact);
  EXPECT_EQ(c.nr.starts,
            (std::vector<uint32_t>{0, 0x40000000, 0x80000000, 0xc0000000}));
}

TEST(DiffClasses, AConstantOnTheLeftSplitsToo) {
  // 10 > nr: true for nr <= 9.
  const DataClasses c = Classes(Program{{Stmt(kLD | kW | kABS, 0), Stmt(kMISC | kTAX, 0),
                                         Stmt(kLD | kIMM, 10), Jump(kJMP | kJGT | kX, 0, 0, 1),
                                         Stmt(kRET | kK, 0), Stmt(kRET | kK, kAllow)}});
  EXPECT_TRUE(c.nr.exact);
  EXPECT_EQ(c.nr.starts, (std::vector<uint32_t>{0, 10}));
}

TEST(DiffClasses, OtherUsesOfTheWordAreInexact) {
  // Arithmetic on nr, then a comparison.
  DataClasses c = Classes(Program{{Stmt(kLD | kW | kABS, 0), Stmt(kALU | kAND | kK, 0xff),
                                   Jump(kJMP | kJEQ | kK, 1, 0, 1), Stmt(kRET | kK, 0),
                                   Stmt(kRET | kK, kAllow)}});
  EXPECT_FALSE(c.nr.exact);
  EXPECT_TRUE(c.arch.exact);
  // RET A of the arch word.
  c = Classes(Program{{Stmt(kLD | kW | kABS, 4), Stmt(kRET | kRetA, 0)}});
  EXPECT_FALSE(c.arch.exact);
  EXPECT_TRUE(c.nr.exact);
  // nr compared with an argument.
  c = Classes(Program{{Stmt(kLD | kW | kABS, 16), Stmt(kMISC | kTAX, 0), Stmt(kLD | kW | kABS, 0),
                       Jump(kJMP | kJGT | kX, 0, 0, 1), Stmt(kRET | kK, 0),
                       Stmt(kRET | kK, kAllow)}});
  EXPECT_FALSE(c.nr.exact);
  // A jset on the lowest bit would need 2^32 classes.
  c = Classes(Program{{Stmt(kLD | kW | kABS, 0), Jump(kJMP | kJSET | kK, 1, 0, 1),
                       Stmt(kRET | kK, 0), Stmt(kRET | kK, kAllow)}});
  EXPECT_FALSE(c.nr.exact);
  // Division by nr (X == 0 returns 0).
  c = Classes(Program{{Stmt(kLD | kW | kABS, 0), Stmt(kMISC | kTAX, 0), Stmt(kLD | kIMM, 7),
                       Stmt(kALU | kDIV | kX, 0), Stmt(kRET | kK, kAllow)}});
  EXPECT_FALSE(c.nr.exact);
}

TEST(Diff, ConsecutiveNumbersWithOnePairOfOutcomesAreOneRow) {
  const VerifiedProgram a = V(DenyList({4, 5, 6, 7, 8, 9, 20}));
  const VerifiedProgram b = V(DenyList({20}));
  const DiffResult r = Diff({&a}, {&b});
  EXPECT_FALSE(r.equivalent);
  EXPECT_TRUE(r.exact);
  ASSERT_EQ(r.rows.size(), 1u);
  const DiffRow& row = r.rows[0];
  EXPECT_EQ(row.arch_first, kAuditArchX86_64);
  EXPECT_EQ(row.arch_last, kAuditArchX86_64);
  EXPECT_EQ(row.nr_first, 4u);
  EXPECT_EQ(row.nr_last, 9u);
  EXPECT_EQ(row.a, kErrno1);
  EXPECT_EQ(row.b, kAllow);
  EXPECT_FALSE(row.every_nr || row.a_depends || row.b_depends);
  ASSERT_EQ(r.differences.size(), 1u);
  EXPECT_EQ(r.differences[0].record.nr, 4);
}

TEST(Diff, DifferentPairsAreSeparateRowsInNumberOrder) {
  const VerifiedProgram a = V(DenyList({4, 5, 300}));
  const VerifiedProgram b = V(DenyList({6}));
  const DiffResult r = Diff({&a}, {&b});
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.rows[0].nr_first, 4u);
  EXPECT_EQ(r.rows[0].nr_last, 5u);
  EXPECT_EQ(r.rows[1].nr_first, 6u);
  EXPECT_EQ(r.rows[1].a, kAllow);
  EXPECT_EQ(r.rows[1].b, kErrno1);
  EXPECT_EQ(r.rows[2].nr_first, 300u);
}

TEST(Diff, ArchesNeitherSideLooksIntoAreFoldedIntoEveryNumber) {
  const VerifiedProgram a = V(DenyList({59}, seccomp::kRetKillThread));
  const VerifiedProgram b = V(DenyList({59}, seccomp::kRetKillProcess));
  const DiffResult r = Diff({&a}, {&b});
  ASSERT_EQ(r.rows.size(), 2u);  // the arch values below and above x86_64
  EXPECT_EQ(r.rows[0].arch_first, 0u);
  EXPECT_EQ(r.rows[0].arch_last, kAuditArchX86_64 - 1);
  EXPECT_EQ(r.rows[1].arch_first, kAuditArchX86_64 + 1);
  EXPECT_EQ(r.rows[1].arch_last, 0xffffffffu);
  for (const DiffRow& row : r.rows) {
    EXPECT_TRUE(row.every_nr);
    EXPECT_EQ(row.nr_first, 0u);
    EXPECT_EQ(row.nr_last, 0xffffffffu);
    EXPECT_EQ(row.a, seccomp::kRetKillThread);
    EXPECT_EQ(row.b, seccomp::kRetKillProcess);
  }
}

TEST(Diff, ArchesOptionRestrictsTheComparison) {
  const VerifiedProgram a = V(DenyList({59}, seccomp::kRetKillThread));
  const VerifiedProgram b = V(DenyList({59}, seccomp::kRetKillProcess));
  DiffOptions o;
  o.arches = {kAuditArchX86_64};
  EXPECT_TRUE(Diff({&a}, {&b}, o).equivalent);
  o.arches = {kAuditArchI386, kAuditArchX86_64};
  const DiffResult r = Diff({&a}, {&b}, o);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].arch_first, kAuditArchI386);
  EXPECT_EQ(r.rows[0].arch_last, kAuditArchI386);
  EXPECT_TRUE(r.rows[0].every_nr);
}

TEST(Diff, MaxBoundsTheRowsListed) {
  const VerifiedProgram a = V(DenyList({1, 3, 5, 7}));
  const VerifiedProgram b = V(DenyList({}));
  DiffOptions o;
  o.max_differences = 2;
  DiffResult r = Diff({&a}, {&b}, o);
  EXPECT_FALSE(r.equivalent);
  EXPECT_TRUE(r.truncated);
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[1].nr_first, 3u);
  o.max_differences = 4;
  r = Diff({&a}, {&b}, o);
  EXPECT_FALSE(r.truncated);
  EXPECT_EQ(r.rows.size(), 4u);
}

TEST(Diff, ArgumentDependentRowHasAPlainWitness) {
  // A: mmap(9) with PROT_EXEC (args[2] bit 2) is ERRNO(1); B allows every x86_64 call.
  const VerifiedProgram a = V(Program{{
      Stmt(kLD | kW | kABS, 4), Jump(kJMP | kJEQ | kK, kAuditArchX86_64, 1, 0),
      Stmt(kRET | kK, 0), Stmt(kLD | kW | kABS, 0), Jump(kJMP | kJEQ | kK, 9, 0, 3),
      Stmt(kLD | kW | kABS, 32), Jump(kJMP | kJSET | kK, 4, 0, 1), Stmt(kRET | kK, kErrno1),
      Stmt(kRET | kK, kAllow)}});
  const VerifiedProgram b = V(DenyList({}, 0));
  const DiffResult r = Diff({&a}, {&b});
  EXPECT_TRUE(r.exact);
  ASSERT_EQ(r.rows.size(), 1u);
  const DiffRow& row = r.rows[0];
  EXPECT_EQ(row.nr_first, 9u);
  EXPECT_EQ(row.nr_last, 9u);
  EXPECT_TRUE(row.a_depends);
  EXPECT_FALSE(row.b_depends);
  EXPECT_EQ(row.a, kErrno1);
  EXPECT_EQ(row.b, kAllow);
  const SeccompData& w = row.witness.record;
  EXPECT_EQ(w.args[2], 4u);  // only the deciding bit
  EXPECT_EQ(w.args[0] | w.args[1] | w.args[3] | w.args[4] | w.args[5] | w.instruction_pointer, 0u);
}

// A filter shaped like compiler output: an arch check, then tests of the whole nr word (jeq,
// jgt, jge, and sometimes a jset), each leading to a return or to an argument check.
Program Structured(std::mt19937& rng) {
  static const uint32_t kArches[] = {kAuditArchX86_64, kAuditArchI386, kAuditArchAarch64};
  static const uint16_t kOps[] = {kJEQ, kJEQ, kJGT, kJGE, kJSET};
  auto ret = [&] { return Stmt(kRET | kK, testing::RandomRet(rng) | (rng() % 3)); };
  for (;;) {
    Program p{{Stmt(kLD | kW | kABS, 4),
               Jump(kJMP | kJEQ | kK, kArches[rng() % 3], 1, 0), ret(), Stmt(kLD | kW | kABS, 0)}};
    const int blocks = 1 + static_cast<int>(rng() % 10);
    for (int i = 0; i < blocks; ++i) {
      const uint16_t op = kOps[rng() % 5];
      uint32_t k = rng() % 24;
      if (op == kJSET) k = rng() % 4 ? 0x40000000u : 1u;  // 1: the solver's fallback
      if (rng() % 8 == 0) k = 0x40000000u + rng() % 8;
      if (rng() % 2) {  // argument check: (args[i].lo & m) or == v
        const uint32_t word = 16 + 8 * (rng() % 3) + 4 * (rng() % 2);
        p.insns.push_back(Jump(kJMP | op | kK, k, 0, 4));
        p.insns.push_back(Stmt(kLD | kW | kABS, word));
        p.insns.push_back(Jump(kJMP | (rng() % 2 ? kJSET : kJEQ) | kK, rng() % 4, 0, 1));
        p.insns.push_back(ret());
        p.insns.push_back(ret());
      } else {
        p.insns.push_back(Jump(kJMP | op | kK, k, 0, 1));
        p.insns.push_back(ret());
      }
    }
    p.insns.push_back(ret());
    if (Verify(p).ok()) return p;
  }
}

std::vector<SeccompData> Probes(std::mt19937& rng) {
  std::vector<SeccompData> out;
  const uint32_t arches[] = {kAuditArchX86_64, kAuditArchI386, kAuditArchAarch64, 0,
                             kAuditArchX86_64 + 1, 0xffffffff};
  std::vector<uint32_t> nrs = {0x3fffffff, 0x40000000, 0x40000007, 0x7fffffff, 0x80000000,
                               0xffffffff};
  for (uint32_t n = 0; n < 26; ++n) nrs.push_back(n);
  for (uint32_t arch : arches) {
    for (uint32_t nr : nrs) {
      for (int i = 0; i < 4; ++i) {
        SeccompData d;
        if (i > 0) d = testing::RandomRecord(rng);
        if (i == 2) d.args[0] = d.args[1] = d.args[2] = rng() % 4;
        d.arch = arch;
        d.nr = static_cast<int32_t>(nr);
        out.push_back(d);
      }
    }
  }
  return out;
}

const DiffRow* RowOf(const DiffResult& r, const SeccompData& d) {
  for (const DiffRow& row : r.rows) {
    if (row.arch_first <= d.arch && d.arch <= row.arch_last &&
        row.nr_first <= static_cast<uint32_t>(d.nr) && static_cast<uint32_t>(d.nr) <= row.nr_last) {
      return &row;
    }
  }
  return nullptr;
}

TEST(Diff, StructuredFiltersAgreeWithBruteForceAndTheWholeQuery) {
  std::mt19937 rng(1812);
  int differing = 0;
  int exact_cases = 0;
  for (int i = 0; i < 60; ++i) {
    const VerifiedProgram a = V(Structured(rng));
    const VerifiedProgram b = V(Structured(rng));
    // Where a jset #1 makes the classes of nr inexact, the solver lists one nr at a time:
    // then only the first rows are checked.
    const DataClasses classes = ClassesOf({&a, &b});
    const bool by_class = classes.nr.exact && classes.arch.exact;
    DiffOptions o;
    o.max_differences = by_class ? 100000 : 20;
    const DiffResult r = Diff({&a}, {&b}, o);
    ASSERT_TRUE(r.exact);
    ASSERT_TRUE(!by_class || !r.truncated);
    exact_cases += by_class;
    for (const DiffRow& row : r.rows) {
      EXPECT_NE(ConcreteOutcome({&a}, row.witness.record),
                ConcreteOutcome({&b}, row.witness.record));
      EXPECT_EQ(RowOf(r, row.witness.record), &row);
    }
    for (const SeccompData& d : Probes(rng)) {
      const uint32_t oa = ConcreteOutcome({&a}, d);
      const uint32_t ob = ConcreteOutcome({&b}, d);
      const DiffRow* row = RowOf(r, d);
      if (oa != ob && !r.truncated) {
        ASSERT_NE(row, nullptr) << "case " << i << ": arch 0x" << std::hex << d.arch << " nr 0x"
                                << d.nr << " differs but is in no row";
      }
      if (row && !row->a_depends) EXPECT_EQ(oa, row->a) << "case " << i;
      if (row && !row->b_depends) EXPECT_EQ(ob, row->b) << "case " << i;
    }
    DiffOptions whole;
    whole.whole = true;
    whole.max_differences = 1;
    const DiffResult w = Diff({&a}, {&b}, whole);
    ASSERT_TRUE(w.exact);
    EXPECT_EQ(w.equivalent, r.equivalent) << "case " << i;
    differing += !r.equivalent;
  }
  EXPECT_GT(differing, 10);
  EXPECT_GT(exact_cases, 30);
}

TEST(Diff, EquivalentLayoutsOfOneFilterAreProvenEqual) {
  // The same deny list, chain and reversed chain: equal everywhere.
  std::vector<uint32_t> deny;
  for (uint32_t n = 0; n < 120; n += 3) deny.push_back(n);
  const VerifiedProgram a = V(DenyList(deny));
  std::reverse(deny.begin(), deny.end());
  const VerifiedProgram b = V(DenyList(deny));
  const DiffResult r = Diff({&a}, {&b});
  EXPECT_TRUE(r.equivalent);
  EXPECT_TRUE(r.exact);
  EXPECT_TRUE(r.rows.empty());
}

}  // namespace
}  // namespace sckit::analysis
