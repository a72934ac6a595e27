// A direct evaluation of a resolved policy on one seccomp_data record: the reference the
// compiled filters are tested against (tests/policy/rules_compile_test.cc, the differential
// fuzzer). It reads the rules as rules_ast.h defines them, with no code generation in between:
// arch lookup, the rule of the syscall number, each filter's DNF over the argument words the
// arch compares.
#pragma once

#include <cstdint>

#include "policy/rules_resolve.h"
#include "vm/seccomp_data.h"

namespace sckit::policy {

// The SECCOMP_RET_* value the policy gives `data`.
uint32_t EvaluatePolicy(const ResolvedPolicy& policy, const SeccompData& data);

// One atom on an argument value as the arch sees it (full 64 bits, or the low word).
bool EvaluateAtom(const Atom& atom, uint64_t arg);

}  // namespace sckit::policy
