// Name and action resolution of a parsed policy per arch (see rules_resolve.h).
#include "policy/rules_resolve.h"

#include <mutex>

#include "policy/rules_constants.h"
#include "policy/suggest.h"
#include "vm/bpf.h"
#include "vm/names.h"

namespace sckit::policy {
namespace {

// Syscall numbers scanned for name listings: mips o32/n64/n32 tables start at 4000/5000/6000.
constexpr int32_t kNameScanLimit = 6600;
constexpr uint32_t kAuditArchArm = 0x40000028u;  // AUDIT_ARCH_ARM (EM_ARM, little-endian)
constexpr int32_t kArmPrivateBase = 0x0f0000;    // __ARM_NR_BASE (EABI)

std::optional<uint32_t> DecimalSyscall(const std::string& name) {
  if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  if (name.size() > 10) return std::nullopt;
  const uint64_t v = std::stoull(name);
  if (v > 0xffffffffu) return std::nullopt;
  return static_cast<uint32_t>(v);
}

std::string ArchList(const std::vector<const ArchInfo*>& arches) {
  std::string out;
  for (const ArchInfo* a : arches) out += (out.empty() ? "" : ", ") + std::string(a->name);
  return out;
}

// Whether any of `filters` applies on arch a ([arch=...] metadata).
bool AnyAppliesTo(const std::vector<Filter>& filters, const ArchInfo& a) {
  for (const Filter& f : filters) {
    if (AppliesTo(f.arches, a.name)) return true;
  }
  return false;
}

// The numbers of `name` in group g (two on x86_64+x32: native and x32) on the arches that
// `applies` accepts, or none.
template <typename Pred>
std::vector<uint32_t> NumbersIn(const ArchGroup& g, const std::string& name, Pred applies) {
  std::vector<uint32_t> out;
  bool any = false;
  for (const ArchInfo* a : g.arches) {
    if (!applies(*a)) continue;
    any = true;
    std::optional<int32_t> nr = PolicySyscallNumber(*a, name);
    if (nr) out.push_back(static_cast<uint32_t>(*nr));
  }
  if (std::optional<uint32_t> n = DecimalSyscall(name)) return any ? std::vector<uint32_t>{*n} : out;
  return out;
}

Result<std::vector<ArchGroup>> MakeGroups(const ResolveOptions& options) {
  std::vector<const ArchInfo*> arches = options.arches;
  if (arches.empty()) arches.push_back(FindArch("x86_64"));
  std::vector<ArchGroup> groups;
  for (const ArchInfo* a : arches) {
    if (a == nullptr) return MakeError("arch", "unknown architecture");
    ArchGroup* g = nullptr;
    for (ArchGroup& existing : groups) {
      if (existing.audit_arch == a->audit_arch) g = &existing;
    }
    if (g == nullptr) {
      groups.emplace_back();
      g = &groups.back();
      g->audit_arch = a->audit_arch;
      g->args64 = a->bits == 64;
      g->little_endian = !a->big_endian;
    }
    for (const ArchInfo* have : g->arches) {
      if (have == a) return MakeError("arch", "architecture " + std::string(a->name) + " given twice");
    }
    g->arches.push_back(a);
  }
  return groups;
}

// The arch of syscall number `nr` in group g: x32 for numbers with its bit, when given.
const ArchInfo& ArchOfNumber(const ArchGroup& g, uint32_t nr) {
  for (const ArchInfo* a : g.arches) {
    if (a->nr_bit != 0 && (nr & a->nr_bit) != 0) return *a;
  }
  for (const ArchInfo* a : g.arches) {
    if (a->nr_bit == 0) return *a;
  }
  return *g.arches.front();
}

// A value expression with its names as `arch` defines them.
Result<uint64_t> EvaluateValue(const std::vector<ValueOp>& ops, const ArchInfo& arch) {
  std::vector<uint64_t> stack;
  for (const ValueOp& op : ops) {
    switch (op.kind) {
      case ValueOp::Kind::kNumber: stack.push_back(op.number); break;
      case ValueOp::Kind::kName: {
        ArchConstant c = LookupArchConstant(arch.name, op.name);
        if (!c.value) {
          return LocatedError(op.loc, "constant '" + op.name + "' on " + std::string(arch.name) +
                                          ": " + c.why_not);
        }
        stack.push_back(*c.value);
        break;
      }
      case ValueOp::Kind::kComplement:
        if (stack.empty()) return MakeError("internal", "bad value expression");
        stack.back() = ~stack.back();
        break;
      case ValueOp::Kind::kOr: {
        if (stack.size() < 2) return MakeError("internal", "bad value expression");
        const uint64_t b = stack.back();
        stack.pop_back();
        stack.back() |= b;
        break;
      }
    }
  }
  if (stack.size() != 1) return MakeError("internal", "bad value expression");
  return stack.back();
}

bool HasNames(const std::vector<ValueOp>& ops) {
  for (const ValueOp& op : ops) {
    if (op.kind == ValueOp::Kind::kName) return true;
  }
  return false;
}

// An atom with its value as `arch` defines it; on a 32-bit arch it must fit the word.
Result<Atom> AtomFor(const Atom& a, const ArchInfo& arch) {
  Atom out = a;
  if (HasNames(a.expr)) {
    Result<uint64_t> v = EvaluateValue(a.expr, arch);
    if (!v.ok()) return v.error();
    out.value = *v;
  }
  const uint64_t hi = out.value >> 32;
  if (arch.bits == 32 && hi != 0 && hi != 0xffffffffu) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(out.value));
    return LocatedError(a.loc, std::string("constant ") + buf +
                                   " does not fit in the 32-bit arguments of " +
                                   std::string(arch.name));
  }
  return out;
}

// A named errno's number on `arch` (vm/names.h: ENOSYS is 89 on mips, 38 on x86_64); a
// numbered errno is taken as written.
Result<bool> ErrnoOn(RuleAction* a, const ArchInfo& arch) {
  if (a->kind != ActionKind::kErrno || a->data_name.empty()) return true;
  const std::optional<int> value = ErrnoByName(a->data_name, arch.audit_arch);
  if (!value) {
    return LocatedError(a->data_loc, "errno '" + a->data_name + "' is not an errno of " +
                                         std::string(arch.name) + ": write the number");
  }
  a->data = static_cast<uint32_t>(*value);
  return true;
}

// The default action is one value for every arch: a named errno must mean the same number on
// each given arch (a rule's errno takes each arch's own number: MakeArchRules).
Result<bool> CheckDefaultErrno(RuleAction* a, const std::vector<ArchGroup>& groups) {
  const ArchInfo* first = nullptr;
  uint32_t agreed = 0;
  for (const ArchGroup& g : groups) {
    for (const ArchInfo* arch : g.arches) {
      Result<bool> ok = ErrnoOn(a, *arch);
      if (!ok.ok()) return ok;
      if (first != nullptr && a->data != agreed) {
        return LocatedError(a->data_loc, "errno '" + a->data_name + "' is " +
                                             std::to_string(a->data) + " on " +
                                             std::string(arch->name) + " but " +
                                             std::to_string(agreed) + " on " +
                                             std::string(first->name) +
                                             ": the default action is one value, write the number");
      }
      if (first == nullptr) first = arch;
      agreed = a->data;
    }
  }
  return true;
}

// The rule of every mapped number, its constants as the number's arch defines them.
Result<bool> MakeArchRules(const Policy& policy, ResolvedPolicy* out) {
  for (ArchGroup& g : out->groups) {
    for (const auto& [nr, index] : g.rules) {
      const ArchInfo& arch = ArchOfNumber(g, nr);
      SyscallRule rule = policy.rules[index];
      std::erase_if(rule.filters, [&arch](const Filter& f) { return !AppliesTo(f.arches, arch.name); });
      for (Filter& f : rule.filters) {
        for (RuleAction* a : {&f.if_true, f.if_false ? &*f.if_false : nullptr}) {
          Result<bool> ok = a ? ErrnoOn(a, arch) : Result<bool>(true);
          if (!ok.ok()) return ok.error();
        }
        for (Clause& c : f.expr) {
          for (Atom& a : c) {
            Result<Atom> at = AtomFor(a, arch);
            if (!at.ok()) return at.error();
            a = std::move(*at);
          }
        }
      }
      g.arch_rules.emplace(nr, std::move(rule));
    }
  }
  return true;
}

// Maps every rule's name to its numbers in each group; errors and warnings as documented.
Result<bool> MapRules(const Policy& policy, ResolvedPolicy* out) {
  for (size_t i = 0; i < policy.rules.size(); ++i) {
    const SyscallRule& r = policy.rules[i];
    std::vector<const ArchInfo*> missing;
    size_t found = 0, applicable = 0;
    auto applies = [&r](const ArchInfo& a) { return AnyAppliesTo(r.filters, a); };
    for (ArchGroup& g : out->groups) {
      std::vector<uint32_t> nrs = NumbersIn(g, r.name, applies);
      for (const ArchInfo* a : g.arches) {
        if (!applies(*a)) continue;
        ++applicable;
        if (!DecimalSyscall(r.name) && !PolicySyscallNumber(*a, r.name)) missing.push_back(a);
      }
      found += nrs.size();
      for (uint32_t nr : nrs) {
        auto [it, inserted] = g.rules.emplace(nr, i);
        if (!inserted) {
          const SyscallRule& other = policy.rules[it->second];
          return LocatedError(r.loc, "'" + r.name + "' is syscall " + std::to_string(nr) +
                                         ", already given as '" + other.name + "' at " +
                                         other.loc.ToString());
        }
      }
    }
    if (applicable == 0) continue;  // [arch=...] names none of the arches compiled for
    if (found == 0) {
      const ArchInfo& first = *out->groups.front().arches.front();
      const std::string where = missing.size() > 1 ? " on any of " + ArchList(missing) : "";
      return LocatedError(r.loc, "unknown syscall '" + r.name + "'" + where +
                                     DidYouMean(r.name, SyscallNamesOf(first)));
    }
    if (!missing.empty()) {
      out->warnings.push_back(r.loc.ToString() + ": '" + r.name + "' is not a syscall on " +
                              ArchList(missing) + "; its rule is left out there");
    }
  }
  return true;
}

Result<bool> MapFrequencies(const Policy& policy, ResolvedPolicy* out) {
  for (const FrequencyEntry& f : policy.frequencies) {
    size_t found = 0, applicable = 0;
    for (ArchGroup& g : out->groups) {
      auto applies = [&f](const ArchInfo& a) { return AppliesTo(f.arches, a.name); };
      for (const ArchInfo* a : g.arches) applicable += applies(*a) ? 1 : 0;
      for (uint32_t nr : NumbersIn(g, f.name, applies)) {
        g.frequency[nr] += f.count;
        ++found;
      }
    }
    if (applicable == 0) continue;  // [arch=...] names none of the arches compiled for
    if (found == 0) {
      const ArchInfo& first = *out->groups.front().arches.front();
      return LocatedError(f.loc, "unknown syscall '" + f.name + "'" +
                                     DidYouMean(f.name, SyscallNamesOf(first)));
    }
  }
  return true;
}

}  // namespace

uint32_t ResolvedPolicy::Ret(const RuleAction& a) const {
  switch (a.kind) {
    case ActionKind::kAllow: return seccomp::kRetAllow;
    case ActionKind::kKill: return kill_ret;
    case ActionKind::kKillProcess: return seccomp::kRetKillProcess;
    case ActionKind::kKillThread: return seccomp::kRetKillThread;
    case ActionKind::kTrap: return seccomp::kRetTrap;
    case ActionKind::kTrace: return seccomp::kRetTrace;
    case ActionKind::kLog: return seccomp::kRetLog;
    case ActionKind::kUserNotify: return seccomp::kRetUserNotif;
    case ActionKind::kErrno: return seccomp::kRetErrno | a.data;
    case ActionKind::kDefault: return default_ret;
  }
  return kill_ret;
}

Result<ResolvedPolicy> ResolvePolicy(const Policy& policy, const ResolveOptions& options) {
  ResolvedPolicy out;
  out.policy = &policy;
  out.warnings = policy.warnings;
  Result<std::vector<ArchGroup>> groups = MakeGroups(options);
  if (!groups.ok()) return groups.error();
  out.groups = std::move(*groups);
  out.kill_ret = options.kill_process ? seccomp::kRetKillProcess : seccomp::kRetKillThread;
  RuleAction def{policy.denylist ? ActionKind::kAllow : ActionKind::kKill, 0};
  if (policy.default_action) def = *policy.default_action;
  if (options.default_action) def = *options.default_action;
  if (def.kind == ActionKind::kDefault) {
    return MakeError("policy", "the default action cannot be a bare 'return' (give an errno)");
  }
  Result<bool> def_ok = CheckDefaultErrno(&def, out.groups);
  if (!def_ok.ok()) return def_ok.error();
  out.default_ret = out.Ret(def);
  Result<bool> mapped = MapRules(policy, &out);
  if (!mapped.ok()) return mapped.error();
  Result<bool> per_arch = MakeArchRules(policy, &out);
  if (!per_arch.ok()) return per_arch.error();
  Result<bool> freq = MapFrequencies(policy, &out);
  if (!freq.ok()) return freq.error();
  return out;
}

std::optional<int32_t> PolicySyscallNumber(const ArchInfo& arch, std::string_view name) {
  if (std::optional<int32_t> nr = SyscallNumber(arch, name)) return nr;
  if (name.starts_with("ARM_")) {
    if (arch.audit_arch != kAuditArchArm) return std::nullopt;
    std::optional<int32_t> nr = SyscallNumber(arch, name.substr(4));
    const bool arm_private = nr && (*nr & ~0xffff) == kArmPrivateBase;
    return arm_private ? nr : std::nullopt;
  }
  // A pseudo number (or a name libseccomp does not know): the arch's own number by that name,
  // from libseccomp's number-to-name table; the highest, as mips's tables also answer for
  // numbers without the 4000/5000/6000 base.
  std::optional<int32_t> direct;
  for (int32_t nr : SyscallNumbers(arch)) {
    if (SyscallName(arch.audit_arch, nr) == name) direct = nr;
  }
  return direct;
}

const std::vector<std::string_view>& SyscallNamesOf(const ArchInfo& arch) {
  static std::mutex mu;
  static std::map<std::string_view, std::pair<std::vector<std::string>,
                                              std::vector<std::string_view>>>* cache =
      new std::map<std::string_view,
                   std::pair<std::vector<std::string>, std::vector<std::string_view>>>;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache->find(arch.name);
  if (it != cache->end()) return it->second.second;
  auto& entry = (*cache)[arch.name];
  for (int32_t nr = 0; nr < kNameScanLimit; ++nr) {
    const int32_t full = static_cast<int32_t>(static_cast<uint32_t>(nr) | arch.nr_bit);
    if (std::optional<std::string> n = SyscallName(arch.audit_arch, full)) {
      entry.first.push_back(*n);
    }
  }
  // arm's private calls (cacheflush, set_tls, ...), in the range the kernel keeps for them.
  if (arch.audit_arch == kAuditArchArm) {
    for (int32_t nr = kArmPrivateBase; nr < kArmPrivateBase + 0x800; ++nr) {
      std::optional<std::string> n = SyscallName(arch.audit_arch, nr);
      if (n) entry.first.push_back(*n);
    }
  }
  for (const std::string& s : entry.first) entry.second.push_back(s);
  return entry.second;
}

}  // namespace sckit::policy
