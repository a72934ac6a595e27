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
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bench/allowlist60.h"
#include "bench/pcap_ref.h"
#include "formats/strace.h"
#include "bench/workload.h"
#include "eval/stack_builder.h"
#include "jit/compiler.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/interpreter.h"
#include "formats/loader.h"
#include "vm/arch.h"
#include "vm/prepared_filter.h"
#include "vm/program.h"
#include "formats/records.h"
#include "vm/stack.h"

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

// ---- the 60-syscall allow-list: BPF through every engine vs the hand-written C function ----

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

const std::vector<SeccompData>& HotRecords() {
  static const std::vector<SeccompData> records =
      bench::HotWorkload(*FindArch("x86_64")).records;
  return records;
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

// ---- bundled examples and a stack, on the hot workload ----

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

// ---- record parsing ----

std::string CanonicalText() {
  std::string text;
  for (const SeccompData& d : HotRecords()) text += FormatRecord(d) + "\n";
  return text;
}

void BM_ParseRecord(benchmark::State& state) {
  const std::string line = FormatRecord(HotRecords()[7]);
  for (auto _ : state) {
    Result<SeccompData> r = ParseRecord(line);
    benchmark::DoNotOptimize(r.ok());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_RecordReader(benchmark::State& state, bool binary) {
  std::string input;
  if (binary) {
    for (const SeccompData& d : HotRecords()) {
      input.append(reinterpret_cast<const char*>(&d), sizeof d);
    }
  } else {
    input = CanonicalText();
  }
  int64_t records = 0;
  for (auto _ : state) {
    std::istringstream in(input);
    RecordReader reader(in, binary ? RecordFormat::kBinary : RecordFormat::kText);
    SeccompData d;
    while (true) {
      Result<bool> next = reader.Next(&d);
      if (!next.ok() || !*next) break;
      ++records;
    }
  }
  state.SetItemsProcessed(records);
}

void BM_StraceLine(benchmark::State& state) {
  const ArchInfo& arch = *FindArch("x86_64");
  const std::string line =
      "4242  openat(AT_FDCWD, \"/etc/ld.so.cache\", O_RDONLY|O_CLOEXEC) = 3";
  for (auto _ : state) {
    StraceLine l = ParseStraceLine(line, arch);
    benchmark::DoNotOptimize(l.record.nr);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_ParseRecord);
BENCHMARK_CAPTURE(BM_RecordReader, text, false);
BENCHMARK_CAPTURE(BM_RecordReader, binary, true);
BENCHMARK(BM_StraceLine);
BENCHMARK_CAPTURE(BM_Stack, interp, false);
BENCHMARK_CAPTURE(BM_Stack, jit, true);

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

}  // namespace
}  // namespace sckit

int main(int argc, char** argv) {
  sckit::RegisterExamples();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
