// The optimizer's driver (see optimize.h).
#include "optimize/optimize.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <tuple>

#include "analysis/cache.h"
#include "analysis/diff.h"
#include "optimize/code.h"
#include "optimize/passes.h"
#include "verifier/verifier.h"
#include "vm/interpreter.h"

namespace sckit::optimize {
namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

std::vector<uint32_t> AllAuditArches() {
  std::set<uint32_t> s;
  for (const ArchInfo& a : AllArches()) s.insert(a.audit_arch);
  return {s.begin(), s.end()};
}

int CacheCountFor(const Program& p, uint32_t audit_arch) {
  int count = 0;
  for (int32_t nr = 0; nr < kCacheNrLimit; ++nr) {
    if (analysis::IsFilterConstAllow(p, audit_arch, nr)) ++count;
  }
  return count;
}

// Smaller is better.
auto RankKey(const Metrics& m) {
  return std::make_tuple(-m.cache_total, m.mean_insns, m.max_insns, m.total_insns);
}

struct Built {
  std::string name;
  std::optional<VerifiedProgram> program;
  std::string note;
};

Built BuildCandidate(const std::string& name, const Result<Code>& code) {
  Built b{name, std::nullopt, ""};
  if (!code.ok()) {
    b.note = code.error().message;
    return b;
  }
  Result<Program> laid = Layout(*code);
  if (!laid.ok()) {
    b.note = "layout: " + laid.error().message;
    return b;
  }
  Result<VerifiedProgram> v = Verify(*laid);
  if (!v.ok()) {
    b.note = "the kernel would reject it: " + v.error().ToString();
    return b;
  }
  b.program = std::move(*v);
  return b;
}

// Re-synthesis (with and without the passes) and the passes alone, laid out and verified.
std::vector<Built> BuildCandidates(const VerifiedProgram& input,
                                   std::span<const SeccompData> workload,
                                   const OptimizeOptions& options, ResynthInfo* info) {
  std::vector<Built> built;
  if (options.resynthesize) {
    // Longer jeq chains in the search make it smaller: retried when it does not fit.
    for (int chain : {3, 8, 32, 4096}) {
      ResynthOptions ro;
      ro.max_chain_points = chain;
      Result<Code> r = Resynthesize(input.original(), workload, ro, info);
      Built plain = BuildCandidate("resynthesis", r);
      Built simplified;
      if (options.passes) {
        simplified = BuildCandidate(
            "resynthesis+passes", r.ok() ? Result<Code>(Simplify(*r)) : Result<Code>(r.error()));
      }
      const bool fits = plain.program || simplified.program;
      if (fits || !r.ok() || chain == 4096) {
        built.push_back(std::move(plain));
        if (options.passes) built.push_back(std::move(simplified));
        break;
      }
    }
  }
  if (options.passes) {
    built.push_back(BuildCandidate("passes", Simplify(FromProgram(input.original()))));
  }
  return built;
}

}  // namespace

Metrics Measure(const VerifiedProgram& program, std::span<const SeccompData> workload,
                const std::vector<const ArchInfo*>& arches) {
  Metrics m;
  m.total_insns = program.original().size();
  RunTrace trace;
  double sum = 0;
  for (const SeccompData& d : workload) {
    trace.steps.clear();
    RunFilterTraced(program, d, &trace);
    const uint32_t n = static_cast<uint32_t>(trace.steps.size());
    sum += n;
    m.max_insns = std::max(m.max_insns, n);
  }
  m.mean_insns = workload.empty() ? 0 : sum / static_cast<double>(workload.size());
  for (const ArchInfo* a : arches) {
    // x32 numbers carry bit 30: beyond every bitmap, so the kernel never caches them.
    const int count = a->nr_bit != 0 ? 0 : CacheCountFor(program.original(), a->audit_arch);
    m.cache.push_back(CacheCount{std::string(a->name), count});
  }
  for (uint32_t audit : AllAuditArches()) m.cache_total += CacheCountFor(program.original(), audit);
  return m;
}

std::vector<std::pair<uint32_t, int32_t>> LostCacheEntries(const Program& before,
                                                           const Program& after) {
  std::vector<std::pair<uint32_t, int32_t>> lost;
  for (uint32_t audit : AllAuditArches()) {
    for (int32_t nr = 0; nr < kCacheNrLimit; ++nr) {
      if (analysis::IsFilterConstAllow(before, audit, nr) &&
          !analysis::IsFilterConstAllow(after, audit, nr)) {
        lost.emplace_back(audit, nr);
      }
    }
  }
  return lost;
}

Result<OptimizeResult> Optimize(const VerifiedProgram& input,
                                std::span<const SeccompData> workload,
                                const OptimizeOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<const ArchInfo*> arches = options.arches;
  if (arches.empty()) arches.push_back(FindArch("x86_64"));
  OptimizeResult result;
  result.output = input.original();
  result.chosen = "unchanged";
  result.proven = true;
  result.before = Measure(input, workload, arches);
  result.after = result.before;

  std::vector<Built> built = BuildCandidates(input, workload, options, &result.resynth);

  std::vector<size_t> order;
  for (size_t i = 0; i < built.size(); ++i) {
    CandidateReport rep;
    rep.name = built[i].name;
    rep.built = built[i].program.has_value();
    rep.note = built[i].note;
    if (rep.built) {
      rep.metrics = Measure(*built[i].program, workload, arches);
      order.push_back(i);
    }
    result.candidates.push_back(rep);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return RankKey(result.candidates[a].metrics) < RankKey(result.candidates[b].metrics);
  });
  for (size_t i : order) {
    CandidateReport& rep = result.candidates[i];
    const VerifiedProgram& cand = *built[i].program;
    if (!(RankKey(rep.metrics) < RankKey(result.before))) {
      rep.note = "no better than the input";
      continue;
    }
    const auto lost = LostCacheEntries(input.original(), cand.original());
    if (!lost.empty()) {
      rep.note = "loses " + std::to_string(lost.size()) + " constant-action cache entries";
      continue;
    }
    const auto proof_start = std::chrono::steady_clock::now();
    analysis::DiffOptions diff_options;
    diff_options.max_differences = 1;
    diff_options.timeout_ms = options.proof_timeout_ms;
    const analysis::DiffResult diff = analysis::Diff({&input}, {&cand}, diff_options);
    result.proof_seconds += Seconds(proof_start);
    if (!diff.equivalent || !diff.exact) {
      result.proof_failed = true;
      rep.note = !diff.equivalent ? "the proof found a difference (refused)"
                                  : "the proof was inexact (solver gave up; refused)";
      continue;
    }
    rep.accepted = true;
    result.output = cand.original();
    result.chosen = rep.name;
    result.after = rep.metrics;
    result.proven = true;
    break;
  }
  result.total_seconds = Seconds(start);
  return result;
}

}  // namespace sckit::optimize
