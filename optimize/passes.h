// The generic passes: small rewrites of Code (optimize/code.h) that keep the program's
// meaning on every input and never lengthen any execution path. Each one is independent and
// separately tested (tests/optimize:passes_test); Simplify() runs them to a fixed point.
//   - EliminateDeadCode: drops instructions no path reaches and `ja` to the next instruction.
//   - ThreadJumps: a jump to a `ja` goes straight to its target; a conditional jump on A to
//     another conditional jump on A whose outcome the first one's outcome already decides
//     (jeq #5 true -> jeq #6: false; jgt #10 false -> jge #20: false) skips it.
//   - EliminateRedundantLoads: `ld [k]` / `ld #k` when A already holds that value on every path.
//   - MergeReturns: a jump to a `ret` goes to the farthest identical `ret` within 200
//     instructions after it (surely within an 8-bit offset), so nearer duplicates become
//     unreachable (then dead code).
#pragma once

#include "optimize/code.h"

namespace sckit::optimize {

Code EliminateDeadCode(const Code& code);
Code ThreadJumps(const Code& code);
Code EliminateRedundantLoads(const Code& code);
Code MergeReturns(const Code& code);

// All of the above until nothing changes (bounded).
Code Simplify(const Code& code);

}  // namespace sckit::optimize
