// Code generation for the policy language (see rules_compile.h for the layout). Everything is
// emitted back to front through ReverseBuilder: argument atoms, then clauses, rules, the
// number search tree of each arch, and the arch check last (it is the program's start).
#include "policy/rules_compile.h"

#include <optional>

#include "policy/reverse_builder.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/seccomp_data.h"

namespace sckit::policy {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.
using Label = ReverseBuilder::Label;

// What a run of syscall numbers leads to: a plain return value, or a rule body.
struct Target {
  bool is_ret = true;
  uint32_t ret = 0;
  size_t body = 0;  // index into Codegen::bodies_
  friend bool operator==(const Target&, const Target&) = default;
};

// Numbers [start, next run's start) lead to `target`.
struct Run {
  uint64_t start = 0;
  Target target;
  uint64_t weight = 0;
};

class Codegen {
 public:
  explicit Codegen(const ResolvedPolicy& policy) : p_(policy) {}

  Result<Program> Generate() {
    Label next = b_.Ret(p_.kill_ret);
    for (auto g = p_.groups.rbegin(); g != p_.groups.rend(); ++g) {
      const Label entry = EmitGroup(*g);
      next = b_.Jump(kJEQ, g->audit_arch, entry, next);
    }
    b_.Load(data_offset::kArch, next);
    if (b_.size() > kMaxInsns) {
      return MakeError("too-many-instructions",
                       "the compiled filter has " + std::to_string(b_.size()) +
                           " instructions, more than the kernel's BPF_MAXINSNS (4096)");
    }
    Program program = b_.Finish();
    Result<VerifiedProgram> verified = Verify(program);
    if (!verified.ok()) {
      return MakeError("internal", "the generated filter was rejected by the verifier (a bug in "
                                   "sckit compile): " + verified.error().ToString());
    }
    return program;
  }

 private:
  // The word an atom certainly leaves in A when it is true, if any (see EmitAtom).
  static std::optional<uint32_t> ExitWordOnTrue(const ArchGroup& g, const Atom& a) {
    const uint64_t v = ResolvedPolicy::GroupValue(g, a.value);
    const uint64_t in_mask = g.args64 ? ~v : (~v & 0xffffffffu);
    if (a.op == CompareOp::kAnySet && v == 0) return std::nullopt;
    if (a.op == CompareOp::kIn && in_mask == 0) return std::nullopt;
    if (!g.args64) return g.LowWord(a.arg);
    switch (a.op) {
      case CompareOp::kEq: return g.LowWord(a.arg);
      case CompareOp::kAnySet:
        if ((v >> 32) == 0) return g.LowWord(a.arg);
        if ((v & 0xffffffffu) == 0) return g.HighWord(a.arg);
        return std::nullopt;
      case CompareOp::kIn:
        return (in_mask & 0xffffffffu) == 0 ? g.HighWord(a.arg) : g.LowWord(a.arg);
      default: return std::nullopt;
    }
  }

  // The first load of an atom, skipped when A already holds that word.
  Label Entry(std::optional<uint32_t> known, uint32_t offset, Label next) {
    if (known && *known == offset) return next;
    return b_.Load(offset, next);
  }

  Label EmitAtom32(const ArchGroup& g, const Atom& a, Label t, Label f,
                   std::optional<uint32_t> known) {
    const uint32_t v = static_cast<uint32_t>(a.value);
    const uint32_t off = g.LowWord(a.arg);
    switch (a.op) {
      case CompareOp::kEq: return Entry(known, off, b_.Jump(kJEQ, v, t, f));
      case CompareOp::kNe: return Entry(known, off, b_.Jump(kJEQ, v, f, t));
      case CompareOp::kGt: return Entry(known, off, b_.Jump(kJGT, v, t, f));
      case CompareOp::kLe: return Entry(known, off, b_.Jump(kJGT, v, f, t));
      case CompareOp::kGe: return Entry(known, off, b_.Jump(kJGE, v, t, f));
      case CompareOp::kLt: return Entry(known, off, b_.Jump(kJGE, v, f, t));
      case CompareOp::kAnySet:
        return v == 0 ? f : Entry(known, off, b_.Jump(kJSET, v, t, f));
      case CompareOp::kIn: return ~v == 0 ? t : Entry(known, off, b_.Jump(kJSET, ~v, f, t));
    }
    return f;
  }

  // `arg OP v` over 64 bits as two words; t and f are where true and false continue.
  Label EmitAtom(const ArchGroup& g, const Atom& a, Label t, Label f,
                 std::optional<uint32_t> known) {
    if (!g.args64) return EmitAtom32(g, a, t, f, known);
    const uint64_t v = a.value;
    const uint32_t lo = static_cast<uint32_t>(v), hi = static_cast<uint32_t>(v >> 32);
    const uint32_t lo_off = g.LowWord(a.arg), hi_off = g.HighWord(a.arg);
    switch (a.op) {
      case CompareOp::kEq:
      case CompareOp::kNe: {
        const bool eq = a.op == CompareOp::kEq;
        const Label tt = eq ? t : f, ff = eq ? f : t;
        const Label lo_entry = b_.Load(lo_off, b_.Jump(kJEQ, lo, tt, ff));
        return Entry(known, hi_off, b_.Jump(kJEQ, hi, lo_entry, ff));
      }
      case CompareOp::kGt:
      case CompareOp::kGe:
      case CompareOp::kLt:
      case CompareOp::kLe: {
        // arg > v  <=>  hi(arg) > hi(v) || (hi(arg) == hi(v) && lo(arg) > lo(v)); likewise >=.
        // < and <= are the negations of >= and >.
        const bool strict = a.op == CompareOp::kGt || a.op == CompareOp::kLe;
        const bool positive = a.op == CompareOp::kGt || a.op == CompareOp::kGe;
        const Label tt = positive ? t : f, ff = positive ? f : t;
        const Label lo_entry = b_.Load(lo_off, b_.Jump(strict ? kJGT : kJGE, lo, tt, ff));
        Label hi_check;
        if (hi == 0) {
          hi_check = b_.Jump(kJGT, 0, tt, lo_entry);  // hi(arg) > 0, else it is 0 == hi(v)
        } else {
          const Label eq = b_.Jump(kJEQ, hi, lo_entry, ff);
          hi_check = hi == 0xffffffffu ? eq : b_.Jump(kJGT, hi, tt, eq);
        }
        return Entry(known, hi_off, hi_check);
      }
      case CompareOp::kAnySet: {
        if (v == 0) return f;
        if (hi == 0) return Entry(known, lo_off, b_.Jump(kJSET, lo, t, f));
        if (lo == 0) return Entry(known, hi_off, b_.Jump(kJSET, hi, t, f));
        const Label lo_entry = b_.Load(lo_off, b_.Jump(kJSET, lo, t, f));
        return Entry(known, hi_off, b_.Jump(kJSET, hi, t, lo_entry));
      }
      case CompareOp::kIn: {
        const uint64_t m = ~v;  // bits that must be clear
        const uint32_t mlo = static_cast<uint32_t>(m), mhi = static_cast<uint32_t>(m >> 32);
        if (m == 0) return t;
        if (mhi == 0) return Entry(known, lo_off, b_.Jump(kJSET, mlo, f, t));
        if (mlo == 0) return Entry(known, hi_off, b_.Jump(kJSET, mhi, f, t));
        const Label lo_entry = b_.Load(lo_off, b_.Jump(kJSET, mlo, f, t));
        return Entry(known, hi_off, b_.Jump(kJSET, mhi, f, lo_entry));
      }
    }
    return f;
  }

  // All atoms true -> t; any false -> f.
  Label EmitClause(const ArchGroup& g, const Clause& clause, Label t, Label f) {
    Label next = t;
    for (size_t i = clause.size(); i-- > 0;) {
      std::optional<uint32_t> known;
      if (i > 0) known = ExitWordOnTrue(g, clause[i - 1]);
      next = EmitAtom(g, clause[i], next, f, known);
    }
    return next;
  }

  Label EmitRule(const ArchGroup& g, const SyscallRule& rule) {
    Label next = b_.Ret(p_.default_ret);
    for (auto f = rule.filters.rbegin(); f != rule.filters.rend(); ++f) {
      const Label on_true = b_.Ret(p_.Ret(f->if_true));
      if (f->expr.empty()) {
        next = on_true;
        continue;
      }
      Label fail = f->if_false ? b_.Ret(p_.Ret(*f->if_false)) : next;
      for (auto c = f->expr.rbegin(); c != f->expr.rend(); ++c) {
        fail = EmitClause(g, *c, on_true, fail);
      }
      next = fail;
    }
    return next;
  }

  // A rule's outcome as a comparable key: equal keys give identical code.
  std::string BodyKey(const ArchGroup& g, const SyscallRule& rule) const {
    std::string key;
    for (const Filter& f : rule.filters) {
      for (const Clause& c : f.expr) {
        for (const Atom& a : c) {
          key += std::to_string(a.arg) + CompareOpText(a.op) +
                 std::to_string(ResolvedPolicy::GroupValue(g, a.value)) + "&";
        }
        key += "|";
      }
      key += ";" + std::to_string(p_.Ret(f.if_true)) + ";" +
             (f.if_false ? std::to_string(p_.Ret(*f.if_false)) : "-") + "\n";
    }
    return key;
  }

  // A rule whose first filter is unconditional is a plain return value.
  Target TargetOf(const ArchGroup& g, const SyscallRule& rule,
                  std::vector<std::pair<std::string, const SyscallRule*>>* bodies) {
    if (rule.filters.front().expr.empty()) return Target{true, p_.Ret(rule.filters.front().if_true), 0};
    const std::string key = BodyKey(g, rule);
    for (size_t i = 0; i < bodies->size(); ++i) {
      if ((*bodies)[i].first == key) return Target{false, 0, i};
    }
    bodies->emplace_back(key, &rule);
    return Target{false, 0, bodies->size() - 1};
  }

  std::vector<Run> MakeRuns(const ArchGroup& g,
                            std::vector<std::pair<std::string, const SyscallRule*>>* bodies) {
    const Target def{true, p_.default_ret, 0};
    const bool weighted = !g.frequency.empty();
    std::vector<Run> runs;
    auto add = [&runs](uint64_t start, Target t, uint64_t w) {
      if (!runs.empty() && runs.back().target == t) {
        runs.back().weight += w;
      } else {
        runs.push_back(Run{start, t, w});
      }
    };
    uint64_t cur = 0;
    for (const auto& [nr, index] : g.rules) {
      if (nr > cur) add(cur, def, 1);
      uint64_t w = 1024;
      if (weighted) {
        auto it = g.frequency.find(nr);
        w = 1024 * (it == g.frequency.end() ? 1 : std::max<uint64_t>(it->second, 1));
      }
      add(nr, TargetOf(g, ResolvedPolicy::RuleFor(g, nr), bodies), w);
      cur = uint64_t{nr} + 1;
    }
    if (cur <= 0xffffffffu) add(cur, def, 1);
    return runs;
  }

  // A weight-balanced tree of `jge` over runs[l..r].
  Label EmitTree(const std::vector<Run>& runs, const std::vector<Label>& body_labels, size_t l,
                 size_t r) {
    if (l == r) {
      const Target& t = runs[l].target;
      return t.is_ret ? b_.Ret(t.ret) : body_labels[t.body];
    }
    uint64_t total = 0;
    for (size_t i = l; i <= r; ++i) total += runs[i].weight;
    // Split before run m, the one that best balances the weight on both sides.
    size_t m = l + 1;
    uint64_t best = UINT64_MAX;
    uint64_t left = 0;  // weight of runs[l..i-1]
    for (size_t i = l + 1; i <= r; ++i) {
      left += runs[i - 1].weight;
      const uint64_t right = total - left;
      const uint64_t imbalance = left > right ? left - right : right - left;
      if (imbalance < best) {
        best = imbalance;
        m = i;
      }
    }
    const Label hi = EmitTree(runs, body_labels, m, r);
    const Label lo = EmitTree(runs, body_labels, l, m - 1);
    return b_.Jump(kJGE, static_cast<uint32_t>(runs[m].start), hi, lo);
  }

  Label EmitGroup(const ArchGroup& g) {
    std::vector<std::pair<std::string, const SyscallRule*>> bodies;
    const std::vector<Run> runs = MakeRuns(g, &bodies);
    std::vector<Label> body_labels(bodies.size());
    for (size_t i = bodies.size(); i-- > 0;) body_labels[i] = EmitRule(g, *bodies[i].second);
    const Label root = EmitTree(runs, body_labels, 0, runs.size() - 1);
    if (runs.size() == 1) return root;
    return b_.Load(data_offset::kNr, root);
  }

  const ResolvedPolicy& p_;
  ReverseBuilder b_;
};

}  // namespace

Result<Program> GenerateFilter(const ResolvedPolicy& policy) { return Codegen(policy).Generate(); }

Result<CompiledPolicy> CompilePolicy(const Policy& policy, const ResolveOptions& options) {
  Result<ResolvedPolicy> resolved = ResolvePolicy(policy, options);
  if (!resolved.ok()) return resolved.error();
  Result<Program> program = GenerateFilter(*resolved);
  if (!program.ok()) return program.error();
  return CompiledPolicy{std::move(*program), resolved->warnings};
}

}  // namespace sckit::policy
