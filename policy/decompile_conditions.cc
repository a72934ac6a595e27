// Paths to clauses of the rules language, and their text (decompile_conditions.h).
#include "policy/decompile_conditions.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <map>
#include <mutex>

#include "policy/rules_constants.h"
#include "vm/arch.h"
#include "vm/bpf.h"
#include "vm/names.h"

namespace sckit::policy {
namespace {

Error Inexpressible(const std::string& why) { return MakeError("inexpressible", why); }

ArgCond Intersect(ArgCond a, const ArgCond& b) {
  a.min = std::max(a.min, b.min);
  a.max = std::min(a.max, b.max);
  a.set |= b.set;
  a.clear |= b.clear;
  a.any.insert(a.any.end(), b.any.begin(), b.any.end());
  a.ne.insert(a.ne.end(), b.ne.begin(), b.ne.end());
  return a;
}

// Normal form: no excluded value outside the range or repeated, sorted lists; false if empty.
bool Normalize(ArgCond* c) {
  if (c->min > c->max || (c->set & c->clear)) return false;
  std::erase_if(c->ne, [&](uint64_t v) {
    return v < c->min || v > c->max || (v & c->set) != c->set || (v & c->clear);
  });
  std::sort(c->ne.begin(), c->ne.end());
  c->ne.erase(std::unique(c->ne.begin(), c->ne.end()), c->ne.end());
  std::vector<uint64_t> any;
  for (uint64_t m : c->any) {
    if (m & c->set) continue;  // a required bit satisfies it
    if ((m & ~c->clear) == 0) return false;  // every bit forbidden
    any.push_back(m & ~c->clear);
  }
  c->any = std::move(any);
  std::sort(c->any.begin(), c->any.end());
  c->any.erase(std::unique(c->any.begin(), c->any.end()), c->any.end());
  if (c->min == c->max) {
    for (uint64_t e : c->ne) {
      if (e == c->min) return false;
    }
  }
  return true;
}

Error LowWordAlone(const std::string& arg) {
  return Inexpressible("a test on the low word of " + arg + " alone (as libseccomp writes for "
                       "32-bit ABIs such as x32), which a 64-bit arch's rules cannot state");
}

// One alternative per bit of `mask` (shifted left by `shift`): that bit differs from `v`'s.
std::vector<ArgCond> BitDiffers(uint32_t mask, uint32_t v, int shift) {
  std::vector<ArgCond> out;
  for (int b = 0; b < 32; ++b) {
    const uint32_t bit = 1u << b;
    if (!(mask & bit)) continue;
    ArgCond c;
    (v & bit ? c.clear : c.set) = uint64_t{bit} << shift;
    out.push_back(c);
  }
  return out;
}

struct Word {
  const WordSet* s;
  int shift;  // 32 for the high word
};

// One argument's word sets as alternatives (a disjunction of ArgConds).
Result<std::vector<ArgCond>> ArgAlternatives(int arg, const WordSet& hi, const WordSet& lo,
                                             const ArgLayout& layout, size_t cap) {
  const std::string name = "arg" + std::to_string(arg);
  if (hi.masked_order || lo.masked_order) {
    return Inexpressible("an ordering test on a masked word of " + name);
  }
  ArgCond base;
  std::vector<std::vector<ArgCond>> groups;
  if (!layout.args64) {
    if (!hi.Trivial()) {
      return Inexpressible("a test on the high word of " + name +
                           ", which the rules of a 32-bit arch do not compare");
    }
    base.max = 0xffffffffu;
  }
  const bool pinned = !layout.args64 || hi.min == hi.max;
  const uint64_t h = layout.args64 ? uint64_t{hi.min} << 32 : 0;
  if (pinned) {
    base.min = h | lo.min;
    base.max = h | lo.max;
  } else if (lo.min == 0 && lo.max == 0xffffffffu) {
    base.min = uint64_t{hi.min} << 32;
    base.max = (uint64_t{hi.max} << 32) | 0xffffffffu;
  } else {
    return LowWordAlone(name);
  }
  for (const Word& w : {Word{&hi, 32}, Word{&lo, 0}}) {
    base.set |= uint64_t{w.s->set} << w.shift;
    base.clear |= uint64_t{w.s->clear} << w.shift;
    for (uint32_t m : w.s->any) base.any.push_back(uint64_t{m} << w.shift);
    for (auto [m, v] : w.s->not_pattern) groups.push_back(BitDiffers(m, v, w.shift));
  }
  if (!pinned && !lo.excluded.empty()) return LowWordAlone(name);
  for (uint32_t v : lo.excluded) base.ne.push_back(h | v);
  for (uint32_t hv : hi.excluded) {
    std::vector<ArgCond> two;
    if (hv > 0) two.push_back(ArgCond{0, (uint64_t{hv} << 32) - 1});
    if (hv < 0xffffffffu) {
      two.push_back(ArgCond{(uint64_t{hv} << 32) + 0x100000000u, ~uint64_t{0}});
    }
    groups.push_back(two);
  }
  std::vector<ArgCond> alts{base};
  for (const auto& g : groups) {
    std::vector<ArgCond> next;
    for (const ArgCond& a : alts) {
      for (const ArgCond& b : g) {
        ArgCond c = Intersect(a, b);
        if (Normalize(&c)) next.push_back(c);
      }
      if (next.size() > cap) return Inexpressible("too many clauses for " + name);
    }
    alts = std::move(next);
  }
  std::erase_if(alts, [](ArgCond& c) { return !Normalize(&c); });
  return alts;
}

bool Unconstrained(const ArgCond& c, const ArgLayout& layout) {
  const uint64_t top = layout.args64 ? ~uint64_t{0} : 0xffffffffu;
  return c.min == 0 && c.max >= top && c.set == 0 && c.clear == 0 && c.any.empty() &&
         c.ne.empty();
}

// Two clauses equal but for one argument whose ranges touch: one clause (nullopt if not).
std::optional<CondClause> Merge(const CondClause& a, const CondClause& b,
                                const ArgLayout& layout) {
  int diff = -1;
  for (int i = 0; i < 6; ++i) {
    if (a[i] == b[i]) continue;
    if (diff >= 0 || !a[i] || !b[i]) return std::nullopt;
    diff = i;
  }
  if (diff < 0) return a;
  const ArgCond& x = *a[diff];
  const ArgCond& y = *b[diff];
  if (x.set != y.set || x.clear != y.clear || x.any != y.any) return std::nullopt;
  const ArgCond& lo = x.min <= y.min ? x : y;
  const ArgCond& hi = x.min <= y.min ? y : x;
  if (lo.max != ~uint64_t{0} && hi.min > lo.max + 1) return std::nullopt;
  ArgCond m = x;
  m.min = lo.min;
  m.max = std::max(lo.max, hi.max);
  m.ne.clear();
  auto in = [](const ArgCond& c, uint64_t v) {
    return v >= c.min && v <= c.max && !std::binary_search(c.ne.begin(), c.ne.end(), v);
  };
  for (const ArgCond* c : {&x, &y}) {
    for (uint64_t v : c->ne) {
      if (!in(x, v) && !in(y, v)) m.ne.push_back(v);
    }
  }
  Normalize(&m);
  CondClause out = a;
  out[diff] = m;
  if (Unconstrained(m, layout)) out[diff].reset();
  return out;
}

void MergeAll(std::vector<CondClause>* clauses, const ArgLayout& layout) {
  bool changed = true;
  while (changed) {
    changed = false;
    for (size_t i = 0; i < clauses->size() && !changed; ++i) {
      for (size_t j = i + 1; j < clauses->size() && !changed; ++j) {
        if (auto m = Merge((*clauses)[i], (*clauses)[j], layout)) {
          (*clauses)[i] = *m;
          clauses->erase(clauses->begin() + static_cast<std::ptrdiff_t>(j));
          changed = true;
        }
      }
    }
  }
}

// ---- text ----

struct NameHint {
  const char* syscall;
  int arg;
  const char* prefix;
  bool flags;  // a bit set: names of single bits, or-ed
};

constexpr NameHint kHints[] = {
    {"clone", 0, "CLONE_", true},      {"unshare", 0, "CLONE_", true},
    {"setns", 1, "CLONE_", true},      {"socket", 0, "AF_", false},
    {"socketpair", 0, "AF_", false},   {"mmap", 2, "PROT_", true},
    {"mprotect", 2, "PROT_", true},    {"pkey_mprotect", 2, "PROT_", true},
    {"mmap", 3, "MAP_", true},         {"prctl", 0, "PR_", false},
    {"fcntl", 1, "F_", false},         {"madvise", 2, "MADV_", false},
    {"setsockopt", 1, "SOL_", false},  {"getsockopt", 1, "SOL_", false},
    {"futex", 1, "FUTEX_", false},     {"getrandom", 2, "GRND_", true},
    {"mount", 3, "MS_", true},         {"open", 1, "O_", true},
    {"openat", 2, "O_", true},         {"ioctl", 1, "TC", false},
};

// The value of `name` on every arch of `arches` (x86_64's when empty); nullopt when it differs
// between them or one lacks it.
std::optional<uint64_t> ValueOnAll(std::string_view name, const std::vector<std::string>& arches) {
  if (arches.empty()) return LookupConstant(name);
  std::optional<uint64_t> out;
  for (const std::string& a : arches) {
    const ArchConstant c = LookupArchConstant(a, name);
    if (!c.value || (out && *out != *c.value)) return std::nullopt;
    out = c.value;
  }
  return out;
}

// Value -> name for names with `prefix` that mean that value on every arch of `arches`
// (shortest name, then alphabetical, wins).
const std::map<uint64_t, std::string>& NamesWithPrefix(const std::string& prefix,
                                                       const std::vector<std::string>& arches) {
  static std::mutex mu;
  static auto* cache = new std::map<std::string, std::map<uint64_t, std::string>>;
  std::lock_guard<std::mutex> lock(mu);
  std::string key = prefix;
  for (const std::string& a : arches) key += "/" + a;
  auto [it, fresh] = cache->try_emplace(key);
  if (fresh) {
    for (std::string_view n : ConstantNames()) {
      if (n.substr(0, prefix.size()) != prefix) continue;
      const std::optional<uint64_t> v = ValueOnAll(n, arches);
      if (!v) continue;
      std::string& slot = it->second[*v];
      if (slot.empty() || n.size() < slot.size()) slot = std::string(n);
    }
  }
  return it->second;
}

std::string Number(uint64_t v) {
  if (v < 4096) return std::to_string(v);
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// `v` by name where a hint applies and the names give exactly v; else a number.
std::string Value(uint64_t v, const std::string& syscall, int arg,
                  const std::vector<std::string>& arches) {
  for (const NameHint& h : kHints) {
    if (syscall != h.syscall || arg != h.arg) continue;
    const auto& names = NamesWithPrefix(h.prefix, arches);
    auto it = names.find(v);
    if (it != names.end() && v != 0) return it->second;
    if (!h.flags || v == 0 || v > 0xffffffffu) break;
    std::string out;
    uint64_t left = v;
    for (int b = 0; b < 32 && left; ++b) {
      const uint64_t bit = uint64_t{1} << b;
      if (!(left & bit)) continue;
      auto n = names.find(bit);
      if (n == names.end()) return Number(v);
      out += (out.empty() ? "" : "|") + n->second;
      left &= ~bit;
    }
    return out;
  }
  return Number(v);
}

}  // namespace

Result<std::vector<CondClause>> PathsToClauses(const std::vector<const DataPath*>& paths,
                                               const ArgLayout& layout, size_t max_clauses) {
  std::vector<CondClause> out;
  for (const DataPath* p : paths) {
    std::array<WordSet, 16> words;
    for (const WordPred& w : p->preds) {
      if (w.word == 2 || w.word == 3) {
        return Inexpressible("a test on the instruction pointer");
      }
      words[w.word].Add(w);
    }
    std::vector<CondClause> clauses(1);
    bool empty = false;
    for (int arg = 0; arg < 6 && !empty; ++arg) {
      const int first = 4 + 2 * arg;
      const WordSet& lo = words[layout.little_endian ? first : first + 1];
      const WordSet& hi = words[layout.little_endian ? first + 1 : first];
      if (lo.empty || hi.empty) { empty = true; break; }
      if (lo.Trivial() && hi.Trivial()) continue;
      Result<std::vector<ArgCond>> alts = ArgAlternatives(arg, hi, lo, layout, max_clauses);
      if (!alts.ok()) return alts.error();
      std::vector<CondClause> next;
      for (const CondClause& c : clauses) {
        for (const ArgCond& a : *alts) {
          CondClause n = c;
          if (!Unconstrained(a, layout)) n[arg] = a;
          next.push_back(n);
        }
      }
      clauses = std::move(next);
      if (clauses.size() > max_clauses) return Inexpressible("too many clauses");
    }
    if (empty) continue;
    out.insert(out.end(), clauses.begin(), clauses.end());
    MergeAll(&out, layout);
    if (out.size() > max_clauses) return Inexpressible("more than " +
                                                       std::to_string(max_clauses) + " clauses");
  }
  std::sort(out.begin(), out.end(), [](const CondClause& a, const CondClause& b) {
    for (int i = 0; i < 6; ++i) {
      if (a[i].has_value() != b[i].has_value()) return a[i].has_value();
      if (!a[i]) continue;
      if (a[i]->min != b[i]->min) return a[i]->min < b[i]->min;
      if (a[i]->max != b[i]->max) return a[i]->max < b[i]->max;
    }
    return false;
  });
  return out;
}

std::string RenderClause(const CondClause& clause, const ArgLayout& layout,
                         const std::string& syscall) {
  const uint64_t top = layout.args64 ? ~uint64_t{0} : 0xffffffffu;
  std::vector<std::string> atoms;
  for (int i = 0; i < 6; ++i) {
    if (!clause[i]) continue;
    const ArgCond& c = *clause[i];
    const std::string arg = "arg" + std::to_string(i);
    auto val = [&](uint64_t v) { return Value(v, syscall, i, layout.name_arches); };
    if (c.min == c.max) {
      atoms.push_back(arg + " == " + val(c.min));
    } else {
      if (c.min > 0) atoms.push_back(arg + " >= " + Number(c.min));
      if (c.max < top) atoms.push_back(arg + " <= " + Number(c.max));
      for (uint64_t v : c.ne) atoms.push_back(arg + " != " + val(v));
    }
    for (int b = 0; b < 64; ++b) {
      const uint64_t bit = uint64_t{1} << b;
      if (c.set & bit) atoms.push_back(arg + " & " + val(bit));
    }
    if (c.clear) {  // `in ALLOWED` when few bits are allowed, else `in ~FORBIDDEN`
      const uint64_t allowed = ~c.clear & top;
      if (std::popcount(allowed) <= 16) {
        atoms.push_back(arg + " in " + (allowed ? val(allowed) : "0"));
      } else {
        const std::string v = val(c.clear);
        const bool simple = v.find('|') == std::string::npos;
        atoms.push_back(arg + " in ~" + (simple ? v : "(" + v + ")"));
      }
    }
    for (uint64_t m : c.any) atoms.push_back(arg + " & " + val(m));
  }
  std::string out;
  for (const std::string& a : atoms) out += (out.empty() ? "" : " && ") + a;
  return out;
}

std::optional<std::string> ActionWord(uint32_t canonical, const std::vector<std::string>& arches) {
  using namespace seccomp;  // NOLINT
  const uint32_t data = canonical & kRetData;
  switch (canonical & kRetActionFull) {
    case kRetAllow: return "allow";
    case kRetKillThread: return "kill-thread";
    case kRetKillProcess: return "kill-process";
    case kRetLog: return "log";
    case kRetUserNotif: return "user-notify";
    case kRetTrap: return data ? std::nullopt : std::optional<std::string>("trap");
    case kRetTrace: return data ? std::nullopt : std::optional<std::string>("trace");
    case kRetErrno: {
      // The name the errno has on every arch (vm/names.h), and on x86_64, where the rules
      // parser reads it before the compiler checks it on each arch (rules_resolve CheckErrno).
      std::string_view name = ErrnoNameOf(static_cast<int>(data), kAuditArchX86_64);
      for (const std::string& a : arches) {
        const ArchInfo* arch = FindArch(a);
        if (arch == nullptr || ErrnoNameOf(static_cast<int>(data), arch->audit_arch) != name) {
          name = {};
        }
      }
      return "return " + (name.empty() ? std::to_string(data) : std::string(name));
    }
  }
  return std::nullopt;
}

}  // namespace sckit::policy
