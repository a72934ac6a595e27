// Decision tables and diffs checked against brute-force evaluation over the syscall space and
// chosen argument values, on the bundled examples and on random filters.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <cstring>
#include <set>

#include "analysis/diff.h"
#include "analysis/symbolic.h"
#include "analysis/table.h"
#include "tests/random_program.h"
#include "vm/bpf.h"
#include "formats/loader.h"
#include "verifier/verifier.h"

namespace sckit::analysis {
namespace {

VerifiedProgram Load(const std::string& path) {
  Result<Program> p = LoadProgramFile(path);
  EXPECT_TRUE(p.ok()) << path << ": " << (p.ok() ? "" : p.error().ToString());
  Result<VerifiedProgram> v = Verify(*p);
  EXPECT_TRUE(v.ok()) << path;
  return std::move(v).value();
}

// The constants a program compares with, and their neighbours: the values brute force tries in
// every argument word.
std::vector<uint32_t> Probes(const VerifiedProgram& p) {
  std::set<uint32_t> s = {0, 1, 0xffffffff, 0x80000000};
  for (const SockFilter& f : p.insns()) {
    if (bpf::Class(f.code) == bpf::kJMP || bpf::Class(f.code) == bpf::kALU) {
      s.insert(f.k);
      s.insert(f.k + 1);
      s.insert(f.k - 1);
    }
  }
  return {s.begin(), s.end()};
}

void CheckTableAgainstBruteForce(const VerifiedProgram& p, const std::string& what) {
  AnalyzeOptions o;
  o.arches = {FindArch("x86_64"), FindArch("i386")};
  const Analysis a = Analyze({&p}, o);
  const std::vector<uint32_t> probes = Probes(p);
  size_t evaluations = 0;
  for (const ArchTable& t : a.tables) {
    std::vector<SyscallRow> rows = t.rows;
    rows.insert(rows.end(), t.special.begin(), t.special.end());
    for (const SyscallRow& r : rows) {
      std::set<uint32_t> allowed;
      for (const OutcomeCase& c : r.outcomes) {
        allowed.insert(c.outcome);
        ASSERT_EQ(ConcreteOutcome({&p}, c.witness), c.outcome) << what << " nr " << r.nr;
        ASSERT_EQ(c.witness.nr, r.nr);
        ASSERT_EQ(c.witness.arch, t.arch->audit_arch);
      }
      if (r.outcomes.size() >= 8) continue;  // enumeration capped: only a subset is listed
      SeccompData d;
      d.arch = t.arch->audit_arch;
      d.nr = r.nr;
      for (int word = 2; word < 16; ++word) {
        for (uint32_t v : probes) {
          SeccompData e = d;
          std::memcpy(reinterpret_cast<unsigned char*>(&e) + 4 * word, &v, 4);
          const uint32_t got = ConcreteOutcome({&p}, e);
          ++evaluations;
          ASSERT_TRUE(allowed.count(got))
              << what << ": " << t.arch->name << " nr " << r.nr << " word " << word << " = 0x"
              << std::hex << v << " gives " << CanonicalText(got)
              << ", which the table does not list";
        }
      }
    }
  }
  EXPECT_GT(evaluations, 1000u);
}

TEST(BruteForce, BundledExamplesTables) {
  for (const char* f : {"examples/server/server.bpf", "examples/denylist/denylist.bpf",
                        "examples/socket-args/socket-args.bpf",
                        "examples/multiarch/multiarch.bpf"}) {
    SCOPED_TRACE(f);
    const VerifiedProgram p = Load(f);
    CheckTableAgainstBruteForce(p, f);
  }
}

TEST(BruteForce, RandomFilterTables) {
  std::mt19937 rng(1123);
  testing::RandomProgramOptions o;
  o.max_len = 25;
  for (int i = 0; i < 6; ++i) {
    const Program prog = testing::RandomVerifiedProgram(rng, o);
    const VerifiedProgram p = std::move(Verify(prog)).value();
    CheckTableAgainstBruteForce(p, "random " + std::to_string(i));
  }
}

// The (arch, nr) pairs on which two programs differ with all other words 0, for the named
// syscalls of x86_64 and numbers up to 1024.
std::set<int32_t> BruteDiff(const VerifiedProgram& a, const VerifiedProgram& b) {
  std::set<int32_t> out;
  for (int32_t nr = -1; nr < 1024; ++nr) {
    SeccompData d;
    d.arch = kAuditArchX86_64;
    d.nr = nr;
    if (ConcreteOutcome({&a}, d) != ConcreteOutcome({&b}, d)) out.insert(nr);
  }
  return out;
}

TEST(BruteForce, DiffFindsExactlyAChangedAction) {
  const VerifiedProgram orig = Load("examples/server/server.bpf");
  // Change every RET in turn to another action: the diff must list every syscall number brute
  // force sees changing, and each witness must replay.
  const auto insns = orig.original().insns;
  int mutants = 0;
  int jeqs = 0;
  for (size_t pc = 0; pc < insns.size() && mutants < 6; ++pc) {
    Program m = orig.original();
    if (insns[pc].code == (bpf::kRET | bpf::kK)) {
      m.insns[pc].k = insns[pc].k == 0x00050001 ? 0x7fff0000 : 0x00050001;
    } else if (insns[pc].code == (bpf::kJMP | bpf::kJEQ | bpf::kK) && jeqs < 4 &&
               insns[pc].k < 1024) {
      m.insns[pc].k = insns[pc].k + 600;  // one syscall number's check moves elsewhere
      ++jeqs;
    } else {
      continue;
    }
    const VerifiedProgram mv = std::move(Verify(m)).value();
    DiffOptions o;
    o.max_differences = 64;
    const DiffResult r = Diff({&orig}, {&mv}, o);
    ASSERT_TRUE(r.exact);
    // Rows are ranges of numbers (a changed default return is one row of billions).
    ASSERT_FALSE(r.truncated);
    for (const Difference& d : r.differences) {
      EXPECT_NE(ConcreteOutcome({&orig}, d.record), ConcreteOutcome({&mv}, d.record));
    }
    auto listed = [&](int32_t nr) {
      for (const DiffRow& row : r.rows) {
        if (row.arch_first <= kAuditArchX86_64 && kAuditArchX86_64 <= row.arch_last &&
            row.nr_first <= static_cast<uint32_t>(nr) && static_cast<uint32_t>(nr) <= row.nr_last) {
          return true;
        }
      }
      return false;
    };
    for (int32_t nr : BruteDiff(orig, mv)) {
      EXPECT_TRUE(listed(nr)) << "pc " << pc << ": nr " << nr << " differs but is not listed";
    }
    EXPECT_FALSE(r.equivalent) << "pc " << pc;
    ++mutants;
  }
  EXPECT_GT(mutants, 2);
}

TEST(BruteForce, DiffFindsAChangedArgumentCheck) {
  const VerifiedProgram orig = Load("examples/socket-args/socket-args.bpf");
  // Change the first comparison against an argument word (a load of offset >= 16 followed by
  // a jump): exactly one syscall's argument check changes.
  Program m = orig.original();
  bool changed = false;
  for (size_t pc = 0; pc + 1 < m.insns.size() && !changed; ++pc) {
    if (m.insns[pc].code == (bpf::kLD | bpf::kW | bpf::kABS) && m.insns[pc].k >= 16 &&
        m.insns[pc + 1].code == (bpf::kJMP | bpf::kJEQ | bpf::kK)) {
      m.insns[pc + 1].k += 1;
      changed = true;
    }
  }
  ASSERT_TRUE(changed);
  const VerifiedProgram mv = std::move(Verify(m)).value();
  const DiffResult r = Diff({&orig}, {&mv});
  ASSERT_FALSE(r.equivalent);
  ASSERT_TRUE(r.exact);
  std::set<int32_t> nrs;
  for (const Difference& d : r.differences) {
    nrs.insert(d.record.nr);
    EXPECT_NE(ConcreteOutcome({&orig}, d.record), ConcreteOutcome({&mv}, d.record));
  }
  EXPECT_LE(nrs.size(), 2u);  // the syscall(s) sharing that argument check
}

}  // namespace
}  // namespace sckit::analysis
