// Our stack model against the running kernel: the attach limits (path length in converted eBPF
// instructions, 4096 instructions, EBUSY for a second listener, flag checks) call by call
// against CheckStack(), on fixed and on random stacks of random programs
// (tests/live/program_gen.h), each stack installed in a forked child. Nothing is installed in
// the test process itself: a check at the end of the run says so.
//
// Seed: fixed (kDefaultSeed), printed; override with SCKIT_LIVE_SEED=<n> to explore.
#include <gtest/gtest.h>
#include <sys/prctl.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
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
constexpr uint32_t kNrSeccomp = 317;

uint64_t Seed() { return live_testing::Seed(kDefaultSeed); }

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

// After every test (as LiveHarness.TestProcessStaysUnfiltered does in
// verifier_agreement_test.cc): everything ran in children; this process never entered seccomp.
class UnfilteredAtTheEnd : public ::testing::Environment {
 public:
  void TearDown() override {
    EXPECT_EQ(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), live::ProbeSeccomp().mode);
    EXPECT_NE(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 1);
  }
};
[[maybe_unused]] ::testing::Environment* const kUnfilteredAtTheEnd =
    ::testing::AddGlobalTestEnvironment(new UnfilteredAtTheEnd);

}  // namespace
}  // namespace sckit
