// The C API's run path against hand-written C, in one binary, on the two filters of issue 19's
// goal ("the JIT within 1.3x of a hand-written C function through the C API"):
//   arch4:   ld [arch]; jeq #AUDIT_ARCH_X86_64, 0, 1; ret ALLOW; ret KILL_PROCESS (3 run)
//   chain40: the arch check, ld [nr], 40 `jeq #nr` to one shared ret ALLOW, ret ERRNO(EPERM)
// on a uniform mix of 256 records (nr over 0..449, one in eight i386), cycled. Per filter:
//   Hand        the C function of bench/hand_filters.c, one call per record
//   Run         sckit_program_run on a JIT program
//   Function    the JIT's code called through sckit_program_jit_function's pointer
//   OldPath     what sckit_program_run did before (a NULL check, then the FilterEngine's
//               virtual Run, the adapter, CompiledFilter::Run, the code), rebuilt here from the
//               same engine so that before and after are measured in one run
//   HandBatch   the C function in a loop over the 256 records per iteration
//   HandBatch4  the same loop unrolled by four, as sckit_program_run_batch's loop is
//   Batch       sckit_program_run_batch over the 256 records per iteration
//   RunInterp   sckit_program_run on an interpreter program
// Every engine is checked against the C function on every record before timing.
//   bazel run --config=opt //bench:capi_bench -- --benchmark_min_time=0.3
#include <benchmark/benchmark.h>
#include <linux/audit.h>
#include <linux/filter.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "bench/hand_filters.h"
#include "capi/sckit.h"
#include "eval/stack_builder.h"
#include "verifier/verifier.h"
#include "vm/engine.h"
#include "vm/program.h"

namespace sckit {
namespace {

constexpr size_t kRing = 256;

std::vector<sock_filter> Arch4() {
  return {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
  };
}

std::vector<sock_filter> Chain40() {
  std::vector<sock_filter> f = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
  };
  for (int i = 0; i < SCKIT_CHAIN40_SIZE; ++i) {
    const auto jt = static_cast<uint8_t>(SCKIT_CHAIN40_SIZE - i);  // to the ret ALLOW
    f.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(kChain40[i]), jt, 0));
  }
  f.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1));  // EPERM
  f.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  return f;
}

const std::vector<seccomp_data>& Records() {
  static const std::vector<seccomp_data> records = [] {
    std::vector<seccomp_data> r(kRing);
    for (size_t i = 0; i < kRing; ++i) {
      r[i].arch = i % 8 == 7 ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64;
      r[i].nr = static_cast<int>((i * 7919) % 450);
    }
    return r;
  }();
  return records;
}

using HandFn = uint32_t (*)(const struct seccomp_data*);

// One filter prepared every way the benchmarks need, checked against the C function.
struct Prepared {
  sckit_program* jit = nullptr;
  sckit_program* interp = nullptr;
  std::unique_ptr<FilterEngine> engine;  // the old path's engine (the JIT behind FilterEngine)
  HandFn hand = nullptr;
  std::string error;
};

const Prepared& Get(const std::string& name) {
  static std::vector<std::pair<std::string, Prepared*>> built;
  for (auto& [n, p] : built) {
    if (n == name) return *p;
  }
  auto* p = new Prepared;
  built.emplace_back(name, p);
  const std::vector<sock_filter> f = name == "arch4" ? Arch4() : Chain40();
  p->hand = name == "arch4" ? HandArchCheck : HandChain40;
  char err[256];
  if (sckit_program_prepare(f.data(), f.size() * sizeof f[0], SCKIT_ENGINE_JIT, &p->jit, err,
                            sizeof err) != SCKIT_OK ||
      sckit_program_prepare(f.data(), f.size() * sizeof f[0], SCKIT_ENGINE_INTERP, &p->interp,
                            err, sizeof err) != SCKIT_OK) {
    p->error = err;
    return *p;
  }
  Program program;
  for (const sock_filter& i : f) program.insns.push_back({i.code, i.jt, i.jf, i.k});
  Result<VerifiedProgram> v = Verify(program);
  Result<std::unique_ptr<FilterEngine>> engine =
      v.ok() ? eval::MakeEngine(*v, eval::EngineKind::kJit) : v.error();
  if (!engine.ok()) {
    p->error = engine.error().ToString();
    return *p;
  }
  p->engine = std::move(*engine);
  const sckit_jit_function fn = sckit_program_jit_function(p->jit);
  for (const seccomp_data& d : Records()) {
    const uint32_t want = p->hand(&d);
    if (sckit_program_run(p->jit, &d) != want || sckit_program_run(p->interp, &d) != want ||
        fn(&d) != want ||
        p->engine->Run(*reinterpret_cast<const SeccompData*>(&d)) != want) {
      p->error = "an engine disagrees with the C function";
    }
  }
  return *p;
}

// sckit_program_run as it was: checks, then the engine's virtual Run (kept out of line, as the
// library's function is to a caller).
[[gnu::noinline]] uint32_t OldRun(const FilterEngine* engine, const seccomp_data* data) {
  if (engine == nullptr || data == nullptr) return SECCOMP_RET_KILL_PROCESS;
  try {
    return engine->Run(*reinterpret_cast<const SeccompData*>(data));
  } catch (...) {
    return SECCOMP_RET_KILL_PROCESS;
  }
}

enum class Path { kHand, kRun, kFunction, kOldPath, kHandBatch, kHandBatch4, kBatch, kRunInterp };

void BM_Capi(benchmark::State& state, const std::string& filter, Path path) {
  const Prepared& p = Get(filter);
  if (!p.error.empty()) {
    state.SkipWithError(p.error.c_str());
    return;
  }
  const std::vector<seccomp_data>& records = Records();
  size_t i = 0;
  switch (path) {
    case Path::kHand:
      for (auto _ : state) benchmark::DoNotOptimize(p.hand(&records[i++ & (kRing - 1)]));
      break;
    case Path::kRun:
      for (auto _ : state) {
        benchmark::DoNotOptimize(sckit_program_run(p.jit, &records[i++ & (kRing - 1)]));
      }
      break;
    case Path::kFunction: {
      const sckit_jit_function fn = sckit_program_jit_function(p.jit);
      for (auto _ : state) benchmark::DoNotOptimize(fn(&records[i++ & (kRing - 1)]));
      break;
    }
    case Path::kOldPath:
      for (auto _ : state) {
        benchmark::DoNotOptimize(OldRun(p.engine.get(), &records[i++ & (kRing - 1)]));
      }
      break;
    case Path::kHandBatch: {
      std::vector<uint32_t> out(kRing);
      for (auto _ : state) {
        for (size_t r = 0; r < kRing; ++r) out[r] = p.hand(&records[r]);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
      }
      state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kRing));
      return;
    }
    case Path::kHandBatch4: {
      std::vector<uint32_t> out(kRing);
      for (auto _ : state) {
        for (size_t r = 0; r < kRing; r += 4) {
          out[r] = p.hand(&records[r]);
          out[r + 1] = p.hand(&records[r + 1]);
          out[r + 2] = p.hand(&records[r + 2]);
          out[r + 3] = p.hand(&records[r + 3]);
        }
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
      }
      state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kRing));
      return;
    }
    case Path::kBatch: {
      std::vector<uint32_t> out(kRing);
      for (auto _ : state) {
        sckit_program_run_batch(p.jit, records.data(), kRing, out.data());
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
      }
      state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kRing));
      return;
    }
    case Path::kRunInterp:
      for (auto _ : state) {
        benchmark::DoNotOptimize(sckit_program_run(p.interp, &records[i++ & (kRing - 1)]));
      }
      break;
  }
  state.SetItemsProcessed(state.iterations());
}

void Register() {
  const std::pair<const char*, Path> paths[] = {
      {"Hand", Path::kHand},           {"Run", Path::kRun},
      {"Function", Path::kFunction},   {"OldPath", Path::kOldPath},
      {"HandBatch", Path::kHandBatch}, {"HandBatch4", Path::kHandBatch4},
      {"Batch", Path::kBatch},
      {"RunInterp", Path::kRunInterp},
  };
  for (const char* filter : {"arch4", "chain40"}) {
    for (const auto& [name, path] : paths) {
      benchmark::RegisterBenchmark(
          ("BM_Capi/" + std::string(filter) + "/" + name).c_str(),
          [filter = std::string(filter), path = path](benchmark::State& s) {
            BM_Capi(s, filter, path);
          });
    }
  }
}

}  // namespace
}  // namespace sckit

int main(int argc, char** argv) {
  sckit::Register();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
