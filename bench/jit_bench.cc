// Google Benchmark suites for the engines, with reference points in the same binary so ratios
// are measured in one run on one core. Run with
//   bazel run --config=opt //bench:jit_bench -- --benchmark_min_time=0.5
// (docs/performance.md has the measured table and how the ratios are computed).
//
// Synthetic filters of 4, 60, 400 and 4096 instructions have the usual allow-list shape: check
// arch, load nr, then a chain of "jeq #nr, 0, 1; ret ALLOW" pairs and a default "ret ERRNO".
// The records' syscall numbers are spread over the chain (and past it), so on average half of
// the chain runs. On them: BM_Interpreter, BM_Jit, BM_Pcap (libpcap's bpf_filter() on the same
// program with byte-swapped records), BM_Verify, BM_JitCompile (code generation +
// mmap/mprotect/munmap) and BM_VerifyAndJitCompile.
//
// AllowList60: a 60-syscall allow-list (bench/allowlist60.c) as a BPF filter (a jeq per
// syscall jumping to one shared ret ALLOW, as libseccomp-style generators emit) through every
// engine, and as the hand-written C function compiled with -O2 (BM_AllowList60_C), on the "hot"
// workload of bench/workload.h.
//
// Examples: every bundled examples/*.bpf through the interpreter (prepared and plain), the JIT
// and pcap on the hot workload; BM_Stack_*: a two-filter stack (docker-default under server) as
// FilterStack evaluates it. Record parsing: the text and binary readers of formats/records.h and the strace
// line parser of formats/strace.h.
//
// This file: the synthetic filters, HotRecords and main(); the allow-list, the examples and
// the record parsing are in bench/jit_bench_allowlist60.cc, jit_bench_examples.cc and
// jit_bench_records.cc, linked into the same binary.
#include "bench/jit_bench.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "bench/pcap_ref.h"
#include "bench/workload.h"
#include "jit/compiler.h"
#include "verifier/verifier.h"
#include "vm/arch.h"
#include "vm/bpf.h"
#include "vm/interpreter.h"
#include "vm/prepared_filter.h"
#include "vm/program.h"

namespace sckit::bench {

const std::vector<SeccompData>& HotRecords() {
  static const std::vector<SeccompData> records =
      bench::HotWorkload(*FindArch("x86_64")).records;
  return records;
}

namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

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

// The interpreter as every engine user gets it: the prepared form (vm/prepared_filter.h).
void BM_Interpreter(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const VerifiedProgram v = MustVerify(n);
  const PreparedFilter prepared(v);
  const std::vector<SeccompData> records = Records(n);
  for (const SeccompData& d : records) {
    if (prepared.Run(d) != RunFilter(v, d)) {
      state.SkipWithError("prepared and plain interpreter disagree");
      return;
    }
  }
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(prepared.Run(records[i++ & 255]));
  }
  state.SetItemsProcessed(state.iterations());
}

// The plain loop over the verified instructions (RunFilter), the reference the traced runs use.
void BM_InterpreterPlain(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const VerifiedProgram v = MustVerify(n);
  const std::vector<SeccompData> records = Records(n);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(RunFilter(v, records[i++ & 255]));
  }
  state.SetItemsProcessed(state.iterations());
}

// The one-time lowering into the prepared form.
void BM_Prepare(benchmark::State& state) {
  const VerifiedProgram v = MustVerify(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    PreparedFilter prepared(v);
    benchmark::DoNotOptimize(&prepared);
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

// libpcap's bpf_filter() on the same program and records (byte-swapped for its big-endian
// loads); the decisions are checked against the interpreter first.
void BM_Pcap(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const VerifiedProgram v = MustVerify(n);
  const std::vector<SeccompData> records = Records(n);
  std::vector<bench::PcapRecord> swapped;
  for (const SeccompData& d : records) {
    swapped.push_back(bench::ToPcapRecord(d));
    if (bench::PcapRun(v.original().insns, swapped.back()) != RunFilter(v, d)) {
      state.SkipWithError("pcap and interpreter disagree");
      return;
    }
  }
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(bench::PcapRun(v.original().insns, swapped[i++ & 255]));
  }
  state.SetItemsProcessed(state.iterations());
}

// What the loop and a call cost without any filter: the floor under every number above.
void BM_CallFloor(benchmark::State& state) {
  const std::vector<SeccompData> records = Records(4);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(bench::FloorRun(records[i++ & 255]));
  state.SetItemsProcessed(state.iterations());
}

void BM_Verify(benchmark::State& state) {
  const Program p = SyntheticFilter(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    Result<VerifiedProgram> v = Verify(p);
    benchmark::DoNotOptimize(v.ok());
  }
  state.SetItemsProcessed(state.iterations());
}

// What `sckit` does before the first evaluation: verify, then compile and map.
void BM_VerifyAndJitCompile(benchmark::State& state) {
  const Program p = SyntheticFilter(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    Result<VerifiedProgram> v = Verify(p);
    Result<jit::CompiledFilter> jit = jit::Compile(*v);
    benchmark::DoNotOptimize(jit.ok());
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_Interpreter)->Arg(4)->Arg(60)->Arg(400)->Arg(4096);
BENCHMARK(BM_InterpreterPlain)->Arg(4)->Arg(60)->Arg(400)->Arg(4096);
BENCHMARK(BM_Prepare)->Arg(4)->Arg(60)->Arg(400)->Arg(4096);
BENCHMARK(BM_Jit)->Arg(4)->Arg(60)->Arg(400)->Arg(4096);
BENCHMARK(BM_Pcap)->Arg(4)->Arg(60)->Arg(400)->Arg(4096);
BENCHMARK(BM_CallFloor);
BENCHMARK(BM_Verify)->Arg(4)->Arg(60)->Arg(400)->Arg(4096);
BENCHMARK(BM_JitCompile)->Arg(4)->Arg(60)->Arg(400)->Arg(4096);
BENCHMARK(BM_VerifyAndJitCompile)->Arg(4)->Arg(60)->Arg(400)->Arg(4096);

}  // namespace
}  // namespace sckit::bench

int main(int argc, char** argv) {
  sckit::bench::RegisterExamples();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
