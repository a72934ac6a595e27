// The symbolic encoding against the interpreter, and semantic diff on known pairs.
#include <gtest/gtest.h>

#include <random>

#include "analysis/diff.h"
#include "analysis/symbolic.h"
#include "tests/random_program.h"
#include "vm/action.h"
#include "vm/interpreter.h"
#include "verifier/verifier.h"

namespace sckit::analysis {
namespace {

VerifiedProgram V(const Program& p) {
  Result<VerifiedProgram> v = Verify(p);
  EXPECT_TRUE(v.ok()) << v.error().ToString();
  return std::move(v).value();
}

TEST(Symbolic, AgreesWithTheInterpreterOnRandomPrograms) {
  std::mt19937 rng(20261123);
  z3::context ctx;
  DataWords words(ctx);
  int checked = 0;
  for (int i = 0; i < 300; ++i) {
    const VerifiedProgram p = V(testing::RandomVerifiedProgram(rng));
    const SymbolicProgram s = Encode(ctx, p, words);
    for (int j = 0; j < 10; ++j) {
      const SeccompData d = testing::RandomRecord(rng);
      z3::expr_vector from(ctx), to(ctx);
      for (uint32_t w = 0; w < 16; ++w) {
        from.push_back(words.w[w]);
        to.push_back(ctx.bv_val(LoadWord(d, 4 * w), 32));
      }
      z3::expr ret = s.ret;
      z3::expr v = ret.substitute(from, to).simplify();
      uint64_t got = 0;
      ASSERT_TRUE(v.is_numeral_u64(got)) << v;
      ASSERT_EQ(static_cast<uint32_t>(got), RunFilter(p, d)) << "program " << i;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 3000);
}

TEST(Symbolic, CanonicalMatchesTheKernelsTreatment) {
  EXPECT_EQ(CanonicalValue(0x00051388), 0x00050fffu);  // ERRNO(5000) -> 4095
  EXPECT_EQ(CanonicalValue(0x7fff0001), 0x7fff0000u);  // ALLOW data ignored
  EXPECT_EQ(CanonicalValue(0x10000000), 0x80000000u);  // unknown -> KILL_PROCESS
  EXPECT_EQ(CanonicalValue(0x00030007), 0x00030007u);  // TRAP keeps data
  EXPECT_EQ(CanonicalText(0x00050fff), "ERRNO(4095)");
  EXPECT_EQ(CanonicalText(0x00050001, Numbering::kGeneric), "ERRNO(1) EPERM");
  EXPECT_EQ(CanonicalText(0x00050fff, Numbering::kGeneric), "ERRNO(4095)");  // no name
  // In the numbering of the outcome's arch: mips's ENOSYS is 89; no names without one.
  const uint32_t mips_enosys =
      0x00050000u | static_cast<uint32_t>(*ErrnoByName("ENOSYS", Numbering::kMips));
  EXPECT_EQ(CanonicalText(mips_enosys, Numbering::kMips), "ERRNO(89) ENOSYS");
  EXPECT_EQ(CanonicalText(mips_enosys, Numbering::kGeneric).find("ENOSYS"), std::string::npos);
  EXPECT_EQ(CanonicalText(0x00050001, Numbering::kUnknown), "ERRNO(1)");
  EXPECT_EQ(CanonicalText(0x00050001), "ERRNO(1)");
  EXPECT_EQ(CanonicalText(0x00050001), "ERRNO(1)");  // JSON fields keep the bare form
  z3::context ctx;
  for (uint32_t v : {0x00051388u, 0x7fff0001u, 0x10000000u, 0x7ff00005u, 0x7fc00009u,
                     0x7ffc0001u, 0x00000007u, 0x80000001u, 0x00050000u}) {
    uint64_t got = 0;
    ASSERT_TRUE(Canonical(ctx, ctx.bv_val(v, 32)).simplify().is_numeral_u64(got));
    EXPECT_EQ(got, CanonicalValue(v)) << std::hex << v;
  }
}

TEST(Symbolic, StackPrecedenceMatchesResolveStack) {
  std::mt19937 rng(5);
  z3::context ctx;
  for (int i = 0; i < 2000; ++i) {
    std::vector<uint32_t> rets;
    std::vector<z3::expr> exprs;
    for (int n = 1 + static_cast<int>(rng() % 4); n > 0; --n) {
      rets.push_back(testing::RandomRet(rng));
      exprs.push_back(ctx.bv_val(rets.back(), 32));
    }
    uint64_t got = 0;
    ASSERT_TRUE(StackRet(ctx, exprs).simplify().is_numeral_u64(got));
    EXPECT_EQ(got, ResolveStack(rets).ret);
  }
}

// ld [arch]; jeq X86_64 ? next : kill; ld [nr]; jeq nr ? errno : allow
Program DenyOne(uint32_t nr, uint32_t deny) {
  return Program{{Stmt(0x20, 4), Jump(0x15, 0xc000003e, 1, 0), Stmt(0x06, 0x80000000),
                  Stmt(0x20, 0), Jump(0x15, nr, 0, 1), Stmt(0x06, deny),
                  Stmt(0x06, 0x7fff0000)}};
}

TEST(Diff, IdenticalAndEquivalentFiltersAreEquivalent) {
  const VerifiedProgram a = V(DenyOne(59, 0x00050001));
  // Same meaning, different code: ERRNO(1) vs the same through RET A, ALLOW with data.
  const VerifiedProgram b = V(Program{{Stmt(0x20, 4), Jump(0x15, 0xc000003e, 1, 0),
                                       Stmt(0x06, 0x80000000), Stmt(0x20, 0),
                                       Jump(0x15, 59, 0, 2), Stmt(0x00, 0x00050001),
                                       Stmt(0x16, 0), Stmt(0x06, 0x7fff0123)}});
  DiffResult r = Diff({&a}, {&b});
  EXPECT_TRUE(r.equivalent);
  EXPECT_TRUE(r.exact);
  EXPECT_TRUE(r.differences.empty());
}

TEST(Diff, FindsEachDifferingSyscallWithAReplayedWitness) {
  const VerifiedProgram a = V(DenyOne(59, 0x00050001));
  const VerifiedProgram b = V(DenyOne(322, 0x00050001));
  DiffResult r = Diff({&a}, {&b});
  EXPECT_FALSE(r.equivalent);
  EXPECT_TRUE(r.exact);
  ASSERT_EQ(r.differences.size(), 2u);
  for (const Difference& d : r.differences) {
    EXPECT_EQ(d.record.arch, 0xc000003eu);
    EXPECT_TRUE(d.record.nr == 59 || d.record.nr == 322);
    EXPECT_NE(d.a, d.b);
    EXPECT_EQ(d.record.args[0], 0u);  // plain witnesses
  }
}

TEST(Diff, ErrnoCapMakesLargeErrnosEqual) {
  const VerifiedProgram a = V(DenyOne(59, 0x00050fff));
  const VerifiedProgram b = V(DenyOne(59, 0x0005ffff));
  EXPECT_TRUE(Diff({&a}, {&b}).equivalent);
}

TEST(Diff, ArgumentDependentDifference) {
  // a: allow; b: ERRNO(1) when args[1].hi has bit 0 set.
  const VerifiedProgram a = V(Program{{Stmt(0x06, 0x7fff0000)}});
  const VerifiedProgram b = V(Program{{Stmt(0x20, 28), Jump(0x45, 1, 0, 1),
                                       Stmt(0x06, 0x00050001), Stmt(0x06, 0x7fff0000)}});
  DiffOptions o;
  o.max_differences = 3;
  DiffResult r = Diff({&a}, {&b}, o);
  EXPECT_FALSE(r.equivalent);
  EXPECT_FALSE(r.truncated);
  // Neither filter looks at arch or nr: every (arch, nr) is one row, B depending on args.
  ASSERT_EQ(r.rows.size(), 1u);
  const DiffRow& row = r.rows[0];
  EXPECT_EQ(row.arch_first, 0u);
  EXPECT_EQ(row.arch_last, 0xffffffffu);
  EXPECT_EQ(row.nr_first, 0u);
  EXPECT_EQ(row.nr_last, 0xffffffffu);
  EXPECT_FALSE(row.a_depends);
  EXPECT_TRUE(row.b_depends);
  ASSERT_EQ(r.differences.size(), 1u);
  EXPECT_EQ(r.differences[0].record.args[1] >> 32 & 1, 1u);
  EXPECT_EQ(r.differences[0].record.args[0], 0u);  // plain apart from the deciding bit
}

TEST(Diff, StacksUseKernelPrecedence) {
  const VerifiedProgram allow = V(Program{{Stmt(0x06, 0x7fff0000)}});
  const VerifiedProgram e1 = V(DenyOne(59, 0x00050001));
  const VerifiedProgram e2 = V(DenyOne(59, 0x00050002));
  // Newest wins on ties: [e1, e2] -> ERRNO(2) for execve; [e2, e1] -> ERRNO(1).
  DiffResult r = Diff({&e1, &e2}, {&e2, &e1});
  EXPECT_FALSE(r.equivalent);
  ASSERT_EQ(r.differences.size(), 1u);
  EXPECT_EQ(r.differences[0].a, 0x00050002u);
  EXPECT_EQ(r.differences[0].b, 0x00050001u);
  // An ALLOW filter under a stack changes nothing.
  EXPECT_TRUE(Diff({&allow, &e1}, {&e1}).equivalent);
}

TEST(Diff, RandomStacksAgreeWithConcreteEvaluation) {
  std::mt19937 rng(99);
  testing::RandomProgramOptions o;
  o.max_len = 15;
  for (int i = 0; i < 40; ++i) {
    const VerifiedProgram a = V(testing::RandomVerifiedProgram(rng, o));
    const VerifiedProgram b = V(testing::RandomVerifiedProgram(rng, o));
    DiffOptions d;
    d.max_differences = 4;
    DiffResult r = Diff({&a}, {&b}, d);
    EXPECT_TRUE(r.exact);
    if (r.equivalent) {
      for (int j = 0; j < 200; ++j) {
        const SeccompData rec = testing::RandomRecord(rng);
        ASSERT_EQ(ConcreteOutcome({&a}, rec), ConcreteOutcome({&b}, rec));
      }
    }
  }
}

}  // namespace
}  // namespace sckit::analysis
