// The generated constant tables' interface (written at build time: the build host's by
// gen_rules_constants.cc into rules_constants_table.cc, every arch's by gen_arch_constants.cc
// into rules_arch_constants.cc). Not for direct use: rules_constants.h
// is the lookup API.
#pragma once

#include <cstdint>
#include <span>
#include <type_traits>

namespace sckit::policy::internal {

struct RawConstant {
  const char* name;
  uint64_t value;
  bool integral;  // false for macros that are not integer constants (pointers, strings)
};

// A macro's value as the C cast `(uint64_t)` would give it: signed values sign-extended
// (AT_FDCWD = -100 is 0xffffffffffffff9c), unsigned ones zero-extended. Non-integers are kept
// out of the table by `integral`.
template <typename T>
RawConstant MakeRawConstant(const char* name, const T& value) {
  using U = std::decay_t<T>;
  if constexpr (std::is_enum_v<U>) {
    return {name, static_cast<uint64_t>(static_cast<std::underlying_type_t<U>>(value)), true};
  } else if constexpr (std::is_integral_v<U>) {
    return {name, static_cast<uint64_t>(value), true};
  } else {
    return {name, 0, false};
  }
}

// Every candidate macro, sorted by name (generated).
std::span<const RawConstant> GeneratedConstants();

// The per-arch tables (gen_arch_constants.cc): each arch's integer macros, evaluated by clang
// for that arch over its own headers, sorted by name.
struct NamedValue {
  const char* name;
  uint64_t value;
};
struct ArchTable {
  const char* arch;  // sckit's arch name (vm/arch.h)
  std::span<const NamedValue> values;
};
std::span<const ArchTable> GeneratedArchTables();

}  // namespace sckit::policy::internal
