// The second half of `sckit decompile` (decompile.h): the paths of one syscall
// (decompile_paths.h) as conditions of the rules language. Per path and argument, the tests
// on its two 32-bit words become one 64-bit range (`>=`, `<=`, `==`), required bits (`&` of
// one bit), forbidden bits (`in ~MASK`), any-of masks (`&`) and excluded values (`!=`); a
// negated masked test becomes one alternative per bit, so a path becomes a few clauses. The
// clauses of an outcome are merged where their ranges touch (libseccomp's 64-bit `>` is two
// paths: high word greater, or equal and low word greater).
//
// Exact or nothing: what the language cannot state (an ordering on a masked word, the low
// word ranged under several high words, the high word on a 32-bit arch, the instruction
// pointer) is an error with the reason, never an approximation.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "policy/decompile_paths.h"
#include "vm/status.h"

namespace sckit::policy {

// The constraints on one 64-bit argument in a clause.
struct ArgCond {
  uint64_t min = 0;
  uint64_t max = ~uint64_t{0};
  uint64_t set = 0;    // bits that must be 1
  uint64_t clear = 0;  // bits that must be 0
  std::vector<uint64_t> any;  // some bit of each mask is 1
  std::vector<uint64_t> ne;   // excluded values
  friend bool operator==(const ArgCond&, const ArgCond&) = default;
};

using CondClause = std::array<std::optional<ArgCond>, 6>;  // nullopt: argN unconstrained

struct ArgLayout {
  bool args64 = true;         // 32-bit arches: the low word only, values up to 0xffffffff
  bool little_endian = true;  // word order in seccomp_data
  // A value is written by name only where the name means that value on every arch of
  // name_arches (this row's arch: the compiler gives each arch its own values; empty:
  // x86_64's names). Errnos, one value per filter, by names that agree on all_arches.
  std::vector<std::string> name_arches;
  std::vector<std::string> all_arches;
};

// The clauses (a disjunction) of the paths given, or an error "why" (rule "inexpressible").
Result<std::vector<CondClause>> PathsToClauses(const std::vector<const DataPath*>& paths,
                                               const ArgLayout& layout, size_t max_clauses);

// Renders a clause as `arg0 == 1 && arg2 in ~0x3`; `syscall` picks constant names
// (`arg0 in ~(CLONE_NEWNS|CLONE_NEWUTS)`). An empty clause is "" (always true).
std::string RenderClause(const CondClause& clause, const ArgLayout& layout,
                         const std::string& syscall);

// The rules language's action for a canonical outcome: "allow", "return EPERM", "kill-thread",
// ...; nullopt for outcomes it cannot state (TRAP and TRACE with data). An errno is named
// only where the name has that number on every arch of `arches` (x86_64's names when empty).
std::optional<std::string> ActionWord(uint32_t canonical,
                                      const std::vector<std::string>& arches = {});

}  // namespace sckit::policy
