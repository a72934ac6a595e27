// `sckit fuzz`: find a small set of seccomp_data records that exercises everything reachable in
// a filter stack: every instruction, both directions of every branch, every distinct outcome.
//
// Coverage-guided search first: records are mutated with the values the filters compare against
// (syscall numbers, arch values, argument words and masks, their neighbours, both 32-bit halves
// of 64-bit arguments) rather than blind random values, and a record is kept when it covers an
// edge no earlier record covered. What the search misses is then settled exactly by the solver
// over the symbolic encoding (analysis/symbolic.h): a witness record when the edge is feasible,
// a proof of unreachability when it is not. So the result reaches 100% of what is reachable,
// and says which branches can never be taken.
//
// Engine: the search runs each filter through an engine that counts edge coverage
// (FuzzOptions::instrumented, vm/engine.h; the caller hands in the JIT's, eval/stack_builder.h)
// with counters only on what is still uncovered: a run that reaches nothing new touches no
// counter, and the check after it reads only the counter words that still hold an uncovered
// slot. A run that does hit one is replayed through the interpreter's traced run
// (RunFilterTraced), which gives its exact edge list for the corpus and the minimisation; the
// slots now covered leave the check at once, and the filter is rebuilt without their counters
// once an eighth of them are covered. Without such an engine, or when it fails, every run goes
// through the traced interpreter instead. The engine decides only how fast the search runs:
// the same seed and budget give the same records with either (record_search_test).
//
// Speed (docs/performance.md): random numbers from xoshiro256** with multiply-shift bounds,
// and no rebuild per discovery; the rate is reported per CPU-second of the search thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "vm/engine.h"
#include "vm/program.h"
#include "vm/seccomp_data.h"

namespace sckit::analysis {

// Budgets: `max_runs`, `stall_runs` and `seed` decide the search alone, so with max_seconds = 0
// and solver_timeout_ms = 0 (solver_rlimit bounds the solver instead) the result is the same on
// every machine at every load. Tests use that; `sckit fuzz --time` is the wall-clock budget for
// users, on top of the run count.
struct FuzzOptions {
  uint64_t max_runs = 2'000'000;  // evaluations of the stack
  double max_seconds = 10.0;      // wall clock for the search; 0 = none (deterministic)
  uint32_t seed = 1;
  // Stop the search after this many consecutive runs without new coverage (0 = never): the
  // solver settles the rest exactly, so searching on past a plateau only burns time.
  uint64_t stall_runs = 1'000'000;
  bool solver_assist = true;  // close the gaps with the solver after the search
  // Per solver query: a wall-clock timeout (0 = none) and Z3's deterministic resource limit
  // ("rlimit", 0 = none). An edge neither budget settles is reported in `unknown`.
  unsigned solver_timeout_ms = 10'000;
  unsigned solver_rlimit = 0;
  // Engines that count edge coverage; empty: the traced interpreter for every run.
  CoverageEngineFactory instrumented;
  // Called about every 100 ms during the search with (runs, covered, total, seconds).
  std::function<void(uint64_t, size_t, size_t, double)> progress;
};

struct FuzzEdge {
  int filter = 0;
  uint32_t pc = 0;
  enum class Kind : uint8_t { kInsn, kTaken, kNotTaken } kind = Kind::kInsn;
  std::string Describe() const;  // "filter 0 pc 12 true edge"
};

struct FuzzResult {
  std::vector<SeccompData> records;    // minimal set covering everything covered
  // Per record, in its order: the edges it is the first of the set to reach (in the order its
  // run met them), which is why it was kept.
  std::vector<std::vector<FuzzEdge>> reaches;
  size_t edges_total = 0;              // instructions + branch directions
  size_t edges_covered = 0;
  size_t covered_by_search = 0;        // before the solver ran
  size_t covered_by_solver = 0;
  std::vector<FuzzEdge> unreachable;   // proven infeasible
  std::vector<FuzzEdge> unknown;       // neither covered nor proven infeasible
  uint64_t runs = 0;                   // evaluations of the stack by the search
  double seconds = 0;                  // whole run: search, solver, minimisation
  double search_seconds = 0;           // the search loop alone, wall clock
  double search_cpu_seconds = 0;       // the same, CPU time of the thread (runs / this = rate)
  std::string engine;                  // instrumented.name or "interpreter" (what the search ran)
};

FuzzResult FuzzStack(const std::vector<const VerifiedProgram*>& stack, const FuzzOptions& options);

}  // namespace sckit::analysis
