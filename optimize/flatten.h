// Flattening a filter stack into one program (the first step of `sckit optimize --merge`,
// merge.h). The kernel runs every filter of a stack, newest first, and keeps the first value
// whose action is strictly more restrictive than the best so far (seccomp_run_filters:
// ACTION_ONLY compared as signed, so ERRNO/TRAP/TRACE data come from the newest filter
// returning that action). The flattened program does the same in one filter: each filter's
// code, newest first, with A and X cleared before it as the kernel starts every filter, copied
// once per best value it can start with; each `ret K` jumps to the copy of the next filter for
// the new best (the oldest filter's copies return it; a KILL_PROCESS best returns at once:
// nothing beats it). No register or scratch word carries the best value, so every filter keeps
// its own, and the paths that depend on arch and nr only stay visible to re-synthesis and the
// kernel's cache emulator. No solver here (the fuzz targets link this): merge.h optimizes and
// proves.
//
// When it cannot be one filter (refused with the reason): a filter returning a computed value
// (`ret A`) or dividing by X (a zero X returns 0 from the middle of the filter); a flattened program over the kernel's 4096 instructions; two or more filters that
// can return USER_NOTIF (each filter has its own listener; one filter has one). What the files
// do not say, and the caller must keep: every filter installed with the same flags (LOG logs
// by the matching filter's flag; NEW_LISTENER belongs to one filter).
#pragma once

#include <string>
#include <vector>

#include "vm/program.h"
#include "vm/status.h"

namespace sckit::optimize {

// The flattened program of `stack` (oldest first, as installed), not yet optimized; verified.
// `notes` receives what the caller must know (e.g. which filter's listener moves to it).
Result<VerifiedProgram> FlattenStack(const std::vector<const VerifiedProgram*>& stack,
                                     std::vector<std::string>* notes);

}  // namespace sckit::optimize
