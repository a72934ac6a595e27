// Values as `sckit generate` writes them in a policy: constant names of the argument's family
// (policy/syscall_notes.h ArgFamily::prefixes) from the rules language's generated table
// (policy/rules_constants.h), so `socket: arg0 == AF_INET` rather than `arg0 == 2`. The text
// always evaluates to exactly the value in the rules language (checked with ParseValueText);
// otherwise a number is written.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "policy/syscall_notes.h"

namespace sckit::policy {

// `v` for argument `arg` of `syscall` in the family's names: an exact name, or an OR of names
// (largest first) and a remaining number; clone's low byte (the exit signal) as SIG*.
std::string ValueText(uint64_t v, std::string_view syscall, std::string_view prefixes,
                      ArgKind kind);

// A plain number: decimal below 4096, else 0x hex.
std::string NumberText(uint64_t v);

}  // namespace sckit::policy
