// sckit compile's code generation (policy/rules_compile.h): every compiled policy is accepted
// by the verifier and returns, in the interpreter, what a direct evaluation of the parsed rules
// (policy/rules_eval.h) returns, on records at and around every constant the policy names, on
// neighbouring and x32 syscall numbers, and on foreign arches; plus the layout claims (arch
// check first, balanced search, 64-bit words, constant-action cache) on hand-picked policies.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "analysis/cache.h"
#include "policy/rules_compile.h"
#include "tests/policy/rules_test_util.h"
#include "vm/bpf.h"

namespace sckit::policy {
namespace {

using testing::Arches;
using testing::CompareWithReference;
using testing::Describe;
using testing::MustParse;

constexpr uint32_t kAllow = seccomp::kRetAllow;
constexpr uint32_t kX86_64 = 0xC000003Eu;
constexpr uint32_t kI386 = 0x40000003u;

struct Compiled {
  Policy policy;
  ResolvedPolicy resolved;
  Program program;
};

// Parses, resolves and compiles; the Policy is owned by the returned value (resolved points
// into it), so it is heap-allocated to stay put.
std::unique_ptr<Compiled> Compile(const std::string& text, ResolveOptions options = {},
                                  ParseOptions parse = {}) {
  auto c = std::make_unique<Compiled>();
  c->policy = MustParse(text, parse);
  Result<ResolvedPolicy> r = ResolvePolicy(c->policy, options);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  if (!r.ok()) return nullptr;
  c->resolved = *r;
  Result<Program> p = GenerateFilter(c->resolved);
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().ToString());
  if (!p.ok()) return nullptr;
  c->program = *p;
  return c;
}

uint32_t Eval(const Program& p, uint32_t arch, int32_t nr, std::array<uint64_t, 6> args = {}) {
  Result<VerifiedProgram> v = Verify(p);
  EXPECT_TRUE(v.ok());
  SeccompData d;
  d.arch = arch;
  d.nr = nr;
  for (int i = 0; i < 6; ++i) d.args[i] = args[i];
  return RunFilter(*v, d);
}

void ExpectAgrees(const std::string& text, ResolveOptions options = {}, ParseOptions parse = {},
                  int samples = 300) {
  std::unique_ptr<Compiled> c = Compile(text, options, parse);
  ASSERT_NE(c, nullptr);
  const auto mismatches = CompareWithReference(c->resolved, c->program, samples, 1);
  EXPECT_TRUE(mismatches.empty()) << text << Describe(mismatches);
}

const char* kEveryOperator = R"(
read: arg0 == 0 || arg0 == 0x100000005
write: arg0 != 1 && arg2 < 4096
openat: arg2 in O_RDONLY|O_CLOEXEC|O_NONBLOCK; return EACCES
close: arg0 > 2
mmap: arg2 in ~PROT_EXEC || arg2 in ~PROT_WRITE
mprotect: arg2 & PROT_EXEC; return 13
ioctl: arg1 == TCGETS || arg1 == FIONREAD || arg1 == SIOCGIFFLAGS
fcntl: arg1 <= F_SETFL && arg1 >= F_GETFD
futex: arg1 & 0xffffffff00000000 || arg1 >= 0x1ffffffff
getpid: 1
getppid: return 7
gettid: kill-process
socket: arg0 == AF_UNIX && arg1 in SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK
clone: arg0 & (CLONE_NEWUSER|CLONE_NEWNS); return EPERM
lseek: arg2 < 0x100000000 && arg1 > -2
)";

TEST(PolicyRulesCompile, EveryOperatorAgreesWithReference) { ExpectAgrees(kEveryOperator); }

TEST(PolicyRulesCompile, PythonReturnSemanticsAgreesWithReference) {
  ParseOptions parse;
  parse.return_semantics = ReturnSemantics::kPython;
  ExpectAgrees(kEveryOperator, {}, parse);
}

TEST(PolicyRulesCompile, ThirtyTwoBitArchComparesLowWordOnly) {
  const char* text = R"(
read: arg0 == 3 || arg0 == ~0
write: arg2 in ~PROT_EXEC
mmap2: arg2 > 7 && arg3 & MAP_ANONYMOUS
)";
  ExpectAgrees(text, ResolveOptions{Arches({"i386"}), std::nullopt, false});
  std::unique_ptr<Compiled> c = Compile(text, ResolveOptions{Arches({"i386"}), std::nullopt, false});
  ASSERT_NE(c, nullptr);
  // read (3 on i386) with the high word set still matches: the low word is all the arch has.
  EXPECT_EQ(Eval(c->program, kI386, 3, {0x500000003}), kAllow);
}

TEST(PolicyRulesCompile, MultiArchDispatchesPerArch) {
  const char* text = R"(
read: 1
write: arg0 == 1
open: return 2
mmap2: 1
)";
  ResolveOptions o{Arches({"x86_64", "i386", "aarch64", "x32"}), std::nullopt, false};
  ExpectAgrees(text, o);
  std::unique_ptr<Compiled> c = Compile(text, o);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Eval(c->program, kX86_64, 0), kAllow);                      // read x86_64
  EXPECT_EQ(Eval(c->program, kX86_64, 0x40000000), kAllow);             // read x32
  EXPECT_EQ(Eval(c->program, kI386, 3), kAllow);                        // read i386
  EXPECT_EQ(Eval(c->program, kI386, 192), kAllow);                      // mmap2 i386
  EXPECT_EQ(Eval(c->program, kX86_64, 2), seccomp::kRetErrno | 2);      // open x86_64
  EXPECT_EQ(Eval(c->program, 0xC00000B7u, 63), kAllow);                 // read aarch64
  EXPECT_EQ(Eval(c->program, 0x40000028u, 3), seccomp::kRetKillThread);  // arm: foreign
  ASSERT_EQ(c->resolved.warnings.size(), 2u);  // open on aarch64, mmap2 on the 64-bit ones
}

TEST(PolicyRulesCompile, X32NumbersGetTheDefaultUnlessX32IsCompiled) {
  ResolveOptions o;
  o.default_action = RuleAction{ActionKind::kErrno, 9};
  std::unique_ptr<Compiled> c = Compile("read: 1\nwrite: 1\n", o);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Eval(c->program, kX86_64, 0), kAllow);
  EXPECT_EQ(Eval(c->program, kX86_64, 0x40000000), seccomp::kRetErrno | 9);
  EXPECT_EQ(Eval(c->program, kX86_64, -1), seccomp::kRetErrno | 9);
}

TEST(PolicyRulesCompile, ForeignArchGetsTheKillAction) {
  ResolveOptions o;
  o.default_action = RuleAction{ActionKind::kErrno, 1};
  std::unique_ptr<Compiled> c = Compile("read: 1\n", o);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Eval(c->program, kI386, 3), seccomp::kRetKillThread);
  o = ResolveOptions{};
  o.kill_process = true;
  c = Compile("read: 1\nwrite: kill\n", o);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Eval(c->program, kI386, 3), seccomp::kRetKillProcess);
  EXPECT_EQ(Eval(c->program, kX86_64, 1), seccomp::kRetKillProcess);
  EXPECT_EQ(Eval(c->program, kX86_64, 2), seccomp::kRetKillProcess);
}

TEST(PolicyRulesCompile, DefaultActionPrecedence) {
  // --default-action over @default over kill; @denylist: allow.
  std::unique_ptr<Compiled> c = Compile("@default trap\nread: 1\n");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Eval(c->program, kX86_64, 1), seccomp::kRetTrap);
  ResolveOptions o;
  o.default_action = RuleAction{ActionKind::kErrno, 38};
  c = Compile("@default trap\nread: 1\n", o);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Eval(c->program, kX86_64, 1), seccomp::kRetErrno | 38);
  c = Compile("@denylist\nptrace: return EPERM\nread: arg0 == 0; return 1\n");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Eval(c->program, kX86_64, 101), seccomp::kRetErrno | 1);
  EXPECT_EQ(Eval(c->program, kX86_64, 1), kAllow);
  EXPECT_EQ(Eval(c->program, kX86_64, 0, {5}), seccomp::kRetErrno | 1);  // man page: else errno
  EXPECT_EQ(Eval(c->program, kX86_64, 0, {0}), kAllow);
}

TEST(PolicyRulesCompile, ArchCheckComesFirst) {
  std::unique_ptr<Compiled> c = Compile("read: 1\n");
  ASSERT_NE(c, nullptr);
  ASSERT_GE(c->program.size(), 3u);
  EXPECT_EQ(c->program.insns[0].code, bpf::kLD | bpf::kW | bpf::kABS);
  EXPECT_EQ(c->program.insns[0].k, 4u);
  EXPECT_EQ(c->program.insns[1].code, bpf::kJMP | bpf::kJEQ | bpf::kK);
  EXPECT_EQ(c->program.insns[1].k, kX86_64);
}

// Instructions executed on a record, from the traced interpreter.
size_t Executed(const Program& p, int32_t nr, std::array<uint64_t, 6> args = {}) {
  Result<VerifiedProgram> v = Verify(p);
  SeccompData d;
  d.arch = kX86_64;
  d.nr = nr;
  for (int i = 0; i < 6; ++i) d.args[i] = args[i];
  RunTrace trace;
  RunFilterTraced(*v, d, &trace);
  return trace.steps.size();
}

TEST(PolicyRulesCompile, SearchIsBalancedOverRuns) {
  // 64 allowed calls at every other number: 129 runs, so about 2 + log2(129) + 2 instructions.
  std::string text;
  for (int nr = 0; nr < 128; nr += 2) text += std::to_string(nr) + ": 1\n";
  std::unique_ptr<Compiled> c = Compile(text);
  ASSERT_NE(c, nullptr);
  for (int nr = 0; nr < 140; ++nr) {
    EXPECT_LE(Executed(c->program, nr), 2u + 9u + 1u + 1u) << nr;
  }
  // A contiguous range of allowed calls is one run: 3 runs, 2 comparisons at most.
  text.clear();
  for (int nr = 0; nr < 200; ++nr) text += std::to_string(nr) + ": 1\n";
  c = Compile(text);
  ASSERT_NE(c, nullptr);
  EXPECT_LE(c->program.size(), 8u);
  EXPECT_LE(Executed(c->program, 150), 5u);
}

TEST(PolicyRulesCompile, FrequencyWeightsTheSearch) {
  std::string text;
  for (int nr = 0; nr < 128; nr += 2) text += std::to_string(nr) + ": 1\n";
  std::unique_ptr<Compiled> plain = Compile(text);
  auto c = std::make_unique<Compiled>();
  ParseOptions parse;
  parse.read_file = [](const std::string&) -> Result<std::string> { return std::string("read: 1000000\n"); };
  c->policy = MustParse(text + "@frequency ./f.frequency\n", parse);
  Result<ResolvedPolicy> r = ResolvePolicy(c->policy, {});
  ASSERT_TRUE(r.ok());
  Result<Program> p = GenerateFilter(*r);
  ASSERT_TRUE(p.ok());
  EXPECT_LT(Executed(*p, 0), Executed(plain->program, 0));
}

TEST(PolicyRulesCompile, UnconditionalAllowsAreConstantActionCached) {
  std::unique_ptr<Compiled> c = Compile(kEveryOperator);
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(analysis::IsFilterConstAllow(c->program, kX86_64, 39));    // getpid: 1
  EXPECT_FALSE(analysis::IsFilterConstAllow(c->program, kX86_64, 0));    // read: conditional
  EXPECT_FALSE(analysis::IsFilterConstAllow(c->program, kX86_64, 110));  // getppid: errno
}

TEST(PolicyRulesCompile, SameConditionsShareOneBody) {
  std::unique_ptr<Compiled> one = Compile("mmap: arg2 in ~PROT_EXEC\n");
  std::unique_ptr<Compiled> two = Compile("mmap: arg2 in ~PROT_EXEC\nmprotect: arg2 in ~PROT_EXEC\n");
  ASSERT_NE(one, nullptr);
  ASSERT_NE(two, nullptr);
  // mmap 9 and mprotect 10 are adjacent: one run, the same code.
  EXPECT_EQ(one->program.size(), two->program.size());
}

TEST(PolicyRulesCompile, LongProgramsUseTrampolines) {
  // Enough argument checks that jumps to the shared returns exceed 255 instructions.
  std::string text;
  for (int nr = 0; nr < 150; ++nr) {
    text += std::to_string(nr) + ": arg0 == " + std::to_string(nr) + " || arg1 == " +
            std::to_string(nr * 7) + "; return " + std::to_string(nr % 50 + 1) + "\n";
  }
  std::unique_ptr<Compiled> c = Compile(text);
  ASSERT_NE(c, nullptr);
  EXPECT_GT(c->program.size(), 1000u);
  const auto mismatches = CompareWithReference(c->resolved, c->program, 20, 3);
  EXPECT_TRUE(mismatches.empty()) << Describe(mismatches);
}

TEST(PolicyRulesCompile, TooLargeIsAnErrorNotABadFilter) {
  std::string text;
  for (int nr = 0; nr < 400; ++nr) {
    text += std::to_string(nr) + ": arg0 == 1 && arg1 == 2 && arg2 == 3 && arg3 == " +
            std::to_string(nr) + " || arg4 == 5\n";
  }
  Policy p = MustParse(text);
  Result<CompiledPolicy> c = CompilePolicy(p, {});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().rule, "too-many-instructions");
}

TEST(PolicyRulesCompile, RandomPoliciesAgreeWithReference) {
  std::mt19937_64 rng(0x5eccc0de);
  for (int i = 0; i < 150; ++i) {
    const std::string text = testing::RandomPolicyText(rng);
    ParseOptions parse;
    if (i % 2) parse.return_semantics = ReturnSemantics::kPython;
    ResolveOptions o;
    if (i % 3 == 0) o.arches = Arches({"x86_64", "x32", "aarch64"});
    std::unique_ptr<Compiled> c = Compile(text, o, parse);
    ASSERT_NE(c, nullptr) << text;
    const auto mismatches = CompareWithReference(c->resolved, c->program, 60, i);
    ASSERT_TRUE(mismatches.empty()) << text << Describe(mismatches);
  }
}

TEST(PolicyRulesCompile, ResolveErrorsAreLocated) {
  Policy p = MustParse("read: 1\n\n  opn: 1\n");
  Result<ResolvedPolicy> r = ResolvePolicy(p, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "t.policy:3:3: unknown syscall 'opn' (did you mean 'open'?)");
  p = MustParse("read: 1\n0: 1\n");
  r = ResolvePolicy(p, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "t.policy:2:1: '0' is syscall 0, already given as 'read' at t.policy:1:1");
  p = MustParse("read: arg0 == 0x100000000\n");
  r = ResolvePolicy(p, ResolveOptions{Arches({"i386"}), std::nullopt, false});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "t.policy:1:7: constant 0x100000000 does not fit in the 32-bit arguments of i386");
  p = MustParse("mmap2: 1\n");
  r = ResolvePolicy(p, ResolveOptions{Arches({"x86_64", "aarch64"}), std::nullopt, false});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("t.policy:1:1: unknown syscall 'mmap2' on any of x86_64, "
                                    "aarch64", 0), 0u) << r.error().message;
}

}  // namespace
}  // namespace sckit::policy
