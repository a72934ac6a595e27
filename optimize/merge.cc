// A filter stack flattened into one filter (flatten.h), optimized and proven (see merge.h).
#include "optimize/merge.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "analysis/cache.h"
#include "analysis/diff.h"
#include "optimize/flatten.h"
#include "verifier/verifier.h"
#include "vm/interpreter.h"

namespace sckit::optimize {
namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

std::vector<uint32_t> AuditArches() {
  std::set<uint32_t> s;
  for (const ArchInfo& a : AllArches()) s.insert(a.audit_arch);
  return {s.begin(), s.end()};
}

bool StackConstAllow(const std::vector<const VerifiedProgram*>& stack, uint32_t audit, int32_t nr) {
  for (const VerifiedProgram* p : stack) {
    if (!analysis::IsFilterConstAllow(p->original(), audit, nr)) return false;
  }
  return true;
}

int StackCacheCount(const std::vector<const VerifiedProgram*>& stack, uint32_t audit) {
  int n = 0;
  for (int32_t nr = 0; nr < kCacheNrLimit; ++nr) n += StackConstAllow(stack, audit, nr) ? 1 : 0;
  return n;
}

}  // namespace

Metrics MeasureStack(const std::vector<const VerifiedProgram*>& stack,
                     std::span<const SeccompData> workload,
                     const std::vector<const ArchInfo*>& arches) {
  Metrics m;
  for (const VerifiedProgram* p : stack) m.total_insns += p->original().size();
  RunTrace trace;
  double sum = 0;
  for (const SeccompData& d : workload) {
    uint32_t n = 0;
    for (const VerifiedProgram* p : stack) {  // the kernel runs every filter
      trace.steps.clear();
      RunFilterTraced(*p, d, &trace);
      n += static_cast<uint32_t>(trace.steps.size());
    }
    sum += n;
    m.max_insns = std::max(m.max_insns, n);
  }
  m.mean_insns = workload.empty() ? 0 : sum / static_cast<double>(workload.size());
  for (const ArchInfo* a : arches) {
    const int count = a->nr_bit != 0 ? 0 : StackCacheCount(stack, a->audit_arch);
    m.cache.push_back(CacheCount{std::string(a->name), count});
  }
  for (uint32_t audit : AuditArches()) m.cache_total += StackCacheCount(stack, audit);
  return m;
}

Result<MergeResult> MergeStack(const std::vector<const VerifiedProgram*>& stack,
                               std::span<const SeccompData> workload,
                               const OptimizeOptions& options) {
  MergeResult out;
  Result<VerifiedProgram> flat = FlattenStack(stack, &out.notes);
  if (!flat.ok()) return flat.error();
  out.flattened_insns = flat->original().size();
  Result<OptimizeResult> opt = Optimize(*flat, workload, options);
  if (!opt.ok()) return opt.error();
  out.optimized = std::move(*opt);
  std::vector<const ArchInfo*> arches = options.arches;
  if (arches.empty()) arches.push_back(FindArch("x86_64"));
  out.optimized.before = MeasureStack(stack, workload, arches);
  Result<VerifiedProgram> result = Verify(out.optimized.output);
  if (!result.ok()) return MakeError("internal", "merge: " + result.error().ToString());
  // The constant-action cache: never fewer (arch, nr) than the stack let through.
  size_t lost = 0;
  for (uint32_t audit : AuditArches()) {
    for (int32_t nr = 0; nr < kCacheNrLimit; ++nr) {
      if (StackConstAllow(stack, audit, nr) &&
          !analysis::IsFilterConstAllow(result->original(), audit, nr)) {
        ++lost;
      }
    }
  }
  if (lost != 0) {
    std::string why;
    for (const CandidateReport& c : out.optimized.candidates) {
      if (!c.note.empty()) why += "; " + c.name + ": " + c.note;
    }
    return MakeError("merge", "the merged filter's constant-action cache would allow " +
                                  std::to_string(lost) + " (arch, nr) fewer than the stack's "
                                  "(optimizer chose: " + out.optimized.chosen + why +
                                  "); not merged");
  }
  // The proof: the one filter against the whole stack, with the kernel's precedence.
  const auto start = std::chrono::steady_clock::now();
  analysis::DiffOptions diff_options;
  diff_options.max_differences = 1;
  diff_options.timeout_ms = options.proof_timeout_ms;
  const analysis::DiffResult diff = analysis::Diff(stack, {&*result}, diff_options);
  out.stack_proof_seconds = Seconds(start);
  if (!diff.equivalent || !diff.exact) {
    return MakeError("merge", !diff.equivalent
                                  ? "the merged filter differs from the stack (a bug in sckit "
                                    "optimize --merge: please report the filters); not merged"
                                  : "the solver gave up proving the merged filter equal to the "
                                    "stack; not merged");
  }
  out.proven = true;
  return out;
}

}  // namespace sckit::optimize
