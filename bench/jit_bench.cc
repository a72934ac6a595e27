// Interpreter vs JIT on synthetic seccomp filters of 4, 60, 400 and 4096 instructions, plus the
// cost of compiling (code generation + mmap/mprotect/munmap). Run with
//   bazel run --config=opt //bench:jit_bench
// The filters have the usual allow-list shape: check arch, load nr, then a chain of
// "jeq #nr, 0, 1; ret ALLOW" pairs and a default "ret ERRNO". The records' syscall numbers are
// spread over the chain (and past it), so on average half of the chain runs.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "jit/compiler.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/interpreter.h"
#include "vm/program.h"

namespace sckit {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

constexpr uint32_t kArchX86_64 = 0xC000003E;

Program SyntheticFilter(size_t n) {
  Program p;
  auto& i = p.insns;
  i.push_back(Stmt(kLD | kW | kABS, 4));
  if (n < 6) {
    i.push_back(Jump(kJMP | kJEQ | kK, kArchX86_64, 0, 1));
    i.push_back(Stmt(kRET | kK, seccomp::kRetAllow));
    i.push_back(Stmt(kRET | kK, seccomp::kRetKillProcess));
    return p;
  }
  i.push_back(Jump(kJMP | kJEQ | kK, kArchX86_64, 1, 0));
  i.push_back(Stmt(kRET | kK, seccomp::kRetKillProcess));
  i.push_back(Stmt(kLD | kW | kABS, 0));
  if ((n - 1 - i.size()) % 2) i.push_back(Stmt(kLD | kW | kABS, 0));
  for (uint32_t nr = 0; i.size() + 1 < n; ++nr) {
    i.push_back(Jump(kJMP | kJEQ | kK, nr, 0, 1));
    i.push_back(Stmt(kRET | kK, seccomp::kRetAllow));
  }
  i.push_back(Stmt(kRET | kK, seccomp::kRetErrno | 1));
  return p;
}

VerifiedProgram MustVerify(size_t n) {
  Result<VerifiedProgram> v = Verify(SyntheticFilter(n));
  if (!v.ok()) {
    std::fprintf(stderr, "synthetic filter rejected: %s\n", v.error().ToString().c_str());
    std::abort();
  }
  return std::move(*v);
}

std::vector<SeccompData> Records(size_t n) {
  std::vector<SeccompData> out(256);
  const size_t pairs = n > 6 ? (n - 5) / 2 : 1;
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].arch = kArchX86_64;
    out[i].nr = static_cast<int32_t>((i * 7919) % (pairs + pairs / 8 + 1));
  }
  return out;
}

void BM_Interpreter(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const VerifiedProgram v = MustVerify(n);
  const std::vector<SeccompData> records = Records(n);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(RunFilter(v, records[i++ & 255]));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Jit(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const VerifiedProgram v = MustVerify(n);
  Result<jit::CompiledFilter> jit = jit::Compile(v);
  if (!jit.ok()) {
    state.SkipWithError(jit.error().ToString().c_str());
    return;
  }
  const std::vector<SeccompData> records = Records(n);
  for (const SeccompData& d : records) {
    if (jit->Run(d) != RunFilter(v, d)) {
      state.SkipWithError("jit and interpreter disagree");
      return;
    }
  }
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(jit->Run(records[i++ & 255]));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["code_bytes"] = static_cast<double>(jit->code().size());
}

void BM_JitCompile(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const VerifiedProgram v = MustVerify(n);
  for (auto _ : state) {
    Result<jit::CompiledFilter> jit = jit::Compile(v);
    benchmark::DoNotOptimize(jit.ok());
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_Interpreter)->Arg(4)->Arg(60)->Arg(400)->Arg(4096);
BENCHMARK(BM_Jit)->Arg(4)->Arg(60)->Arg(400)->Arg(4096);
BENCHMARK(BM_JitCompile)->Arg(4)->Arg(60)->Arg(400)->Arg(4096);

}  // namespace
}  // namespace sckit
