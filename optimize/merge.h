// Flattening a filter stack into one filter (`sckit optimize --merge`). The kernel runs every
// filter of a stack, newest first, and keeps the first value whose action is strictly more
// restrictive than the best so far (seccomp_run_filters: ACTION_ONLY compared as signed, so
// ERRNO/TRAP/TRACE data come from the newest filter returning that action). The flattened
// program does the same in one filter: each filter's code, newest first, with A and X cleared
// before it as the kernel starts every filter, copied once per best value it can start with;
// each `ret K` jumps to the copy of the next filter for the new best (the oldest filter's
// copies return it; a KILL_PROCESS best returns at once: nothing beats it). No register or
// scratch word carries the best value, so every filter keeps its own, and the paths that
// depend on arch and nr only stay visible to re-synthesis and the kernel's cache emulator.
// The optimizer then re-synthesizes that program, and the result is proven equal to the whole
// stack by the solver (analysis::Diff over the stack's precedence).
//
// When it cannot be one filter (refused with the reason): a filter returning a computed value
// (`ret A`); a flattened program over the kernel's 4096 instructions; two or more filters that
// can return USER_NOTIF (each filter has its own listener; one filter has one); a result whose
// constant-action cache allows fewer (arch, nr) than the stack's. What the files do not say,
// and the caller must keep: every filter installed with the same flags (LOG logs by the
// matching filter's flag; NEW_LISTENER belongs to one filter).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "optimize/optimize.h"
#include "vm/program.h"
#include "vm/seccomp_data.h"
#include "vm/status.h"

namespace sckit::optimize {

// The flattened program of `stack` (oldest first, as installed), not yet optimized; verified.
// `notes` receives what the caller must know (e.g. which filter's listener moves to it).
Result<VerifiedProgram> FlattenStack(const std::vector<const VerifiedProgram*>& stack,
                                     std::vector<std::string>* notes);

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
