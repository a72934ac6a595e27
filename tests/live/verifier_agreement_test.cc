// Our verifier and stack model against the running kernel: thousands of random programs (mostly
// valid, many invalid by exactly one kernel rule) are submitted to seccomp() in forked children
// and the kernel's accept/reject and errno must equal Verify()'s, program by program; then the
// attach limits (path length in converted eBPF instructions, EBUSY, flag checks) call by call
// against CheckStack(). Nothing is installed in the test process itself.
//
// Seed: fixed (kDefaultSeed), printed; override with SCKIT_LIVE_SEED=<n> to explore.
#include <gtest/gtest.h>
#include <sys/prctl.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "live/kernel_install.h"
#include "live/seccomp_probe.h"
#include "tests/live_test_util.h"
#include "verifier/stack_check.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/opcodes.h"
#include "vm/program.h"

namespace sckit {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

constexpr uint64_t kDefaultSeed = 0x5ecc0a9e11e;
constexpr uint32_t kAllow = seccomp::kRetAllow;
constexpr uint32_t kNrSeccomp = 317;

uint64_t Seed() { return live_testing::Seed(kDefaultSeed); }

// Programs as C-array lines (tcpdump -dd style), long ones abridged around `pc`.
std::string Dump(const Program& p, int pc = -1) {
  std::string out;
  char line[80];
  const size_t n = p.size();
  for (size_t i = 0; i < n; ++i) {
    const bool near =
        pc >= 0 && i + 3 >= static_cast<size_t>(pc) && i <= static_cast<size_t>(pc) + 3;
    if (n > 48 && i >= 24 && i + 8 < n && !near) {
      if (out.size() < 4 || out.compare(out.size() - 4, 4, "...\n") != 0) out += "  ...\n";
      continue;
    }
    const SockFilter& f = p.insns[i];
    snprintf(line, sizeof line, "  /* %4zu */ { 0x%02x, %u, %u, 0x%08x },\n", i, f.code, f.jt, f.jf,
             f.k);
    out += line;
  }
  return out;
}

// Our verdict in the kernel's terms: 0 = accepted, else the errno.
int OurVerdict(const Program& p, std::string* why = nullptr) {
  Result<VerifiedProgram> v = Verify(p);
  if (v.ok()) return 0;
  if (why) *why = v.error().ToString();
  return v.error().kernel_errno;
}

// ---- random programs -----------------------------------------------------------------------

// A generator that tracks check_load_and_stores()'s state (spec §3.2) while emitting, so that
// what it calls valid is valid for the kernel; the mutations then break one rule each.
class ProgramGen {
 public:
  explicit ProgramGen(uint64_t seed) : rng_(seed) {}

  uint32_t U32() { return static_cast<uint32_t>(rng_()); }
  uint32_t Below(uint32_t n) { return n == 0 ? 0 : static_cast<uint32_t>(rng_() % n); }
  bool Chance(uint32_t percent) { return Below(100) < percent; }

  // An interesting 32-bit constant.
  uint32_t Constant() {
    switch (Below(6)) {
      case 0:
        return Below(8);
      case 1:
        return 0x80000000u | Below(4);
      case 2:
        return 0xffffffffu - Below(4);
      case 3:
        return kAllow | Below(3);
      case 4:
        return Below(400);
      default:
        return U32();
    }
  }

  uint32_t Length() {
    const uint32_t r = Below(100);
    if (r < 70) return 1 + Below(24);
    if (r < 93) return 25 + Below(120);
    if (r < 99) return 150 + Below(600);
    return 4096 - Below(3);
  }

  Program Valid(uint32_t len) {
    Program p;
    p.insns.reserve(len);
    std::vector<uint16_t> masks(len, 0xffff);
    uint16_t memvalid = 0;
    for (uint32_t pc = 0; pc + 1 < len; ++pc) {
      memvalid &= masks[pc];
      const uint32_t room = len - pc - 2;  // largest forward offset that stays in the program
      SockFilter f;
      switch (Below(20)) {
        case 0:
        case 1:
        case 2:
          f = Stmt(kLD | kW | kABS, 4 * Below(16));
          break;
        case 3:
          f = Stmt(Chance(50) ? kLD | kW | kLEN : kLDX | kW | kLEN, Constant());
          break;
        case 4:
          f = Stmt(Chance(50) ? kLD | kIMM : kLDX | kIMM, Constant());
          break;
        case 5:
        case 6: {
          static constexpr uint16_t kOps[] = {kADD, kSUB, kMUL, kDIV, kOR, kAND, kLSH, kRSH, kXOR};
          const uint16_t op = kOps[Below(9)];
          uint32_t k = Constant();
          if (op == kDIV && k == 0) k = 1 + Below(9);
          if (op == kLSH || op == kRSH) k = Below(32);
          f = Stmt(kALU | op | kK, k);
          break;
        }
        case 7: {
          static constexpr uint16_t kOps[] = {kADD, kSUB, kMUL, kDIV, kOR, kAND, kLSH, kRSH, kXOR};
          f = Stmt(kALU | kOps[Below(9)] | kX, U32());
          break;
        }
        case 8:
          f = Stmt(kALU | kNEG, U32());
          break;
        case 9:
          f = Stmt(kMISC | (Chance(50) ? kTAX : kTXA), U32());
          break;
        case 10:
        case 11: {
          const uint32_t k = Below(16);
          f = Stmt(Chance(50) ? kST : kSTX, k);
          memvalid |= static_cast<uint16_t>(1u << k);
          break;
        }
        case 12: {
          std::vector<uint32_t> ok;
          for (uint32_t k = 0; k < 16; ++k) {
            if (memvalid & (1u << k)) ok.push_back(k);
          }
          if (ok.empty()) {
            f = Stmt(kST, Below(16));
            memvalid |= static_cast<uint16_t>(1u << f.k);
          } else {
            f = Stmt(Chance(50) ? kLD | kMEM : kLDX | kMEM, ok[Below(ok.size())]);
          }
          break;
        }
        case 13: {
          const uint32_t k = Chance(60) ? Below(std::min(room, 6u) + 1) : Below(room + 1);
          f = Stmt(kJMP | kJA, k);
          masks[pc + 1 + k] &= memvalid;
          memvalid = 0xffff;
          break;
        }
        case 14:
        case 15:
        case 16:
        case 17: {
          static constexpr uint16_t kOps[] = {kJEQ, kJGT, kJGE, kJSET};
          const uint32_t lim = std::min(room, 255u);
          auto off = [&] {
            const uint32_t r = Below(10);
            if (r < 3) return 0u;
            if (r < 8) return Below(std::min(lim, 5u) + 1);
            return Below(lim + 1);
          };
          const uint8_t jt = static_cast<uint8_t>(off());
          const uint8_t jf = static_cast<uint8_t>(off());
          f = Jump(kJMP | kOps[Below(4)] | (Chance(30) ? kX : kK), Constant(), jt, jf);
          masks[pc + 1 + jt] &= memvalid;
          masks[pc + 1 + jf] &= memvalid;
          memvalid = 0xffff;
          break;
        }
        default:
          f = Chance(50) ? Stmt(kRET | kK, Constant()) : Stmt(kRET | kRetA, U32());
          break;
      }
      p.insns.push_back(f);
    }
    p.insns.push_back(Chance(60) ? Stmt(kRET | kK, Constant()) : Stmt(kRET | kRetA, Constant()));
    return p;
  }

  // Indexes of instructions satisfying pred.
  template <typename Pred>
  std::vector<uint32_t> Find(const Program& p, Pred pred) {
    std::vector<uint32_t> out;
    for (uint32_t i = 0; i < p.size(); ++i) {
      if (pred(p.insns[i])) out.push_back(i);
    }
    return out;
  }

  // Breaks (or, for the boundary cases, just touches) one rule. Returns the mutation's name.
  std::string Mutate(Program& p) {
    const uint32_t len = static_cast<uint32_t>(p.size());
    const uint32_t at = Below(len);
    SockFilter& f = p.insns[at];
    switch (Below(24)) {
      case 0: {  // a jump one too far, or exactly to the last instruction
        std::vector<uint32_t> jumps =
            Find(p, [](const SockFilter& s) { return Class(s.code) == kJMP; });
        if (jumps.empty()) return Mutate(p);
        const uint32_t pc = jumps[Below(jumps.size())];
        SockFilter& j = p.insns[pc];
        const bool past = Chance(70);
        const uint32_t off = len - pc - (past ? 1 : 2);  // target len (bad) or len - 1 (good)
        if (j.code == (kJMP | kJA)) {
          j.k = off;
        } else {
          if (off > 255) return "jump-boundary-unreachable";
          (Chance(50) ? j.jt : j.jf) = static_cast<uint8_t>(off);
        }
        return past ? "jump-one-past-end" : "jump-to-last";
      }
      case 1:
        f = Stmt(kLD | kW | kABS, 64);
        return "ld-abs-64";
      case 2:
        f = Stmt(kLD | kW | kABS, 62);
        return "ld-abs-62";
      case 3:
        f = Stmt(kLD | kW | kABS, 60);
        return "ld-abs-60";
      case 4:
        f = Stmt(kLD | kW | kABS, Chance(50) ? 1 + 4 * Below(15) : 0xfffff000u + 4 * Below(20));
        return "ld-abs-odd-or-ancillary";
      case 5:
        f = Stmt(kALU | kDIV | kK, 0);
        return "div-k-0";
      case 6:
        f = Stmt(kALU | (Chance(50) ? kLSH : kRSH) | kK, Chance(60) ? 32 : 33 + Below(100));
        return "shift-k-32+";
      case 7:
        f = Stmt(kALU | (Chance(50) ? kLSH : kRSH) | kK, 31);
        return "shift-k-31";
      case 8: {
        static constexpr uint16_t kCodes[] = {kLD | kMEM, kLDX | kMEM, kST, kSTX};
        f = Stmt(kCodes[Below(4)], 16 + (Chance(70) ? 0 : Below(1000)));
        return "scratch-16+";
      }
      case 9:
        f = Stmt(kALU | kMOD | (Chance(50) ? kK : kX), 1 + Below(9));
        return "mod";
      case 10: {
        static constexpr uint16_t kCodes[] = {kLD | kH | kABS, kLD | kB | kABS, kLD | kW | kIND,
                                              kLD | kH | kIND, kLD | kB | kIND, kLDX | kB | kMSH};
        f = Stmt(kCodes[Below(6)], 4 * Below(16));
        return "packet-load";
      }
      case 11: {  // read-before-write: load a scratch word the path may not have written
        const uint32_t k = Below(16);
        f = Stmt(Chance(50) ? kLD | kMEM : kLDX | kMEM, k);
        return "scratch-read";
      }
      case 12:
      case 13:
        return RetQuirk(p);
      case 14: {  // the last instruction is not a RET
        static constexpr uint16_t kCodes[] = {kLD | kIMM, kALU | kADD | kK, kMISC | kTAX, kST,
                                              kJMP | kJA};
        SockFilter& last = p.insns.back();
        last = Stmt(kCodes[Below(5)], 0);
        if (Chance(30)) last = Stmt(kRET | 0x08, 0);  // RET|X
        return "last-not-ret";
      }
      case 15:
      case 16: {  // an opcode no kernel accepts
        static constexpr uint16_t kCodes[] = {0x0e, 0x21, 0x8c, 0x17,  0x26,   0x1e,
                                              0x8d, 0x0f, 0xff, 0x106, 0x8000, 0x2e};
        uint16_t code;
        if (Chance(50)) {
          code = kCodes[Below(std::size(kCodes))];
        } else {
          do code = static_cast<uint16_t>(Chance(80) ? Below(256) : U32());
          while (LookupOpcode(code));
        }
        f.code = code;
        return "unknown-opcode";
      }
      case 17: {
        const uint32_t n = Chance(50) ? 4097 : 4096;
        Program big;
        big.insns.reserve(n);
        for (uint32_t i = 0; i + 1 < n; ++i) {
          big.insns.push_back(i < p.size() - 1 ? p.insns[i] : Stmt(kLD | kIMM, i));
        }
        big.insns.push_back(Stmt(kRET | kK, kAllow));
        p = std::move(big);
        return n == 4096 ? "length-4096" : "length-4097";
      }
      case 18:
        f = Stmt(kJMP | kJA, Chance(50) ? 0xffffffffu : len - at - 1 + Below(3));
        return "ja-far";
      case 19: {  // any allowed code with random fields
        const auto all = AllOpcodes();
        const OpcodeInfo& info = all[Below(all.size())];
        f = Jump(info.code, Constant(), static_cast<uint8_t>(Below(4)),
                 static_cast<uint8_t>(Below(4)));
        return "random-insn";
      }
      case 20:
        p.insns.push_back(Stmt(kRET | kK, 0));
        p.insns.push_back(Stmt(kLD | kMEM, Below(16)));
        p.insns.push_back(Stmt(kRET | kRetA, 0));
        return "dead-read-after-ret";
      case 21:
        f = Stmt(kALU | kDIV | kX, 0);
        return "div-x";
      case 22:
        f = Stmt(kALU | kNEG | kX, 0);
        return "neg-x";
      default: {
        Program empty;
        if (Chance(90)) return "unmutated";
        p = empty;
        return "empty";
      }
    }
  }

  // The check_load_and_stores() RET quirk (spec §3.2), in its two directions:
  // - rejected although valid: the insn after a RET is reached only by a jump from a path that
  //   stored, but inherits the RET's (smaller) state;
  // - accepted by inheritance: the word is stored before the RET, the load after it is dead.
  std::string RetQuirk(Program& p) {
    const uint32_t k = Below(16);
    const uint32_t nr = Below(400);
    if (Chance(50)) {
      // The spec's 7-instruction example, with a random prefix and word.
      p.insns = {Stmt(kLD | kW | kABS, 0), Jump(kJMP | kJEQ | kK, nr, 0, 2), Stmt(kST, k),
                 Stmt(kJMP | kJA, 1),      Stmt(kRET | kK, kAllow),          Stmt(kLD | kMEM, k),
                 Stmt(kRET | kRetA, 0)};
      if (Chance(30)) {
        // Store before the branch as well: now every path writes M[k] and the kernel agrees.
        p.insns.insert(p.insns.begin(), Stmt(kST, k));
        return "ret-quirk-fixed";
      }
      return "ret-quirk-rejects-valid";
    }
    p.insns = {Stmt(kLD | kW | kABS, 0), Stmt(kST, k), Stmt(kRET | kK, kAllow), Stmt(kLD | kMEM, k),
               Stmt(kRET | kRetA, 0)};
    if (Chance(40)) {
      // Make the load reachable from a path that did not store: now it is really unsafe, but
      // the kernel still only sees the state inherited from the RET plus the jump's mask.
      p.insns = {Stmt(kLD | kW | kABS, 0),
                 Jump(kJMP | kJEQ | kK, nr, 2, 0),
                 Stmt(kST, k),
                 Stmt(kRET | kK, kAllow),
                 Stmt(kLD | kMEM, k),
                 Stmt(kRET | kRetA, 0)};
      return "ret-quirk-jump-from-unstored";
    }
    return "ret-quirk-accepts-dead-load";
  }

  Program Next(std::string* kind) {
    Program p = Valid(Length());
    if (Chance(55)) {
      *kind = "valid";
      return p;
    }
    *kind = Mutate(p);
    return p;
  }

 private:
  std::mt19937_64 rng_;
};

struct Corpus {
  std::vector<Program> programs;
  std::vector<std::string> kinds;
};

Corpus MakeCorpus(uint64_t seed, size_t n) {
  ProgramGen gen(seed);
  Corpus c;
  for (size_t i = 0; i < n; ++i) {
    std::string kind;
    c.programs.push_back(gen.Next(&kind));
    c.kinds.push_back(kind);
  }
  return c;
}

// Compares verdicts; returns the number of disagreements (reported with the programs).
size_t ReportDisagreements(const Corpus& c, const std::vector<int>& kernel, const char* how) {
  size_t bad = 0;
  for (size_t i = 0; i < c.programs.size(); ++i) {
    std::string why;
    const int ours = OurVerdict(c.programs[i], &why);
    if (ours == kernel[i]) continue;
    if (++bad > 10) continue;
    ADD_FAILURE() << how << ": program " << i << " (" << c.kinds[i] << ", " << c.programs[i].size()
                  << " insns): kernel " << (kernel[i] == 0 ? "accepts" : ErrnoName(kernel[i]))
                  << ", Verify() " << (ours == 0 ? "accepts" : ErrnoName(ours) + " [" + why + "]")
                  << "\n"
                  << Dump(c.programs[i]);
  }
  return bad;
}

void PrintKinds(const Corpus& c, const std::vector<int>& kernel) {
  std::map<std::string, std::pair<int, int>> tally;  // kind -> (accepted, rejected)
  for (size_t i = 0; i < c.kinds.size(); ++i) {
    (kernel[i] == 0 ? tally[c.kinds[i]].first : tally[c.kinds[i]].second)++;
  }
  std::string s;
  for (const auto& [kind, n] : tally) {
    s += "  " + kind + ": " + std::to_string(n.first) + " accepted, " + std::to_string(n.second) +
         " rejected\n";
  }
  printf("kernel verdicts by kind:\n%s", s.c_str());
}

// ---- random programs: the verdict of seccomp() --------------------------------------------

TEST(LiveVerifierAgreement, RandomProgramsInstalledInChildren) {
  REQUIRE_SECCOMP();
  const uint64_t seed = Seed();
  constexpr size_t kPrograms = 2400;
  printf("seed 0x%llx, %zu programs\n", static_cast<unsigned long long>(seed), kPrograms);
  const Corpus c = MakeCorpus(seed, kPrograms);
  const auto t0 = std::chrono::steady_clock::now();
  Result<std::vector<int>> kernel = live::KernelVerdicts(c.programs);
  ASSERT_TRUE(kernel.ok()) << kernel.error().ToString();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  size_t accepted = 0, harness = 0;
  for (int v : *kernel) {
    accepted += v == 0;
    harness += v < 0;
  }
  printf("kernel accepted %zu of %zu in %.2f s\n", accepted, c.programs.size(), secs);
  PrintKinds(c, *kernel);
  EXPECT_EQ(harness, 0u) << "children died before answering";
  EXPECT_GT(accepted, kPrograms / 3);
  EXPECT_GT(kPrograms - accepted, kPrograms / 4);
  EXPECT_EQ(ReportDisagreements(c, *kernel, "install"), 0u);
}

// Four times as many programs, validated by the kernel without attaching (EBUSY probe).
TEST(LiveVerifierAgreement, ManyMoreProgramsViaTheListenerProbe) {
  REQUIRE_SECCOMP();
  const uint64_t seed = Seed() + 1;
  constexpr size_t kPrograms = 10000;
  printf("seed 0x%llx, %zu programs\n", static_cast<unsigned long long>(seed), kPrograms);
  const Corpus c = MakeCorpus(seed, kPrograms);
  Result<std::vector<int>> kernel = live::KernelVerdictsWithoutAttaching(c.programs);
  ASSERT_TRUE(kernel.ok()) << kernel.error().ToString();
  size_t accepted = std::count(kernel->begin(), kernel->end(), 0);
  printf("kernel accepted %zu of %zu\n", accepted, c.programs.size());
  EXPECT_EQ(std::count(kernel->begin(), kernel->end(), -1), 0);
  EXPECT_EQ(ReportDisagreements(c, *kernel, "listener probe"), 0u);
}

// The two ways of asking the kernel agree with each other (the probe is a proxy).
TEST(LiveVerifierAgreement, ListenerProbeMatchesRealInstalls) {
  REQUIRE_SECCOMP();
  const Corpus c = MakeCorpus(Seed() + 2, 300);
  Result<std::vector<int>> real = live::KernelVerdicts(c.programs);
  Result<std::vector<int>> probe = live::KernelVerdictsWithoutAttaching(c.programs);
  ASSERT_TRUE(real.ok() && probe.ok());
  EXPECT_EQ(*real, *probe);
}

// The fixed cases the spec names, each installed for real.
TEST(LiveVerifierAgreement, SpecExamples) {
  REQUIRE_SECCOMP();
  const std::vector<Program> programs = {
      // §3.2: rejected although pc 5 is reached only from pc 3, which stored M[0].
      Program{{Stmt(kLD | kW | kABS, 0), Jump(kJMP | kJEQ | kK, 7, 0, 2), Stmt(kST, 0),
               Stmt(kJMP | kJA, 1), Stmt(kRET | kK, kAllow), Stmt(kLD | kMEM, 0),
               Stmt(kRET | kK, kAllow)}},
      // The converse shape: the dead load after RET inherits M[0] and is accepted.
      Program{{Stmt(kST, 0), Stmt(kRET | kK, kAllow), Stmt(kLD | kMEM, 0), Stmt(kRET | kRetA, 0)}},
      Program{{Stmt(kLD | kW | kABS, 60), Stmt(kRET | kRetA, 0)}},
      Program{{Stmt(kLD | kW | kABS, 64), Stmt(kRET | kRetA, 0)}},
      Program{{Stmt(kLD | kW | kABS, 62), Stmt(kRET | kRetA, 0)}},
      Program{{Stmt(kALU | kLSH | kK, 31), Stmt(kRET | kRetA, 0)}},
      Program{{Stmt(kALU | kLSH | kK, 32), Stmt(kRET | kRetA, 0)}},
      Program{{Stmt(kLD | kMEM, 15), Stmt(kRET | kRetA, 0)}},
      Program{{Stmt(kST, 16), Stmt(kRET | kRetA, 0)}},
      Program{{Stmt(kALU | kDIV | kK, 0), Stmt(kRET | kRetA, 0)}},
      Program{{Stmt(kALU | kMOD | kK, 3), Stmt(kRET | kRetA, 0)}},
      Program{{Stmt(kLD | kH | kABS, 0), Stmt(kRET | kRetA, 0)}},
      Program{{Stmt(kLD | kW | kLEN, 0), Stmt(kRET | kRetA, 0)}},
      Program{{Stmt(kRET | 0x08, 0)}},
      Program{std::vector<SockFilter>(4096, Stmt(kRET | kK, kAllow))},
      Program{std::vector<SockFilter>(4097, Stmt(kRET | kK, kAllow))},
      Program{},
  };
  Result<std::vector<int>> kernel = live::KernelVerdicts(programs);
  ASSERT_TRUE(kernel.ok()) << kernel.error().ToString();
  for (size_t i = 0; i < programs.size(); ++i) {
    std::string why;
    EXPECT_EQ(OurVerdict(programs[i], &why), (*kernel)[i])
        << "program " << i << " [" << why << "]\n"
        << Dump(programs[i]);
  }
  EXPECT_EQ((*kernel)[0], EINVAL);  // the quirk, live
  EXPECT_EQ((*kernel)[1], 0);
}

// ---- stacks: CheckStack() call by call ----------------------------------------------------

// Path-length results count every filter of the chain; filters this process inherited (a
// container's profile) are invisible to CheckStack(), so those comparisons cannot hold.
#define REQUIRE_UNFILTERED_PARENT()                                                    \
  do {                                                                                 \
    REQUIRE_SECCOMP();                                                                 \
    if (live::ProbeSeccomp().inherited_filters()) {                                    \
      GTEST_SKIP() << "this process already runs under seccomp filters; path lengths " \
                      "would include them";                                            \
    }                                                                                  \
  } while (0)

Program Rets(size_t n, uint32_t k = kAllow) {
  return Program{std::vector<SockFilter>(n, Stmt(kRET | kK, k))};
}

// Installs `entries` in a child and compares every call with CheckStack(). Returns how many
// attached; `errors` (optional) receives the kernel's errno of each refused call.
size_t CompareStack(const std::vector<StackEntry>& entries, const std::string& name,
                    std::vector<int>* errors = nullptr) {
  const std::vector<AttachOutcome> ours = CheckStack(entries);
  Result<live::KernelInstallResult> kernel = live::TryInstallInChild(entries);
  EXPECT_TRUE(kernel.ok()) << kernel.error().ToString();
  if (!kernel.ok()) return 0;
  EXPECT_TRUE(kernel->prepared) << name;
  size_t attached = 0, bad = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    const live::KernelCall& k = kernel->calls[i];
    const AttachOutcome& o = ours[i];
    attached += k.attached();
    if (errors != nullptr && !k.attached()) errors->push_back(k.error());
    const int our_err = o.error ? o.error->kernel_errno : 0;
    if (k.attempted && k.attached() == o.attached && k.error() == our_err) continue;
    if (++bad > 5) continue;
    ADD_FAILURE() << name << ": call " << i << " (flags 0x" << std::hex << entries[i].flags
                  << std::dec << ", " << entries[i].program.size() << " insns, converted "
                  << o.converted_len << ", path " << o.path_len << "): kernel " << k.ToString()
                  << ", CheckStack " << (o.attached ? "attached" : o.error->ToString())
                  << "; child " << kernel->end.ToString();
  }
  return attached;
}

TEST(LiveStackAgreement, CopiesOfAOneInstructionFilter) {
  REQUIRE_UNFILTERED_PARENT();
  const std::vector<StackEntry> entries(3700, StackEntry{Rets(1), 0});
  const size_t attached = CompareStack(entries, "1-insn copies");
  printf("%zu copies of `ret ALLOW` attached\n", attached);
  // (5 + 4) per attached filter plus 5 for the new one <= 32768.
  EXPECT_EQ(attached, 3641u);
}

TEST(LiveStackAgreement, ThreeMaxFiltersFitAfterAOneInstructionFilter) {
  REQUIRE_UNFILTERED_PARENT();
  std::vector<StackEntry> entries = {{Rets(1), 0}};
  for (int i = 0; i < 5; ++i) entries.push_back({Rets(4096), 0});
  EXPECT_EQ(CompareStack(entries, "1 + 4096xRET"), 4u);
}

TEST(LiveStackAgreement, SevenMaxFiltersOfOneEbpfInsnEach) {
  REQUIRE_UNFILTERED_PARENT();
  Program p = Rets(4096);
  for (size_t i = 0; i + 1 < p.size(); ++i) p.insns[i] = Stmt(kLD | kIMM, static_cast<uint32_t>(i));
  std::vector<StackEntry> entries(9, StackEntry{p, 0});
  EXPECT_EQ(CompareStack(entries, "4096x(ld imm..ret)"), 7u);
}

TEST(LiveStackAgreement, The4084And4085Boundary) {
  REQUIRE_UNFILTERED_PARENT();
  std::vector<StackEntry> entries(3, StackEntry{Rets(4096), 0});
  entries.push_back({Rets(4085), 0});  // 3 * 8199 + 8173 = 32770: ENOMEM
  entries.push_back({Rets(4084), 0});  // 3 * 8199 + 8171 = 32768: fits exactly
  entries.push_back({Rets(1), 0});     // nothing fits any more
  EXPECT_EQ(CompareStack(entries, "4084/4085"), 4u);
}

TEST(LiveStackAgreement, SecondListenerIsEbusy) {
  REQUIRE_UNFILTERED_PARENT();
  const uint32_t nl = seccomp::kFlagNewListener;
  Program bad{{Stmt(kALU | kDIV | kK, 0), Stmt(kRET | kK, kAllow)}};
  const std::vector<StackEntry> entries = {
      {Rets(1), 0},
      {Rets(1), nl},
      {Rets(1), nl},                                   // EBUSY
      {bad, nl},                                       // EINVAL: validation comes first
      {Rets(1), 0x40 | nl},                            // EINVAL: flags come first
      {Rets(1), nl | seccomp::kFlagWaitKillableRecv},  // EBUSY
      {Rets(1), seccomp::kFlagLog},
  };
  EXPECT_EQ(CompareStack(entries, "listeners"), 3u);
}

TEST(LiveStackAgreement, EveryFlagCombination) {
  REQUIRE_UNFILTERED_PARENT();
  std::vector<uint32_t> flags;
  for (uint32_t f = 0; f < 64; ++f) flags.push_back(f);
  for (uint32_t f : {0x40u, 0x80u, 0x100u, 0x8000u, 0x80000000u, 0x41u, 0xffffffffu}) {
    flags.push_back(f);
  }
  size_t attached = 0;
  for (uint32_t f : flags) {
    // Alone, and after a filter that already holds a listener.
    attached += CompareStack({{Rets(1), f}}, "flags " + std::to_string(f));
    CompareStack({{Rets(1), seccomp::kFlagNewListener}, {Rets(1), f}},
                 "listener then flags " + std::to_string(f));
  }
  printf("%zu of %zu flag values accepted\n", attached, flags.size());
  EXPECT_GT(attached, 30u);
}

// Random stacks of long random programs: ConvertedLength() (jt/jf == 0 shapes, K >= 2^31,
// RET A, DIV X) summed against MAX_INSNS_PER_PATH. Every filter first allows seccomp() so the
// next install is not filtered.
TEST(LiveStackAgreement, RandomStacksNearThePathLimit) {
  REQUIRE_UNFILTERED_PARENT();
  const uint64_t seed = Seed() + 3;
  printf("seed 0x%llx\n", static_cast<unsigned long long>(seed));
  ProgramGen gen(seed);
  size_t attached = 0, enomem = 0, einval = 0, other = 0;
  for (int s = 0; s < 24; ++s) {
    std::vector<StackEntry> entries;
    for (int i = 0; i < 14; ++i) {
      const uint32_t body = gen.Chance(20) ? 4093 : 300 + gen.Below(3700);
      Program p = gen.Valid(body);
      p.insns.insert(p.insns.begin(),
                     {Stmt(kLD | kW | kABS, 0), Jump(kJMP | kJEQ | kK, kNrSeccomp, 0, 1),
                      Stmt(kRET | kK, kAllow)});
      if (gen.Chance(10)) p.insns.push_back(Stmt(kRET | kK, 0));  // now 4097: EINVAL
      entries.push_back({std::move(p), gen.Chance(10) ? seccomp::kFlagLog : 0u});
    }
    std::vector<int> errors;
    attached += CompareStack(entries, "random stack " + std::to_string(s), &errors);
    for (int e : errors) (e == ENOMEM ? enomem : e == EINVAL ? einval : other)++;
  }
  printf("%zu attached, %zu ENOMEM, %zu EINVAL, %zu other\n", attached, enomem, einval, other);
  EXPECT_GT(enomem, 24u);  // every stack reaches the limit
  EXPECT_EQ(other, 0u);
}

// ConvertedLength() exactly, per program: pad the chain with filters whose converted lengths
// are known so that exactly L_ours + k converted instructions remain, then submit the program
// with k + 1 leading `ld #0` (must be refused: ENOMEM) and with k (must attach). Both hold only
// if the kernel's prog->len of the program equals ours (`ld #imm` converts to one instruction,
// as SevenMaxFiltersOfOneEbpfInsnEach shows).
std::vector<StackEntry> Pads(uint32_t cost) {
  // A pad of m `ld #imm` and one `ret ALLOW` converts to 3 + m + 2 and costs m + 9 in the
  // chain; m <= 4095.
  std::vector<StackEntry> entries;
  uint32_t left = cost;
  while (left > 0) {
    uint32_t c = std::min<uint32_t>(left, 4104);
    if (left - c != 0 && left - c < 9) c = left - 9;  // leave room for a last pad
    Program pad;
    pad.insns.assign(c - 9, Stmt(kLD | kIMM, 0));
    pad.insns.push_back(Stmt(kRET | kK, kAllow));
    entries.push_back({std::move(pad), 0});
    left -= c;
  }
  return entries;
}

Program WithLeadingLoads(const Program& p, uint32_t k) {
  Program out;
  out.insns.assign(k, Stmt(kLD | kIMM, 0));
  out.insns.insert(out.insns.end(), p.insns.begin(), p.insns.end());
  return out;
}

TEST(LiveStackAgreement, ConvertedLengthIsExactForRandomPrograms) {
  REQUIRE_UNFILTERED_PARENT();
  const uint64_t seed = Seed() + 4;
  printf("seed 0x%llx\n", static_cast<unsigned long long>(seed));
  ProgramGen gen(seed);
  int bad = 0;
  constexpr int kPrograms = 64;  // each child JITs a full path (~32k eBPF instructions)
  for (int i = 0; i < kPrograms; ++i) {
    const Program p = gen.Valid(std::min(gen.Length(), 4000u));
    Result<VerifiedProgram> v = Verify(p);
    ASSERT_TRUE(v.ok()) << v.error().ToString();
    const uint32_t len = v->converted_len();
    const uint32_t k = gen.Below(4);
    std::vector<StackEntry> entries = Pads(seccomp::kMaxInsnsPerPath - len - k);
    const size_t pads = entries.size();
    entries.push_back({WithLeadingLoads(p, k + 1), 0});  // one over: ENOMEM
    entries.push_back({WithLeadingLoads(p, k), 0});      // exactly full: attaches
    std::vector<int> errors;
    const size_t attached = CompareStack(entries, "exact fit " + std::to_string(i), &errors);
    if ((attached != pads + 1 || errors != std::vector<int>{ENOMEM}) && ++bad <= 5) {
      ADD_FAILURE() << "program " << i << " (" << p.size() << " insns, ConvertedLength " << len
                    << "): with " << pads << " pads, " << attached
                    << " attached, refusals:" << ::testing::PrintToString(errors) << "\n"
                    << Dump(p);
    }
  }
  printf("%d exact-fit programs, %d wrong\n", kPrograms, bad);
  EXPECT_EQ(bad, 0);
}

// Last in the file: everything above ran in children; this process never entered seccomp.
TEST(LiveHarness, TestProcessStaysUnfiltered) {
  EXPECT_EQ(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), live::ProbeSeccomp().mode);
  EXPECT_NE(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 1);
}

}  // namespace
}  // namespace sckit
