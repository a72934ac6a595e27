// Named constants of minijail's seccomp policy language (PROT_READ, MAP_PRIVATE, AF_UNIX, EPERM,
// TCGETS, ...), from a table generated at build time from the system headers
// (rules_constants_headers.h, gen_rules_constants.cc): every object-like upper-case macro of
// those headers that the compiler evaluates to an integer. LookupConstant gives the build host's
// (x86_64) values; LookupArchConstant gives an arch's own, from the same header set evaluated
// by clang for that arch over its headers (gen_arch_constants.cc), for the arches listed by
// ArchConstantTables(). On other arches names are refused, never guessed.
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

// Every known constant name (of any arch's table), sorted.
const std::vector<std::string_view>& ConstantNames();

// The value of `name` as arch `arch` (sckit's name, vm/arch.h) defines it. On error, the
// message says why: the name is not an integer constant of that arch's headers, or sckit has
// no constant table for the arch.
struct ArchConstant {
  std::optional<uint64_t> value;
  std::string why_not;  // when !value
};
ArchConstant LookupArchConstant(std::string_view arch, std::string_view name);

// The arches with a constant table, in the generated order.
std::vector<std::string_view> ArchConstantTables();

}  // namespace sckit::policy
