// Runtime arithmetic against the running kernel (the check is tests/live/outcome_check.h's, as
// in outcome_test.cc): random filters over nr/arch/ip/args that end in ERRNO(f(A)) (or TRAP(f(A)),
// or a raw `ret a`), so the kernel hands back a value computed by its own BPF engine, which must
// be what our interpreter computes; and hand-picked edge cases of the engine, so a failure names
// the semantics at stake.
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

#include "live/seccomp_probe.h"
#include "tests/live/expected_effect.h"
#include "tests/live/outcome_check.h"
#include "tests/live/untraced_call.h"
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
using namespace outcome_testing;  // NOLINT: Check, Tiny, Tally and the seed.

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

// After every test (as LiveHarness.TestProcessStaysUnfiltered does in outcome_test.cc):
// everything ran in children; this process never entered seccomp.
class UnfilteredAtTheEnd : public ::testing::Environment {
 public:
  void TearDown() override {
    EXPECT_EQ(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), live::ProbeSeccomp().mode);
    EXPECT_EQ(prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2, live::ProbeSeccomp().inherited_filters());
    EXPECT_NE(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 1);
  }
};
[[maybe_unused]] ::testing::Environment* const kUnfilteredAtTheEnd =
    ::testing::AddGlobalTestEnvironment(new UnfilteredAtTheEnd);

}  // namespace
}  // namespace sckit
