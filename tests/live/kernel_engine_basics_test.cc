// The kernel engine (live/kernel_engine.h) against the running kernel, its contract: every
// action as the kernel reports it, the record's fields reaching the filters on both probes
// (syscall and int $0x80), what it refuses or cannot reproduce (other arches, passthrough calls,
// refused stacks, sentinel collisions), the safety net for a call that ran, and one child
// serving many records.
#include "live/kernel_engine.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "jit/compiler.h"
#include "tests/live/kernel_engine_test_util.h"
#include "tests/random_program.h"
#include "tests/random_tree.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/outcome.h"
#include "vm/program.h"
#include "vm/stack.h"

namespace sckit::live {
namespace {

using namespace bpf;           // NOLINT: kRET, kK, kJEQ ... as in the kernel's macros
using namespace testing_util;  // NOLINT: the kernel engine test helpers

TEST(KernelEngine, EachActionAsTheKernelReportsIt) {
  const std::vector<std::pair<int32_t, uint32_t>> table = {
      {1000, seccomp::kRetErrno | 5},
      {1001, seccomp::kRetErrno | 0},
      {1002, seccomp::kRetErrno | 0xffff},
      {1003, seccomp::kRetTrap | 7},
      {1004, seccomp::kRetTrace | 9},
      {1005, seccomp::kRetUserNotif},
      {1006, seccomp::kRetLog},
      {1007, 0x7ffe0000u},
      {1008, seccomp::kRetKillThread},
      {1009, seccomp::kRetKillProcess},
      {1010, 0x10000000u},
      {1011, 0x7fe00000u},
  };
  std::vector<StackEntry> stack = {{NrTable(table, seccomp::kRetAllow), 0}};
  for (bool tracer : {false, true}) {
    START_ENGINE_OR_SKIP(engine, stack, Asked(tracer));
    Model model(stack, Asked(tracer).context);

    struct Case {
      int32_t nr;
      std::vector<std::string> possible;
    };
    // TRACE: a tracer with PTRACE_O_TRACESECCOMP stops it; without one the kernel fails it with
    // ENOSYS. USER_NOTIF of a filter without a listener: ENOSYS.
    const std::vector<Case> cases = {
        {1000, {"ERRNO(5)"}},
        {1001, {"ERRNO(0)"}},
        {1002, {"ERRNO(4095)"}},
        {1003, {"TRAP(7)"}},
        {1004, {tracer ? "TRACE(9)" : "ERRNO(38)"}},
        {1005, {"ERRNO(38)"}},
        {1006, {"ALLOW", "LOG", "KILL_PROCESS"}},  // the stack can return 0x7ffe0000
        {1007, {"ALLOW", "LOG", "KILL_PROCESS"}},
        {1008, {"KILL_THREAD"}},
        {1009, {"KILL_PROCESS"}},
        {1010, {"KILL_PROCESS"}},
        {1011, {"KILL_PROCESS"}},  // unknown, ranked between USER_NOTIF and TRACE: beats F0
        {39, {"ALLOW", "LOG", "KILL_PROCESS"}},
        {1000, {"ERRNO(5)"}},  // a fresh child after the kills works the same
    };
    for (const Case& c : cases) {
      const SeccompData d = Record(c.nr, {1, 2, 3, 4, 5, 6}, 0x400000 + c.nr);
      Result<KernelObservation> o = engine.Run(d);
      ASSERT_TRUE(o.ok()) << c.nr << ": " << o.error().ToString();
      EXPECT_EQ(Texts(o->possible), c.possible) << c.nr << ": " << o->ToString();
      std::printf("tracer %d, nr %d: %-32s trail: %s\n", tracer, c.nr, o->ToString().c_str(),
                  o->trail.c_str());
      const Outcome m = model.Decide(d);
      EXPECT_TRUE(ConsistentWith(*o, m))
          << c.nr << ": kernel " << o->ToString() << ", interpreter " << m.Text();
      if (c.nr == 1003) {
        ASSERT_TRUE(o->has_siginfo);
        EXPECT_EQ(o->siginfo.signo, SIGSYS);
        EXPECT_EQ(o->siginfo.code, 1);  // SYS_SECCOMP
        EXPECT_EQ(o->siginfo.error, 7);
        EXPECT_EQ(o->siginfo.syscall_nr, 1003);
        EXPECT_EQ(o->siginfo.arch, kX86_64);
        EXPECT_EQ(o->siginfo.call_addr, d.instruction_pointer);
      }
    }
    // Three kills (thread, process, unknown) and 1011: each needs a new child.
    EXPECT_EQ(engine.children_started(), 5u);
  }
}

// For each arch the engine reproduces: the native probe (`syscall`) and the ia32 probe
// (`int $0x80`, arguments from rbx, rcx, rdx, rsi, rdi, rbp).
class RecordFields : public ::testing::TestWithParam<uint32_t> {};

TEST_P(RecordFields, ReachTheFilters) {
  // ERRNO(1) only if nr, arch, both ip halves and both halves of every argument are as sent;
  // the instruction pointer is deliberately non-canonical (the kernel copies regs->ip as is).
  const uint32_t arch = GetParam();
  const SeccompData want = [arch] {
    SeccompData d = Record(arch == kX86_64 ? 0x4000002a : 1000, {}, 0xdeadbeefcafef00dull);
    d.arch = arch;
    for (int i = 0; i < 6; ++i) d.args[i] = 0x1111111100000000ull * (i + 1) + 0x10 + i;
    return d;
  }();
  Program p;
  for (uint32_t off = 0; off < 64; off += 4) {
    p.insns.push_back(Stmt(kLD | kW | kABS, off));
    p.insns.push_back(Jump(kJMP | kJEQ | kK, LoadWord(want, off), 0, 0));  // jf patched below
  }
  // Every jeq falls to "ret ERRNO(2)" when different: jf = distance to the second-last insn.
  const size_t n = p.insns.size();
  p.insns.push_back(Ret(seccomp::kRetErrno | 1));
  p.insns.push_back(Ret(seccomp::kRetErrno | 2));
  for (size_t pc = 1; pc < n; pc += 2) p.insns[pc].jf = static_cast<uint8_t>(n - pc);
  std::vector<StackEntry> stack = {{p, 0}};
  START_ENGINE_OR_SKIP(engine, stack);

  Result<KernelObservation> o = engine.Run(want);
  ASSERT_TRUE(o.ok()) << o.error().ToString();
  if (!o->reproducible) GTEST_SKIP() << o->reason;
  EXPECT_EQ(o->outcome.Text(), "ERRNO(1)") << o->ToString();
  for (uint32_t off = 0; off < 64; off += 4) {
    if (off == 4) continue;  // arch: another probe
    SeccompData d = want;
    uint32_t word = LoadWord(d, off) ^ 0x80;
    std::memcpy(reinterpret_cast<unsigned char*>(&d) + off, &word, 4);
    o = engine.Run(d);
    ASSERT_TRUE(o.ok()) << o.error().ToString();
    EXPECT_EQ(o->outcome.Text(), "ERRNO(2)") << "word at " << off << ": " << o->ToString();
  }
  // Negative numbers reach the filters too.
  SeccompData neg = want;
  neg.nr = -1;
  o = engine.Run(neg);
  ASSERT_TRUE(o.ok()) << o.error().ToString();
  EXPECT_EQ(o->outcome.Text(), "ERRNO(2)");
}

INSTANTIATE_TEST_SUITE_P(KernelEngine, RecordFields, ::testing::Values(kX86_64, kI386),
                         [](const ::testing::TestParamInfo<uint32_t>& info) {
                           return std::string(info.param == kX86_64 ? "X86_64" : "I386");
                         });

// The same stack answers per arch: both probes live in one child, with the same chain.
TEST(KernelEngine, Ia32RecordsRunOnTheInt80Probe) {
  Program p;
  p.insns = {Stmt(kLD | kW | kABS, 4),     Jump(kJMP | kJEQ | kK, kI386, 0, 5),
             Stmt(kLD | kW | kABS, 0),     Jump(kJMP | kJEQ | kK, 1, 0, 1),
             Ret(seccomp::kRetTrap | 33),  Jump(kJMP | kJEQ | kK, 2, 0, 1),
             Ret(seccomp::kRetKillThread), Ret(seccomp::kRetErrno | 13)};
  std::vector<StackEntry> stack = {{p, 0}};
  START_ENGINE_OR_SKIP(engine, stack);
  Model model(stack);
  auto run = [&](uint32_t arch, int32_t nr) {
    SeccompData d = Record(nr, {7, 8}, 0x8048000 + nr);
    d.arch = arch;
    Result<KernelObservation> o = engine.Run(d);
    EXPECT_TRUE(o.ok()) << o.error().ToString();
    if (!o.ok()) return KernelObservation{};
    EXPECT_TRUE(ConsistentWith(*o, model.Decide(d))) << o->ToString();
    return *o;
  };
  KernelObservation o = run(kI386, 1);
  if (!o.reproducible) GTEST_SKIP() << o.reason;
  EXPECT_EQ(o.outcome.Text(), "TRAP(33)");
  EXPECT_EQ(o.siginfo.arch, kI386);
  EXPECT_EQ(o.siginfo.syscall_nr, 1);
  EXPECT_EQ(o.siginfo.call_addr, 0x8048001u);
  EXPECT_EQ(run(kX86_64, 1).outcome.Text(), "ERRNO(13)");
  EXPECT_EQ(run(kI386, 3).outcome.Text(), "ERRNO(13)");
  EXPECT_EQ(run(kI386, 2).outcome.Text(), "KILL_THREAD");
  EXPECT_EQ(run(kX86_64, 2).outcome.Text(), "ERRNO(13)");
  EXPECT_EQ(run(kI386, 2).outcome.Text(), "KILL_THREAD");
  EXPECT_EQ(run(kI386, 3).outcome.Text(), "ERRNO(13)");
}

TEST(KernelEngine, OtherArchesAndPassthroughCallsAreNotReproducible) {
  std::vector<StackEntry> stack = {{Program{{Ret(seccomp::kRetErrno | 1)}}, 0}};
  START_ENGINE_OR_SKIP(engine, stack);
  SeccompData d = Record(20);
  d.arch = 0xC00000B7u;  // AUDIT_ARCH_AARCH64
  for (const SeccompData& r : {d, Record(335), Record(336)}) {
    Result<KernelObservation> o = engine.Run(r);
    ASSERT_TRUE(o.ok()) << o.error().ToString();
    EXPECT_FALSE(o->reproducible);
    EXPECT_EQ(o->not_reproducible_rule, r.nr == 20 ? "unsupported-arch" : "passthrough-syscall");
    EXPECT_TRUE(o->possible.empty());
    EXPECT_TRUE(ConsistentWith(*o, Verdict::Of(Verdict::Kind::kKillProcess)));
  }
  Result<KernelObservation> o = engine.Run(Record(337));
  ASSERT_TRUE(o.ok()) << o.error().ToString();
  EXPECT_EQ(o->outcome.Text(), "ERRNO(1)");
  // On i386, 335 and 336 are ordinary numbers: the exception is for native calls only.
  SeccompData compat = Record(335);
  compat.arch = kI386;
  o = engine.Run(compat);
  ASSERT_TRUE(o.ok()) << o.error().ToString();
  if (o->reproducible) {
    EXPECT_EQ(o->outcome.Text(), "ERRNO(1)");
  }
}

TEST(KernelEngine, RefusedStacksAreErrors) {
  std::vector<StackEntry> bad = {{Program{{Stmt(kLD | kW | kABS, 64), Ret(0)}}, 0}};
  Result<KernelEngine> e = KernelEngine::Start(bad);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().rule, "invalid-filter");
  e = KernelEngine::Start({});
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().rule, "empty-stack");
  // Two listeners in one chain: the kernel says EBUSY (has_duplicate_listener).
  std::vector<StackEntry> two = {{Program{{Ret(seccomp::kRetAllow)}}, seccomp::kFlagNewListener},
                                 {Program{{Ret(seccomp::kRetAllow)}}, seccomp::kFlagNewListener}};
  e = KernelEngine::Start(two);
  if (!e.ok() && Unavailable(e.error())) GTEST_SKIP() << e.error().ToString();
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().rule, "install-refused");
  EXPECT_EQ(e.error().kernel_errno, EBUSY);
}

TEST(KernelEngine, SentinelCollisionsAreReported) {
  // A stack whose TRACE data equals the sentinel is indistinguishable from F0's own stop.
  KernelEngineOptions o = Asked(/*tracer=*/true);
  o.sentinel = 77;
  std::vector<StackEntry> stack = {
      {NrTable({{1, seccomp::kRetTrace | 77}, {2, seccomp::kRetTrace | 78}}, seccomp::kRetAllow),
       0}};
  START_ENGINE_OR_SKIP(engine, stack, o);
  EXPECT_EQ(engine.sentinel(), 77);
  Result<KernelObservation> r = engine.Run(Record(1));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(Texts(r->possible), (std::vector<std::string>{"ALLOW", "LOG", "TRACE(77)"}));
  r = engine.Run(Record(2));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(Texts(r->possible), (std::vector<std::string>{"TRACE(78)"}));
  // Without a tracer the collision stands for ERRNO(38), what that TRACE gives there.
  o.context.tracer = false;
  START_ENGINE_OR_SKIP(untraced, stack, o);
  r = untraced.Run(Record(1));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(Texts(r->possible), (std::vector<std::string>{"ALLOW", "LOG", "ERRNO(38)"}));
  // Chosen automatically, the sentinel avoids every RET K's TRACE data.
  std::vector<StackEntry> uses_default = {{Program{{Ret(seccomp::kRetTrace | 0x5ecc)}}, 0}};
  START_ENGINE_OR_SKIP(auto_engine, uses_default, Asked(/*tracer=*/true));
  EXPECT_NE(auto_engine.sentinel(), 0x5ecc);
  r = auto_engine.Run(Record(1));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(Texts(r->possible), (std::vector<std::string>{"TRACE(24268)"}));
}

// Without F0 (a test-only switch) an allowed call runs: here getpid, harmless. The safety net
// must see a return value no skip produces, kill the child and fail the record.
TEST(KernelEngine, SafetyNetCatchesACallThatRan) {
  KernelEngineOptions o;
  o.unsafe_omit_sentinel_filter_for_tests = true;
  std::vector<StackEntry> stack = {{Program{{Ret(seccomp::kRetAllow)}}, 0}};
  START_ENGINE_OR_SKIP(engine, stack, o);
  Result<KernelObservation> r = engine.Run(Record(39));  // getpid: returns the child's pid
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rule, "internal-error") << r.error().ToString();
  EXPECT_EQ(engine.child_pid(), 0) << "the child must be gone";
}

// Throughput without kills: one child serves every record.
TEST(KernelEngine, ReusesTheChildBetweenRecords) {
  std::vector<StackEntry> stack = {
      {NrTable({{1, seccomp::kRetErrno | 1}, {2, seccomp::kRetTrap | 2}}, seccomp::kRetAllow), 0}};
  START_ENGINE_OR_SKIP(engine, stack);
  const pid_t tid = engine.probe_tid();
  const auto t0 = std::chrono::steady_clock::now();
  const int kRecords = 3000;
  for (int i = 0; i < kRecords; ++i) {
    Result<KernelObservation> o = engine.Run(Record(i % 3));
    ASSERT_TRUE(o.ok()) << o.error().ToString();
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("kernel engine: %d records on one child in %.3f s: %.0f records/s\n", kRecords, secs,
              kRecords / secs);
  EXPECT_EQ(engine.probe_tid(), tid);
  EXPECT_EQ(engine.children_started(), 1u);
}

}  // namespace
}  // namespace sckit::live
