// rules_layouts: `sckit compile`'s filter against minijail-style linear and tree layouts of the
// same policies (bench/rules_layouts.h), for docs/performance.md. Every layout is first proven
// equal to sckit's filter (analysis/diff); then, per workload, the interpreter instructions
// executed per record (bench/measure.h InsnsPerRecord, the cost model of `sckit bench`) and ns
// per evaluation with the prepared interpreter and the JIT, in one run.
//   bazel run -c opt //bench:rules_layouts_bench -- $PWD
// Policies: examples/rules/server.policy, and Docker's default profile
// (examples/profiles/docker-default.bpf) decompiled to rules for x86_64.
#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

#include "analysis/diff.h"
#include "bench/measure.h"
#include "bench/rules_layouts.h"
#include "bench/workload.h"
#include "eval/stack_builder.h"
#include "formats/loader.h"
#include "policy/decompile.h"
#include "policy/rules_compile.h"
#include "policy/rules_parser.h"
#include "verifier/verifier.h"

namespace sckit::bench {
namespace {

struct Case {
  std::string name;
  policy::Policy policy;
  policy::ResolveOptions options;
};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "rules_layouts: %s\n", what.c_str());
  std::exit(2);
}

template <typename T>
T Must(Result<T> r, const std::string& what) {
  if (!r.ok()) Die(what + ": " + r.error().ToString());
  return std::move(*r);
}

std::vector<Case> Cases(const std::string& root) {
  std::vector<Case> out;
  policy::ResolveOptions server;
  server.kill_process = true;
  out.push_back({"examples/rules/server.policy",
                 Must(policy::ParsePolicyFile(root + "/examples/rules/server.policy"), "parse"),
                 server});
  const Program docker = Must(LoadProgramFile(root + "/examples/profiles/docker-default.bpf"),
                              "docker-default.bpf");
  const VerifiedProgram v = Must(Verify(docker), "verify");
  policy::DecompileOptions d;
  d.arches = {FindArch("x86_64")};
  const policy::Decompiled text = Must(policy::Decompile({&v}, d), "decompile");
  policy::ParseOptions parse;
  parse.return_semantics = text.semantics;
  out.push_back({"docker-default, decompiled (x86_64)",
                 Must(policy::ParsePolicyText(text.text, "docker.policy", parse), "parse"),
                 text.resolve});
  return out;
}

void Measure(const std::string& layout, const Program& p, const Workload& w,
             const VerifiedProgram& reference) {
  const VerifiedProgram v = Must(Verify(p), layout);
  const analysis::DiffResult diff = analysis::Diff({&reference}, {&v});
  if (!diff.equivalent || !diff.exact) Die(layout + " is not equal to sckit's filter");
  FilterStack interp = Must(eval::BuildStack(std::span(&v, 1), eval::EngineKind::kInterp), "stack");
  FilterStack jit = Must(eval::BuildStack(std::span(&v, 1), eval::EngineKind::kJit), "jit");
  const std::vector<uint32_t> insns = InsnsPerRecord(interp, w.records);
  const double mean = std::accumulate(insns.begin(), insns.end(), 0.0) / insns.size();
  const uint32_t most = *std::max_element(insns.begin(), insns.end());
  TimingOptions t;
  t.repetitions = 21;
  t.min_rep_seconds = 0.002;  // short samples: bench/measure.h drops the disturbed ones
  const Stats si = TimeStack(interp, w.records, t);
  const Stats sj = TimeStack(jit, w.records, t);
  std::printf("| %s | %zu | %.1f | %u | %.1f (±%.0f%%) | %.1f (±%.0f%%) |\n", layout.c_str(),
              p.size(), mean, most, si.median, 100 * si.noise(), sj.median, 100 * sj.noise());
}

}  // namespace
}  // namespace sckit::bench

int main(int argc, char** argv) {
  using namespace sckit;  // NOLINT
  using namespace sckit::bench;  // NOLINT
  const std::string root = argc > 1 ? argv[1] : ".";
  std::string note;
  const int cpu = PinToCpu(-1, &note);
  std::printf("pinned to CPU %d %s\n", cpu, note.c_str());
  for (const Case& c : Cases(root)) {
    const policy::ResolvedPolicy r = Must(policy::ResolvePolicy(c.policy, c.options), c.name);
    const Program sckit_filter = Must(policy::GenerateFilter(r), "compile");
    const VerifiedProgram reference = Must(Verify(sckit_filter), "verify");
    const Program linear = Must(MinijailStyleFilter(r, MinijailLayout::kLinear), "linear");
    const Program tree = Must(MinijailStyleFilter(r, MinijailLayout::kTree), "tree");
    for (const Workload& w : {HotWorkload(*FindArch("x86_64")),
                              UniformWorkload(*FindArch("x86_64"))}) {
      std::printf("\n%s, %s workload (%zu records), %zu syscall rules\n\n", c.name.c_str(),
                  w.name.c_str(), w.records.size(), c.policy.rules.size());
      std::printf("| layout | instructions | insns/record (mean) | insns/record (max) | "
                  "ns/eval interp | ns/eval JIT |\n|---|---|---|---|---|---|\n");
      Measure("sckit compile", sckit_filter, w, reference);
      Measure("minijail-style linear (C parser)", linear, w, reference);
      Measure("minijail-style tree (Python compiler)", tree, w, reference);
    }
  }
  return 0;
}
