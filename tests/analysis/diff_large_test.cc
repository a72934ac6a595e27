// analysis::Diff on large real filter pairs completes (issue 18's "in seconds, not 200 s"; the
// time itself is a benchmark figure in docs/performance.md, not asserted): Docker's vs Podman's
// default profiles as bundled (1,001 and 1,125 instructions) and compiled for two host arches
// (~1,300 and ~1,400). Asserted on the result: exact, complete, every witness replays, and
// every (arch, nr) that brute force sees differing lies in a row, with the row's outcomes.
#include <gtest/gtest.h>

#include <random>

#include "analysis/diff.h"
#include "formats/loader.h"
#include "verifier/verifier.h"
#include "vm/arch.h"

namespace sckit::analysis {
namespace {

VerifiedProgram Load(const std::string& path) {
  Result<Program> p = LoadProgramFile(path);
  EXPECT_TRUE(p.ok()) << path;
  Result<VerifiedProgram> v = Verify(*p);
  EXPECT_TRUE(v.ok()) << path;
  return std::move(v).value();
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

void CheckPair(const std::string& a_path, const std::string& b_path) {
  const VerifiedProgram a = Load(a_path);
  const VerifiedProgram b = Load(b_path);
  DiffOptions o;
  o.max_differences = 1000000;
  const DiffResult r = Diff({&a}, {&b}, o);
  ASSERT_TRUE(r.exact);
  ASSERT_FALSE(r.truncated);
  ASSERT_FALSE(r.equivalent);
  EXPECT_GT(r.rows.size(), 50u);
  for (const Difference& d : r.differences) {
    EXPECT_NE(ConcreteOutcome({&a}, d.record), ConcreteOutcome({&b}, d.record));
  }
  std::mt19937 rng(7);
  std::vector<uint32_t> nrs;
  for (uint32_t n = 0; n < 1100; ++n) nrs.insert(nrs.end(), {n, n | kX32SyscallBit});
  nrs.insert(nrs.end(), {0xffffffffu, 0x80000000u, 0x3fffffffu});
  size_t differing = 0;
  for (uint32_t arch : {kAuditArchX86_64, kAuditArchI386, kAuditArchAarch64, 0x40000028u, 0u}) {
    for (uint32_t nr : nrs) {
      SeccompData d;
      d.arch = arch;
      d.nr = static_cast<int32_t>(nr);
      if (rng() % 2) d.args[0] = rng() % 2 ? rng() : 0x7e020000u;  // clone flags
      const uint32_t oa = ConcreteOutcome({&a}, d);
      const uint32_t ob = ConcreteOutcome({&b}, d);
      const DiffRow* row = RowOf(r, d);
      if (oa != ob) {
        ++differing;
        ASSERT_NE(row, nullptr) << std::hex << "arch 0x" << arch << " nr 0x" << nr;
      }
      if (row && !row->a_depends) EXPECT_EQ(oa, row->a) << std::hex << arch << " " << nr;
      if (row && !row->b_depends) EXPECT_EQ(ob, row->b) << std::hex << arch << " " << nr;
    }
  }
  EXPECT_GT(differing, 100u);
  // A large filter against itself: the proof the optimizer runs.
  EXPECT_TRUE(Diff({&b}, {&b}).equivalent);
}

TEST(DiffLarge, BundledDockerAndPodmanProfiles) {
  CheckPair("examples/profiles/docker-default.bpf", "examples/profiles/podman-default.bpf");
}

TEST(DiffLarge, TwoArchHostProfilesOf1300And1400Instructions) {
  CheckPair("tests/analysis/docker-default-multiarch.bpf",
            "tests/analysis/podman-default-multiarch.bpf");
}

}  // namespace
}  // namespace sckit::analysis
