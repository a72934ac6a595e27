// Re-synthesis from the decision structure. For every (arch, nr) the part of a filter that
// depends only on arch and nr (its "prefix": loads of offsets 0 and 4, constants, jumps on
// them) leads to one "frontier": a constant return, or the first instruction that depends on
// anything else (an argument or ip load, arithmetic on nr, jset on nr, an X compare), with a
// known register state. Re-synthesis computes that frontier for every region of the (arch, nr)
// space and rebuilds the filter as: one arch dispatch, then per arch a weight-balanced search
// over sorted syscall-number ranges (consecutive numbers with the same frontier collapse into
// one range; short jeq chains where they are cheaper), leading to inline returns or to the
// original code from the frontier on, copied verbatim (the register state it needs restored
// first). It works on any filter; a filter whose shape makes this too large is refused with
// an error, and the caller keeps the generic passes (optimize/passes.h).
//
// Regions are found exactly: the constants the prefix compares nr (resp. arch) with split the
// 32-bit space into segments on which every such compare has one outcome; one run per segment
// (with its lower bound) decides the whole segment. The result is still proven equal by the
// driver (optimize/optimize.h) before it is used.
#pragma once

#include <span>

#include "optimize/code.h"
#include "vm/program.h"
#include "vm/seccomp_data.h"
#include "vm/status.h"

namespace sckit::optimize {

struct ResynthInfo {
  int arch_ranges = 0;   // ranges of the arch dispatch
  int nr_ranges = 0;     // syscall-number ranges, over all arches
  int leaves = 0;        // distinct frontiers
  int tail_insns = 0;    // original instructions copied after the dispatch
};

struct ResynthOptions {
  // A subtree whose ranges are all one default target plus at most this many single numbers
  // becomes a jeq chain (fewer instructions, longer paths past the first few).
  int max_chain_points = 3;
};

// `original` must be a verified program in user form (VerifiedProgram::original()). The
// workload weights the search trees (records hit often get short paths); may be empty.
Result<Code> Resynthesize(const Program& original, std::span<const SeccompData> workload,
                          const ResynthOptions& options = {}, ResynthInfo* info = nullptr);

}  // namespace sckit::optimize
