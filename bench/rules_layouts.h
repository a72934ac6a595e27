// The two layouts minijail's compilers give a policy, for the comparison with `sckit compile`
// in docs/performance.md (issue 15's benchmark). Not part of the product: generated from the
// same parsed and resolved policy (policy/rules_resolve.h), one arch (the first group).
//
//   linear: what minijail's C parser (syscall_filter.c) emits: the arch check, `ld nr`, then
//           per syscall in policy order `jeq NR` followed by that syscall's body inline, and
//           the default action at the end.
//   tree:   what minijail's Python compiler (compile_seccomp_policy.py) emits: a binary search
//           of `jge` over the sorted syscall numbers, a `jeq` and the body at each leaf (with
//           the default action inline), `ja` trampolines where a jump is farther than 255.
//
// Bodies are the same in both: per filter of the rule, per clause, per atom the high word then
// the low word compared (minijail compares both halves of every 64-bit argument, reloading for
// every atom), the clause's action when all atoms hold, the filter's else action or the next
// filter otherwise, the default last.
#pragma once

#include "policy/rules_resolve.h"
#include "vm/program.h"
#include "vm/status.h"

namespace sckit::bench {

enum class MinijailLayout { kLinear, kTree };

Result<Program> MinijailStyleFilter(const policy::ResolvedPolicy& policy, MinijailLayout layout);

}  // namespace sckit::bench
