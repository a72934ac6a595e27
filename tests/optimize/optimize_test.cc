// The optimizer end to end (optimize/optimize.h): every bundled example filter is optimized,
// proven equal by the solver (the driver's own proof, and again here independently), never
// loses a constant-action cache entry, never gets slower on the uniform workload; Docker's
// default profile and a libseccomp-layout 60-syscall allow list get at least 2x fewer
// instructions executed; random programs and random jeq-chain programs stay equal. The
// 4095-instruction case is big_filter_test (a large test: its proof takes a minute).
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>

#include "analysis/diff.h"
#include "bench/workload.h"
#include "formats/loader.h"
#include "optimize/optimize.h"
#include "tests/random_program.h"
#include "verifier/verifier.h"
#include "vm/arch.h"
#include "vm/bpf.h"
#include "vm/interpreter.h"

namespace sckit::optimize {
namespace {

using namespace bpf;  // NOLINT

const ArchInfo& X86() { return *FindArch("x86_64"); }

VerifiedProgram MustVerify(const Program& p) {
  Result<VerifiedProgram> v = Verify(p);
  EXPECT_TRUE(v.ok()) << v.error().ToString();
  return std::move(*v);
}

VerifiedProgram LoadExample(const std::string& path) {
  Result<Program> p = LoadProgramFile(path);
  EXPECT_TRUE(p.ok()) << path << ": " << p.error().ToString();
  return MustVerify(*p);
}

// Checks the invariants of an optimization and returns it.
OptimizeResult CheckOptimize(const VerifiedProgram& in, const std::vector<SeccompData>& records,
                             bool second_proof = true) {
  Result<OptimizeResult> r = Optimize(in, records);
  EXPECT_TRUE(r.ok());
  if (!r.ok()) return {};
  EXPECT_TRUE(r->proven);
  EXPECT_FALSE(r->proof_failed);
  const VerifiedProgram out = MustVerify(r->output);
  EXPECT_LE(out.size(), kMaxInsns);
  EXPECT_TRUE(LostCacheEntries(in.original(), out.original()).empty());
  EXPECT_GE(r->after.cache_total, r->before.cache_total);
  EXPECT_LE(r->after.mean_insns, r->before.mean_insns);
  // An independent proof, not the driver's.
  if (second_proof) {
    const analysis::DiffResult d = analysis::Diff({&in}, {&out});
    EXPECT_TRUE(d.equivalent && d.exact);
  }
  return *r;
}

TEST(Optimize, EveryBundledExampleIsProvenEqualNeverWorseDockerHalved) {
  const std::vector<SeccompData> uniform = bench::UniformWorkload(X86()).records;
  for (const char* path :
       {"examples/server/server.bpf", "examples/denylist/denylist.bpf",
        "examples/multiarch/multiarch.bpf", "examples/socket-args/socket-args.bpf",
        "examples/profiles/docker-default.bpf", "examples/profiles/podman-default.bpf"}) {
    SCOPED_TRACE(path);
    const VerifiedProgram in = LoadExample(path);
    const OptimizeResult r = CheckOptimize(in, uniform);
    std::printf("%-40s mean %7.2f -> %6.2f  max %4u -> %3u  insns %4zu -> %4zu  cache %d -> %d  "
                "proof %.2fs\n",
                path, r.before.mean_insns, r.after.mean_insns, r.before.max_insns,
                r.after.max_insns, r.before.total_insns, r.after.total_insns,
                r.before.cache[0].allowed, r.after.cache[0].allowed, r.proof_seconds);
    EXPECT_NE(r.chosen, "unchanged");
    if (std::string(path).find("docker-default") != std::string::npos) {
      EXPECT_LE(r.after.mean_insns * 2, r.before.mean_insns);  // at least halved
    }
  }
}

// libseccomp's default layout for an allow list: arch check, x32 check, one jeq per syscall.
Program LibseccompAllowList(const std::vector<int>& allowed) {
  Program p;
  p.insns.push_back(Stmt(kLD | kW | kABS, 4));
  const uint32_t n = static_cast<uint32_t>(allowed.size());
  p.insns.push_back(Jump(kJMP | kJEQ | kK, kAuditArchX86_64, 1, 0));
  p.insns.push_back(Stmt(kRET | kK, seccomp::kRetKillProcess));
  p.insns.push_back(Stmt(kLD | kW | kABS, 0));
  p.insns.push_back(Jump(kJMP | kJGE | kK, 0x40000000u, 0, 1));
  p.insns.push_back(Stmt(kRET | kK, seccomp::kRetErrno | 1));
  for (uint32_t i = 0; i < n; ++i) {
    // jeq nr -> the ALLOW after the chain (n - i - 1 compares + the default ahead).
    p.insns.push_back(Jump(kJMP | kJEQ | kK, static_cast<uint32_t>(allowed[i]),
                           static_cast<uint8_t>(n - i), 0));
  }
  p.insns.push_back(Stmt(kRET | kK, seccomp::kRetErrno | 1));
  p.insns.push_back(Stmt(kRET | kK, seccomp::kRetAllow));
  return p;
}

TEST(Optimize, LibseccompLayoutAllowList60IsAtLeastHalved) {
  std::vector<int> allowed;
  for (int nr = 0; nr < 60; ++nr) allowed.push_back((nr * 7) % 330);
  const VerifiedProgram in = MustVerify(LibseccompAllowList(allowed));
  const OptimizeResult r = CheckOptimize(in, bench::UniformWorkload(X86()).records);
  EXPECT_LE(r.after.mean_insns * 2, r.before.mean_insns);
  EXPECT_EQ(r.after.cache[0].allowed, r.before.cache[0].allowed);
}

TEST(Optimize, RandomProgramsStayEqual) {
  std::mt19937 rng(1616);
  std::vector<SeccompData> records;
  for (int i = 0; i < 64; ++i) records.push_back(sckit::testing::RandomRecord(rng));
  for (int i = 0; i < 150; ++i) {
    SCOPED_TRACE(i);
    const VerifiedProgram in = MustVerify(sckit::testing::RandomVerifiedProgram(rng));
    const OptimizeResult r = CheckOptimize(in, records, false);
    const VerifiedProgram out = MustVerify(r.output);
    for (const SeccompData& d : records) ASSERT_EQ(RunFilter(in, d), RunFilter(out, d));
  }
}

TEST(Optimize, RandomChainProgramsStayEqualAndGetCheaper) {
  std::mt19937 rng(1617);
  int improved = 0;
  for (int i = 0; i < 30; ++i) {
    SCOPED_TRACE(i);
    std::vector<uint32_t> keys;
    const VerifiedProgram in = MustVerify(sckit::testing::RandomChainProgram(rng, &keys));
    std::vector<SeccompData> records;
    for (uint32_t k : keys) {
      SeccompData d = sckit::testing::RandomRecord(rng);
      d.nr = static_cast<int32_t>(k);
      std::memcpy(&d.args[0], &k, 4);  // some chains compare args[0]
      records.push_back(d);
    }
    const OptimizeResult r = CheckOptimize(in, records, false);
    std::printf("chain %d: %zu insns, proof %.2fs, total %.2fs\n", i, r.before.total_insns,
                r.proof_seconds, r.total_seconds);
    if (r.after.mean_insns < r.before.mean_insns) ++improved;
    const VerifiedProgram out = MustVerify(r.output);
    for (int j = 0; j < 200; ++j) {
      SeccompData d = sckit::testing::RandomRecord(rng);
      if (j % 2 && !keys.empty()) d.nr = static_cast<int32_t>(keys[rng() % keys.size()]);
      ASSERT_EQ(RunFilter(in, d), RunFilter(out, d));
    }
  }
  EXPECT_GT(improved, 15);
}

}  // namespace
}  // namespace sckit::optimize

namespace sckit::optimize {
namespace {

TEST(Measure, X32IsNeverCachedAndOthersAreCounted) {
  // ret ALLOW: every number of every arch is a constant ALLOW.
  const VerifiedProgram p = MustVerify(Program{{Stmt(kRET | kK, seccomp::kRetAllow)}});
  const Metrics m = Measure(p, {}, {FindArch("x86_64"), FindArch("x32"), FindArch("i386")});
  ASSERT_EQ(m.cache.size(), 3u);
  EXPECT_EQ(m.cache[0].allowed, kCacheNrLimit);
  EXPECT_EQ(m.cache[1].allowed, 0);
  EXPECT_EQ(m.cache[2].allowed, kCacheNrLimit);
}

}  // namespace
}  // namespace sckit::optimize
