// The values of seccomp_data's arch and nr words that a set of filters cannot tell apart, so
// that analysis::Diff (diff.h) can decide a class at once from one member instead of asking
// the solver about all 2^64 (arch, nr) pairs.
//
// A forward pass over each filter's DAG tracks what A, X and M[] hold: a known constant, the
// untouched word i of seccomp_data, or something derived from a set of words. Where the only
// thing a filter does with the arch or nr word is compare it untouched with a known constant
// (jeq, jgt, jge; jset with a mask whose aligned blocks are few), each comparison splits that
// word's 2^32 values at one or two points, and between consecutive points every comparison
// on every path has the same result: two values in one class take the same path through every
// filter for any ip and arguments. Any other use of the word (arithmetic, RET A, a comparison
// with a register of unknown value, a division by it, a fine-grained jset) makes the split of
// that word inexact, and Diff falls back to the solver over that word's whole range.
#pragma once

#include <cstdint>
#include <vector>

#include "vm/program.h"

namespace sckit::analysis {

// A partition of 2^32 word values into intervals.
struct WordClasses {
  std::vector<uint32_t> starts = {0};  // sorted, starts[0] == 0; class i ends at starts[i+1]-1
  bool exact = true;  // false: some filter uses the word otherwise than comparing it whole
  size_t size() const { return starts.size(); }
  uint32_t first(size_t i) const { return starts[i]; }
  uint32_t last(size_t i) const {
    return i + 1 < starts.size() ? starts[i + 1] - 1 : 0xffffffffu;
  }
};

struct DataClasses {
  WordClasses arch;  // word 1
  WordClasses nr;    // word 0
};

// The common refinement of every program's splits.
DataClasses ClassesOf(const std::vector<const VerifiedProgram*>& programs);

}  // namespace sckit::analysis
