// A stack flattened into one filter (optimize/merge.h, `sckit optimize --merge`): the flattened
// and the optimized program give, on every record tried, what the kernel's precedence gives for
// the whole stack (analysis::ConcreteOutcome runs each filter and applies seccomp_run_filters'
// rule), and the solver proves them equal (independently of MergeStack's own proof); the
// precedence corner cases (ties keep the newest filter's data; KILL_PROCESS beats everything;
// ALLOW with data is ALLOW); the cache of the one filter covers the stack's; and the refusals:
// two USER_NOTIF filters, `ret A`, division by X, more than 4096 instructions.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "analysis/diff.h"
#include "analysis/symbolic.h"
#include "bench/workload.h"
#include "formats/loader.h"
#include "optimize/flatten.h"
#include "optimize/merge.h"
#include "tests/random_program.h"
#include "verifier/verifier.h"
#include "vm/arch.h"
#include "vm/bpf.h"
#include "vm/interpreter.h"

namespace sckit::optimize {
namespace {

using namespace bpf;      // NOLINT
using namespace seccomp;  // NOLINT

VerifiedProgram MustVerify(const Program& p) {
  Result<VerifiedProgram> v = Verify(p);
  EXPECT_TRUE(v.ok()) << v.error().ToString();
  return std::move(*v);
}

VerifiedProgram LoadExample(const std::string& path) {
  Result<Program> p = LoadProgramFile(path);
  EXPECT_TRUE(p.ok()) << path;
  return MustVerify(*p);
}

// `ld [nr]; jeq #nr, ret a, ret b`.
VerifiedProgram ByNr(uint32_t nr, uint32_t a, uint32_t b) {
  Program p;
  p.insns = {{kLD | kW | kABS, 0, 0, 0}, {kJMP | kJEQ | kK, 0, 1, nr},
             {kRET | kK, 0, 0, a}, {kRET | kK, 0, 0, b}};
  return MustVerify(p);
}

// The flattened program agrees with the stack on `records` (canonical outcomes).
void ExpectSameAsStack(const std::vector<const VerifiedProgram*>& stack, const Program& one,
                       const std::vector<SeccompData>& records) {
  const VerifiedProgram v = MustVerify(one);
  for (const SeccompData& d : records) {
    // Both sides on the record's image (arch 2 is AUDIT_ARCH_SPARC: big-endian words).
    ASSERT_EQ(analysis::ConcreteOutcome({&v}, d), analysis::ConcreteOutcome(stack, d))
        << "arch " << d.arch << " nr " << d.nr;
  }
}

TEST(Merge, PrecedenceCornerCases) {
  // Oldest first. nr 1: ERRNO(1) old vs ERRNO(2) new -> the newest's data. nr 2: KILL_THREAD
  // old vs TRAP new -> KILL_THREAD. nr 3: ALLOW with data -> ALLOW.
  const VerifiedProgram old1 = ByNr(1, kRetErrno | 1, kRetAllow);
  const VerifiedProgram new1 = ByNr(1, kRetErrno | 2, kRetAllow);
  const VerifiedProgram old2 = ByNr(2, kRetKillThread, kRetAllow);
  const VerifiedProgram new2 = ByNr(2, kRetTrap | 7, kRetAllow);
  const VerifiedProgram allow_data = ByNr(3, kRetAllow | 5, kRetAllow);
  const VerifiedProgram kill = ByNr(4, kRetKillProcess, kRetLog);
  std::vector<SeccompData> records;
  for (int32_t nr = 0; nr < 6; ++nr) {
    SeccompData d;
    d.arch = kAuditArchX86_64;
    d.nr = nr;
    records.push_back(d);
  }
  const std::vector<std::vector<const VerifiedProgram*>> stacks = {
      {&old1, &new1}, {&old2, &new2}, {&allow_data, &old1}, {&kill, &new2, &old1},
      {&new2, &kill}, {&old1, &new1, &old2, &new2, &allow_data, &kill}};
  for (const auto& stack : stacks) {
    Result<VerifiedProgram> flat = FlattenStack(stack, nullptr);
    ASSERT_TRUE(flat.ok()) << flat.error().ToString();
    ExpectSameAsStack(stack, flat->original(), records);
  }
  Result<VerifiedProgram> f = FlattenStack({&old1, &new1}, nullptr);
  SeccompData d;
  d.arch = kAuditArchX86_64;
  d.nr = 1;
  EXPECT_EQ(RunFilter(*f, d), kRetErrno | 2);  // the newest filter's errno
}

TEST(Merge, BundledStackIsOptimizedAndProven) {
  const VerifiedProgram multi = LoadExample("examples/multiarch/multiarch.bpf");
  const VerifiedProgram sock = LoadExample("examples/socket-args/socket-args.bpf");
  const std::vector<const VerifiedProgram*> stack = {&multi, &sock};
  const std::vector<SeccompData> workload = bench::UniformWorkload(*FindArch("x86_64")).records;
  Result<MergeResult> m = MergeStack(stack, workload);
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  EXPECT_TRUE(m->proven);
  const VerifiedProgram out = MustVerify(m->optimized.output);
  // An independent proof, and the interpreter on the workload with argument variations.
  const analysis::DiffResult d = analysis::Diff(stack, {&out});
  EXPECT_TRUE(d.equivalent && d.exact);
  std::vector<SeccompData> records = workload;
  std::mt19937 rng(7);
  for (SeccompData r : workload) {
    for (int i = 0; i < 3; ++i) {
      for (uint64_t& a : r.args) a = rng() % 4 == 0 ? rng() : rng() % 20;
      records.push_back(r);
    }
  }
  ExpectSameAsStack(stack, out.original(), records);
  // One filter runs fewer instructions than the two, and the cache covers what the stack's did.
  EXPECT_LT(m->optimized.after.mean_insns, m->optimized.before.mean_insns);
  EXPECT_GE(m->optimized.after.cache_total, m->optimized.before.cache_total);
  EXPECT_GT(m->optimized.before.cache_total, 0);
}

TEST(Merge, RandomStacksFlattenToTheSameDecisions) {
  std::mt19937 rng(2024);
  for (int round = 0; round < 60; ++round) {
    std::vector<VerifiedProgram> programs;
    const int n = 2 + static_cast<int>(rng() % 3);
    for (int i = 0; i < n; ++i) {
      Program p = sckit::testing::RandomVerifiedProgram(rng);
      bool ret_a = false;
      for (const SockFilter& f : p.insns) ret_a |= Class(f.code) == kRET && RetSrc(f.code) != kK;
      if (ret_a) continue;  // refused, tested below
      programs.push_back(MustVerify(p));
    }
    if (programs.size() < 2) continue;
    std::vector<const VerifiedProgram*> stack;
    for (const VerifiedProgram& p : programs) stack.push_back(&p);
    Result<VerifiedProgram> flat = FlattenStack(stack, nullptr);
    if (!flat.ok()) {  // two USER_NOTIF filters, or too big: said so
      EXPECT_EQ(flat.error().rule, "merge") << flat.error().ToString();
      continue;
    }
    std::vector<SeccompData> records;
    for (int i = 0; i < 300; ++i) records.push_back(sckit::testing::RandomRecord(rng));
    ExpectSameAsStack(stack, flat->original(), records);
    if (round % 10 == 0) {
      const analysis::DiffResult d = analysis::Diff(stack, {&*flat});
      EXPECT_TRUE(d.equivalent && d.exact) << "round " << round;
    }
  }
}

TEST(Merge, RefusesWhatOneFilterCannotBe) {
  const VerifiedProgram n1 = ByNr(1, kRetUserNotif, kRetAllow);
  const VerifiedProgram n2 = ByNr(2, kRetUserNotif, kRetAllow);
  const VerifiedProgram plain = ByNr(3, kRetErrno | 1, kRetAllow);
  Result<VerifiedProgram> r = FlattenStack({&n1, &plain, &n2}, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("filters 1 and 3 can both return USER_NOTIF"),
            std::string::npos) << r.error().message;
  std::vector<std::string> notes;
  ASSERT_TRUE(FlattenStack({&n1, &plain}, &notes).ok());
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("SECCOMP_FILTER_FLAG_NEW_LISTENER"), std::string::npos);

  Program ret_a;
  ret_a.insns = {{kLD | kW | kABS, 0, 0, 0}, {kRET | kRetA, 0, 0, 0}};
  const VerifiedProgram ra = MustVerify(ret_a);
  r = FlattenStack({&plain, &ra}, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("filter 2 returns a computed value"), std::string::npos);

  // Division by X: a zero X returns 0 from the middle of the filter (found by merge_fuzzer).
  Program div;
  div.insns = {{kLD | kW | kABS, 0, 0, 0}, {kALU | kDIV | kX, 0, 0, 0}, {kRET | kK, 0, 0, kRetAllow}};
  const VerifiedProgram dv = MustVerify(div);
  r = FlattenStack({&plain, &dv}, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("filter 2 divides by X"), std::string::npos);

  // Two 3000-instruction filters: each fits, one filter holding both cannot.
  Program big;
  big.insns.push_back({kLD | kW | kABS, 0, 0, 0});
  for (uint32_t i = 0; i < 1500; ++i) {
    big.insns.push_back({kJMP | kJEQ | kK, 0, 1, i});
    big.insns.push_back({kRET | kK, 0, 0, kRetErrno | (i % 100)});
  }
  big.insns.push_back({kRET | kK, 0, 0, kRetAllow});
  const VerifiedProgram b = MustVerify(big);
  r = FlattenStack({&b, &b}, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("4096"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace sckit::optimize
