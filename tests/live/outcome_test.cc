// Runtime semantics against the running kernel: a forked child installs a stack and makes one
// harmless system call (tests/live/untraced_call.h); what it observes must be what our side
// predicts: RunFilter() per filter on the same seccomp_data, ResolveStack() across the stack,
// vm/outcome's ApplyAction (no tracer, no listener) and its user-visible effect
// (tests/live/expected_effect.h, spec §6).
//   - precedence: one tiny filter per action (ALLOW, LOG, ERRNO, TRAP, TRACE, USER_NOTIF without
//     a listener, KILL_THREAD, KILL_PROCESS, unknown) stacked in many orders;
//   - arithmetic: random filters over nr/arch/ip/args that end in ERRNO(f(A)) (or TRAP(f(A)),
//     or a raw `ret a`), so the kernel hands back a value computed by its own BPF engine.
//
// Seed: fixed (kDefaultSeed), printed; override with SCKIT_LIVE_SEED=<n>.
#include <gtest/gtest.h>
#include <sys/prctl.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "tests/live/expected_effect.h"
#include "tests/live/untraced_call.h"
#include "live/seccomp_probe.h"
#include "tests/live_test_util.h"
#include "verifier/verifier.h"
#include "vm/action.h"
#include "vm/bpf.h"
#include "vm/interpreter.h"
#include "vm/program.h"
#include "vm/seccomp_data.h"

namespace sckit {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

constexpr uint64_t kDefaultSeed = 0x0dd5eccf00d;
constexpr uint32_t kAllow = seccomp::kRetAllow;
constexpr int32_t kNrGetpid = 39;

uint64_t Seed() { return live_testing::Seed(kDefaultSeed); }

std::string Hex(uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string Dump(const Program& p) {
  std::string out;
  char line[80];
  for (size_t i = 0; i < p.size(); ++i) {
    const SockFilter& f = p.insns[i];
    snprintf(line, sizeof line, "  /* %3zu */ { 0x%02x, %u, %u, 0x%08x },\n", i, f.code, f.jt, f.jf,
             f.k);
    out += line;
  }
  return out;
}

std::string DataString(const SeccompData& d) {
  std::string s = "{nr=" + std::to_string(d.nr) + " arch=" + Hex(d.arch) +
                  " ip=" + Hex(d.instruction_pointer) + " args=";
  for (int i = 0; i < 6; ++i) s += (i ? "," : "") + Hex(d.args[i]);
  return s + "}";
}

// `ld [nr]; jeq #nr, 0, 1; ret #value; ret #ALLOW`: only the tested call is affected, so the
// child's own exit_group and rt_sigreturn still go through.
Program Tiny(int32_t nr, uint32_t value) {
  return Program{{Stmt(kLD | kW | kABS, 0), Jump(kJMP | kJEQ | kK, static_cast<uint32_t>(nr), 0, 1),
                  Stmt(kRET | kK, value), Stmt(kRET | kK, kAllow)}};
}

// Our prediction for `stack` on the record the kernel saw, compared with what the child saw.
// Returns "" on agreement, else a full report.
// How often each kind of effect was seen, to show the random cases cover them all.
struct Tally {
  int returned = 0, errno_set = 0, zero = 0, trapped = 0, enosys = 0, killed = 0;
  void Add(const live::ExpectedEffect& e, int64_t natural) {
    using K = live::ExpectedEffect::Kind;
    if (e.kind == K::kKilled)
      ++killed;
    else if (e.kind == K::kTrapsThenReturns)
      ++trapped;
    else if (e.ret == natural)
      ++returned;
    else if (e.ret == -ENOSYS)
      ++enosys;
    else if (e.ret == 0)
      ++zero;
    else
      ++errno_set;
  }
  std::string ToString() const {
    return "ran " + std::to_string(returned) + ", errno " + std::to_string(errno_set) +
           ", errno 0 " + std::to_string(zero) + ", ENOSYS " + std::to_string(enosys) + ", trap " +
           std::to_string(trapped) + ", killed " + std::to_string(killed);
  }
};

std::string Check(const std::vector<StackEntry>& stack, const live::SyscallRequest& call,
                  live::RunOptions options = {}, Tally* tally = nullptr) {
  Result<live::LiveOutcome> out = live::RunOnKernel(stack, call, options);
  if (!out.ok()) return "harness: " + out.error().ToString();
  std::vector<uint32_t> rets;
  for (const StackEntry& e : stack) {
    Result<VerifiedProgram> v = Verify(e.program);
    if (!v.ok()) return "our verifier rejects a stack filter: " + v.error().ToString();
    rets.push_back(RunFilter(*v, out->data));
  }
  const StackDecision d = ResolveStack(rets);
  const uint32_t match_flags = d.matched >= 0 ? stack[static_cast<size_t>(d.matched)].flags : 0;
  const Outcome model = ApplyAction(d.ret, d.matched, match_flags, out->data, KernelContext{});
  const live::ExpectedEffect want = live::PredictEffect(model, call, out->natural_ret, options);
  if (tally != nullptr) tally->Add(want, out->natural_ret);
  std::optional<std::string> diff = live::CompareEffect(want, *out);
  if (!diff) return "";
  std::string report = *diff + "\n  data " + DataString(out->data) + "\n  our filter results:";
  for (uint32_t r : rets) report += " " + Hex(r);
  report += " -> decision " + Hex(d.ret) + " (" + std::string(ActionName(ActionOf(d.ret))) + ")\n";
  for (size_t i = 0; i < stack.size(); ++i) {
    report += " filter " + std::to_string(i) + " (0 = oldest):\n" + Dump(stack[i].program);
  }
  return report;
}

// ---- precedence with one tiny filter per action -------------------------------------------

struct Named {
  const char* name;
  uint32_t value;
};

std::vector<Named> ActionValues() {
  return {
      {"ALLOW", kAllow},
      {"ALLOW|data", kAllow | 7},
      {"LOG", seccomp::kRetLog},
      {"ERRNO(1)", seccomp::kRetErrno | 1},
      {"ERRNO(0)", seccomp::kRetErrno | 0},
      {"ERRNO(5000)", seccomp::kRetErrno | 5000},
      {"ERRNO(4095)", seccomp::kRetErrno | 4095},
      {"ERRNO(0xffff)", seccomp::kRetErrno | 0xffff},
      {"TRAP(0)", seccomp::kRetTrap},
      {"TRAP(1234)", seccomp::kRetTrap | 1234},
      {"TRACE(9)", seccomp::kRetTrace | 9},
      {"USER_NOTIF", seccomp::kRetUserNotif},
      {"KILL_THREAD", seccomp::kRetKillThread},
      {"KILL_PROCESS", seccomp::kRetKillProcess},
      {"unknown 0x10000000", 0x10000000u},
      {"unknown 0x7ffe0000", 0x7ffe0000u},
      {"unknown 0x90000000", 0x90000000u},
  };
}

TEST(LiveOutcome, EachActionAlone) {
  REQUIRE_SECCOMP();
  for (const Named& a : ActionValues()) {
    for (int32_t nr : {kNrGetpid, 1000, -1}) {
      SCOPED_TRACE(std::string(a.name) + " on nr " + std::to_string(nr));
      live::SyscallRequest call;
      call.nr = nr;
      EXPECT_EQ(Check({{Tiny(nr, a.value), 0}}, call), "");
    }
  }
}

// The spec's named facts, checked directly on the kernel's outcome (not via our prediction).
TEST(LiveOutcome, NamedActionFacts) {
  REQUIRE_SECCOMP();
  live::SyscallRequest getpid;
  auto run = [&](uint32_t value, live::RunOptions options = {}) {
    Result<live::LiveOutcome> out =
        live::RunOnKernel({{Tiny(kNrGetpid, value), 0}}, getpid, options);
    EXPECT_TRUE(out.ok());
    return *out;
  };
  live::LiveOutcome o = run(seccomp::kRetErrno | 5000);
  EXPECT_EQ(o.ret, -4095) << o.ToString();
  o = run(seccomp::kRetErrno | 0);
  EXPECT_TRUE(o.syscall_returned);
  EXPECT_EQ(o.ret, 0) << o.ToString();
  o = run(seccomp::kRetTrap | 0xbeef);
  EXPECT_EQ(o.sigsys.count, 1) << o.ToString();
  EXPECT_EQ(o.sigsys.errno_data, 0xbeef);
  EXPECT_EQ(o.sigsys.syscall, kNrGetpid);
  EXPECT_EQ(o.sigsys.arch, live::kAuditArchX86_64);
  EXPECT_EQ(o.sigsys.call_addr, o.data.instruction_pointer);
  EXPECT_EQ(o.ret, kNrGetpid);  // syscall_rollback: the call returns its own number
  for (uint32_t v : {seccomp::kRetTrace, seccomp::kRetUserNotif}) {
    o = run(v);
    EXPECT_EQ(o.ret, -ENOSYS) << o.ToString();
  }
  for (uint32_t v : {seccomp::kRetKillThread, seccomp::kRetKillProcess, 0x10000000u}) {
    o = run(v);
    EXPECT_FALSE(o.syscall_returned);
    EXPECT_EQ(o.end.kind, live::ChildEnd::Kind::kSignaled) << o.ToString();
    EXPECT_EQ(o.end.code, SIGSYS) << o.ToString();
  }
  o = run(seccomp::kRetTrap | 1, live::RunOptions{.sigsys_handler = false});
  EXPECT_EQ(o.end.kind, live::ChildEnd::Kind::kSignaled) << o.ToString();
  EXPECT_EQ(o.end.code, SIGSYS);
  o = run(kAllow);
  EXPECT_EQ(o.ret, o.natural_ret);
  EXPECT_GT(o.ret, 0);

  // USER_NOTIF goes to the *matching* filter's listener: the older filter has one, but on a tie
  // the newer filter (no listener) wins, so the call gets ENOSYS (spec §5.6).
  Result<live::LiveOutcome> notif =
      live::RunOnKernel({{Tiny(kNrGetpid, seccomp::kRetUserNotif | 1), seccomp::kFlagNewListener},
                         {Tiny(kNrGetpid, seccomp::kRetUserNotif | 2), 0}},
                        getpid);
  ASSERT_TRUE(notif.ok());
  EXPECT_GT(notif->installs[0].ret, 2) << "listener fd";
  EXPECT_EQ(notif->ret, -ENOSYS) << notif->ToString();
}

// TRAP rolls the return register back to the syscall number; when that number is a kernel
// restart code, the x86 signal-delivery path (handle_signal) treats it as one. Found by the
// random test (nr -512 returned -EINTR, not -512).
TEST(LiveOutcome, TrapOfARestartCodeNumber) {
  REQUIRE_SECCOMP();
  struct Case {
    int32_t nr;
    bool sa_restart;
    const char* expect;
  };
  const std::vector<Case> cases = {
      {-511, false, "returns -511"},    {-512, false, "EINTR"},
      {-512, true, "restarts forever"}, {-513, false, "restarts forever"},
      {-514, false, "EINTR"},           {-515, false, "returns -515"},
      {-516, false, "EINTR"},           {-516, true, "EINTR"},
      {-1, false, "returns -1"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.nr) + (c.sa_restart ? " SA_RESTART: " : ": ") + c.expect);
    live::SyscallRequest call;
    call.nr = c.nr;
    live::RunOptions options;
    options.sa_restart = c.sa_restart;
    EXPECT_EQ(Check({{Tiny(c.nr, seccomp::kRetTrap | 42), 0}}, call, options), "");
    // And the prediction says what the case says.
    const live::ExpectedEffect e =
        live::PredictEffect(seccomp::kRetTrap | 42, call, -ENOSYS, options);
    if (std::string(c.expect) == "EINTR") {
      EXPECT_EQ(e.ret, -EINTR);
    } else if (std::string(c.expect) == "restarts forever") {
      EXPECT_EQ(e.kind, live::ExpectedEffect::Kind::kTrapsForever);
    } else {
      EXPECT_EQ(e.ret, c.nr);
    }
  }
}

// The harness itself: a child whose filters deny exit_group and exit is ended by the parent,
// and what it recorded before is still reported.
TEST(LiveHarness, ChildWhoseExitIsDeniedIsEndedByTheParent) {
  REQUIRE_SECCOMP();
  live::SyscallRequest getpid;
  Result<live::LiveOutcome> out =
      live::RunOnKernel({{Tiny(231 /* exit_group */, seccomp::kRetErrno | 1), 0},
                         {Tiny(60 /* exit */, seccomp::kRetTrace), 0},
                         {Tiny(kNrGetpid, seccomp::kRetErrno | 77), 0}},
                        getpid);
  ASSERT_TRUE(out.ok()) << out.error().ToString();
  EXPECT_EQ(out->end.kind, live::ChildEnd::Kind::kKilledByHarness) << out->ToString();
  EXPECT_EQ(out->ret, -77);
}

TEST(LiveOutcome, EveryOrderedPairOfActions) {
  REQUIRE_SECCOMP();
  const std::vector<Named> actions = ActionValues();
  for (const Named& older : actions) {
    for (const Named& newer : actions) {
      SCOPED_TRACE(std::string(older.name) + " then " + newer.name);
      live::SyscallRequest call;
      EXPECT_EQ(Check({{Tiny(kNrGetpid, older.value), 0}, {Tiny(kNrGetpid, newer.value), 0}}, call),
                "");
    }
  }
}

TEST(LiveOutcome, RandomOrdersOfManyActions) {
  REQUIRE_SECCOMP();
  const uint64_t seed = Seed();
  printf("seed 0x%llx\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  const std::vector<Named> actions = ActionValues();
  int failures = 0;
  Tally tally;
  for (int round = 0; round < 160; ++round) {
    std::vector<Named> pick;
    for (const Named& a : actions) {
      // Every other round without the kills, so the lesser actions get to win too.
      const bool kills = ActionOf(a.value) == Action::kKillThread ||
                         ActionOf(a.value) == Action::kKillProcess ||
                         ActionOf(a.value) == Action::kUnknown;
      if (round % 2 == 0 || !kills) pick.push_back(a);
    }
    std::shuffle(pick.begin(), pick.end(), rng);
    pick.resize(std::min<size_t>(pick.size(), 2 + rng() % 8));
    std::vector<StackEntry> stack;
    std::string order;
    live::SyscallRequest call;
    call.nr = round % 4 == 3 ? 1000 + static_cast<int32_t>(rng() % 5000) : kNrGetpid;
    for (const Named& a : pick) {
      // Random data bits on top of the action make ties and data selection visible.
      const uint32_t value = a.value | (rng() % 3 == 0 ? static_cast<uint32_t>(rng() & 0xfff) : 0);
      stack.push_back({Tiny(call.nr, value), rng() % 5 == 0 ? seccomp::kFlagLog : 0u});
      order += std::string(order.empty() ? "" : ", ") + Hex(value);
    }
    const std::string r = Check(stack, call, {}, &tally);
    if (!r.empty() && ++failures <= 5) ADD_FAILURE() << "order [" << order << "]: " << r;
  }
  printf("effects: %s\n", tally.ToString().c_str());
  EXPECT_EQ(failures, 0);
}

// ---- arithmetic: random filters whose result the kernel hands back ------------------------

class ArgFilterGen {
 public:
  explicit ArgFilterGen(uint64_t seed) : rng_(seed) {}

  uint32_t U32() { return static_cast<uint32_t>(rng_()); }
  uint32_t Below(uint32_t n) { return n == 0 ? 0 : static_cast<uint32_t>(rng_() % n); }
  bool Chance(uint32_t percent) { return Below(100) < percent; }

  live::SyscallRequest Call() {
    live::SyscallRequest call;
    const uint32_t r = Below(10);
    if (r < 6) {
      call.nr = kNrGetpid;
    } else if (r < 7) {
      call.nr = 110;  // getppid
    } else if (r < 9) {
      call.nr = 1000 + static_cast<int32_t>(Below(1 << 20));
    } else {
      call.nr = -1 - static_cast<int32_t>(Below(1000));
    }
    for (auto& a : call.args) {
      switch (Below(6)) {
        case 0:
          a = Below(64);
          break;
        case 1:
          a = 0xffffffffull - Below(3);
          break;
        case 2:
          a = 0x80000000ull;
          break;
        case 3:
          a = (uint64_t{U32()} << 32) | Below(40);
          break;
        default:
          a = rng_();
          break;
      }
    }
    words_.clear();
    const SeccompData probe = DataFor(call);
    for (uint32_t k = 0; k < 64; k += 4) {
      if (k != 8 && k != 12) words_.push_back(LoadWord(probe, k));  // ip is not known yet
    }
    return call;
  }

  // A constant, often one of the record's own words so that JEQ/JGT/JSET go both ways.
  uint32_t Constant() {
    if (!words_.empty() && Chance(40))
      return words_[Below(words_.size())] + (Chance(30) ? Below(3) - 1 : 0);
    switch (Below(5)) {
      case 0:
        return Below(70);
      case 1:
        return 0x80000000u;
      case 2:
        return 0xffffffffu;
      default:
        return U32();
    }
  }

  // ld [nr]; jeq #nr -> body; ret ALLOW; body...; tail. The body's jumps only go forward
  // into the body or the tail; ST/LD M[] follow check_load_and_stores()'s state.
  Program Filter(int32_t nr) {
    std::vector<SockFilter> body;
    const uint32_t n = 4 + Below(36);
    std::vector<uint16_t> masks(n + 8, 0xffff);
    uint16_t memvalid = 0;
    for (uint32_t i = 0; i < n; ++i) {
      memvalid &= masks[i];
      SockFilter f;
      switch (Below(16)) {
        case 0:
        case 1:
        case 2:
          f = Stmt(kLD | kW | kABS, 4 * Below(16));
          break;
        case 3:
          f = Stmt(kLDX | kIMM, Chance(50) ? Below(70) : Constant());
          break;
        case 4:
          f = Stmt(kMISC | (Chance(60) ? kTAX : kTXA), 0);
          break;
        case 5:
        case 6:
        case 7: {
          static constexpr uint16_t kOps[] = {kADD, kSUB, kMUL, kDIV, kOR, kAND, kLSH, kRSH, kXOR};
          const uint16_t op = kOps[Below(9)];
          uint32_t k = Constant();
          if (op == kDIV && k == 0) k = 3;
          if (op == kLSH || op == kRSH) k = Below(32);
          f = Stmt(kALU | op | kK, k);
          break;
        }
        case 8:
        case 9: {
          static constexpr uint16_t kOps[] = {kADD, kSUB, kMUL, kDIV, kOR, kAND, kLSH, kRSH, kXOR};
          f = Stmt(kALU | kOps[Below(9)] | kX, 0);
          break;
        }
        case 10:
          f = Stmt(kALU | kNEG, 0);
          break;
        case 11: {
          const uint32_t k = Below(16);
          std::vector<uint32_t> ok;
          for (uint32_t j = 0; j < 16; ++j) {
            if (memvalid & (1u << j)) ok.push_back(j);
          }
          if (ok.empty() || Chance(50)) {
            f = Stmt(Chance(50) ? kST : kSTX, k);
            memvalid |= static_cast<uint16_t>(1u << k);
          } else {
            f = Stmt(Chance(50) ? kLD | kMEM : kLDX | kMEM, ok[Below(ok.size())]);
          }
          break;
        }
        case 12:
          f = Stmt(Chance(50) ? kLD | kW | kLEN : kLDX | kW | kLEN, 0);
          break;
        default: {
          static constexpr uint16_t kOps[] = {kJEQ, kJGT, kJGE, kJSET};
          const uint32_t room = n - i - 1;  // offsets up to `room` land in the body or at the tail
          const uint8_t jt = static_cast<uint8_t>(Below(std::min(room, 6u) + 1));
          const uint8_t jf = static_cast<uint8_t>(Below(std::min(room, 6u) + 1));
          if (Chance(15)) {
            f = Stmt(kJMP | kJA, jt);
            masks[i + 1 + jt] &= memvalid;
          } else {
            f = Jump(kJMP | kOps[Below(4)] | (Chance(35) ? kX : kK), Constant(), jt, jf);
            masks[i + 1 + jt] &= memvalid;
            masks[i + 1 + jf] &= memvalid;
          }
          memvalid = 0xffff;
          break;
        }
      }
      body.push_back(f);
    }
    Program p{{Stmt(kLD | kW | kABS, 0), Jump(kJMP | kJEQ | kK, static_cast<uint32_t>(nr), 1, 0),
               Stmt(kRET | kK, kAllow)}};
    p.insns.insert(p.insns.end(), body.begin(), body.end());
    switch (Below(10)) {
      case 0:  // TRAP(A & 0xffff): si_errno carries 16 bits
        p.insns.push_back(Stmt(kALU | kAND | kK, 0xffff));
        p.insns.push_back(Stmt(kALU | kOR | kK, seccomp::kRetTrap));
        break;
      case 1:  // the raw value: any action at all
        break;
      default:  // ERRNO(A & 0xfff): the call returns -(A & 0xfff), or 0
        p.insns.push_back(Stmt(kALU | kAND | kK, 0xfff));
        p.insns.push_back(Stmt(kALU | kOR | kK, seccomp::kRetErrno));
        break;
    }
    p.insns.push_back(Stmt(kRET | kRetA, 0));
    return p;
  }

 private:
  static SeccompData DataFor(const live::SyscallRequest& call) {
    SeccompData d;
    d.nr = call.nr;
    d.arch = live::kAuditArchX86_64;
    for (int i = 0; i < 6; ++i) d.args[i] = call.args[i];
    return d;
  }

  std::mt19937_64 rng_;
  std::vector<uint32_t> words_;
};

TEST(LiveOutcome, RandomArithmeticFiltersMatchTheInterpreter) {
  REQUIRE_SECCOMP();
  const uint64_t seed = Seed() + 1;
  printf("seed 0x%llx\n", static_cast<unsigned long long>(seed));
  ArgFilterGen gen(seed);
  int failures = 0, runs = 0, skipped = 0;
  Tally tally;
  for (int i = 0; i < 700; ++i) {
    const live::SyscallRequest call = gen.Call();
    std::vector<StackEntry> stack;
    const int filters = gen.Chance(70) ? 1 : 2 + static_cast<int>(gen.Below(2));
    bool ok = true;
    for (int f = 0; f < filters; ++f) {
      Program p = gen.Filter(call.nr);
      if (!Verify(p).ok()) {  // the generator follows the kernel's rules; this should not happen
        ok = false;
        ADD_FAILURE() << "generated filter rejected: " << Verify(p).error().ToString() << "\n"
                      << Dump(p);
        break;
      }
      stack.push_back({std::move(p), 0});
    }
    if (!ok) {
      ++skipped;
      continue;
    }
    ++runs;
    const std::string r = Check(stack, call, {}, &tally);
    if (!r.empty() && ++failures <= 5) ADD_FAILURE() << "case " << i << ": " << r;
  }
  printf("%d runs, %d disagreements; effects: %s\n", runs, failures, tally.ToString().c_str());
  EXPECT_GT(tally.errno_set, 200);
  EXPECT_GT(tally.trapped, 20);
  EXPECT_GT(tally.killed, 10);
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(skipped, 0);
}

// Hand-picked edge cases of the engine, so a failure names the semantics at stake.
TEST(LiveOutcome, EngineEdgeCases) {
  REQUIRE_SECCOMP();
  live::SyscallRequest call;
  call.args = {0x1122334455667788ull, 0xffffffffull, 0, 33, 40, 0x8000000000000001ull};
  auto errno_of = [](std::vector<SockFilter> body) {
    Program p{{Stmt(kLD | kW | kABS, 0), Jump(kJMP | kJEQ | kK, kNrGetpid, 1, 0),
               Stmt(kRET | kK, kAllow)}};
    p.insns.insert(p.insns.end(), body.begin(), body.end());
    p.insns.push_back(Stmt(kALU | kAND | kK, 0xfff));
    p.insns.push_back(Stmt(kALU | kOR | kK, seccomp::kRetErrno));
    p.insns.push_back(Stmt(kRET | kRetA, 0));
    return p;
  };
  const std::vector<std::pair<const char*, Program>> cases = {
      {"div by X == 0 returns 0 (KILL_THREAD)",
       errno_of({Stmt(kLD | kIMM, 100), Stmt(kLDX | kIMM, 0), Stmt(kALU | kDIV | kX, 0)})},
      {"lsh by X = 33 is lsh 1",
       errno_of({Stmt(kLD | kIMM, 1), Stmt(kLDX | kIMM, 33), Stmt(kALU | kLSH | kX, 0)})},
      {"rsh by X = 40 is rsh 8",
       errno_of({Stmt(kLD | kIMM, 0x100000), Stmt(kLDX | kIMM, 40), Stmt(kALU | kRSH | kX, 0)})},
      {"lsh by X = 32 is lsh 0",
       errno_of({Stmt(kLD | kIMM, 5), Stmt(kLDX | kIMM, 32), Stmt(kALU | kLSH | kX, 0)})},
      {"neg", errno_of({Stmt(kLD | kIMM, 7), Stmt(kALU | kNEG, 0)})},
      {"mul wraps", errno_of({Stmt(kLD | kIMM, 0x10001), Stmt(kALU | kMUL | kK, 0x10001)})},
      {"add wraps", errno_of({Stmt(kLD | kIMM, 0xffffffff), Stmt(kALU | kADD | kK, 0x42)})},
      {"len is 64", errno_of({Stmt(kLD | kW | kLEN, 0)})},
      {"arch word", errno_of({Stmt(kLD | kW | kABS, 4), Stmt(kALU | kRSH | kK, 4)})},
      {"args[0] low word", errno_of({Stmt(kLD | kW | kABS, 16)})},
      {"args[0] high word", errno_of({Stmt(kLD | kW | kABS, 20), Stmt(kALU | kRSH | kK, 8)})},
      {"ip low word", errno_of({Stmt(kLD | kW | kABS, 8)})},
      {"ip high word", errno_of({Stmt(kLD | kW | kABS, 12), Stmt(kALU | kRSH | kK, 20)})},
      {"jgt is unsigned",
       errno_of({Stmt(kLD | kW | kABS, 24), Jump(kJMP | kJGT | kK, 0x80000000u, 0, 2),
                 Stmt(kLD | kIMM, 111), Stmt(kJMP | kJA, 1), Stmt(kLD | kIMM, 222)})},
      {"jset x", errno_of({Stmt(kLDX | kIMM, 0x100), Stmt(kLD | kW | kABS, 56),
                           Jump(kJMP | kJSET | kX, 0, 0, 2), Stmt(kLD | kIMM, 333),
                           Stmt(kJMP | kJA, 1), Stmt(kLD | kIMM, 444)})},
      {"tax/txa are X=A and A=X", errno_of({Stmt(kLD | kIMM, 9), Stmt(kMISC | kTAX, 0),
                                            Stmt(kLD | kIMM, 1), Stmt(kALU | kADD | kX, 0)})},
      {"scratch", errno_of({Stmt(kLD | kIMM, 77), Stmt(kST, 15), Stmt(kLD | kIMM, 0),
                            Stmt(kLDX | kMEM, 15), Stmt(kMISC | kTXA, 0)})},
  };
  for (const auto& [name, p] : cases) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(Verify(p).ok()) << Verify(p).error().ToString();
    EXPECT_EQ(Check({{p, 0}}, call), "");
  }
}

TEST(LiveOutcome, RefusesSyscallsOffTheHarmlessList) {
  live::SyscallRequest call;
  call.nr = 62;  // kill
  Result<live::LiveOutcome> out = live::RunOnKernel({}, call);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().rule, "unsafe-syscall");
  for (int32_t nr : {0, 1, 57, 59, 60, 231, 317, 335, 0x40000027, 999}) {
    EXPECT_FALSE(live::IsHarmlessSyscall(nr)) << nr;
  }
  for (int32_t nr : {39, 110, 186, 1000, 0x3fffffff, -1, INT32_MIN}) {
    EXPECT_TRUE(live::IsHarmlessSyscall(nr)) << nr;
  }
}

// Last in the file: everything above ran in children; this process never entered seccomp.
TEST(LiveHarness, TestProcessStaysUnfiltered) {
  EXPECT_EQ(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), live::ProbeSeccomp().mode);
  EXPECT_EQ(prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2, live::ProbeSeccomp().inherited_filters());
  EXPECT_NE(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 1);
}

}  // namespace
}  // namespace sckit
