// The verifier against the kernel's rules (spec §3, §7), one table row per rule, plus the
// attach limits with the numbers measured on the live kernel (spec §7 [verified]).
#include "verifier/verifier.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "verifier/stack_check.h"
#include "vm/bpf.h"

namespace sckit {
namespace {

constexpr uint32_t kAllow = seccomp::kRetAllow;

Program P(std::vector<SockFilter> insns) { return Program{std::move(insns)}; }

struct RejectCase {
  const char* name;
  Program program;
  const char* rule;
  int pc;
};

void ExpectRejected(const Program& p, const char* rule, int pc, int err = EINVAL) {
  Result<VerifiedProgram> v = Verify(p);
  ASSERT_FALSE(v.ok()) << rule;
  EXPECT_EQ(v.error().rule, rule);
  EXPECT_EQ(v.error().pc, pc) << v.error().ToString();
  EXPECT_EQ(v.error().kernel_errno, err);
}

TEST(Verifier, AcceptsAMinimalFilter) {
  Result<VerifiedProgram> v = Verify(P({Stmt(0x06, kAllow)}));
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  EXPECT_EQ(v->size(), 1u);
}

TEST(Verifier, RejectsEachRuleAtTheRightPc) {
  const std::vector<RejectCase> cases = {
      {"empty", P({}), "empty-program", -1},
      {"4097", P(std::vector<SockFilter>(4097, Stmt(0x06, 0))), "too-many-instructions", -1},
      {"unknown opcode", P({Stmt(0x00, 0), Stmt(0x17, 0), Stmt(0x06, 0)}), "unknown-opcode", 1},
      {"0x21 from user", P({Stmt(0x21, 0), Stmt(0x06, 0)}), "unknown-opcode", 0},
      {"ret x", P({Stmt(0x0e, 0)}), "unknown-opcode", 0},
      {"neg x", P({Stmt(0x8c, 0), Stmt(0x06, 0)}), "unknown-opcode", 0},
      {"high bits", P({Stmt(0x106, 0)}), "unknown-opcode", 0},
      {"div 0", P({Stmt(0x34, 0), Stmt(0x06, 0)}), "division-by-zero", 0},
      {"mod 0", P({Stmt(0x94, 0), Stmt(0x06, 0)}), "division-by-zero", 0},
      {"lsh 32", P({Stmt(0x64, 32), Stmt(0x06, 0)}), "shift-out-of-range", 0},
      {"rsh 0xffffffff", P({Stmt(0x74, 0xffffffff), Stmt(0x06, 0)}), "shift-out-of-range", 0},
      {"ld M[16]", P({Stmt(0x60, 16), Stmt(0x06, 0)}), "scratch-index-out-of-range", 0},
      {"stx M[16]", P({Stmt(0x03, 16), Stmt(0x06, 0)}), "scratch-index-out-of-range", 0},
      {"ja past end", P({Stmt(0x05, 1), Stmt(0x06, 0)}), "jump-out-of-range", 0},
      {"ja huge", P({Stmt(0x05, 0xffffffff), Stmt(0x06, 0)}), "jump-out-of-range", 0},
      {"jt past end", P({Jump(0x15, 0, 1, 0), Stmt(0x06, 0)}), "jump-out-of-range", 0},
      {"jf past end", P({Jump(0x45, 0, 0, 1), Stmt(0x06, 0)}), "jump-out-of-range", 0},
      {"unknown anc", P({Stmt(0x20, 0xfffff000 + 64), Stmt(0x06, 0)}), "unknown-ancillary-load",
       0},
      {"last not ret", P({Stmt(0x06, 0), Stmt(0x00, 0)}), "last-not-ret", 1},
      {"read unwritten", P({Stmt(0x60, 3), Stmt(0x06, 0)}), "uninitialised-scratch-read", 0},
      {"mod k", P({Stmt(0x94, 3), Stmt(0x06, 0)}), "not-allowed-in-seccomp", 0},
      {"ldh abs", P({Stmt(0x28, 0), Stmt(0x06, 0)}), "not-allowed-in-seccomp", 0},
      {"ld ind", P({Stmt(0x40, 0), Stmt(0x06, 0)}), "not-allowed-in-seccomp", 0},
      {"ldx msh", P({Stmt(0xb1, 0), Stmt(0x06, 0)}), "not-allowed-in-seccomp", 0},
      {"offset 64", P({Stmt(0x20, 64), Stmt(0x06, 0)}), "bad-data-offset", 0},
      {"offset 2", P({Stmt(0x20, 2), Stmt(0x06, 0)}), "bad-data-offset", 0},
      // A known ancillary load passes bpf_check_classic and fails in seccomp_check_filter.
      {"known anc", P({Stmt(0x20, 0xfffff000 + 4), Stmt(0x06, 0)}), "bad-data-offset", 0},
  };
  for (const RejectCase& c : cases) {
    SCOPED_TRACE(c.name);
    ExpectRejected(c.program, c.rule, c.pc);
  }
}

TEST(Verifier, KernelOrderClassicPassBeforeLastRetBeforeScratchBeforeSeccomp) {
  // MOD at pc 0 (seccomp rule) loses to a bad jump at pc 1 (classic per-insn pass).
  ExpectRejected(P({Stmt(0x94, 3), Jump(0x15, 0, 5, 0), Stmt(0x06, 0)}), "jump-out-of-range", 1);
  // MOD at pc 0 loses to the missing final RET.
  ExpectRejected(P({Stmt(0x94, 3), Stmt(0x00, 0)}), "last-not-ret", 1);
  // A bad data offset at pc 0 loses to an uninitialised scratch read at pc 1.
  ExpectRejected(P({Stmt(0x20, 64), Stmt(0x60, 0), Stmt(0x06, 0)}),
                 "uninitialised-scratch-read", 1);
  // Within the per-instruction pass, the lowest pc wins whatever the rule.
  ExpectRejected(P({Stmt(0x64, 40), Stmt(0x17, 0), Stmt(0x06, 0)}), "shift-out-of-range", 0);
}

TEST(Verifier, BoundaryValuesAccepted) {
  EXPECT_TRUE(Verify(P({Stmt(0x64, 31), Stmt(0x06, 0)})).ok());         // lsh #31
  EXPECT_TRUE(Verify(P({Stmt(0x02, 15), Stmt(0x60, 15), Stmt(0x06, 0)})).ok());  // M[15]
  EXPECT_TRUE(Verify(P({Stmt(0x20, 60), Stmt(0x06, 0)})).ok());         // last data word
  EXPECT_TRUE(Verify(P({Stmt(0x05, 0), Stmt(0x06, 0)})).ok());          // ja +0
  EXPECT_TRUE(Verify(P({Jump(0x15, 0, 1, 1), Stmt(0x06, 0), Stmt(0x06, 1)})).ok());
  EXPECT_TRUE(Verify(P({Stmt(0x16, 12345)})).ok());  // k ignored on RET A
  EXPECT_TRUE(Verify(P({SockFilter{0x07, 9, 9, 77}, Stmt(0x06, 0)})).ok());  // jt/jf ignored
  EXPECT_TRUE(Verify(P(std::vector<SockFilter>(4096, Stmt(0x06, 0)))).ok());
  EXPECT_TRUE(Verify(P({Stmt(0x34, 0xffffffff), Stmt(0x3c, 0), Stmt(0x06, 0)})).ok());
  EXPECT_TRUE(Verify(P({Stmt(0x6c, 0), Stmt(0x7c, 0), Stmt(0x06, 0)})).ok());  // shifts by X
}

TEST(Verifier, RewritesLikeSeccompCheckFilter) {
  Result<VerifiedProgram> v =
      Verify(P({Stmt(0x20, 4), Stmt(0x80, 0), Stmt(0x81, 7), Stmt(0x06, kAllow)}));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->insns()[0], (SockFilter{kSeccompLoadData, 0, 0, 4}));
  EXPECT_EQ(v->insns()[1], (SockFilter{0x00, 0, 0, 64}));
  EXPECT_EQ(v->insns()[2], (SockFilter{0x01, 0, 0, 64}));
  // The original is kept as given (what PTRACE_SECCOMP_GET_FILTER returns).
  EXPECT_EQ(v->original().insns[0].code, 0x20);
  EXPECT_EQ(v->original().insns[1].code, 0x80);
}

TEST(Verifier, ScratchStateAfterRetQuirk) {
  // Spec §3.2 [verified]: pc 5 is reachable only from pc 3, which stored M[0], but the kernel
  // propagates pc 4's (RET) state into pc 5 and rejects.
  const Program p = P({Stmt(0x20, 0), Jump(0x15, 7, 0, 2), Stmt(0x02, 0), Stmt(0x05, 1),
                       Stmt(0x06, kAllow), Stmt(0x60, 0), Stmt(0x06, kAllow)});
  ExpectRejected(p, "uninitialised-scratch-read", 5);
}

TEST(Verifier, ScratchWrittenOnEveryPathAccepted) {
  const Program p = P({Stmt(0x02, 1), Jump(0x15, 7, 0, 1), Stmt(0x03, 2), Stmt(0x60, 1),
                       Stmt(0x06, kAllow)});
  EXPECT_TRUE(Verify(p).ok());
  // M[2] is written only on the jt path: reading it after the merge is rejected.
  const Program q = P({Stmt(0x02, 1), Jump(0x15, 7, 0, 1), Stmt(0x03, 2), Stmt(0x60, 2),
                       Stmt(0x06, kAllow)});
  ExpectRejected(q, "uninitialised-scratch-read", 3);
}

TEST(Verifier, VerifyAllListsEveryProblem) {
  const Program p = P({Stmt(0x94, 3), Stmt(0x17, 0), Stmt(0x20, 62), Stmt(0x00, 0)});
  std::vector<Error> errors = VerifyAll(p);
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0].rule, "unknown-opcode");
  EXPECT_EQ(errors[1].rule, "last-not-ret");
  EXPECT_EQ(errors[2].rule, "not-allowed-in-seccomp");
  EXPECT_EQ(errors[3].rule, "bad-data-offset");
  EXPECT_TRUE(VerifyAll(P({Stmt(0x06, 0)})).empty());
}

TEST(ConvertedLength, MatchesBpfConvertFilter) {
  EXPECT_EQ(ConvertedLength(P({Stmt(0x06, 0)}).insns), 3u + 2);
  EXPECT_EQ(ConvertedLength(P({Stmt(0x16, 0)}).insns), 3u + 1);
  EXPECT_EQ(ConvertedLength(P({Stmt(0x3c, 0), Stmt(0x16, 0)}).insns), 3u + 5 + 1);
  EXPECT_EQ(ConvertedLength(P({Stmt(0x34, 3), Stmt(0x16, 0)}).insns), 3u + 1 + 1);
  // jf == 0: one insn; jt == 0 for JEQ/JGT/JGE: one (inverted); JSET with jt == 0: two.
  EXPECT_EQ(ConvertedLength(P({Jump(0x15, 1, 1, 0)}).insns), 3u + 1);
  EXPECT_EQ(ConvertedLength(P({Jump(0x25, 1, 0, 1)}).insns), 3u + 1);
  EXPECT_EQ(ConvertedLength(P({Jump(0x45, 1, 0, 1)}).insns), 3u + 2);
  EXPECT_EQ(ConvertedLength(P({Jump(0x15, 1, 1, 1)}).insns), 3u + 2);
  // K with bit 31 set goes through a temporary register first.
  EXPECT_EQ(ConvertedLength(P({Jump(0x15, 0x80000000, 1, 0)}).insns), 3u + 2);
  EXPECT_EQ(ConvertedLength(P({Jump(0x1d, 0x80000000, 1, 0)}).insns), 3u + 1);
  EXPECT_EQ(ConvertedLength(P({Jump(0x45, 0xc000003e, 1, 1)}).insns), 3u + 3);
}

std::vector<StackEntry> Copies(const Program& p, int n) {
  return std::vector<StackEntry>(n, StackEntry{p, 0});
}

int AttachedCount(const std::vector<AttachOutcome>& outcomes) {
  int n = 0;
  for (const auto& o : outcomes) n += o.attached;
  return n;
}

TEST(StackCheck, FourThousandRetFiltersAfterOneInsnFilter) {
  // Spec §7 [verified]: after a 1-insn filter, three 4096 x RET filters fit, the 4th fails.
  std::vector<StackEntry> entries = {StackEntry{P({Stmt(0x06, kAllow)}), 0}};
  for (const auto& e : Copies(P(std::vector<SockFilter>(4096, Stmt(0x06, kAllow))), 4)) {
    entries.push_back(e);
  }
  std::vector<AttachOutcome> out = CheckStack(entries);
  EXPECT_EQ(AttachedCount(out), 4);
  ASSERT_TRUE(out[4].error.has_value());
  EXPECT_EQ(out[4].error->rule, "path-too-long");
  EXPECT_EQ(out[4].error->kernel_errno, ENOMEM);
}

TEST(StackCheck, LdImmFiltersFitSevenTimes) {
  std::vector<SockFilter> insns(4095, Stmt(0x00, 1));
  insns.push_back(Stmt(0x06, kAllow));
  std::vector<AttachOutcome> out = CheckStack(Copies(P(insns), 9));
  EXPECT_EQ(AttachedCount(out), 7);
  EXPECT_FALSE(out[6].error.has_value());
  EXPECT_TRUE(out[7].error.has_value());
}

TEST(StackCheck, LastFilterBoundary4084) {
  // After three 4096 x RET filters, a 4084 x RET filter fits and a 4085 x RET filter does not.
  auto rets = [](int n) { return P(std::vector<SockFilter>(n, Stmt(0x06, kAllow))); };
  std::vector<StackEntry> base = Copies(rets(4096), 3);
  auto fits = [&](int n) {
    std::vector<StackEntry> e = base;
    e.push_back({rets(n), 0});
    return CheckStack(e).back().attached;
  };
  EXPECT_TRUE(fits(4084));
  EXPECT_FALSE(fits(4085));
}

TEST(StackCheck, RejectedFilterDoesNotCount) {
  std::vector<StackEntry> e = {{P({Stmt(0x17, 0)}), 0}, {P({Stmt(0x06, kAllow)}), 0}};
  std::vector<AttachOutcome> out = CheckStack(e);
  EXPECT_FALSE(out[0].attached);
  EXPECT_EQ(out[0].error->rule, "unknown-opcode");
  EXPECT_TRUE(out[1].attached);
  EXPECT_EQ(out[1].path_len, 5u);
}

TEST(StackCheck, SecondListenerIsBusy) {
  const Program p = P({Stmt(0x06, kAllow)});
  std::vector<AttachOutcome> out = CheckStack(
      {{p, seccomp::kFlagNewListener}, {p, 0}, {p, seccomp::kFlagNewListener}});
  EXPECT_TRUE(out[0].attached);
  EXPECT_TRUE(out[1].attached);
  ASSERT_TRUE(out[2].error.has_value());
  EXPECT_EQ(out[2].error->kernel_errno, EBUSY);
}

TEST(StackCheck, FlagRules) {
  using namespace seccomp;  // NOLINT
  EXPECT_FALSE(CheckFilterFlags(0).has_value());
  EXPECT_FALSE(CheckFilterFlags(kFlagMask & ~kFlagTsync).has_value());
  EXPECT_TRUE(CheckFilterFlags(1u << 6).has_value());
  EXPECT_TRUE(CheckFilterFlags(kFlagTsync | kFlagNewListener).has_value());
  EXPECT_FALSE(CheckFilterFlags(kFlagTsync | kFlagNewListener | kFlagTsyncEsrch).has_value());
  EXPECT_TRUE(CheckFilterFlags(kFlagWaitKillableRecv).has_value());
  EXPECT_FALSE(CheckFilterFlags(kFlagWaitKillableRecv | kFlagNewListener).has_value());
  // Flags are checked before the program.
  std::vector<AttachOutcome> out = CheckStack({{P({}), 1u << 7}});
  EXPECT_EQ(out[0].error->rule, "invalid-flags");
}

}  // namespace
}  // namespace sckit
