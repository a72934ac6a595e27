// The optimizer's building blocks, each on its own: the layout (ja trampolines for far
// conditional targets), every generic pass on hand-made programs whose expected result is
// known, and every pass on random verified programs compared with the interpreter.
#include <gtest/gtest.h>

#include <random>

#include "optimize/code.h"
#include "optimize/passes.h"
#include "tests/random_program.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/interpreter.h"

namespace sckit::optimize {
namespace {

using namespace bpf;  // NOLINT

SockFilter Ret(uint32_t k) { return Stmt(kRET | kK, k); }
SockFilter LdNr() { return Stmt(kLD | kW | kABS, 0); }

VerifiedProgram MustVerify(const Program& p) {
  Result<VerifiedProgram> v = Verify(p);
  EXPECT_TRUE(v.ok()) << v.error().ToString();
  return std::move(*v);
}

Program MustLayout(const Code& c) {
  Result<Program> p = Layout(c);
  EXPECT_TRUE(p.ok()) << p.error().ToString();
  return p.ok() ? *p : Program{};
}

SeccompData Nr(int32_t nr) {
  SeccompData d;
  d.nr = nr;
  d.arch = 0xC000003E;
  return d;
}

TEST(Layout, RoundTripsAProgramUnchanged) {
  const Program p{{LdNr(), Jump(kJMP | kJEQ | kK, 5, 0, 1), Ret(1), Stmt(kJMP | kJA, 0), Ret(2)}};
  EXPECT_EQ(MustLayout(FromProgram(p)), p);
}

TEST(Layout, InsertsTrampolinesForFarConditionalTargets) {
  CodeBuilder b;
  const int far = b.NewLabel(), near = b.NewLabel();
  b.Stmt(LdNr());
  b.Cond(Jump(kJMP | kJEQ | kK, 7, 0, 0), far, near);
  b.Bind(near);
  for (int i = 0; i < 300; ++i) b.Stmt(Stmt(kLD | kIMM, i));
  b.Stmt(Ret(1));
  b.Bind(far);
  b.Stmt(Ret(2));
  Result<Code> code = b.Finish();
  ASSERT_TRUE(code.ok());
  const Program p = MustLayout(*code);
  ASSERT_EQ(p.size(), 305u);  // one trampoline
  EXPECT_EQ(p.insns[1].jt, 0);
  EXPECT_EQ(p.insns[1].jf, 1);
  EXPECT_EQ(p.insns[2].code, kJMP | kJA);
  const VerifiedProgram v = MustVerify(p);
  EXPECT_EQ(RunFilter(v, Nr(7)), 2u);
  EXPECT_EQ(RunFilter(v, Nr(8)), 1u);
}

TEST(Layout, RefusesMoreThan4096Instructions) {
  Code c(4097, Node{Ret(0), -1, -1});
  EXPECT_FALSE(Layout(c).ok());
}

TEST(Passes, DeadCodeDropsUnreachableAndJaToNext) {
  const Program p{{LdNr(), Stmt(kJMP | kJA, 0), Jump(kJMP | kJEQ | kK, 1, 0, 1), Ret(1), Ret(2),
                   Ret(3)}};
  const Program out = MustLayout(EliminateDeadCode(FromProgram(p)));
  EXPECT_EQ(out.size(), 4u);  // the ja and the unreachable ret 3 are gone
  const VerifiedProgram a = MustVerify(p), b = MustVerify(out);
  for (int nr = 0; nr < 4; ++nr) EXPECT_EQ(RunFilter(a, Nr(nr)), RunFilter(b, Nr(nr)));
}

TEST(Passes, ThreadingSkipsDecidedCompares) {
  // jeq #5 true lands on jeq #6, which is then certainly false.
  const Program p{{LdNr(), Jump(kJMP | kJEQ | kK, 5, 0, 2), Jump(kJMP | kJEQ | kK, 6, 2, 0),
                   Ret(1), Stmt(kJMP | kJA, 0), Ret(2)}};
  const Code t = ThreadJumps(FromProgram(p));
  EXPECT_EQ(t[1].jt, 3);  // straight to ret 1
  EXPECT_EQ(t[2].jt, 5);  // through the ja
  const VerifiedProgram a = MustVerify(p), b = MustVerify(MustLayout(EliminateDeadCode(t)));
  for (int nr = 0; nr < 10; ++nr) EXPECT_EQ(RunFilter(a, Nr(nr)), RunFilter(b, Nr(nr)));
}

TEST(Passes, ThreadingUsesRanges) {
  // jgt #10 false (A <= 10) then jge #20: certainly false.
  const Program p{{LdNr(), Jump(kJMP | kJGT | kK, 10, 2, 0), Jump(kJMP | kJGE | kK, 20, 0, 1),
                   Ret(1), Ret(2)}};
  const Code t = ThreadJumps(FromProgram(p));
  EXPECT_EQ(t[1].jf, 4);
}

TEST(Passes, RedundantLoadsGo) {
  const Program p{{LdNr(), Jump(kJMP | kJEQ | kK, 1, 0, 1), Ret(1), LdNr(),
                   Jump(kJMP | kJEQ | kK, 2, 0, 1), Ret(2), Ret(3)}};
  const Code c = EliminateRedundantLoads(FromProgram(p));
  EXPECT_EQ(c.size(), p.size() - 1);
  // Not when another path changed A.
  const Program q{{LdNr(), Jump(kJMP | kJEQ | kK, 1, 0, 1), Stmt(kLD | kW | kABS, 16), LdNr(),
                   Ret(3)}};
  EXPECT_EQ(EliminateRedundantLoads(FromProgram(q)).size(), q.size());
}

TEST(Passes, MergeReturnsShares) {
  const Program p{{LdNr(), Jump(kJMP | kJEQ | kK, 1, 0, 1), Ret(7), Jump(kJMP | kJEQ | kK, 2, 0, 1),
                   Ret(7), Ret(8)}};
  const Code c = MergeReturns(FromProgram(p));
  EXPECT_EQ(c.size(), p.size() - 1);
}

TEST(Passes, EveryPassKeepsRandomProgramsEqual) {
  std::mt19937 rng(16);
  using PassFn = Code (*)(const Code&);
  const PassFn passes[] = {EliminateDeadCode, ThreadJumps, EliminateRedundantLoads,
                           MergeReturns, Simplify};
  for (int i = 0; i < 600; ++i) {
    const Program p = sckit::testing::RandomVerifiedProgram(rng);
    const VerifiedProgram a = MustVerify(p);
    for (PassFn pass : passes) {
      Result<Program> laid = Layout(pass(FromProgram(p)));
      ASSERT_TRUE(laid.ok());
      const VerifiedProgram b = MustVerify(*laid);
      for (int r = 0; r < 40; ++r) {
        const SeccompData d = sckit::testing::RandomRecord(rng);
        ASSERT_EQ(RunFilter(a, d), RunFilter(b, d)) << "program " << i;
      }
    }
  }
}

}  // namespace
}  // namespace sckit::optimize
