// `sckit optimize --merge`: a filter stack flattened into one filter (flatten.h), optimized
// (optimize.h) and proven equal to the whole stack by the solver (analysis::Diff over the
// stack's precedence); refused when the one filter's constant-action cache would allow fewer
// (arch, nr) than the stack's, or for the reasons flatten.h gives.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "optimize/flatten.h"
#include "optimize/optimize.h"
#include "vm/program.h"
#include "vm/seccomp_data.h"
#include "vm/status.h"

namespace sckit::optimize {

struct MergeResult {
  OptimizeResult optimized;  // before: the stack's figures; after: the one filter's
  size_t flattened_insns = 0;  // the flattened program before optimizing
  bool proven = false;         // the output is proven equal to the stack
  double stack_proof_seconds = 0;
  std::vector<std::string> notes;
};

// Flattens, optimizes (Optimize) and proves the result equal to the whole stack; the result
// is refused (error) if the proof fails or the constant-action cache of the one filter allows
// fewer (arch, nr) than the stack's did.
Result<MergeResult> MergeStack(const std::vector<const VerifiedProgram*>& stack,
                               std::span<const SeccompData> workload,
                               const OptimizeOptions& options = {});

// The figures of a stack, as Measure gives them for one program: instructions executed summed
// over every filter, total length, and the stack's constant-action cache.
Metrics MeasureStack(const std::vector<const VerifiedProgram*>& stack,
                     std::span<const SeccompData> workload,
                     const std::vector<const ArchInfo*>& arches);

}  // namespace sckit::optimize
