// The optimizer's driver: builds candidate rewrites of a verified filter (re-synthesis from
// the decision structure, optimize/resynth.h; the generic passes, optimize/passes.h; both),
// verifies each exactly as the kernel would (Verify, the attach size limit), measures it
// (instructions executed per record on a workload with the reference interpreter; total
// instructions; the kernel's constant-action cache, analysis/cache.h), and keeps the best one
// that (1) leaves every (arch, nr) the cache allowed before still cached, (2) is proven
// equivalent to the input on every input by the solver (analysis/diff.h, the encoding
// `sckit diff` uses), and (3) improves on the input; otherwise the input itself is the result.
// Ranking: cache coverage, then mean instructions executed, then max, then total size.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "optimize/resynth.h"
#include "vm/arch.h"
#include "vm/program.h"
#include "vm/seccomp_data.h"
#include "vm/status.h"

namespace sckit::optimize {

struct CacheCount {
  std::string arch;  // sckit arch name
  int allowed = 0;   // syscall numbers in [0, kCacheNrLimit) the cache lets through (0 for
                     // x32: its numbers carry bit 30, beyond every bitmap)
};

inline constexpr int kCacheNrLimit = 1024;

struct Metrics {
  double mean_insns = 0;      // per record of the workload
  uint32_t max_insns = 0;
  size_t total_insns = 0;     // program length
  std::vector<CacheCount> cache;  // per reported arch
  int cache_total = 0;        // over every known arch (what the coverage rule compares)
};

struct CandidateReport {
  std::string name;       // "resynthesis", "resynthesis+passes", "passes"
  bool built = false;     // false: the technique did not apply (see note)
  bool accepted = false;  // verified, coverage kept, proven, and ranked
  std::string note;       // why not built or not accepted
  Metrics metrics;
};

struct OptimizeOptions {
  std::vector<const ArchInfo*> arches;  // arches reported (default x86_64)
  bool resynthesize = true;
  bool passes = true;
  unsigned proof_timeout_ms = 60000;
};

struct OptimizeResult {
  Program output;           // the chosen program (the input when nothing better was proven)
  std::string chosen;       // candidate name, or "unchanged"
  Metrics before, after;
  bool proven = false;      // the solver proved output == input (trivially true if unchanged)
  bool proof_failed = false;  // some candidate was refused by the proof (a bug: see notes)
  double proof_seconds = 0;
  double total_seconds = 0;
  ResynthInfo resynth;
  std::vector<CandidateReport> candidates;
};

// `workload` are the records the cost is measured on (bench/workload.h makes them).
Result<OptimizeResult> Optimize(const VerifiedProgram& input,
                                std::span<const SeccompData> workload,
                                const OptimizeOptions& options = {});

// The cost and cache figures of one program.
Metrics Measure(const VerifiedProgram& program, std::span<const SeccompData> workload,
                const std::vector<const ArchInfo*>& arches);

// Every (arch, nr) of every known arch, nr in [0, kCacheNrLimit), that the cache allows for
// `before` and not for `after`; empty when coverage is kept.
std::vector<std::pair<uint32_t, int32_t>> LostCacheEntries(const Program& before,
                                                           const Program& after);

}  // namespace sckit::optimize
