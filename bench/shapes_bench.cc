// Issue 19's table as Google Benchmark cases, every engine in one binary so ratios come from one
// run on one core: the filter shapes of bench/shapes.h and Docker's default profile, each on a
// uniform mix (every x86_64 syscall once, shuffled) and on the hot server mix of
// bench/workload.h, through
//   c       the hand-written C function (bench/hand_filters.c, bench/allowlist60.c), where the
//           shape has one;
//   pcap    libpcap's bpf_filter() (bench/pcap_ref.h);
//   interp  sckit's prepared interpreter (vm/prepared_filter.h);
//   jit     sckit's x86-64 JIT (jit/compiler.h);
//   jit_bits, jit_table: the JIT with each jeq chain pinned to bit tests or to a range table
//           (JitOptions::chain_form), the measurement behind the rule that picks between them
//           (chain_narrow: the chain's keys below 64, one bit-test window).
// Every engine is checked against RunFilter() (and the C function) on every record before
// anything is timed; a disagreement aborts the run. Preparation: verify + JIT compile (and
// verify + prepare) of a 4096-instruction chain, a ~4,000-instruction tree and Docker's profile.
//   bazel build --config=opt //bench:shapes_bench
//   taskset -c 1 bazel-bin/bench/shapes_bench --benchmark_min_time=0.2
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true (one line)
// (from the repository root: Docker's profile is read from examples/). --write_shapes=DIR also
// writes every shape's filter as DIR/NAME.bpf.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "bench/allowlist60.h"
#include "bench/hand_filters.h"
#include "bench/pcap_ref.h"
#include "bench/shapes.h"
#include "bench/workload.h"
#include "formats/codec.h"
#include "formats/loader.h"
#include "formats/write_file.h"
#include "jit/compiler.h"
#include "verifier/verifier.h"
#include "vm/arch.h"
#include "vm/bpf.h"
#include "vm/interpreter.h"
#include "vm/prepared_filter.h"
#include "vm/program.h"

namespace sckit {
namespace {

using HandFn = uint32_t (*)(const struct seccomp_data*);
constexpr size_t kRecords = 4096;  // power of two: the loop indexes with a mask

struct Shape {
  std::string name;
  VerifiedProgram verified;
  HandFn hand = nullptr;
  std::unique_ptr<PreparedFilter> prepared;
  std::optional<jit::CompiledFilter> jit;
  // The two chain forms pinned (JitOptions::chain_form), for the rule of docs/performance.md.
  std::optional<jit::CompiledFilter> jit_bits;
  std::optional<jit::CompiledFilter> jit_table;
};

struct Mix {
  std::string name;
  std::vector<SeccompData> records;  // kRecords
  std::vector<bench::PcapRecord> swapped;
};

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "shapes_bench: %s\n", why.c_str());
  std::exit(1);
}

VerifiedProgram MustVerify(const std::string& name, const Result<Program>& p) {
  if (!p.ok()) Die(name + ": " + p.error().ToString());
  Result<VerifiedProgram> v = Verify(*p);
  if (!v.ok()) Die(name + " rejected: " + v.error().ToString());
  return std::move(*v);
}

std::vector<Shape> BuildShapes() {
  const std::span<const int> allow60(kAllowList60, SCKIT_ALLOWLIST60_SIZE);
  std::vector<Shape> shapes;
  auto add = [&](std::string name, const Result<Program>& p, HandFn hand) {
    Shape s{name, MustVerify(name, p), hand, nullptr, std::nullopt, std::nullopt, std::nullopt};
    shapes.push_back(std::move(s));
  };
  add("arch4", bench::ArchCheckFilter(), HandArchCheck);
  add("chain40", bench::AllowChainFilter({kChain40, SCKIT_CHAIN40_SIZE}), HandChain40);
  add("libseccomp60", bench::LibseccompAllowFilter(allow60, false), AllowList60);
  add("libseccomp60_tree", bench::LibseccompAllowFilter(allow60, true), AllowList60);
  add("chromium", bench::ChromiumLikeFilter(), nullptr);
  // The chain's keys below 64: one bit-test window, the other side of the chain-form rule.
  static const std::vector<int> narrow = [] {
    std::vector<int> out;
    for (int nr : kChain40) {
      if (nr < 64) out.push_back(nr);
    }
    return out;
  }();
  add("chain_narrow", bench::AllowChainFilter(narrow), nullptr);
  add("docker", LoadProgramFile("examples/profiles/docker-default.bpf"), nullptr);
  auto compile = [](const Shape& s, jit::ChainForm form) {
    jit::JitOptions o;
    o.chain_form = form;
    Result<jit::CompiledFilter> j = jit::Compile(s.verified, o);
    if (!j.ok()) Die(s.name + ": " + j.error().ToString());
    return std::move(*j);
  };
  for (Shape& s : shapes) {
    s.prepared = std::make_unique<PreparedFilter>(s.verified);
    s.jit.emplace(compile(s, jit::ChainForm::kRule));
    s.jit_bits.emplace(compile(s, jit::ChainForm::kBitTests));
    s.jit_table.emplace(compile(s, jit::ChainForm::kTable));
  }
  return shapes;
}

Mix MakeMix(const std::string& name, std::vector<SeccompData> base, bool shuffle) {
  Mix m{name, {}, {}};
  for (size_t i = 0; i < kRecords; ++i) m.records.push_back(base[i % base.size()]);
  if (shuffle) std::shuffle(m.records.begin(), m.records.end(), std::mt19937(19));
  for (const SeccompData& d : m.records) m.swapped.push_back(bench::ToPcapRecord(d));
  return m;
}

std::vector<Mix> BuildMixes() {
  const ArchInfo& arch = *FindArch("x86_64");
  std::vector<Mix> mixes;
  mixes.push_back(MakeMix("uniform", bench::UniformWorkload(arch).records, true));
  mixes.push_back(MakeMix("hot", bench::HotWorkload(arch).records, false));
  return mixes;
}

// Every engine against the reference interpreter (and the C function) on every record.
void CheckAgreement(const Shape& s, const Mix& m) {
  for (size_t i = 0; i < m.records.size(); ++i) {
    const SeccompData& d = m.records[i];
    const uint32_t want = RunFilter(s.verified, d);
    const bool ok =
        s.prepared->Run(d) == want && s.jit->Run(d) == want && s.jit_bits->Run(d) == want &&
        s.jit_table->Run(d) == want &&
        bench::PcapRun(s.verified.original().insns, m.swapped[i]) == want &&
        (s.hand == nullptr || s.hand(reinterpret_cast<const struct seccomp_data*>(&d)) == want);
    if (!ok) Die(s.name + "/" + m.name + ": engines disagree on record " + std::to_string(i));
  }
}

double InsnsPerEval(const Shape& s, const Mix& m) {
  uint64_t steps = 0;
  for (const SeccompData& d : m.records) {
    RunTrace trace;
    RunFilterTraced(s.verified, d, &trace);
    steps += trace.steps.size();
  }
  return static_cast<double>(steps) / static_cast<double>(m.records.size());
}

void Run(benchmark::State& state, const Shape& s, const Mix& m, const std::string& engine) {
  size_t i = 0;
  const SeccompData* records = m.records.data();
  if (engine == "c") {
    for (auto _ : state) {
      const auto* d = reinterpret_cast<const struct seccomp_data*>(&records[i++ & (kRecords - 1)]);
      benchmark::DoNotOptimize(s.hand(d));
    }
  } else if (engine == "pcap") {
    const std::vector<SockFilter>& insns = s.verified.original().insns;
    for (auto _ : state) {
      benchmark::DoNotOptimize(bench::PcapRun(insns, m.swapped[i++ & (kRecords - 1)]));
    }
  } else if (engine == "interp") {
    const PreparedFilter& f = *s.prepared;
    for (auto _ : state) benchmark::DoNotOptimize(f.Run(records[i++ & (kRecords - 1)]));
  } else {
    const jit::CompiledFilter& f =
        engine == "jit_bits" ? *s.jit_bits : engine == "jit_table" ? *s.jit_table : *s.jit;
    for (auto _ : state) benchmark::DoNotOptimize(f.Run(records[i++ & (kRecords - 1)]));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["insns_per_eval"] = InsnsPerEval(s, m);
  state.counters["program_insns"] = static_cast<double>(s.verified.size());
}

// What the loop and a call cost without any filter: the floor under every number.
void BM_CallFloor(benchmark::State& state, const Mix& m) {
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(bench::FloorRun(m.records[i++ & (kRecords - 1)]));
  }
  state.SetItemsProcessed(state.iterations());
}

// The 4096-instruction synthetic chain of jit_bench: arch check, jeq/ret pairs, default ERRNO.
Program Chain4096() {
  std::vector<int> nrs;
  const size_t pairs = (bpf::kMaxInsns - 6) / 2;
  Program p = bench::ArchCheckFilter();
  p.insns.resize(2);
  p.insns[1] = Jump(bpf::kJMP | bpf::kJEQ | bpf::kK, 0xC000003E, 1, 0);
  p.insns.push_back(Stmt(bpf::kRET | bpf::kK, seccomp::kRetKillProcess));
  p.insns.push_back(Stmt(bpf::kLD | bpf::kW | bpf::kABS, 0));
  for (uint32_t nr = 0; nr < pairs; ++nr) {
    p.insns.push_back(Jump(bpf::kJMP | bpf::kJEQ | bpf::kK, nr, 0, 1));
    p.insns.push_back(Stmt(bpf::kRET | bpf::kK, seccomp::kRetAllow));
  }
  p.insns.push_back(Stmt(bpf::kRET | bpf::kK, seccomp::kRetErrno | 1));
  return p;
}

void BM_VerifyAndJit(benchmark::State& state, const Program& p) {
  for (auto _ : state) {
    Result<VerifiedProgram> v = Verify(p);
    Result<jit::CompiledFilter> j = jit::Compile(*v);
    benchmark::DoNotOptimize(j.ok());
  }
  state.counters["program_insns"] = static_cast<double>(p.size());
  state.SetItemsProcessed(state.iterations());
}

void BM_VerifyAndPrepare(benchmark::State& state, const Program& p) {
  for (auto _ : state) {
    Result<VerifiedProgram> v = Verify(p);
    PreparedFilter f(*v);
    benchmark::DoNotOptimize(&f);
  }
  state.counters["program_insns"] = static_cast<double>(p.size());
  state.SetItemsProcessed(state.iterations());
}

// --write_shapes=DIR: each shape's filter as DIR/NAME.bpf (raw), to read with `sckit disasm`
// or `sckit jit --dump`.
void WriteShapes(const std::vector<Shape>& shapes, const std::string& dir) {
  for (const Shape& s : shapes) {
    const std::vector<uint8_t> raw = EncodeRaw(s.verified.original());
    const std::string path = dir + "/" + s.name + ".bpf";
    if (std::optional<Error> e = WriteFileAtomically(
            path, std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()))) {
      Die(path + ": " + e->ToString());
    }
  }
}

void RegisterAll(const std::string& write_shapes) {
  static const std::vector<Shape>* shapes = new std::vector<Shape>(BuildShapes());
  if (!write_shapes.empty()) WriteShapes(*shapes, write_shapes);
  static const std::vector<Mix>* mixes = new std::vector<Mix>(BuildMixes());
  for (const Mix& m : *mixes) {
    benchmark::RegisterBenchmark(("BM_CallFloor/" + m.name).c_str(),
                                 [&m](benchmark::State& st) { BM_CallFloor(st, m); });
  }
  for (const Shape& s : *shapes) {
    for (const Mix& m : *mixes) {
      CheckAgreement(s, m);
      for (const char* engine : {"c", "pcap", "interp", "jit", "jit_bits", "jit_table"}) {
        if (std::string(engine) == "c" && s.hand == nullptr) continue;
        const std::string name = "BM_Shape/" + s.name + "/" + m.name + "/" + engine;
        benchmark::RegisterBenchmark(name.c_str(), [&s, &m, engine](benchmark::State& st) {
          Run(st, s, m, engine);
        });
      }
    }
  }
  static const Program* chain = new Program(Chain4096());
  static const Program* tree = new Program(bench::TreeFilter4096());
  static const Program* docker = [] {
    Result<Program> p = LoadProgramFile("examples/profiles/docker-default.bpf");
    if (!p.ok()) Die(p.error().ToString());
    return new Program(std::move(*p));
  }();
  for (const auto& [name, p] : {std::pair{"chain4096", chain}, std::pair{"tree4096", tree},
                                std::pair{"docker", docker}}) {
    const Program* prog = p;
    benchmark::RegisterBenchmark((std::string("BM_VerifyAndJit/") + name).c_str(),
                                 [prog](benchmark::State& st) { BM_VerifyAndJit(st, *prog); });
    benchmark::RegisterBenchmark((std::string("BM_VerifyAndPrepare/") + name).c_str(),
                                 [prog](benchmark::State& st) { BM_VerifyAndPrepare(st, *prog); });
  }
}

}  // namespace
}  // namespace sckit

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  std::string write_shapes;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--write_shapes=", 0) == 0) {
      write_shapes = arg.substr(15);
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  sckit::RegisterAll(write_shapes);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
