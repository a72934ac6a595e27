// jit_bench (bench/jit_bench.cc has the whole binary's description): every bundled
// examples/*.bpf through the prepared and the plain interpreter, the JIT and pcap on the hot
// workload (registered at run time by RegisterExamples), and BM_Stack_*: a two-filter stack
// (docker-default under server) as FilterStack evaluates it.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "bench/jit_bench.h"
#include "bench/pcap_ref.h"
#include "eval/stack_builder.h"
#include "formats/loader.h"
#include "jit/compiler.h"
#include "verifier/verifier.h"
#include "vm/interpreter.h"
#include "vm/prepared_filter.h"
#include "vm/program.h"
#include "vm/stack.h"

namespace sckit::bench {
namespace {

// Paths relative to the workspace: `bazel run` starts in the runfiles tree, which holds
// //examples; a direct run from the repository root works too.
constexpr const char* kExamples[] = {
    "examples/server/server.bpf",          "examples/denylist/denylist.bpf",
    "examples/multiarch/multiarch.bpf",    "examples/socket-args/socket-args.bpf",
    "examples/profiles/docker-default.bpf", "examples/profiles/podman-default.bpf",
};

Result<VerifiedProgram> LoadExample(const std::string& path) {
  Result<Program> p = LoadProgramFile(path);
  if (!p.ok()) return p.error();
  return Verify(*p);
}

void BM_Example(benchmark::State& state, const std::string& path, const std::string& engine) {
  Result<VerifiedProgram> v = LoadExample(path);
  if (!v.ok()) {
    state.SkipWithError((path + ": " + v.error().ToString()).c_str());
    return;
  }
  const std::vector<SeccompData>& records = HotRecords();
  uint64_t insns = 0;
  for (const SeccompData& d : records) {
    RunTrace trace;
    RunFilterTraced(*v, d, &trace);
    insns += trace.steps.size();
  }
  state.counters["insns_per_eval"] =
      static_cast<double>(insns) / static_cast<double>(records.size());
  size_t i = 0;
  if (engine == "interp") {
    const PreparedFilter prepared(*v);
    for (const SeccompData& d : records) {
      if (prepared.Run(d) != RunFilter(*v, d)) {
        state.SkipWithError("prepared and plain interpreter disagree");
        return;
      }
    }
    for (auto _ : state) benchmark::DoNotOptimize(prepared.Run(records[i++ % records.size()]));
  } else if (engine == "plain") {  // RunFilter: one instruction at a time
    for (auto _ : state) benchmark::DoNotOptimize(RunFilter(*v, records[i++ % records.size()]));
  } else if (engine == "jit") {
    Result<jit::CompiledFilter> jit = jit::Compile(*v);
    if (!jit.ok()) {
      state.SkipWithError(jit.error().ToString().c_str());
      return;
    }
    for (auto _ : state) benchmark::DoNotOptimize(jit->Run(records[i++ % records.size()]));
  } else {
    std::vector<bench::PcapRecord> swapped;
    for (const SeccompData& d : records) {
      swapped.push_back(bench::ToPcapRecord(d));
      if (bench::PcapRun(v->original().insns, swapped.back()) != RunFilter(*v, d)) {
        state.SkipWithError("pcap and interpreter disagree");
        return;
      }
    }
    for (auto _ : state) {
      benchmark::DoNotOptimize(
          bench::PcapRun(v->original().insns, swapped[i++ % swapped.size()]));
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Stack(benchmark::State& state, bool jit_engine) {
  FilterStack stack;
  for (const char* path : {"examples/profiles/docker-default.bpf", "examples/server/server.bpf"}) {
    Result<VerifiedProgram> v = LoadExample(path);
    if (!v.ok()) {
      state.SkipWithError(v.error().ToString().c_str());
      return;
    }
    Result<std::unique_ptr<FilterEngine>> engine =
        eval::MakeEngine(*v, jit_engine ? eval::EngineKind::kJit : eval::EngineKind::kInterp);
    if (!engine.ok()) {
      state.SkipWithError(engine.error().ToString().c_str());
      return;
    }
    stack.Push(*v, std::move(*engine));
  }
  const std::vector<SeccompData>& records = HotRecords();
  std::vector<uint32_t> rets(stack.size());
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(stack.Evaluate(records[i++ % records.size()], rets).ret);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_CAPTURE(BM_Stack, interp, false);
BENCHMARK_CAPTURE(BM_Stack, jit, true);

}  // namespace

void RegisterExamples() {
  for (const char* path : kExamples) {
    std::string name = path;
    name = name.substr(name.rfind('/') + 1);
    name = name.substr(0, name.find('.'));
    for (const char* engine : {"interp", "plain", "jit", "pcap"}) {
      benchmark::RegisterBenchmark(("BM_Example/" + name + "/" + engine).c_str(),
                                   [path, engine](benchmark::State& state) {
                                     BM_Example(state, path, engine);
                                   });
    }
  }
}


}  // namespace sckit::bench
