// What a compiled filter costs per system call: the fewest and most instructions it can
// execute for one (arch, nr) whatever the arguments, and the values it can return, by walking
// every path with A known where it was loaded from `nr` or `arch` and both directions taken
// where a jump tests an argument word. This is the instruction count `sckit bench` measures
// per evaluation (each executed instruction counts one), computed statically for `sckit
// compile --json`. Paths that no argument values can take are counted too, so max_insns is an
// upper bound.
#pragma once

#include <cstdint>
#include <vector>

#include "vm/program.h"

namespace sckit::policy {

struct PathCost {
  uint32_t min_insns = 0;
  uint32_t max_insns = 0;
  std::vector<uint32_t> rets;  // every value a path returns, sorted, unique
};

// `program` must pass the verifier (forward jumps inside the program, ends in RET).
PathCost PathsFor(const Program& program, uint32_t arch, uint32_t nr);

}  // namespace sckit::policy
