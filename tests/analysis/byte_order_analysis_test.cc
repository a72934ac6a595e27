// The analyses on big-endian arches: the solver's 16 words are what the filter loads, so a
// filter for s390x that tests the word at offset 16 tests args[0]'s HIGH half there. Witness
// records come back as values (a0 = 0x1_00000000 for "word 16 == 1" on s390x, a0 = 1 on
// x86_64), replay in the interpreter, and coverage and the record search see the same layout.
#include <gtest/gtest.h>

#include "analysis/coverage.h"
#include "analysis/diff.h"
#include "analysis/record_search.h"
#include "analysis/table.h"
#include "verifier/verifier.h"
#include "vm/arch.h"
#include "vm/bpf.h"

namespace sckit::analysis {
namespace {

constexpr uint32_t kAllow = 0x7fff0000;
constexpr uint32_t kErrno1 = 0x00050001;

VerifiedProgram V(const Program& p) {
  Result<VerifiedProgram> v = Verify(p);
  EXPECT_TRUE(v.ok()) << v.error().ToString();
  return std::move(v).value();
}

// arch == A: ERRNO(1) when the word at offset 16 is 1, else ALLOW; other arches: ALLOW.
VerifiedProgram Word16IsOne(uint32_t arch) {
  return V(Program{{
      Stmt(0x20, 4),               // 0 ld [4] (arch)
      Jump(0x15, arch, 0, 3),      // 1 jeq A ? 2 : 5
      Stmt(0x20, 16),              // 2 ld [16]
      Jump(0x15, 1, 0, 1),         // 3 == 1 ? 4 : 5
      Stmt(0x06, kErrno1),         // 4
      Stmt(0x06, kAllow),          // 5
  }});
}

TEST(ByteOrderAnalysis, DiffWitnessIsTheMachinesRecord) {
  const VerifiedProgram allow = V(Program{{Stmt(0x06, kAllow)}});
  struct Case {
    const char* arch;
    uint64_t a0;  // by hand: the value of args[0] whose word at 16 is 1 and the rest 0
  } const cases[] = {{"s390x", 0x100000000ull}, {"ppc64", 0x100000000ull},
                     {"mips", 0x100000000ull},  {"x86_64", 1},
                     {"aarch64", 1}};
  for (const Case& c : cases) {
    const uint32_t arch = FindArch(c.arch)->audit_arch;
    const VerifiedProgram f = Word16IsOne(arch);
    const DiffResult r = Diff({&f}, {&allow});
    ASSERT_GE(r.differences.size(), 1u) << c.arch;  // rows of (arch, nr ranges), a witness each
    const Difference& d = r.differences[0];
    EXPECT_TRUE(r.exact) << c.arch;  // the interpreter replayed every witness the same way
    EXPECT_EQ(d.record.arch, arch) << c.arch;
    EXPECT_EQ(d.record.args[0], c.a0) << c.arch;
    EXPECT_EQ(d.a, kErrno1) << c.arch;
    EXPECT_EQ(d.b, kAllow) << c.arch;
  }
}

TEST(ByteOrderAnalysis, TableWitnessesAndWordNames) {
  const ArchInfo* s390x = FindArch("s390x");
  const VerifiedProgram f = Word16IsOne(s390x->audit_arch);
  AnalyzeOptions o;
  o.arches = {s390x};
  const Analysis a = Analyze({&f}, o);
  ASSERT_EQ(a.tables.size(), 1u);
  ASSERT_FALSE(a.tables[0].rows.empty());
  const SyscallRow& row = a.tables[0].rows[0];
  ASSERT_EQ(row.outcomes.size(), 2u);
  for (const OutcomeCase& c : row.outcomes) {
    const bool high_is_one = (c.witness.args[0] >> 32) == 1;
    EXPECT_EQ(c.outcome == kErrno1, high_is_one) << std::hex << c.witness.args[0];
  }
  EXPECT_EQ(row.deciding_words, 1u << 4);
  EXPECT_STREQ(WordName(4, s390x->big_endian), "args[0].hi");
  EXPECT_STREQ(WordName(5, s390x->big_endian), "args[0].lo");
  EXPECT_STREQ(WordName(2, true), "ip.hi");
  EXPECT_STREQ(WordName(4, false), "args[0].lo");
  EXPECT_STREQ(WordName(1, true), "arch");
}

TEST(ByteOrderAnalysis, CoverageAndRecordSearchUseTheLayout) {
  const uint32_t s390x = FindArch("s390x")->audit_arch;
  const VerifiedProgram f = Word16IsOne(s390x);
  CoverageCollector low({&f});
  SeccompData d;
  d.arch = s390x;
  d.args[0] = 1;  // the LOW half is 1: word 16 is 0 on s390x, ERRNO never reached
  low.Add(d);
  EXPECT_EQ(low.Finish()[0].insns[4].hits, 0u);  // ret ERRNO(1) not run
  EXPECT_EQ(low.Finish()[0].insns[5].hits, 1u);
  CoverageCollector high({&f});
  d.args[0] = 0x100000000ull;
  high.Add(d);
  EXPECT_EQ(high.Finish()[0].insns[4].hits, 1u);
  EXPECT_EQ(high.Finish()[0].insns[5].hits, 0u);
  FuzzOptions fo;
  fo.max_seconds = 0;
  fo.max_runs = 2000;
  const FuzzResult r = FuzzStack({&f}, fo);
  EXPECT_EQ(r.edges_covered, r.edges_total);
  bool errno_record = false;  // the record reaching ret ERRNO(1) has the high half set
  for (const SeccompData& rec : r.records) {
    if (rec.arch == s390x && (rec.args[0] >> 32) == 1) errno_record = true;
  }
  EXPECT_TRUE(errno_record);
}

}  // namespace
}  // namespace sckit::analysis
