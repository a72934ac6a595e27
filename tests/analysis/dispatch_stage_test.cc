// Syscall user dispatch as the analyses' first stage (analysis/dispatch_stage.h), by hand from
// kernel/entry/syscall_user_dispatch.c: the formula agrees with the concrete stage (vm/dispatch)
// on records either side of each boundary, in both word orders; `analyze`'s table shows
// DISPATCH_SIGSYS where the stage stops a call, decided by ip with the region as condition;
// `diff` compares filters under one configuration and one filter under two.
#include <gtest/gtest.h>

#include "analysis/diff.h"
#include "analysis/dispatch_stage.h"
#include "analysis/symbolic.h"
#include "analysis/table.h"
#include "verifier/verifier.h"
#include "vm/arch.h"
#include "vm/bpf.h"

namespace sckit::analysis {
namespace {

using namespace bpf;  // NOLINT

constexpr uint32_t kAllow = seccomp::kRetAllow;
constexpr uint32_t kKill = seccomp::kRetKillProcess;
constexpr uint32_t kSigsys = kCanonicalDispatchSigsys;

VerifiedProgram V(const Program& p) {
  Result<VerifiedProgram> v = Verify(p);
  EXPECT_TRUE(v.ok()) << v.error().ToString();
  return std::move(v).value();
}

// x86_64 only (else KILL_PROCESS); getpid (39) -> ERRNO(errno), else ALLOW.
Program Policy(uint32_t errno_value = 1) {
  return Program{{Stmt(kLD | kW | kABS, 4), Jump(kJMP | kJEQ | kK, kAuditArchX86_64, 1, 0),
                  Stmt(kRET | kK, kKill), Stmt(kLD | kW | kABS, 0),
                  Jump(kJMP | kJEQ | kK, 39, 0, 1), Stmt(kRET | kK, 0x00050000 | errno_value),
                  Stmt(kRET | kK, kAllow)}};
}

// ALLOW for everything: the stage alone decides.
Program AllowAll() { return Program{{Stmt(kRET | kK, kAllow)}}; }

DispatchConfig Config(DispatchMode mode, uint64_t offset, uint64_t len, uint8_t selector) {
  DispatchConfig c;
  c.mode = mode;
  c.offset = offset;
  c.len = len;
  c.selector = selector;
  return c;
}

SeccompData Call(uint32_t arch, int32_t nr, uint64_t ip) {
  SeccompData d;
  d.arch = arch;
  d.nr = nr;
  d.instruction_pointer = ip;
  return d;
}

const SyscallRow* Row(const ArchTable& t, int32_t nr) {
  for (const SyscallRow& r : t.rows) {
    if (r.nr == nr) return &r;
  }
  return nullptr;
}

TEST(DispatchStage, TheFormulaIsTheKernelsRuleInBothWordOrders) {
  const VerifiedProgram allow = V(AllowAll());
  const uint32_t s390x = FindArch("s390x")->audit_arch;
  DispatchConfig pads = Config(DispatchMode::kExclusive, 0, 0, kDispatchBlock);
  pads.vdso_sigreturn[0] = 0xf7fc1570;
  pads.vdso_sigreturn[1] = 0xf7fc1580;
  const DispatchConfig configs[] = {
      Config(DispatchMode::kExclusive, 0x7f0000000000, 0x1000, kDispatchBlock),
      Config(DispatchMode::kInclusive, 0x7f0000000000, 0x1000, kDispatchBlock),
      Config(DispatchMode::kExclusive, 0x1, 0xfffffffffffffffe, kDispatchBlock),  // ends at -1
      Config(DispatchMode::kExclusive, 0x7f0000000000, 0x1000, 9),                // invalid
      Config(DispatchMode::kExclusive, 0x7f0000000000, 0x1000, kDispatchAllow),
      pads};
  const uint64_t ips[] = {0,          0x7effffffffff, 0x7f0000000000, 0x7f0000000fff,
                          0x7f0000001000, 0xfffffffffffffffe, 0xffffffffffffffff,
                          0xf7fc1570, 0xf7fc1580, 0x100000000};
  for (const DispatchConfig& c : configs) {
    for (uint32_t arch : {kAuditArchX86_64, kAuditArchI386, s390x}) {
      for (uint64_t ip : ips) {
        const SeccompData d = Call(arch, 39, ip);
        z3::context ctx;
        DataWords words(ctx);
        z3::solver s(ctx);
        s.add(words.Equals(d));
        ASSERT_EQ(s.check(), z3::sat);
        const z3::expr f = WithDispatch(ctx, words, c, ctx.bv_val(kAllow, 32));
        const uint32_t expected = OutcomeWithDispatch({&allow}, c, d);
        EXPECT_EQ(EvalU32(s.get_model(), f), expected)
            << DispatchConfigText(c) << " arch " << arch << " ip " << ip;
      }
    }
  }
  // By hand: exclusive [0x7f0000000000, +0x1000) stops 0x7f0000001000 and lets 0x7f0000000fff
  // through; an invalid byte kills; ALLOW never stops; i386 pads pass.
  const DispatchConfig on = configs[0];
  EXPECT_EQ(OutcomeWithDispatch({&allow}, on, Call(kAuditArchX86_64, 1, 0x7f0000001000)), kSigsys);
  EXPECT_EQ(OutcomeWithDispatch({&allow}, on, Call(kAuditArchX86_64, 1, 0x7f0000000fff)), kAllow);
  EXPECT_EQ(OutcomeWithDispatch({&allow}, configs[3], Call(kAuditArchX86_64, 1, 0)), kKill);
  EXPECT_EQ(OutcomeWithDispatch({&allow}, pads, Call(kAuditArchI386, 1, 0xf7fc1580)), kAllow);
  EXPECT_EQ(OutcomeWithDispatch({&allow}, pads, Call(kAuditArchX86_64, 1, 0xf7fc1580)), kSigsys);
  EXPECT_EQ(CanonicalText(kSigsys), "DISPATCH_SIGSYS");
}

TEST(DispatchStage, WhetherTheStageDependsOnIp) {
  EXPECT_FALSE(DispatchDependsOnIp(DispatchConfig{}, kAuditArchX86_64));
  EXPECT_FALSE(DispatchDependsOnIp(Config(DispatchMode::kExclusive, 0x1000, 0x10, kDispatchAllow),
                                   kAuditArchX86_64));
  EXPECT_TRUE(DispatchDependsOnIp(Config(DispatchMode::kExclusive, 0x1000, 0x10, kDispatchBlock),
                                  kAuditArchX86_64));
  DispatchConfig every = Config(DispatchMode::kExclusive, 0, 0, kDispatchBlock);
  EXPECT_FALSE(DispatchDependsOnIp(every, kAuditArchI386));
  EXPECT_EQ(DispatchStopCondition(every, kAuditArchX86_64), "always");
  every.vdso_sigreturn[0] = every.vdso_sigreturn[1] = 0x10;
  EXPECT_TRUE(DispatchDependsOnIp(every, kAuditArchI386));
  EXPECT_FALSE(DispatchDependsOnIp(every, kAuditArchX86_64));
  EXPECT_EQ(DispatchStopCondition(every, kAuditArchI386),
            "ip is not a vDSO sigreturn pad (0x10, 0x10)");
  EXPECT_EQ(DispatchStopCondition(
                Config(DispatchMode::kInclusive, 0x1000, 0x1000, kDispatchBlock), 0),
            "ip in [0x1000, 0x2000)");
}

TEST(DispatchStage, AnalyzeShowsDispatchSigsysDecidedByIp) {
  const VerifiedProgram p = V(Policy());
  AnalyzeOptions o;
  o.dispatch = Config(DispatchMode::kExclusive, 0x7f0000000000, 0x1000, kDispatchBlock);
  const Analysis a = Analyze({&p}, o);
  const SyscallRow* getpid = Row(a.tables[0], 39);
  const SyscallRow* read = Row(a.tables[0], 0);
  ASSERT_NE(getpid, nullptr);
  ASSERT_NE(read, nullptr);
  // getpid: ERRNO(1) from inside the region, DISPATCH_SIGSYS from anywhere else.
  ASSERT_EQ(getpid->outcomes.size(), 2u);
  EXPECT_EQ(getpid->outcomes[0].outcome, seccomp::kRetErrno | 1);
  EXPECT_EQ(getpid->outcomes[1].outcome, kSigsys);
  const uint64_t in = getpid->outcomes[0].witness.instruction_pointer;
  const uint64_t out = getpid->outcomes[1].witness.instruction_pointer;
  EXPECT_TRUE(in - 0x7f0000000000 < 0x1000) << in;
  EXPECT_FALSE(out - 0x7f0000000000 < 0x1000) << out;
  EXPECT_EQ(getpid->deciding_words, 0xc);  // ip.lo, ip.hi
  EXPECT_EQ(getpid->dispatch_stop, "ip not in [0x7f0000000000, 0x7f0000001000)");
  EXPECT_TRUE(getpid->exact);
  ASSERT_EQ(read->outcomes.size(), 2u);  // by value: 0x7ffe0000 before ALLOW's 0x7fff0000
  EXPECT_EQ(read->outcomes[0].outcome, kSigsys);
  EXPECT_EQ(read->outcomes[1].outcome, kAllow);
  // Selector ALLOW: the stage lets everything through, the table is the filters' alone.
  o.dispatch.selector = kDispatchAllow;
  const Analysis allow = Analyze({&p}, o);
  ASSERT_TRUE(Row(allow.tables[0], 39)->constant());
  EXPECT_TRUE(Row(allow.tables[0], 39)->dispatch_stop.empty());
  // An invalid selector byte: KILL_PROCESS outside the region.
  o.dispatch.selector = 7;
  const Analysis invalid = Analyze({&p}, o);
  ASSERT_EQ(Row(invalid.tables[0], 0)->outcomes.size(), 2u);
  EXPECT_EQ(Row(invalid.tables[0], 0)->outcomes[1].outcome, kKill);
  EXPECT_FALSE(Row(invalid.tables[0], 0)->dispatch_stop.empty());
  // No region: every call stopped, a constant row.
  const Analysis every =
      Analyze({&p}, {{}, {}, 8, Config(DispatchMode::kExclusive, 0, 0, kDispatchBlock)});
  ASSERT_TRUE(Row(every.tables[0], 39)->constant());
  EXPECT_EQ(Row(every.tables[0], 39)->outcomes[0].outcome, kSigsys);
  EXPECT_EQ(Row(every.tables[0], 39)->dispatch_stop, "always");
}

// A row the filters decide by an argument goes to the solver with the stage in the formula:
// socket (41) ALLOW for args[0] == 1, else ERRNO(1); every outcome appears with a witness that
// gets it, and the stage's where ip is outside the region.
TEST(DispatchStage, AnalyzeSolvesRowsDecidedByArgumentsAndIpTogether) {
  const VerifiedProgram p = V(Program{{Stmt(kLD | kW | kABS, 0), Jump(kJMP | kJEQ | kK, 41, 0, 3),
                                       Stmt(kLD | kW | kABS, 16), Jump(kJMP | kJEQ | kK, 1, 1, 0),
                                       Stmt(kRET | kK, seccomp::kRetErrno | 1),
                                       Stmt(kRET | kK, kAllow)}});
  AnalyzeOptions o;
  o.dispatch = Config(DispatchMode::kExclusive, 0x7f0000000000, 0x1000, kDispatchBlock);
  const Analysis a = Analyze({&p}, o);
  const SyscallRow* socket = Row(a.tables[0], 41);
  ASSERT_NE(socket, nullptr);
  ASSERT_EQ(socket->outcomes.size(), 3u);
  EXPECT_EQ(socket->outcomes[0].outcome, seccomp::kRetErrno | 1);
  EXPECT_EQ(socket->outcomes[1].outcome, kSigsys);
  EXPECT_EQ(socket->outcomes[2].outcome, kAllow);
  for (const OutcomeCase& c : socket->outcomes) {
    EXPECT_EQ(OutcomeWithDispatch({&p}, o.dispatch, c.witness), c.outcome);
  }
  EXPECT_EQ(socket->deciding_words, 0x1c);  // ip.lo, ip.hi, args[0].lo
  EXPECT_FALSE(socket->dispatch_stop.empty());
  EXPECT_TRUE(socket->exact);
}

TEST(DispatchStage, DiffTwoFiltersUnderOneConfiguration) {
  const VerifiedProgram a = V(Policy(1));
  const VerifiedProgram b = V(Policy(2));
  DiffOptions o;
  o.arches = {kAuditArchX86_64};
  o.dispatch_a = o.dispatch_b =
      Config(DispatchMode::kExclusive, 0x7f0000000000, 0x1000, kDispatchBlock);
  const DiffResult r = Diff({&a}, {&b}, o);
  ASSERT_FALSE(r.equivalent);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].nr_first, 39u);
  EXPECT_TRUE(r.rows[0].a_depends);
  EXPECT_TRUE(r.rows[0].b_depends);
  // Outside the region both are DISPATCH_SIGSYS: the witness must be inside.
  EXPECT_LT(r.rows[0].witness.record.instruction_pointer - 0x7f0000000000, 0x1000u);
  EXPECT_EQ(r.rows[0].witness.a, seccomp::kRetErrno | 1);
  EXPECT_EQ(r.rows[0].witness.b, seccomp::kRetErrno | 2);
  EXPECT_TRUE(r.exact);
  // Decided without the solver: the filters' outcomes, behind the one shared stage.
  EXPECT_TRUE(r.rows[0].dispatch_only);
  EXPECT_EQ(r.rows[0].a, seccomp::kRetErrno | 1);
  EXPECT_EQ(r.rows[0].b, seccomp::kRetErrno | 2);
  // Every arch: the other arches' KILL_PROCESS against ALLOW merge into ranges of numbers and
  // arch values like rows without dispatch do, each still behind the stage.
  const VerifiedProgram allow = V(AllowAll());
  o.arches.clear();
  const DiffResult every = Diff({&a}, {&allow}, o);
  EXPECT_FALSE(every.truncated);
  EXPECT_LT(every.rows.size(), 16u);
  for (const DiffRow& row : every.rows) {
    EXPECT_TRUE(row.dispatch_only);
    EXPECT_EQ(row.witness.record.instruction_pointer, 0x7f0000000000u);
    EXPECT_EQ(row.b, kAllow);
  }
  // With no region at all, nothing reaches the filters: equivalent.
  o.dispatch_a = o.dispatch_b = Config(DispatchMode::kExclusive, 0, 0, kDispatchBlock);
  EXPECT_TRUE(Diff({&a}, {&b}, o).equivalent);
}

TEST(DispatchStage, DiffOneFilterUnderTwoConfigurations) {
  const VerifiedProgram p = V(Policy());
  DiffOptions o;
  o.arches = {kAuditArchX86_64, kAuditArchI386};
  o.dispatch_b = Config(DispatchMode::kExclusive, 0, 0, kDispatchBlock);
  o.dispatch_b.vdso_sigreturn[0] = o.dispatch_b.vdso_sigreturn[1] = 0xf7fc1570;
  const DiffResult r = Diff({&p}, {&p}, o);
  ASSERT_FALSE(r.equivalent);
  bool saw_x86_64 = false, saw_i386 = false;
  for (const DiffRow& row : r.rows) {
    EXPECT_FALSE(row.a_depends);
    EXPECT_NE(row.witness.a, row.witness.b);
    if (row.arch_first == kAuditArchX86_64) {
      saw_x86_64 = true;
      EXPECT_FALSE(row.b_depends);  // no region: every x86_64 call stopped
      EXPECT_EQ(row.b, kSigsys);
    } else if (row.arch_first == kAuditArchI386) {
      saw_i386 = true;
      EXPECT_TRUE(row.b_depends);  // the vDSO pad lets one ip through to the filter's KILL
      EXPECT_EQ(row.witness.b, kSigsys);
      EXPECT_EQ(row.witness.a, kKill);
    }
  }
  EXPECT_TRUE(saw_x86_64);
  EXPECT_TRUE(saw_i386);
  // The same configuration on both sides: equivalent.
  o.dispatch_a = o.dispatch_b;
  EXPECT_TRUE(Diff({&p}, {&p}, o).equivalent);
}

// A filter reading word 2 (ip's low half on a little-endian arch, its high half on a big-endian
// one) against the stage, which reads ip's value: ALLOW when word 2 is 0, else ERRNO(1). Under
// a region of the low 4 GiB (ip's high half 0), the filter differs from ALLOW on little-endian
// arches only; the arch classes must not let one little-endian member speak for s390x.
TEST(DispatchStage, DiffSplitsTheArchesWhoseIpWordsLieTheOtherWay) {
  const VerifiedProgram low = V(Program{{Stmt(kLD | kW | kABS, 8), Jump(kJMP | kJEQ | kK, 0, 0, 1),
                                         Stmt(kRET | kK, kAllow),
                                         Stmt(kRET | kK, seccomp::kRetErrno | 1)}});
  const VerifiedProgram allow = V(AllowAll());
  DiffOptions o;
  o.dispatch_a = o.dispatch_b =
      Config(DispatchMode::kExclusive, 0, 0x100000000, kDispatchBlock);
  const DiffResult r = Diff({&low}, {&allow}, o);
  ASSERT_FALSE(r.equivalent);
  EXPECT_TRUE(r.exact);
  const uint32_t s390x = FindArch("s390x")->audit_arch;
  bool little = false;
  for (const DiffRow& row : r.rows) {
    EXPECT_FALSE(row.arch_first <= s390x && s390x <= row.arch_last)
        << "a row covers s390x: " << row.arch_first << ".." << row.arch_last;
    little = little || (row.arch_first <= kAuditArchX86_64 && kAuditArchX86_64 <= row.arch_last);
    EXPECT_EQ(row.witness.a, seccomp::kRetErrno | 1);
    EXPECT_EQ(row.witness.b, kAllow);
  }
  EXPECT_TRUE(little);
}

}  // namespace
}  // namespace sckit::analysis
