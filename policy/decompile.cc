// sckit decompile: a stack back to the rules language (decompile.h). The proof is
// decompile_proof.cc.
#include "policy/decompile.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "analysis/symbolic.h"
#include "policy/decompile_conditions.h"
#include "policy/decompile_paths.h"
#include "vm/bpf.h"
#include "vm/names.h"

namespace sckit::policy {
namespace {

constexpr uint32_t kUnnamedNr = 0x3ffffff0u;  // no arch names it; below x32's bit

// One syscall of one arch: its outcomes with their clauses, or why they cannot be stated.
struct Row {
  std::string name;
  int32_t nr = 0;
  std::string reason;  // non-empty: inexpressible
  std::map<uint32_t, std::vector<CondClause>> outcomes;
  // The one outcome whose condition the language cannot state (its clauses empty): it is
  // written last, for whatever the other outcomes' conditions leave.
  std::optional<uint32_t> remainder;
};

struct ArchRows {
  const ArchInfo* arch;
  ArgLayout layout;
  std::vector<Row> rows;
};

// Whether the stack treats `arch` differently from an arch value nobody uses, on some syscall
// number the arch names.
bool Accepts(const std::vector<const VerifiedProgram*>& stack, const ArchInfo& arch) {
  auto same = [](const PathSet& a, const PathSet& b) {
    if (a.inexpressible != b.inexpressible || a.paths.size() != b.paths.size()) return false;
    for (size_t i = 0; i < a.paths.size(); ++i) {
      if (a.paths[i].outcome != b.paths[i].outcome) return false;
    }
    return true;
  };
  for (std::string_view n : SyscallNamesOf(arch)) {
    std::optional<int32_t> nr = PolicySyscallNumber(arch, n);
    if (!nr) continue;
    const uint32_t u = static_cast<uint32_t>(*nr);
    if (!same(StackPaths(stack, arch.audit_arch, u), StackPaths(stack, 0, u))) return true;
  }
  return false;
}

// Arches whose AUDIT_ARCH value some jump of the stack compares with, that have syscall names
// and that the stack treats differently from a foreign arch; x32 when a number with its bit
// (other than the bit alone) is compared too.
std::vector<const ArchInfo*> DetectArches(const std::vector<const VerifiedProgram*>& stack) {
  std::set<uint32_t> ks;
  for (const VerifiedProgram* p : stack) {
    for (const SockFilter& in : p->insns()) {
      if (bpf::Class(in.code) == bpf::kJMP && bpf::Op(in.code) != bpf::kJA) ks.insert(in.k);
    }
  }
  bool x32 = false;
  for (uint32_t k : ks) {
    if ((k & kX32SyscallBit) && k != kX32SyscallBit && (k & ~kX32SyscallBit) < 0x1000) x32 = true;
  }
  std::vector<const ArchInfo*> out;
  for (const ArchInfo& a : AllArches()) {
    if (!ks.count(a.audit_arch) || SyscallNamesOf(a).empty()) continue;
    if (a.nr_bit && !x32) continue;
    if (Accepts(stack, a)) out.push_back(&a);
  }
  return out;
}

Row MakeRow(const std::vector<const VerifiedProgram*>& stack, const ArchRows& ar,
            const std::string& name, int32_t nr, const DecompileOptions& options) {
  Row row{name, nr, "", {}};
  PathSet paths = StackPaths(stack, ar.arch->audit_arch, static_cast<uint32_t>(nr),
                             options.max_paths);
  if (!paths.inexpressible.empty()) {
    row.reason = paths.inexpressible;
    return row;
  }
  std::map<uint32_t, std::vector<const DataPath*>> by;
  for (const DataPath& p : paths.paths) by[p.outcome].push_back(&p);
  std::string unstated;
  for (const auto& [outcome, list] : by) {
    if (!ActionWord(outcome)) {
      row.reason = "returns " + analysis::CanonicalText(outcome, NumberingOf(ar.arch->audit_arch)) +
                   ", which the rules language cannot state";
      return row;
    }
    if (by.size() == 1) {
      row.outcomes[outcome] = {};
      break;
    }
    Result<std::vector<CondClause>> c = PathsToClauses(list, ar.layout, options.max_clauses);
    if (!c.ok() && !row.remainder) {  // the other outcomes' conditions may still state it
      row.remainder = outcome;
      unstated = c.error().message;
      row.outcomes[outcome] = {};
      continue;
    }
    if (!c.ok()) {
      row.reason = unstated;
      return row;
    }
    row.outcomes[outcome] = std::move(*c);
  }
  return row;
}

ArchRows RowsOf(const std::vector<const VerifiedProgram*>& stack, const ArchInfo* arch,
                const std::vector<const ArchInfo*>& all_arches, const DecompileOptions& options) {
  ArchRows ar{arch, ArgLayout{arch->bits == 64, !arch->big_endian, {std::string(arch->name)}, {}},
              {}};
  for (const ArchInfo* a : all_arches) ar.layout.all_arches.emplace_back(a->name);
  std::map<int32_t, std::string> names;
  for (std::string_view n : SyscallNamesOf(*arch)) {
    // As the compiler resolves names: i386's direct socket and IPC calls by their own number.
    std::optional<int32_t> nr = PolicySyscallNumber(*arch, n);
    if (!nr) continue;
    std::optional<std::string> canonical = SyscallName(arch->audit_arch, *nr);
    names.emplace(*nr, canonical ? *canonical : std::string(n));
  }
  // Numbers with a name the compiler does not resolve to them are written as numbers.
  for (int32_t nr = 0; nr < 4096; ++nr) {
    const int32_t full = static_cast<int32_t>(static_cast<uint32_t>(nr) | arch->nr_bit);
    if (names.count(full)) continue;
    if (SyscallName(arch->audit_arch, full)) names.emplace(full, std::to_string(full));
  }
  for (const auto& [nr, name] : names) ar.rows.push_back(MakeRow(stack, ar, name, nr, options));
  return ar;
}

// The outcome the compiled policy's default must be: what a number nobody names gets, when
// that is one outcome; else the most common unconditional outcome.
uint32_t ChooseDefault(const std::vector<const VerifiedProgram*>& stack,
                       const std::vector<ArchRows>& all) {
  PathSet unnamed = StackPaths(stack, all.front().arch->audit_arch, kUnnamedNr);
  if (unnamed.inexpressible.empty() && unnamed.paths.size() == 1) {
    return unnamed.paths[0].outcome;
  }
  std::map<uint32_t, size_t> count;
  for (const ArchRows& ar : all) {
    for (const Row& r : ar.rows) {
      if (r.reason.empty() && r.outcomes.size() == 1) ++count[r.outcomes.begin()->first];
    }
  }
  uint32_t best = seccomp::kRetKillThread;
  size_t n = 0;
  for (const auto& [o, c] : count) {
    if (c > n) best = o, n = c;
  }
  return best;
}

struct Lines {
  std::vector<std::string> lines;
  uint32_t unconditional = 0;  // the outcome when the row is one unconditional line
  bool conditional = false;
  bool python = false;
};

// The rule lines of a row under default `def` (none when the row is the default).
Lines RowLines(const Row& row, uint32_t def, const ArgLayout& layout) {
  Lines out;
  if (row.outcomes.size() == 1) {
    const uint32_t o = row.outcomes.begin()->first;
    if (o != def) {
      out.unconditional = o;
      const std::string w = *ActionWord(o, layout.all_arches);
      out.lines.push_back(row.name + ": " + (w == "allow" ? "1" : w));
    }
    return out;
  }
  out.conditional = true;
  // Allow or else one action: `name: ALLOWED` and `name: ACTION` read the same under either
  // --return-semantics. Otherwise the outcome with the most clauses is stated last, without
  // its condition, and the others as `name: COND; ACTION` (--return-semantics python).
  uint32_t last = 0;
  size_t most = 0;
  for (const auto& [o, clauses] : row.outcomes) {
    if (clauses.size() > most || (clauses.size() == most && o == def)) last = o, most = clauses.size();
  }
  if (row.outcomes.size() == 2 && row.outcomes.count(seccomp::kRetAllow)) {
    last = std::prev(row.outcomes.end())->first == seccomp::kRetAllow
               ? row.outcomes.begin()->first
               : std::prev(row.outcomes.end())->first;
  }
  if (row.remainder) last = *row.remainder;
  std::vector<uint32_t> order;
  if (row.outcomes.count(seccomp::kRetAllow) && last != seccomp::kRetAllow) {
    order.push_back(seccomp::kRetAllow);
  }
  for (const auto& [o, c] : row.outcomes) {
    if (o != last && o != seccomp::kRetAllow) order.push_back(o);
  }
  for (uint32_t o : order) {
    std::string cond;
    for (const CondClause& c : row.outcomes.at(o)) {
      cond += (cond.empty() ? "" : " || \\\n    ") + RenderClause(c, layout, row.name);
    }
    const std::string w = *ActionWord(o, layout.all_arches);
    if (w == "allow") {
      out.lines.push_back(row.name + ": " + cond);
    } else {
      out.lines.push_back(row.name + ": " + cond + "; " + w);
      out.python = true;
    }
  }
  if (last != def) {
    const std::string w = *ActionWord(last, layout.all_arches);
    out.lines.push_back(row.name + ": " + (w == "allow" ? "1" : w));
  }
  return out;
}

// A rule named by a number applies to that number on every arch: each arch that does not
// name the number itself must decide it the same way, one that names it cannot.
template <typename Merged>
void CheckNumberKeys(const std::vector<const VerifiedProgram*>& stack,
                     const std::vector<ArchRows>& all, uint32_t def,
                     const DecompileOptions& options, const Merged& merged,
                     std::map<std::string, Inexpressible>* bad) {
  for (const auto& [key, v] : merged) {
    if (key.find_first_not_of("0123456789") != std::string::npos || bad->count(key)) continue;
    const int32_t nr = static_cast<int32_t>(std::stoul(key));
    for (const ArchRows& ar : all) {
      auto it = std::find_if(ar.rows.begin(), ar.rows.end(),
                             [&](const Row& r) { return r.nr == nr; });
      std::string why;
      if (it != ar.rows.end() && it->name != key) {
        why = "number " + key + " is " + it->name + " on " + std::string(ar.arch->name) +
              ", and a policy's number means the same number on every arch";
      } else if (it == ar.rows.end()) {
        const Row r = MakeRow(stack, ar, key, nr, options);
        if (!r.reason.empty() || RowLines(r, def, ar.layout).lines != v.second.lines) {
          why = "number " + key + " is decided differently on " + std::string(ar.arch->name) +
                ", and a policy's number means the same number on every arch";
        }
      }
      if (!why.empty()) {
        (*bad)[key] = Inexpressible{key, {std::string(ar.arch->name)}, why};
        break;
      }
    }
  }
}

// The errno numbering every arch of the policy shares (vm/names.h); kUnknown (numbers alone)
// when they differ.
Numbering CommonNumbering(const std::vector<const ArchInfo*>& arches) {
  if (arches.empty()) return Numbering::kUnknown;
  const Numbering first = NumberingOf(arches[0]->audit_arch);
  for (const ArchInfo* a : arches) {
    if (NumberingOf(a->audit_arch) != first) return Numbering::kUnknown;
  }
  return first;
}

std::string ArchNames(const std::vector<const ArchInfo*>& arches) {
  std::string s;
  for (const ArchInfo* a : arches) s += (s.empty() ? "" : ",") + std::string(a->name);
  return s;
}

// What the default action must be given as: "@default ..." in the text, or a flag.
void SetDefault(uint32_t def, Decompiled* d, std::string* directive) {
  std::vector<std::string> arches;
  for (const ArchInfo* a : d->resolve.arches) arches.emplace_back(a->name);
  const std::string w = *ActionWord(def, arches);
  if (w == "kill-thread" || w == "kill-process" || w == "trap" || w == "user-notify") {
    *directive = "@default " + w + "\n";
    return;
  }
  Result<RuleAction> a = ParseActionText(w);
  d->resolve.default_action = *a;
  d->compile_flags += " --default-action '" + w + "'";
}

// Every arch's rows merged by name: one set of lines per name, or why it has none.
struct MergedRows {
  std::map<std::string, std::pair<size_t, Lines>> lines;  // name -> (first order, lines)
  std::map<std::string, Inexpressible> bad;
};

MergedRows MergeRows(const std::vector<const VerifiedProgram*>& stack,
                     const std::vector<ArchRows>& all, uint32_t def,
                     const DecompileOptions& options) {
  MergedRows m;
  size_t order = 0;
  for (const ArchRows& ar : all) {
    for (const Row& r : ar.rows) {
      ++order;
      if (!r.reason.empty()) {
        Inexpressible& e = m.bad[r.name];
        e.syscall = r.name;
        e.arches.push_back(std::string(ar.arch->name));
        if (e.reason.empty()) e.reason = r.reason;
        continue;
      }
      Lines l = RowLines(r, def, ar.layout);
      auto it = m.lines.find(r.name);
      if (it == m.lines.end()) {
        m.lines.emplace(r.name, std::make_pair(order, std::move(l)));
      } else if (it->second.second.lines != l.lines && !m.bad.count(r.name)) {
        std::vector<std::string> names;
        for (const ArchRows& a : all) names.push_back(std::string(a.arch->name));
        m.bad[r.name] = Inexpressible{
            r.name, names,
            "the arches decide it differently, and a policy has one rule per name"};
      }
    }
  }
  CheckNumberKeys(stack, all, def, options, m.lines, &m.bad);
  // A name left out is left out on every arch that names it: say so for each.
  for (auto& [name, e] : m.bad) {
    for (const ArchRows& ar : all) {
      const std::string a(ar.arch->name);
      const bool has = std::any_of(ar.rows.begin(), ar.rows.end(),
                                   [&](const Row& r) { return r.name == name; });
      if (has && std::find(e.arches.begin(), e.arches.end(), a) == e.arches.end()) {
        e.arches.push_back(a);
      }
    }
    m.lines.erase(name);
  }
  return m;
}

std::string Joined(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

// The policy text: header, @default, unconditional rules by action (allow first), the rules
// decided by arguments, and the comment listing what is not stated.
std::string RenderPolicy(const MergedRows& m, uint32_t def, const std::string& directive,
                         const Decompiled& d, const DecompileOptions& options) {
  std::vector<std::pair<size_t, std::string>> names;
  for (const auto& [name, v] : m.lines) names.push_back({v.first, name});
  std::sort(names.begin(), names.end());
  std::map<int32_t, std::vector<std::string>> uncond;  // by signed value: ALLOW last
  std::vector<std::string> cond;
  for (const auto& [o, name] : names) {
    const Lines& l = m.lines.at(name).second;
    if (l.lines.empty()) continue;
    if (l.conditional) cond.insert(cond.end(), l.lines.begin(), l.lines.end());
    else uncond[static_cast<int32_t>(l.unconditional)].push_back(l.lines[0]);
  }
  const Numbering errno_names = CommonNumbering(d.resolve.arches);
  std::string text = "# Decompiled by sckit decompile";
  for (const std::string& s : options.sources) text += " " + s;
  text += "\n# Compile with: sckit compile POLICY " + d.compile_flags + "\n";
  text += "# Default (calls not listed): " + analysis::CanonicalText(def, errno_names) + "\n";
  text += directive;
  for (auto it = uncond.rbegin(); it != uncond.rend(); ++it) {
    text += "\n# " + analysis::CanonicalText(static_cast<uint32_t>(it->first), errno_names) + "\n";
    for (const std::string& l : it->second) text += l + "\n";
  }
  if (!cond.empty()) {
    text += "\n# Decided by the arguments\n";
    for (const std::string& l : cond) text += l + "\n";
  }
  if (!d.inexpressible.empty()) {
    text += "\n# Not stated (the rules language cannot express it; these get the default "
            "here):\n";
    for (const Inexpressible& e : d.inexpressible) {
      text += "#   " + e.syscall + (e.arches.empty() ? "" : " (" + Joined(e.arches) + ")") +
              ": " + e.reason + "\n";
    }
  }
  return text;
}

// What the foreign arches get: the compiled policy's kill action, or a note.
void ForeignArches(const std::vector<const VerifiedProgram*>& stack, Decompiled* d) {
  const PathSet foreign = StackPaths(stack, 0, 0);
  const bool one = foreign.inexpressible.empty() && foreign.paths.size() == 1;
  const uint32_t o = one ? foreign.paths[0].outcome : 0;
  if (one && o == seccomp::kRetKillProcess) {
    d->resolve.kill_process = true;
    d->compile_flags += " --kill-process";
  } else if (!one || o != seccomp::kRetKillThread) {
    d->inexpressible.push_back(
        {"foreign arches", {},
         // many arches, no one numbering: the number alone
         one ? "the stack gives them " + analysis::CanonicalText(o) +
                   "; a compiled policy kills them"
             : "the stack decides them by more than the arch; a compiled policy kills them"});
  }
}

}  // namespace

Result<Decompiled> Decompile(const std::vector<const VerifiedProgram*>& stack,
                             const DecompileOptions& options) {
  if (stack.empty()) return MakeError("usage", "no filter to decompile");
  std::vector<const ArchInfo*> arches =
      options.arches.empty() ? DetectArches(stack) : options.arches;
  if (arches.empty()) {
    return MakeError("usage", "the stack checks for no architecture sckit has syscall names "
                              "for; name one with --arch");
  }
  Decompiled d;
  d.resolve.arches = arches;
  d.compile_flags = "--arch " + ArchNames(arches);
  std::vector<ArchRows> all;
  for (const ArchInfo* a : arches) all.push_back(RowsOf(stack, a, arches, options));
  const uint32_t def = ChooseDefault(stack, all);
  std::string directive;
  SetDefault(def, &d, &directive);
  ForeignArches(stack, &d);
  MergedRows merged = MergeRows(stack, all, def, options);
  bool python = false;
  for (const auto& [name, v] : merged.lines) python = python || v.second.python;
  if (python) {
    d.semantics = ReturnSemantics::kPython;
    d.compile_flags += " --return-semantics python";
  }
  std::vector<Inexpressible> notes = std::move(d.inexpressible);
  d.inexpressible.clear();
  for (auto& [name, e] : merged.bad) d.inexpressible.push_back(e);
  d.inexpressible.insert(d.inexpressible.end(), notes.begin(), notes.end());
  d.text = RenderPolicy(merged, def, directive, d, options);
  return d;
}

}  // namespace sckit::policy
