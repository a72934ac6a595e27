// sckit compile against the running kernel: a policy over the harmless system calls
// RunOnKernel may make (tests/live/untraced_call.h: getpid, getppid, gettid, getuid, getgid,
// geteuid, getegid, and the unassigned 1000) is compiled, installed in forked children, and
// each call is made with argument values at and around every constant of the policy. What the
// child observes must be what the reference evaluation of the parsed rules
// (policy/rules_eval.h) predicts, and the interpreter must agree on the record the kernel saw.
// Other calls get the default action allow, so the child's own exit and signal return pass.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "tests/live/expected_effect.h"
#include "tests/live/untraced_call.h"
#include "tests/live_test_util.h"
#include "tests/policy/rules_test_util.h"

namespace sckit::policy {
namespace {

constexpr uint64_t kDefaultSeed = 0xc0113c7;

const char* kPolicy = R"(
# Conditions on every operator; 64-bit constants; both halves of the words.
getpid: arg0 == 5 || arg1 in PROT_READ|PROT_WRITE && arg2 > 0x100000000
getppid: arg0 & 0x8000000000000000; return 7
gettid: arg0 < 3 && arg5 != ~0; return EPERM
getuid: return 13
getgid: arg1 <= 0xffffffff || arg2 >= 0x100000001; return 4095
geteuid: arg3 != 0xffffffff00000000 && arg4 >= 10 || arg0 == AT_FDCWD; trap
getegid: arg0 == 1; kill
1000: arg0 == 1 || arg0 == 0x100000001
)";

TEST(PolicyRulesLive, CompiledPolicyBehavesOnTheKernelAsTheRulesSay) {
  REQUIRE_SECCOMP();
  Policy policy = testing::MustParse(kPolicy);
  ResolveOptions options;
  options.default_action = RuleAction{ActionKind::kAllow, 0};
  Result<ResolvedPolicy> resolved = ResolvePolicy(policy, options);
  ASSERT_TRUE(resolved.ok()) << resolved.error().message;
  Result<Program> program = GenerateFilter(*resolved);
  ASSERT_TRUE(program.ok()) << program.error().ToString();
  Result<VerifiedProgram> verified = Verify(*program);
  ASSERT_TRUE(verified.ok());

  const uint64_t seed = live_testing::Seed(kDefaultSeed);
  std::mt19937_64 rng(seed);
  int runs = 0;
  for (const auto& [nr, index] : resolved->groups.front().rules) {
    const auto pools = testing::ArgPools(policy.rules[index]);
    for (int i = 0; i < 24; ++i) {
      live::SyscallRequest call;
      call.nr = static_cast<int32_t>(nr);
      for (int a = 0; a < 6; ++a) call.args[a] = pools[a][rng() % pools[a].size()];
      Result<live::LiveOutcome> out = live::RunOnKernel({{*program, 0}}, call);
      ASSERT_TRUE(out.ok()) << out.error().ToString();
      const uint32_t want = EvaluatePolicy(*resolved, out->data);
      EXPECT_EQ(RunFilter(*verified, out->data), want) << "seed " << seed;
      const live::ExpectedEffect effect = live::PredictEffect(want, call, out->natural_ret);
      const std::optional<std::string> diff = live::CompareEffect(effect, *out);
      EXPECT_FALSE(diff) << policy.rules[index].name << " args " << std::hex << call.args[0]
                         << "," << call.args[1] << "," << call.args[2] << "," << call.args[3]
                         << "," << call.args[4] << "," << call.args[5] << ": " << *diff
                         << " (seed " << std::dec << seed << ")";
      ++runs;
    }
  }
  EXPECT_EQ(runs, 8 * 24);
}

}  // namespace
}  // namespace sckit::policy
