// The round trip of `sckit decompile` (decompile.h ProveRoundTrip): compile the text as
// `sckit compile` would with the options the header names, then analysis::Diff against the
// original stack. When they differ, every difference is found by class (a syscall, a number,
// the x32 numbers, the foreign arches) on the same symbolic encoding, so one wide class does
// not hide the others, and each is labelled with the reason the decompiler recorded.
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
    std::optional<int32_t> back = a ? SyscallNumber(*a, *name) : std::nullopt;
    if (back && static_cast<uint32_t>(*back) == nr) return {*name, arch_name, same};
    return {std::to_string(static_cast<int32_t>(nr)), arch_name, same};
  }
  // Numbers no arch names: one class per arch value.
  z3::expr unnamed = same_arch;
  for (const ArchInfo* a : d.resolve.arches) {
    if (a->audit_arch != arch) continue;
    for (std::string_view n : SyscallNamesOf(*a)) {
      if (std::optional<int32_t> v = SyscallNumber(*a, n)) {
        unnamed = unnamed && w.nr() != ctx.bv_val(static_cast<uint32_t>(*v), 32);
      }
    }
  }
  return {"numbers without a name", arch_name, unnamed};
}

// Every class of records on which the stacks differ.
std::vector<Inexpressible> Differences(const std::vector<const VerifiedProgram*>& a,
                                       const std::vector<const VerifiedProgram*>& b,
                                       const Decompiled& d, bool* exact) {
  z3::context ctx;
  analysis::DataWords words(ctx);
  auto outcome = [&](const std::vector<const VerifiedProgram*>& stack) {
    std::vector<z3::expr> rets;
    for (const VerifiedProgram* p : stack) rets.push_back(analysis::Encode(ctx, *p, words).ret);
    return analysis::Canonical(ctx, analysis::StackRet(ctx, rets));
  };
  z3::solver solver(ctx);
  z3::params params(ctx);
  params.set("timeout", 60000u);
  solver.set(params);
  solver.add(outcome(a) != outcome(b));
  std::map<std::string, Inexpressible> by_key;
  std::vector<std::string> order;
  for (size_t rounds = 0; rounds < 4096; ++rounds) {
    const z3::check_result r = solver.check();
    if (r == z3::unknown) *exact = false;
    if (r != z3::sat) break;
    z3::model m = solver.get_model();
    const SeccompData rec = words.FromModel(m);
    Classified c = Classify(ctx, words, d, analysis::EvalU32(m, words.arch()),
                            analysis::EvalU32(m, words.nr()));
    solver.add(!c.exclude);
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
        char nr[16];
        std::snprintf(nr, sizeof nr, "0x%x", rec.nr);
        if (c.key == kHighNumbers) {
          e.reason += " (e.g. nr " + std::string(nr) + "; the filter checks x32's bit, as "
                      "libseccomp does; a policy gives these numbers the default unless x32 "
                      "is one of its arches)";
        } else if (c.key.rfind("numbers", 0) == 0) {
          e.reason += " (e.g. nr " + std::string(nr) + ")";
        }
      }
    }
    if (!c.arch.empty() &&
        std::find(e.arches.begin(), e.arches.end(), c.arch) == e.arches.end()) {
      e.arches.push_back(c.arch);
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
