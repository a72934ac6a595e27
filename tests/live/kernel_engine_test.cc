// The kernel engine (live/kernel_engine.h) against the interpreter on random input: random
// verified stacks and records must give what vm/outcome.h Decide says with the kernel's
// precedence, and jeq-chain and compare-tree filters what the prepared interpreter and the JIT
// give. The engine's contract is kernel_engine_basics_test.cc, USER_NOTIF
// kernel_user_notif_test.cc, dangerous records kernel_dangerous_test.cc.
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

}  // namespace
}  // namespace sckit::live
