// Shared helpers of the policy_* tests: compiling a profile text, running the filter on a
// record with the interpreter, and an independent model of the OCI semantics (which entry
// applies to a call and with which action) to compare the filter against.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "policy/compile.h"
#include "policy/oci.h"
#include "verifier/verifier.h"
#include "vm/interpreter.h"
#include "vm/arch.h"
#include "vm/seccomp_data.h"

namespace sckit::policy::testing {

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A compiled profile, verified, ready to run.
class Filter {
 public:
  Filter(const std::string& json, const ImportOptions& options) {
    Result<Profile> p = ParseProfile(json);
    if (!p.ok()) {
      ADD_FAILURE() << p.error().ToString();
      return;
    }
    profile_ = *p;
    Result<CompiledFilter> c = CompileProfile(*p, options);
    if (!c.ok()) {
      ADD_FAILURE() << c.error().ToString();
      return;
    }
    compiled_ = std::move(*c);
    Result<VerifiedProgram> v = Verify(compiled_->program);
    if (!v.ok()) {
      ADD_FAILURE() << "libseccomp's filter fails the kernel's checks: " << v.error().ToString();
      return;
    }
    verified_ = std::move(*v);
  }

  bool ok() const { return verified_.has_value(); }
  const Profile& profile() const { return profile_; }
  const CompiledFilter& compiled() const { return *compiled_; }
  const Program& program() const { return compiled_->program; }

  uint32_t Run(uint32_t arch, int32_t nr, const std::array<uint64_t, 6>& args = {}) const {
    SeccompData d;
    d.arch = arch;
    d.nr = nr;
    for (int i = 0; i < 6; ++i) d.args[i] = args[i];
    return RunFilter(*verified_, d);
  }

  // By name on x86_64; nullopt when the name has no x86_64 number.
  std::optional<uint32_t> RunName(const std::string& name,
                                  const std::array<uint64_t, 6>& args = {}) const {
    const ArchInfo* arch = FindArch("x86_64");
    std::optional<int32_t> nr = SyscallNumber(*arch, name);
    if (!nr) return std::nullopt;
    return Run(arch->audit_arch, *nr, args);
  }

 private:
  Profile profile_;
  std::optional<CompiledFilter> compiled_;
  std::optional<VerifiedProgram> verified_;
};

inline bool ConditionHolds(const ArgCondition& c, uint64_t arg) {
  switch (c.op) {
    case CmpOp::kNe: return arg != c.value;
    case CmpOp::kLt: return arg < c.value;
    case CmpOp::kLe: return arg <= c.value;
    case CmpOp::kEq: return arg == c.value;
    case CmpOp::kGe: return arg >= c.value;
    case CmpOp::kGt: return arg > c.value;
    case CmpOp::kMaskedEq: return (arg & c.value) == c.value_two;
  }
  return false;
}

// The OCI model: the entries (already filtered by includes/excludes) naming `name` whose
// conditions hold (all of them; any of them when two test the same argument) decide; none:
// the default action. When several match with different actions, the first in profile order
// wins: libseccomp keeps the first rule it was given for a call and the same conditions (see
// OciCompile.ConflictingEntriesKeepTheFirst). `conflicts`, when given, counts those cases.
inline uint32_t ModelOutcome(const ResolvedProfile& r, const std::string& name,
                             const std::array<uint64_t, 6>& args, int* conflicts = nullptr) {
  std::optional<uint32_t> result;
  for (const SyscallEntry& e : r.entries) {
    bool named = false;
    for (const std::string& n : e.names) named = named || n == name;
    if (!named) continue;
    unsigned seen = 0;
    bool same_index = false;
    for (const ArgCondition& c : e.args) {
      same_index = same_index || (seen & (1u << c.index)) != 0;
      seen |= 1u << c.index;
    }
    bool match = !same_index;
    for (const ArgCondition& c : e.args) {
      const bool holds = ConditionHolds(c, args[c.index]);
      match = same_index ? (match || holds) : (match && holds);
    }
    if (e.args.empty()) match = true;
    if (!match) continue;
    const uint32_t ret = ActionRet(e.action, e.errno_ret);
    if (result) {
      if (*result != ret && conflicts != nullptr) ++*conflicts;
      continue;
    }
    result = ret;
  }
  return result.value_or(r.default_ret);
}

// Argument values around a condition's constants: equal, one off, halves that differ.
inline std::vector<uint64_t> SampleValues(const ArgCondition& c) {
  std::vector<uint64_t> out = {0, 1, c.value, c.value - 1, c.value + 1, c.value_two,
                               c.value | (uint64_t{1} << 32), c.value ^ 0xffffffff00000000ull,
                               c.value & 0xffffffffull, 0xffffffffull, ~uint64_t{0},
                               uint64_t{1} << 63, c.value_two | c.value, c.value_two & c.value};
  for (int bit = 0; bit < 64; bit += 7) out.push_back(c.value ^ (uint64_t{1} << bit));
  return out;
}

}  // namespace sckit::policy::testing
