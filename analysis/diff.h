// Semantic difference of two filter stacks: is there any seccomp_data on which the kernel
// would do something different with stack A than with stack B? Decided exactly by the solver
// over the symbolic encoding (analysis/symbolic.h), one witness record per (arch, nr) that
// differs, each confirmed by running both stacks in the interpreter.
#pragma once

#include <cstdint>
#include <vector>

#include "vm/program.h"
#include "vm/seccomp_data.h"

namespace sckit::analysis {

struct Difference {
  SeccompData record;
  uint32_t a = 0;  // canonical outcome (CanonicalValue) of stack A on the record
  uint32_t b = 0;
};

struct DiffResult {
  bool equivalent = true;
  bool exact = true;       // false when the solver gave up or a witness did not replay
  bool truncated = false;  // more differing (arch, nr) pairs exist than were listed
  std::vector<Difference> differences;
};

struct DiffOptions {
  size_t max_differences = 512;
  unsigned timeout_ms = 60000;  // per solver query
};

// Stacks are oldest first. Both must be non-empty.
DiffResult Diff(const std::vector<const VerifiedProgram*>& a,
                const std::vector<const VerifiedProgram*>& b, const DiffOptions& options = {});

// The canonical outcome of a stack on a concrete record, with the interpreter.
uint32_t ConcreteOutcome(const std::vector<const VerifiedProgram*>& stack, const SeccompData& d);

}  // namespace sckit::analysis
