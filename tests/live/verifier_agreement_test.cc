// Our verifier against the running kernel: thousands of random programs (mostly valid, many
// invalid by exactly one kernel rule, tests/live/program_gen.h) are submitted to seccomp() in
// forked children and the kernel's accept/reject and errno must equal Verify()'s, program by
// program (the attach limits are tests/live/stack_agreement_test.cc). Nothing is installed in
// the test process itself.
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
#include "tests/live/program_gen.h"
#include "tests/live_test_util.h"
#include "verifier/stack_check.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/opcodes.h"
#include "vm/program.h"

namespace sckit {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.
using program_gen::Dump;
using program_gen::ProgramGen;

constexpr uint64_t kDefaultSeed = 0x5ecc0a9e11e;
constexpr uint32_t kAllow = seccomp::kRetAllow;

uint64_t Seed() { return live_testing::Seed(kDefaultSeed); }

// Our verdict in the kernel's terms: 0 = accepted, else the errno.
int OurVerdict(const Program& p, std::string* why = nullptr) {
  Result<VerifiedProgram> v = Verify(p);
  if (v.ok()) return 0;
  if (why) *why = v.error().ToString();
  return v.error().kernel_errno;
}

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

// Last in the file: everything above ran in children; this process never entered seccomp.
TEST(LiveHarness, TestProcessStaysUnfiltered) {
  EXPECT_EQ(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), live::ProbeSeccomp().mode);
  EXPECT_NE(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 1);
}

}  // namespace
}  // namespace sckit
