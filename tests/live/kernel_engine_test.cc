// The kernel engine (live/kernel_engine.h) against the running kernel: every action as the
// kernel reports it, the record's fields reaching the filters, agreement with the interpreter
// (vm/outcome.h Decide, kernel precedence) on random verified stacks and records, and proof
// that dangerous records (unlink of a real file, kill of a live process, exit_group) never run.
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

// With a NEW_LISTENER filter the engine's notifier answers its USER_NOTIF: the call returns the
// answer, so USER_NOTIF is told apart from ERRNO(38), on both probes and across kills.
TEST(KernelEngine, UserNotifOfTheListenersFilterIsReportedExactly) {
  const std::vector<std::pair<int32_t, uint32_t>> table = {
      {1005, seccomp::kRetUserNotif},
      {1006, seccomp::kRetUserNotif | 0x1234},  // the data does not matter
      {1038, seccomp::kRetErrno | 38},
      {1009, seccomp::kRetKillProcess},
      {1008, seccomp::kRetKillThread},
  };
  std::vector<StackEntry> stack = {
      {NrTable(table, seccomp::kRetAllow), seccomp::kFlagNewListener},
      {NrTable({{1003, seccomp::kRetErrno | 38}}, seccomp::kRetAllow), 0}};
  START_ENGINE_OR_SKIP(engine, stack);
  Model model(stack);
  struct Case {
    uint32_t arch;
    int32_t nr;
    std::vector<std::string> possible;
  };
  std::vector<Case> cases;
  for (int round = 0; round < 3; ++round) {
    for (uint32_t arch : {kX86_64, kI386}) {
      cases.push_back({arch, 1005, {"USER_NOTIF"}});
      cases.push_back({arch, 1006, {"USER_NOTIF"}});
      // No filter without a listener can return USER_NOTIF: -ENOSYS is ERRNO(38), from either.
      cases.push_back({arch, 1038, {"ERRNO(38)"}});
      cases.push_back({arch, 1003, {"ERRNO(38)"}});
      cases.push_back({arch, 1005, {"USER_NOTIF"}});
    }
    // Kills end the child with its notifiers; the next child gets new ones.
    cases.push_back(
        {kX86_64, round == 1 ? 1008 : 1009, {round == 1 ? "KILL_THREAD" : "KILL_PROCESS"}});
  }
  int notified = 0;
  for (const Case& c : cases) {
    SeccompData d = Record(c.nr, {11, 22, 33, 44, 55, 66}, 0x500000 + c.nr);
    d.arch = c.arch;
    Result<KernelObservation> o = engine.Run(d);
    ASSERT_TRUE(o.ok()) << c.nr << ": " << o.error().ToString();
    if (!o->reproducible) continue;  // no ia32 emulation
    EXPECT_EQ(Texts(o->possible), c.possible) << c.nr << ": " << o->ToString();
    const Outcome m = model.Decide(d);
    EXPECT_TRUE(ConsistentWith(*o, m))
        << c.nr << ": kernel " << o->ToString() << ", model " << m.Text();
    if (c.possible == std::vector<std::string>{"USER_NOTIF"}) {
      ++notified;
      EXPECT_EQ(o->seen, KernelObservation::Seen::kNotified);
      EXPECT_EQ(static_cast<uint64_t>(o->return_value), kNotifyAnswer);
      EXPECT_EQ(m.Text(), "USER_NOTIF");
    }
    if (c.possible == std::vector<std::string>{"ERRNO(38)"}) {
      EXPECT_EQ(o->return_value, -38);
    }
  }
  std::printf("listener stack: %d USER_NOTIF answered, %llu children\n", notified,
              static_cast<unsigned long long>(engine.children_started()));
  EXPECT_GE(notified, 9);
}

// seccomp_do_user_notification looks only at the MATCHED filter's listener: a USER_NOTIF won by
// a filter without one gives -ENOSYS even while another filter's listener is open and served.
// Ties between USER_NOTIFs go to the newest filter (seccomp_run_filters: strictly lower wins).
TEST(KernelEngine, UserNotifOfAFilterWithoutTheListenerGivesEnosys) {
  // 2000: only the listener's filter notifies; 2001: only the other one; 2002: both (a tie).
  const Program with = NrTable({{2000, seccomp::kRetUserNotif}, {2002, seccomp::kRetUserNotif | 5}},
                               seccomp::kRetAllow);
  const Program without = NrTable(
      {{2001, seccomp::kRetUserNotif}, {2002, seccomp::kRetUserNotif | 7}}, seccomp::kRetAllow);
  struct Order {
    const char* name;
    std::vector<StackEntry> stack;
    std::vector<std::string> tie;  // what 2002 gives
  };
  const std::vector<Order> orders = {
      {"listener oldest", {{with, seccomp::kFlagNewListener}, {without, 0}}, {"ERRNO(38)"}},
      {"listener newest", {{without, 0}, {with, seccomp::kFlagNewListener}}, {"USER_NOTIF"}},
  };
  for (const Order& order : orders) {
    START_ENGINE_OR_SKIP(engine, order.stack);
    Model model(order.stack);
    const std::vector<std::pair<int32_t, std::vector<std::string>>> cases = {
        {2000, {"USER_NOTIF"}},
        {2001, {"ERRNO(38)"}},  // in this configuration, exactly what the kernel gives
        {2002, order.tie},
        {2000, {"USER_NOTIF"}},
    };
    for (const auto& [nr, possible] : cases) {
      const SeccompData d = Record(nr);
      Result<KernelObservation> o = engine.Run(d);
      ASSERT_TRUE(o.ok()) << order.name << " " << nr << ": " << o.error().ToString();
      EXPECT_EQ(Texts(o->possible), possible) << order.name << " " << nr << ": " << o->ToString();
      const Outcome m = model.Decide(d);
      EXPECT_TRUE(ConsistentWith(*o, m))
          << order.name << " " << nr << ": kernel " << o->ToString() << ", model " << m.Text();
      std::printf("%s, nr %d: kernel %-22s rax %lld, model %s (filter %d)\n", order.name, nr,
                  o->ToString().c_str(), static_cast<long long>(o->return_value), m.Text().c_str(),
                  m.matched);
      // 2001 can only be the listenerless filter's USER_NOTIF (the other filter allows it), so
      // the kernel's -ENOSYS here is that USER_NOTIF: the model says ERRNO(38) for it.
      if (nr == 2001) {
        EXPECT_EQ(o->return_value, -38);
        EXPECT_EQ(m.action, Action::kUserNotif);
        EXPECT_EQ(m.Text(), "ERRNO(38)");
      }
    }
  }
}

// Random verified stacks x random records: the kernel and the interpreter must agree.
TEST(KernelEngine, RandomStacksAgreeWithInterpreter) {
  // SCKIT_KENGINE_SEED=n explores other stacks (the default keeps runs reproducible).
  const char* seed_env = std::getenv("SCKIT_KENGINE_SEED");
  const uint32_t seed =
      seed_env != nullptr ? static_cast<uint32_t>(std::strtoul(seed_env, nullptr, 10)) : 20261123u;
  std::mt19937 rng(seed);
  testing::RandomProgramOptions popts;
  popts.max_len = 24;
  popts.pool.push_back(kX86_64);
  const int32_t kNrPool[] = {0,   1,   2,   39,   59,         60,         62, 87,        169,
                             231, 257, 263, 1000, 0x40000000, 0x40000001, -1, 0x7fffffff};
  const auto t0 = std::chrono::steady_clock::now();
  const auto budget = std::chrono::seconds(30);
  int stacks = 0, records = 0, not_reproducible = 0, ambiguous = 0, ia32 = 0;
  int ambiguous_enosys = 0, model_notif = 0, model_notif_enosys = 0;
  std::map<std::string, int> by_outcome;
  uint64_t children = 0;
  while ((records < 4000 || stacks < 200) && std::chrono::steady_clock::now() - t0 < budget) {
    std::vector<StackEntry> stack;
    const int n = 1 + static_cast<int>(rng() % 3);
    bool listener = false;
    for (int i = 0; i < n; ++i) {
      uint32_t flags = 0;
      if (rng() % 4 == 0) flags |= seccomp::kFlagLog;
      if (rng() % 8 == 0) flags |= seccomp::kFlagSpecAllow;
      if (!listener && rng() % 6 == 0) {
        flags |= seccomp::kFlagNewListener;
        listener = true;
      }
      stack.push_back({testing::RandomVerifiedProgram(rng, popts), flags});
    }
    // The asked configuration varies too: with and without a tracer, with --listener.
    const KernelEngineOptions asked = Asked(rng() % 2 == 0, rng() % 3 == 0);
    Result<KernelEngine> engine = KernelEngine::Start(stack, asked);
    if (!engine.ok() && Unavailable(engine.error())) GTEST_SKIP() << engine.error().ToString();
    ASSERT_TRUE(engine.ok()) << engine.error().ToString();
    Model model(stack, asked.context);
    ++stacks;
    for (int r = 0; r < 20; ++r) {
      SeccompData d = testing::RandomRecord(rng, popts);
      d.arch = rng() % 4 == 0 ? kI386 : (rng() % 32 == 0 ? 0xC00000B7u : kX86_64);
      if (rng() % 2 == 0) d.nr = kNrPool[rng() % (sizeof kNrPool / sizeof kNrPool[0])];
      Result<KernelObservation> o = engine->Run(d);
      ASSERT_TRUE(o.ok()) << o.error().ToString();
      const Outcome m = model.Decide(d);
      ++records;
      if (!o->reproducible) {
        ++not_reproducible;
        continue;
      }
      if (o->ambiguous()) ++ambiguous;
      if (o->ambiguous() && o->outcome.Text() == "ERRNO(38)") ++ambiguous_enosys;
      if (m.action == Action::kUserNotif) {
        ++model_notif;
        if (m.effect != Effect::kNotify) ++model_notif_enosys;
      }
      if (d.arch == kI386) ++ia32;
      ++by_outcome[o->outcome.Text()];
      ASSERT_TRUE(ConsistentWith(*o, m))
          << "stack " << stacks << " (tracer " << asked.context.tracer << ", listener "
          << asked.context.listener << ") record nr=" << d.nr << " ip=" << d.instruction_pointer
          << ": kernel " << o->ToString() << ", interpreter " << m.Text();
    }
    children += engine->children_started();
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf(
      "kernel engine: %d stacks, %d records (%d i386, %d not reproducible, %d "
      "ambiguous), %llu children, %.2f s, %.0f records/s\n",
      stacks, records, ia32, not_reproducible, ambiguous, static_cast<unsigned long long>(children),
      secs, records / secs);
  std::printf(
      "  ambiguous: %d -ENOSYS (ERRNO(38)|USER_NOTIF), %d sentinel stops; the model's USER_NOTIF "
      "wins: %d, %d of them without a listener (ENOSYS)\n",
      ambiguous_enosys, ambiguous - ambiguous_enosys, model_notif, model_notif_enosys);
  for (const auto& [name, count] : by_outcome) std::printf("  %-14s %d\n", name.c_str(), count);
  EXPECT_GE(records, 3000);
}

// Filters built around jeq chains and compare trees, the shapes the prepared interpreter and
// the JIT lower into lookups and range tables (vm/jeq_chains.h): the kernel, the prepared
// interpreter (FilterStack's default engine) and the JIT must agree on every key, its
// neighbours and random values.
using ShapeGenerator = Program (*)(std::mt19937&, std::vector<uint32_t>*);
void ExpectShapesAgree(const char* what, ShapeGenerator generate, uint32_t seed) {
  std::mt19937 rng(seed);
  const auto t0 = std::chrono::steady_clock::now();
  int programs = 0, records = 0, not_reproducible = 0;
  while ((programs < 60 || records < 3000) &&
         std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30)) {
    std::vector<uint32_t> keys;
    const std::vector<StackEntry> stack = {{generate(rng, &keys), 0}};
    Result<KernelEngine> engine = KernelEngine::Start(stack);
    if (!engine.ok() && Unavailable(engine.error())) GTEST_SKIP() << engine.error().ToString();
    ASSERT_TRUE(engine.ok()) << engine.error().ToString();
    Model model(stack);
    FilterStack jit_stack;
    const VerifiedProgram v = *Verify(stack[0].program);
    Result<jit::CompiledFilter> compiled = jit::Compile(v);
    ASSERT_TRUE(compiled.ok()) << compiled.error().ToString();
    jit_stack.Push(v, std::make_unique<EngineAdapter<jit::CompiledFilter>>(std::move(*compiled)));
    std::vector<uint32_t> jit_rets(1);
    ++programs;
    std::vector<uint32_t> words;
    for (size_t i = 0; i < keys.size() && words.size() < 40; i += 1 + rng() % 4) {
      words.push_back(keys[i]);
      words.push_back(keys[i] + 1);
      words.push_back(keys[i] - 1);
    }
    for (int r = 0; r < 6; ++r) words.push_back(static_cast<uint32_t>(rng()));
    for (uint32_t w : words) {
      SeccompData d = Record(static_cast<int32_t>(w), {w});
      Result<KernelObservation> o = engine->Run(d);
      ASSERT_TRUE(o.ok()) << o.error().ToString();
      const Outcome m = model.Decide(d);
      const Outcome j = sckit::Decide(jit_stack, d, model.ctx, jit_rets);
      ASSERT_EQ(j.Text(), m.Text()) << "program " << programs << " word " << w;
      ++records;
      if (!o->reproducible) {
        ++not_reproducible;
        continue;
      }
      ASSERT_TRUE(ConsistentWith(*o, m)) << "program " << programs << " word " << w << ": kernel "
                                         << o->ToString() << ", engines " << m.Text();
    }
  }
  std::printf("%s: %d programs, %d records, %d not reproducible\n", what, programs, records,
              not_reproducible);
  EXPECT_GE(programs, 20);
  EXPECT_GE(records - not_reproducible, 1000);
}

TEST(KernelEngine, ChainFiltersAgreeWithThePreparedInterpreterAndTheJit) {
  ExpectShapesAgree("chain filters", testing::RandomChainProgram, 1123);
}

TEST(KernelEngine, TreeFiltersAgreeWithThePreparedInterpreterAndTheJit) {
  ExpectShapesAgree("tree filters", testing::RandomTreeProgram, 1919);
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

SeccompData Ia32(SeccompData d) {
  d.arch = kI386;
  return d;
}

std::atomic<int> g_sigusr1{0};
void OnSigusr1(int) { g_sigusr1.fetch_add(1); }

// The design alone must keep dangerous calls from running, so the defences in depth
// (namespaces, nobody) are off here: the child could unlink the file and kill the victim.
TEST(KernelEngine, DangerousRecordsDoNothing) {
  char tmpl[] = "/tmp/sckit_kengine_XXXXXX";
  const int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  close(fd);
  const std::string path = tmpl;  // lives before the fork: the child has it at the same address
  const pid_t victim = fork();
  ASSERT_GE(victim, 0);
  if (victim == 0) {
    for (;;) pause();
  }
  struct sigaction sa = {};
  sa.sa_handler = OnSigusr1;
  sigemptyset(&sa.sa_mask);
  struct sigaction old_sa = {};
  ASSERT_EQ(sigaction(SIGUSR1, &sa, &old_sa), 0);

  const uint64_t p = reinterpret_cast<uint64_t>(path.c_str());
  const uint64_t me = static_cast<uint64_t>(getpid());
  const uint64_t my_tid = static_cast<uint64_t>(gettid());
  const std::vector<SeccompData> dangerous = {
      Record(87, {p}),                                       // unlink(path)
      Record(263, {static_cast<uint64_t>(AT_FDCWD), p, 0}),  // unlinkat(AT_FDCWD, path, 0)
      Record(62, {static_cast<uint64_t>(victim), SIGKILL}),  // kill(victim, SIGKILL)
      Record(62, {me, SIGUSR1}),                             // kill(parent, SIGUSR1)
      Record(234, {me, my_tid, SIGUSR1}),                    // tgkill(parent, tid, SIGUSR1)
      Record(231, {0}),                                      // exit_group(0)
      Record(60, {0}),                                       // exit(0)
      // The same through the ia32 probe (int $0x80): i386 numbers.
      Ia32(Record(10, {p})),                                       // unlink(path)
      Ia32(Record(37, {static_cast<uint64_t>(victim), SIGKILL})),  // kill(victim, SIGKILL)
      Ia32(Record(37, {me, SIGUSR1})),                             // kill(parent, SIGUSR1)
      Ia32(Record(252, {0})),                                      // exit_group(0)
  };
  KernelEngineOptions open;
  open.new_namespaces = false;
  open.drop_privileges = false;
  struct Stack {
    uint32_t ret;
    std::vector<std::string> possible;
    uint32_t flags = 0;
    bool tracer = true;
    bool listener = false;
  };
  const std::vector<Stack> stacks = {
      {seccomp::kRetAllow, {"ALLOW", "LOG"}},
      {seccomp::kRetLog, {"ALLOW", "LOG"}},
      {seccomp::kRetTrace | 3, {"TRACE(3)"}},
      // Without a tracer the TRACE runs a second time with PTRACE_O_TRACESECCOMP cleared.
      {seccomp::kRetTrace | 3, {"ERRNO(38)"}, 0, false},
      // Answered by the engine's notifier (never with SECCOMP_USER_NOTIF_FLAG_CONTINUE).
      {seccomp::kRetUserNotif, {"USER_NOTIF"}, seccomp::kFlagNewListener},
      // --listener: the engine gives the filter NEW_LISTENER itself.
      {seccomp::kRetUserNotif, {"USER_NOTIF"}, 0, false, true},
  };
  for (const Stack& s : stacks) {
    std::vector<StackEntry> stack = {{Program{{Ret(s.ret)}}, s.flags}};
    open.context.tracer = s.tracer;
    open.context.listener = s.listener;
    START_ENGINE_OR_SKIP(engine, stack, open);
    // A first i386 record restarts the child with its ia32 probe; from then on it stays.
    Result<KernelObservation> warm = engine.Run(Ia32(Record(20)));
    ASSERT_TRUE(warm.ok()) << warm.error().ToString();
    const uint64_t children = engine.children_started();
    // The pointer is valid in the probe: the path is there, readable by the call.
    Result<std::vector<uint8_t>> mem = engine.ReadProbeMemory(p, path.size() + 1);
    ASSERT_TRUE(mem.ok()) << mem.error().ToString();
    EXPECT_EQ(std::string(mem->begin(), mem->end() - 1), path);
    const pid_t tid = engine.probe_tid();
    for (const SeccompData& d : dangerous) {
      Result<KernelObservation> o = engine.Run(d);
      ASSERT_TRUE(o.ok()) << d.nr << ": " << o.error().ToString();
      EXPECT_EQ(Texts(o->possible), s.possible) << d.nr << ": " << o->ToString();
    }
    struct stat st;
    EXPECT_EQ(stat(path.c_str(), &st), 0) << "the file was unlinked";
    EXPECT_EQ(waitpid(victim, nullptr, WNOHANG), 0) << "the victim died";
    EXPECT_EQ(kill(victim, 0), 0);
    EXPECT_EQ(g_sigusr1.load(), 0) << "the parent received SIGUSR1";
    // Still the same probe, still probing.
    EXPECT_EQ(engine.probe_tid(), tid);
    EXPECT_EQ(engine.children_started(), children);
    Result<KernelObservation> o = engine.Run(Record(39));
    ASSERT_TRUE(o.ok()) << o.error().ToString();
    EXPECT_EQ(Texts(o->possible), s.possible);
  }
  sigaction(SIGUSR1, &old_sa, nullptr);
  kill(victim, SIGKILL);
  waitpid(victim, nullptr, 0);
  unlink(path.c_str());
}

}  // namespace
}  // namespace sckit::live
