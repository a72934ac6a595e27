// jit_bench (bench/jit_bench.cc has the whole binary's description): the 60-syscall allow-list
// of bench/allowlist60.c as a BPF filter (a jeq per syscall jumping to one shared ret ALLOW, as
// libseccomp-style generators emit) through every engine, as a balanced tree of compares, and as
// the hand-written C function compiled with -O2 (BM_AllowList60_C), on the hot workload.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "bench/allowlist60.h"
#include "bench/jit_bench.h"
#include "bench/pcap_ref.h"
#include "jit/compiler.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/interpreter.h"
#include "vm/prepared_filter.h"
#include "vm/program.h"

namespace sckit::bench {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

Program AllowList60Filter() {
  Program p;
  auto& i = p.insns;
  i.push_back(Stmt(kLD | kW | kABS, 4));
  i.push_back(Jump(kJMP | kJEQ | kK, kArchX86_64, 1, 0));
  i.push_back(Stmt(kRET | kK, seccomp::kRetKillProcess));
  i.push_back(Stmt(kLD | kW | kABS, 0));
  for (int s = 0; s < SCKIT_ALLOWLIST60_SIZE; ++s) {
    // jt lands on the shared ret ALLOW after the default ret ERRNO.
    const uint8_t jt = static_cast<uint8_t>(SCKIT_ALLOWLIST60_SIZE - s);
    i.push_back(Jump(kJMP | kJEQ | kK, static_cast<uint32_t>(kAllowList60[s]), jt, 0));
  }
  i.push_back(Stmt(kRET | kK, seccomp::kRetErrno | 1));  // EPERM
  i.push_back(Stmt(kRET | kK, seccomp::kRetAllow));
  return p;
}

// The same policy as a balanced binary tree (what libseccomp emits with
// SCMP_FLTATR_CTL_OPTIMIZE = 2): "jge #pivot" nodes down to leaves of at most 4 "jeq", so a
// record runs ~log2(60) compares instead of a linear chain. Shows how much of the gap to the C
// function is the program's shape rather than the JIT.
Program AllowList60TreeFilter() {
  std::vector<uint32_t> nrs(kAllowList60, kAllowList60 + SCKIT_ALLOWLIST60_SIZE);
  std::sort(nrs.begin(), nrs.end());
  Program p;
  auto& i = p.insns;
  i.push_back(Stmt(kLD | kW | kABS, 4));
  i.push_back(Jump(kJMP | kJEQ | kK, kArchX86_64, 1, 0));
  i.push_back(Stmt(kRET | kK, seccomp::kRetKillProcess));
  i.push_back(Stmt(kLD | kW | kABS, 0));
  std::vector<size_t> to_allow, to_deny;  // jeq (jt) and ja instructions patched at the end
  auto emit = [&](auto&& self, size_t lo, size_t hi) -> void {
    if (hi - lo <= 4) {
      for (size_t j = lo; j < hi; ++j) {
        to_allow.push_back(i.size());
        i.push_back(Jump(kJMP | kJEQ | kK, nrs[j], 0, 0));
      }
      to_deny.push_back(i.size());
      i.push_back(Stmt(kJMP | kJA, 0));
      return;
    }
    const size_t mid = (lo + hi) / 2;
    const size_t node = i.size();
    i.push_back(Jump(kJMP | kJGE | kK, nrs[mid], 0, 0));  // jt patched: the right subtree
    self(self, lo, mid);
    i[node].jt = static_cast<uint8_t>(i.size() - node - 1);
    self(self, mid, hi);
  };
  emit(emit, 0, nrs.size());
  const size_t deny = i.size();
  i.push_back(Stmt(kRET | kK, seccomp::kRetErrno | 1));
  const size_t allow = i.size();
  i.push_back(Stmt(kRET | kK, seccomp::kRetAllow));
  for (size_t j : to_allow) i[j].jt = static_cast<uint8_t>(allow - j - 1);
  for (size_t j : to_deny) i[j].k = static_cast<uint32_t>(deny - j - 1);
  return p;
}

struct AllowList60Engines {
  VerifiedProgram verified;
  PreparedFilter prepared;
  jit::CompiledFilter jit;
  std::vector<bench::PcapRecord> swapped;
};

// Built once; every engine is checked against the C function on every record.
const AllowList60Engines* GetAllowList60(benchmark::State& state) {
  static const AllowList60Engines* built = [] () -> const AllowList60Engines* {
    Result<VerifiedProgram> v = Verify(AllowList60Filter());
    if (!v.ok()) return nullptr;
    Result<jit::CompiledFilter> jit = jit::Compile(*v);
    if (!jit.ok()) return nullptr;
    auto* a = new AllowList60Engines{*v, PreparedFilter(*v), std::move(*jit), {}};
    for (const SeccompData& d : HotRecords()) {
      const uint32_t want = AllowList60(reinterpret_cast<const struct seccomp_data*>(&d));
      a->swapped.push_back(bench::ToPcapRecord(d));
      if (RunFilter(a->verified, d) != want || a->prepared.Run(d) != want ||
          a->jit.Run(d) != want ||
          bench::PcapRun(a->verified.original().insns, a->swapped.back()) != want) {
        return nullptr;
      }
    }
    return a;
  }();
  if (built == nullptr) state.SkipWithError("allow-list engines disagree with the C function");
  return built;
}

void BM_AllowList60_C(benchmark::State& state) {
  const std::vector<SeccompData>& records = HotRecords();
  if (GetAllowList60(state) == nullptr) return;
  size_t i = 0;
  for (auto _ : state) {
    const SeccompData& d = records[i++ % records.size()];
    benchmark::DoNotOptimize(AllowList60(reinterpret_cast<const struct seccomp_data*>(&d)));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_AllowList60_Jit(benchmark::State& state) {
  const std::vector<SeccompData>& records = HotRecords();
  const AllowList60Engines* a = GetAllowList60(state);
  if (a == nullptr) return;
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(a->jit.Run(records[i++ % records.size()]));
  state.SetItemsProcessed(state.iterations());
}

void BM_AllowList60_Interpreter(benchmark::State& state) {
  const std::vector<SeccompData>& records = HotRecords();
  const AllowList60Engines* a = GetAllowList60(state);
  if (a == nullptr) return;
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(a->prepared.Run(records[i++ % records.size()]));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_AllowList60_Pcap(benchmark::State& state) {
  const AllowList60Engines* a = GetAllowList60(state);
  if (a == nullptr) return;
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        bench::PcapRun(a->verified.original().insns, a->swapped[i++ % a->swapped.size()]));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_AllowList60Tree(benchmark::State& state, bool jit_engine) {
  const std::vector<SeccompData>& records = HotRecords();
  Result<VerifiedProgram> v = Verify(AllowList60TreeFilter());
  if (!v.ok()) {
    state.SkipWithError(v.error().ToString().c_str());
    return;
  }
  Result<jit::CompiledFilter> jit = jit::Compile(*v);
  if (!jit.ok()) {
    state.SkipWithError(jit.error().ToString().c_str());
    return;
  }
  const PreparedFilter prepared(*v);
  for (const SeccompData& d : records) {
    const uint32_t want = AllowList60(reinterpret_cast<const struct seccomp_data*>(&d));
    if (RunFilter(*v, d) != want || prepared.Run(d) != want || jit->Run(d) != want) {
      state.SkipWithError("tree filter disagrees with the C function");
      return;
    }
  }
  state.counters["insns"] = static_cast<double>(v->size());
  size_t i = 0;
  if (jit_engine) {
    for (auto _ : state) benchmark::DoNotOptimize(jit->Run(records[i++ % records.size()]));
  } else {
    for (auto _ : state) benchmark::DoNotOptimize(prepared.Run(records[i++ % records.size()]));
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_AllowList60_C);
BENCHMARK_CAPTURE(BM_AllowList60Tree, jit, true);
BENCHMARK_CAPTURE(BM_AllowList60Tree, interp, false);
BENCHMARK(BM_AllowList60_Jit);
BENCHMARK(BM_AllowList60_Interpreter);
BENCHMARK(BM_AllowList60_Pcap);

}  // namespace
}  // namespace sckit::bench
