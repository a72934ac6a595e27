// The benchmark shapes of issue 19 (bench/shapes.h) are what they claim and every engine
// decides them alike: the kernel's verifier accepts each; the hand-written C functions agree
// with the reference interpreter on the uniform and hot workloads and on every syscall number
// below 1100 (not on x32 numbers, which libseccomp's filters kill and the C functions do not
// model); the prepared interpreter, the JIT (every chain form) and libpcap agree with it; the
// libseccomp tree and the Chromium-like filter really are trees the engines lower.
#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

#include "bench/allowlist60.h"
#include "bench/hand_filters.h"
#include "bench/pcap_ref.h"
#include "bench/shapes.h"
#include "bench/workload.h"
#include "jit/compiler.h"
#include "verifier/verifier.h"
#include "vm/arch.h"
#include "vm/interpreter.h"
#include "vm/jeq_chains.h"
#include "vm/prepared_filter.h"

namespace sckit::bench {
namespace {

using HandFn = uint32_t (*)(const struct seccomp_data*);

std::vector<SeccompData> Records() {
  const ArchInfo& arch = *FindArch("x86_64");
  std::vector<SeccompData> out = UniformWorkload(arch).records;
  const std::vector<SeccompData> hot = HotWorkload(arch).records;
  out.insert(out.end(), hot.begin(), hot.end());
  for (uint32_t nr = 0; nr < 1100; ++nr) {
    SeccompData d;
    d.arch = arch.audit_arch;
    d.nr = static_cast<int32_t>(nr);
    d.args[0] = nr % 7;
    d.args[1] = nr % 3 == 0 ? 3 : nr;  // F_GETFL for some fcntl
    d.args[2] = nr % 5;
    out.push_back(d);
  }
  for (uint32_t nr : {0x3fffffffu, 0x40000000u, 0x40000001u, 0xfffffffeu, 0xffffffffu}) {
    SeccompData d;
    d.arch = arch.audit_arch;
    d.nr = static_cast<int32_t>(nr);
    out.push_back(d);
  }
  SeccompData other;
  other.arch = 0x40000003;  // i386: the arch checks
  out.push_back(other);
  return out;
}

VerifiedProgram MustVerify(const Result<Program>& p) {
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().ToString());
  Result<VerifiedProgram> v = Verify(*p);
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().ToString());
  return std::move(*v);
}

void ExpectEnginesAgree(const std::string& name, const VerifiedProgram& v, HandFn hand) {
  SCOPED_TRACE(name);
  const PreparedFilter prepared(v);
  std::vector<jit::CompiledFilter> jits;
  for (jit::ChainForm form :
       {jit::ChainForm::kRule, jit::ChainForm::kBitTests, jit::ChainForm::kTable}) {
    jit::JitOptions o;
    o.chain_form = form;
    Result<jit::CompiledFilter> c = jit::Compile(v, o);
    ASSERT_TRUE(c.ok()) << c.error().ToString();
    jits.push_back(std::move(*c));
  }
  for (const SeccompData& d : Records()) {
    const uint32_t want = RunFilter(v, d);
    ASSERT_EQ(prepared.Run(d), want) << d.nr;
    for (const jit::CompiledFilter& c : jits) ASSERT_EQ(c.Run(d), want) << d.nr;
    ASSERT_EQ(PcapRun(v.original().insns, ToPcapRecord(d)), want) << d.nr;
    // libseccomp also kills the x32 numbers (0x40000000 up, but -1), which the C functions do
    // not model: no workload holds them.
    const bool x32 = static_cast<uint32_t>(d.nr) >= 0x40000000u;
    if (hand != nullptr && !x32) {
      ASSERT_EQ(hand(reinterpret_cast<const struct seccomp_data*>(&d)), want) << d.nr;
    }
  }
}

TEST(Shapes, EveryEngineAndTheHandWrittenCAgree) {
  const std::span<const int> allow60(kAllowList60, SCKIT_ALLOWLIST60_SIZE);
  ExpectEnginesAgree("arch4", MustVerify(ArchCheckFilter()), HandArchCheck);
  ExpectEnginesAgree("chain40", MustVerify(AllowChainFilter({kChain40, SCKIT_CHAIN40_SIZE})),
                     HandChain40);
  ExpectEnginesAgree("libseccomp60", MustVerify(LibseccompAllowFilter(allow60, false)),
                     AllowList60);
  ExpectEnginesAgree("libseccomp60_tree", MustVerify(LibseccompAllowFilter(allow60, true)),
                     AllowList60);
  ExpectEnginesAgree("chromium", MustVerify(ChromiumLikeFilter()), nullptr);
  ExpectEnginesAgree("tree4096", MustVerify(TreeFilter4096()), nullptr);
}

TEST(Shapes, TheShapesAreWhatTheyClaim) {
  const std::span<const int> allow60(kAllowList60, SCKIT_ALLOWLIST60_SIZE);
  EXPECT_EQ(ArchCheckFilter().size(), 4u);
  EXPECT_EQ(AllowChainFilter({kChain40, SCKIT_CHAIN40_SIZE}).size(), 4u + 40 + 2);
  // libseccomp's tree has jgt nodes over the syscall numbers; its default layout a jeq chain.
  const VerifiedProgram tree = MustVerify(LibseccompAllowFilter(allow60, true));
  const VerifiedProgram list = MustVerify(LibseccompAllowFilter(allow60, false));
  EXPECT_GE(FindCompareTrees(tree, kMinTreeCompares, kTreeWorkBudget).size(), 1u);
  EXPECT_EQ(FindJeqChains(list, kMinChainKeys, kChainKeyBudget).at(0).cases.size(), 60u);
  EXPECT_GE(PreparedFilter(tree).stats().dense_trees, 1u);
  // Chromium-like: a jge search over syscall ranges with argument checks at the leaves.
  const VerifiedProgram chromium = MustVerify(ChromiumLikeFilter());
  const std::vector<CompareTree> trees =
      FindCompareTrees(chromium, kMinTreeCompares, kTreeWorkBudget);
  ASSERT_GE(trees.size(), 1u);
  EXPECT_GT(trees[0].compares, 50u);
  EXPECT_GE(PreparedFilter(chromium).stats().switches, 3u) << "fcntl, futex, prctl: jeq chains";
  const size_t n = TreeFilter4096().size();
  EXPECT_LE(n, 4096u);
  EXPECT_GE(n, 4000u);
}

}  // namespace
}  // namespace sckit::bench
