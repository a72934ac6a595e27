// The decision table, the kernel's constant-action cache emulation and the findings, on small
// filters whose answers follow from the kernel's rules by hand.
#include <gtest/gtest.h>

#include "analysis/cache.h"
#include "analysis/symbolic.h"
#include "analysis/table.h"
#include "vm/bpf.h"
#include "verifier/verifier.h"

namespace sckit::analysis {
namespace {

constexpr uint32_t kX86_64 = 0xc000003e;
constexpr uint32_t kI386 = 0x40000003;
constexpr uint32_t kAllow = 0x7fff0000;

VerifiedProgram V(const Program& p) {
  Result<VerifiedProgram> v = Verify(p);
  EXPECT_TRUE(v.ok()) << v.error().ToString();
  return std::move(v).value();
}

// Arch check, then: socket (41) allowed only for args[0] == AF_UNIX (1), getpid (39) allowed,
// execve (59) ERRNO(1), everything else KILL_PROCESS.
Program Policy() {
  return Program{{
      Stmt(0x20, 4),                      // 0 ld [arch]
      Jump(0x15, kX86_64, 1, 0),          // 1 jeq x86_64
      Stmt(0x06, 0x80000000),             // 2 ret KILL_PROCESS
      Stmt(0x20, 0),                      // 3 ld [nr]
      Jump(0x15, 39, 5, 0),               // 4 getpid -> 10
      Jump(0x15, 59, 5, 0),               // 5 execve -> 11
      Jump(0x15, 41, 1, 0),               // 6 socket -> 8
      Stmt(0x06, 0x80000000),             // 7
      Stmt(0x20, 16),                     // 8 ld [args[0].lo]
      Jump(0x15, 1, 0, 1),                // 9 AF_UNIX ? 10 : 11
      Stmt(0x06, kAllow),                 // 10
      Stmt(0x06, 0x00050001),             // 11 ERRNO(1)
  }};
}

const SyscallRow* Row(const ArchTable& t, int32_t nr) {
  for (const SyscallRow& r : t.rows) {
    if (r.nr == nr) return &r;
  }
  return nullptr;
}

TEST(Table, ConstantAndArgumentDependentRows) {
  const VerifiedProgram p = V(Policy());
  Analysis a = Analyze({&p}, {});
  ASSERT_EQ(a.tables.size(), 1u);
  const ArchTable& t = a.tables[0];
  EXPECT_GT(t.rows.size(), 300u);  // every named x86_64 syscall
  const SyscallRow* getpid = Row(t, 39);
  ASSERT_NE(getpid, nullptr);
  EXPECT_EQ(getpid->name, "getpid");
  ASSERT_TRUE(getpid->constant());
  EXPECT_EQ(getpid->outcomes[0].outcome, kAllow);
  const SyscallRow* execve = Row(t, 59);
  ASSERT_TRUE(execve->constant());
  EXPECT_EQ(CanonicalText(execve->outcomes[0].outcome), "ERRNO(1)");
  const SyscallRow* socket = Row(t, 41);
  ASSERT_EQ(socket->outcomes.size(), 2u);
  EXPECT_EQ(socket->deciding_words, 1u << 4);  // args[0].lo
  for (const OutcomeCase& c : socket->outcomes) {
    EXPECT_EQ(c.witness.nr, 41);
    EXPECT_EQ(c.outcome == kAllow, (c.witness.args[0] & 0xffffffff) == 1);
  }
  const SyscallRow* read = Row(t, 0);
  EXPECT_EQ(CanonicalText(read->outcomes[0].outcome), "KILL_PROCESS");
  EXPECT_EQ(CanonicalText(a.foreign_arch.outcomes[0].outcome), "KILL_PROCESS");
  EXPECT_EQ(a.foreign_arch.outcomes.size(), 1u);
}

TEST(Table, CacheFollowsTheKernelsEmulator) {
  const VerifiedProgram p = V(Policy());
  Analysis a = Analyze({&p}, {});
  const ArchTable& t = a.tables[0];
  // getpid: only arch/nr loads and JEQ K on the path to RET ALLOW: cached.
  EXPECT_TRUE(Row(t, 39)->cached);
  // execve returns ERRNO: not cached. socket loads args[0]: the emulator gives up.
  EXPECT_FALSE(Row(t, 59)->cached);
  EXPECT_FALSE(Row(t, 41)->cached);
  // uretprobe (335) is always allowed from the cache on kernels with the exception, even though
  // this filter kills it.
  EXPECT_TRUE(StackCachedAllow({&p.original()}, kX86_64, 335));
  CacheKernel old;
  old.uretprobe_exception = false;
  old.uprobe_exception = false;
  EXPECT_FALSE(StackCachedAllow({&p.original()}, kX86_64, 335, old));
  // Not for the compat arch, nor negative numbers.
  EXPECT_FALSE(StackCachedAllow({&p.original()}, kI386, 335));
  EXPECT_FALSE(StackCachedAllow({&p.original()}, kX86_64, -1));
}

TEST(Cache, EmulatorRules) {
  // RET ALLOW with data is not cacheable.
  EXPECT_FALSE(IsFilterConstAllow(Program{{Stmt(0x06, 0x7fff0001)}}, kX86_64, 0));
  EXPECT_TRUE(IsFilterConstAllow(Program{{Stmt(0x06, kAllow)}}, kX86_64, 0));
  // ALU AND K is modelled; other ALU is not.
  Program and_k{{Stmt(0x20, 0), Stmt(0x54, 0xff), Jump(0x15, 1, 0, 1), Stmt(0x06, kAllow),
                 Stmt(0x06, 0)}};
  EXPECT_TRUE(IsFilterConstAllow(and_k, kX86_64, 0x101));
  EXPECT_FALSE(IsFilterConstAllow(and_k, kX86_64, 2));
  Program or_k{{Stmt(0x20, 0), Stmt(0x44, 0), Stmt(0x06, kAllow)}};
  EXPECT_FALSE(IsFilterConstAllow(or_k, kX86_64, 0));
  // X operands, LD IMM, LEN give up even if the result would be ALLOW.
  EXPECT_FALSE(IsFilterConstAllow(Program{{Stmt(0x00, 1), Stmt(0x06, kAllow)}}, kX86_64, 0));
  EXPECT_FALSE(IsFilterConstAllow(Program{{Stmt(0x80, 0), Stmt(0x06, kAllow)}}, kX86_64, 0));
  EXPECT_FALSE(
      IsFilterConstAllow(Program{{Jump(0x1d, 0, 0, 0), Stmt(0x06, kAllow)}}, kX86_64, 0));
  // JA, JGT/JGE/JSET with K are followed; a load of args on the path gives up, off the path not.
  Program ja{{Stmt(0x20, 0), Jump(0x25, 10, 1, 0), Stmt(0x05, 1), Stmt(0x20, 16),
              Stmt(0x06, kAllow)}};
  EXPECT_TRUE(IsFilterConstAllow(ja, kX86_64, 5));
  EXPECT_FALSE(IsFilterConstAllow(ja, kX86_64, 11));
  // A stack is cached only if every filter is.
  Program allow{{Stmt(0x06, kAllow)}};
  EXPECT_TRUE(StackCachedAllow({&allow, &ja}, kX86_64, 5));
  EXPECT_FALSE(StackCachedAllow({&allow, &ja, &or_k}, kX86_64, 5));
}

TEST(Findings, DenyListWithoutArchCheck) {
  // ld [nr]; jeq execve ? ERRNO(1) : ALLOW  -- no arch check, default allow, x32 reachable,
  // execveat allowed.
  const VerifiedProgram p = V(Program{{Stmt(0x20, 0), Jump(0x15, 59, 0, 1),
                                       Stmt(0x06, 0x00050001), Stmt(0x06, kAllow)}});
  Analysis a = Analyze({&p}, {});
  std::set<std::string> rules;
  for (const Finding& f : a.findings) rules.insert(f.rule);
  EXPECT_TRUE(rules.count("no-arch-check"));
  EXPECT_TRUE(rules.count("foreign-arch-allowed"));
  EXPECT_TRUE(rules.count("x32-reachable"));
  EXPECT_TRUE(rules.count("default-allow"));
  EXPECT_TRUE(rules.count("allowed-twin"));
  for (const Finding& f : a.findings) {
    if (f.rule == "x32-reachable") {
      ASSERT_TRUE(f.has_witness);
      EXPECT_EQ(static_cast<uint32_t>(f.witness.nr) & 0xc0000000u, 0x40000000u);
    }
  }
}

TEST(Findings, UnreachableCode) {
  // pc 3 can never run: A is 5 at pc 1, so jeq #5 always jumps to pc 4.
  const VerifiedProgram p = V(Program{{Stmt(0x00, 5), Jump(0x15, 5, 2, 0), Stmt(0x06, 0),
                                       Stmt(0x06, 1), Stmt(0x06, kAllow)}});
  Analysis a = Analyze({&p}, {});
  std::vector<int> pcs;
  for (const Finding& f : a.findings) {
    if (f.rule == "unreachable-return") pcs.push_back(f.pc);
  }
  EXPECT_EQ(pcs, (std::vector<int>{2, 3}));
}

TEST(Table, OtherArchesAndSpecialNumbers) {
  const VerifiedProgram p = V(Policy());
  AnalyzeOptions o;
  o.arches = {FindArch("i386"), FindArch("x32")};
  Analysis a = Analyze({&p}, o);
  ASSERT_EQ(a.tables.size(), 2u);
  // i386 is killed by the arch check, whatever the number.
  for (const SyscallRow& r : a.tables[0].rows) {
    ASSERT_EQ(CanonicalText(r.outcomes[0].outcome), "KILL_PROCESS") << r.name;
  }
  // x32 numbers carry bit 30; the policy compares nr with small constants: all killed.
  ASSERT_FALSE(a.tables[1].rows.empty());
  EXPECT_EQ(static_cast<uint32_t>(a.tables[1].rows[0].nr) & 0x40000000u, 0x40000000u);
  bool has_minus_one = false;
  for (const SyscallRow& r : a.tables[0].special) has_minus_one |= r.nr == -1;
  EXPECT_TRUE(has_minus_one);
}

}  // namespace
}  // namespace sckit::analysis
