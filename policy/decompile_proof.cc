// The round trip of `sckit decompile` (decompile.h ProveRoundTrip): compile the text as
// `sckit compile` would with the options the header names, then analysis::Diff against the
// original stack. When they differ, every difference is found by class (a syscall, a number,
// the x32 numbers, the foreign arches) from analysis::Diff's rows (ranges of numbers, each
// looked at per name it holds), and each is labelled with the reason the decompiler recorded.
#include <algorithm>
#include <cstdio>
#include <map>

#include "analysis/diff.h"
#include "analysis/symbolic.h"
#include "policy/decompile.h"
#include "policy/rules_compile.h"
#include "verifier/verifier.h"

namespace sckit::policy {
namespace {

constexpr const char* kHighNumbers = "numbers >= 0x40000000";

struct Classified {
  std::string key;      // syscall name, "number N", "x32 numbers", "foreign arches"
  std::string arch;     // "" for foreign arches
  z3::expr exclude;     // the class, to exclude it from further search
};

Classified Classify(z3::context& ctx, const analysis::DataWords& w, const Decompiled& d,
                    uint32_t arch, uint32_t nr) {
  const ArchInfo* found = nullptr;
  bool x32 = false;
  for (const ArchInfo* a : d.resolve.arches) {
    if (a->audit_arch != arch) continue;
    if (a->nr_bit) x32 = true;
    else found = a;
  }
  if (!found && x32) found = FindArch("x32");
  const z3::expr same_arch = w.arch() == ctx.bv_val(arch, 32);
  if (!found) {
    z3::expr foreign = ctx.bool_val(true);
    for (const ArchInfo* a : d.resolve.arches) foreign = foreign && w.arch() != ctx.bv_val(a->audit_arch, 32);
    return {"foreign arches", "", foreign};
  }
  const bool x32_number = arch == kAuditArchX86_64 && (nr & kX32SyscallBit);
  if (arch == kAuditArchX86_64 && !x32 && nr >= kX32SyscallBit) {
    return {kHighNumbers, "x86_64", same_arch && z3::uge(w.nr(), ctx.bv_val(kX32SyscallBit, 32))};
  }
  const z3::expr same = same_arch && w.nr() == ctx.bv_val(nr, 32);
  std::optional<std::string> name = SyscallName(arch, static_cast<int32_t>(nr));
  const std::string arch_name(x32_number ? "x32" : found->name);
  if (name) {  // as the decompiler keys it: a name the compiler resolves back, else the number
    const ArchInfo* a = FindArch(arch_name);
    std::optional<int32_t> back = a ? PolicySyscallNumber(*a, *name) : std::nullopt;
    if (back && static_cast<uint32_t>(*back) == nr) return {*name, arch_name, same};
    return {std::to_string(static_cast<int32_t>(nr)), arch_name, same};
  }
  // Numbers no arch names: one class per arch value.
  z3::expr unnamed = same_arch;
  for (const ArchInfo* a : d.resolve.arches) {
    if (a->audit_arch != arch) continue;
    for (std::string_view n : SyscallNamesOf(*a)) {
      if (std::optional<int32_t> v = PolicySyscallNumber(*a, n)) {
        unnamed = unnamed && w.nr() != ctx.bv_val(static_cast<uint32_t>(*v), 32);
      }
    }
  }
  return {"numbers without a name", arch_name, unnamed};
}

// Numbers of `row` standing for every key it can hold: each number with a name (libseccomp's
// tables end below 8192 and below x32's bit + 8192) and the first number without one. Every
// number of a row differs (analysis::Diff: a row's numbers take one path per argument values).
std::vector<uint32_t> Representatives(const analysis::DiffRow& row) {
  std::vector<uint32_t> out;
  bool unnamed = false;
  auto scan = [&](uint32_t from) {
    for (uint64_t nr = from; nr <= row.nr_last && nr < uint64_t{from} + 8192; ++nr) {
      const bool named = SyscallName(row.arch_first, static_cast<int32_t>(nr)).has_value();
      if (named || !unnamed) out.push_back(static_cast<uint32_t>(nr));
      unnamed |= !named;
    }
  };
  scan(row.nr_first);
  if (row.nr_first < kX32SyscallBit && kX32SyscallBit <= row.nr_last) scan(kX32SyscallBit);
  return out;
}

// Every class of records on which the stacks differ, from analysis::Diff's rows.
std::vector<Inexpressible> Differences(const std::vector<const VerifiedProgram*>& a,
                                       const std::vector<const VerifiedProgram*>& b,
                                       const Decompiled& d, bool* exact) {
  const analysis::DiffResult diff = analysis::Diff(a, b, {.max_differences = size_t{1} << 20});
  if (!diff.exact || diff.truncated) *exact = false;
  z3::context ctx;  // Classify's class expressions are not needed here
  const analysis::DataWords words(ctx);
  std::map<std::string, Inexpressible> by_key;
  std::vector<std::string> order;
  for (const analysis::DiffRow& row : diff.rows) {
    for (uint32_t nr : Representatives(row)) {
      SeccompData rec = row.witness.record;
      rec.nr = static_cast<int32_t>(nr);
      const Classified c = Classify(ctx, words, d, row.arch_first, nr);
      auto [it, fresh] = by_key.try_emplace(c.key);
      Inexpressible& e = it->second;
      if (fresh) {
        order.push_back(c.key);
        e.syscall = c.key;
        for (const Inexpressible& known : d.inexpressible) {
          if (known.syscall == c.key) e.reason = known.reason;
        }
        if (e.reason.empty()) {
          e.reason = "differs: " + analysis::CanonicalText(analysis::ConcreteOutcome(a, rec)) +
                     " in the filter, " +
                     analysis::CanonicalText(analysis::ConcreteOutcome(b, rec)) +
                     " in the compiled policy";
          char text[16];
          std::snprintf(text, sizeof text, "0x%x", rec.nr);
          if (c.key == kHighNumbers) {
            e.reason += " (e.g. nr " + std::string(text) + "; the filter checks x32's bit, as "
                        "libseccomp does; a policy gives these numbers the default unless x32 "
                        "is one of its arches)";
          } else if (c.key.rfind("numbers", 0) == 0) {
            e.reason += " (e.g. nr " + std::string(text) + ")";
          }
        }
      }
      if (!c.arch.empty() &&
          std::find(e.arches.begin(), e.arches.end(), c.arch) == e.arches.end()) {
        e.arches.push_back(c.arch);
      }
    }
  }
  std::vector<Inexpressible> out;
  for (const std::string& k : order) out.push_back(by_key.at(k));
  return out;
}

}  // namespace

Result<RoundTrip> ProveRoundTrip(const std::vector<const VerifiedProgram*>& stack,
                                 const Decompiled& d) {
  ParseOptions parse;
  parse.return_semantics = d.semantics;
  Result<Policy> policy = ParsePolicyText(d.text, "decompiled.policy", parse);
  if (!policy.ok()) return policy.error();
  Result<ResolvedPolicy> resolved = ResolvePolicy(*policy, d.resolve);
  if (!resolved.ok()) return resolved.error();
  Result<Program> program = GenerateFilter(*resolved);
  if (!program.ok()) return program.error();
  Result<VerifiedProgram> verified = Verify(*program);
  if (!verified.ok()) return verified.error();
  RoundTrip out;
  out.recompiled = *program;
  const std::vector<const VerifiedProgram*> b{&*verified};
  const analysis::DiffResult diff = analysis::Diff(stack, b, {.max_differences = 1});
  out.exact = diff.exact;
  out.equivalent = diff.equivalent && diff.exact;
  if (!diff.equivalent) out.differences = Differences(stack, b, d, &out.exact);
  return out;
}

}  // namespace sckit::policy
