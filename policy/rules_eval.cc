// Reference evaluation of a policy (see rules_eval.h).
#include "policy/rules_eval.h"

namespace sckit::policy {
namespace {

uint64_t ArgAsSeen(const ArchGroup& g, const SeccompData& d, int arg) {
  const uint64_t lo = LoadWord(d, g.LowWord(arg));
  if (!g.args64) return lo;
  return (static_cast<uint64_t>(LoadWord(d, g.HighWord(arg))) << 32) | lo;
}

bool EvaluateExpr(const ArchGroup& g, const std::vector<Clause>& expr, const SeccompData& d) {
  for (const Clause& clause : expr) {
    bool all = true;
    for (const Atom& a : clause) {
      Atom as_seen = a;
      as_seen.value = ResolvedPolicy::GroupValue(g, a.value);
      if (!EvaluateAtom(as_seen, ArgAsSeen(g, d, a.arg))) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

}  // namespace

bool EvaluateAtom(const Atom& atom, uint64_t arg) {
  const uint64_t v = atom.value;
  switch (atom.op) {
    case CompareOp::kEq: return arg == v;
    case CompareOp::kNe: return arg != v;
    case CompareOp::kLt: return arg < v;
    case CompareOp::kLe: return arg <= v;
    case CompareOp::kGt: return arg > v;
    case CompareOp::kGe: return arg >= v;
    case CompareOp::kAnySet: return (arg & v) != 0;
    case CompareOp::kIn: return (arg & ~v) == 0;
  }
  return false;
}

uint32_t EvaluatePolicy(const ResolvedPolicy& policy, const SeccompData& data) {
  const ArchGroup* group = nullptr;
  for (const ArchGroup& g : policy.groups) {
    if (g.audit_arch == data.arch) group = &g;
  }
  if (group == nullptr) return policy.kill_ret;
  auto it = group->rules.find(static_cast<uint32_t>(data.nr));
  if (it == group->rules.end()) return policy.default_ret;
  const SyscallRule& rule = ResolvedPolicy::RuleFor(*group, it->first);
  for (const Filter& f : rule.filters) {
    if (f.expr.empty()) return policy.Ret(f.if_true);
    if (EvaluateExpr(*group, f.expr, data)) return policy.Ret(f.if_true);
    if (f.if_false) return policy.Ret(*f.if_false);
  }
  return policy.default_ret;
}

}  // namespace sckit::policy
