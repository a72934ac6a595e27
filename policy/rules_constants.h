// Named constants of minijail's seccomp policy language (PROT_READ, MAP_PRIVATE, AF_UNIX, EPERM,
// TCGETS, ...), from a table generated at build time from the system headers
// (rules_constants_headers.h, gen_rules_constants.cc): every object-like upper-case macro of
// those headers that the compiler evaluates to an integer. Values are the build host's
// (x86_64); the table does not model arches that define a name differently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sckit::policy {

// The value of a named constant as a 64-bit word (signed values sign-extended, as minijail's
// `(unsigned long)` cast gives them); nullopt when the name is unknown.
std::optional<uint64_t> LookupConstant(std::string_view name);

// Every known constant name, sorted.
const std::vector<std::string_view>& ConstantNames();

}  // namespace sckit::policy
