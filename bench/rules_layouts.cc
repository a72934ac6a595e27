// minijail-style layouts of a resolved policy (rules_layouts.h).
#include "bench/rules_layouts.h"

#include <algorithm>
#include <set>

#include "vm/bpf.h"

namespace sckit::bench {
namespace {

using namespace bpf;  // NOLINT
using policy::ArchGroup;
using policy::Atom;
using policy::CompareOp;
using policy::ResolvedPolicy;

constexpr int kNext = -1;  // jump target: the next instruction

// Instructions with forward jumps to labels, patched at the end.
class Emitter {
 public:
  int Label() {
    pos_.push_back(-1);
    return static_cast<int>(pos_.size()) - 1;
  }
  void Bind(int label) { pos_[label] = static_cast<long>(insns_.size()); }
  void Load(uint32_t offset) { insns_.push_back(Stmt(kLD | kW | kABS, offset)); }
  void Ret(uint32_t value) { insns_.push_back(Stmt(kRET | kK, value)); }
  void Jump(uint16_t op, uint32_t k, int jt, int jf) {
    fix_.push_back({insns_.size(), jt, jf});
    insns_.push_back(sckit::Jump(kJMP | op | kK, k, 0, 0));
  }
  void Ja(int label) {
    fix_.push_back({insns_.size(), label, -2});
    insns_.push_back(Stmt(kJMP | kJA, 0));
  }
  size_t size() const { return insns_.size(); }
  // The program, or the index of the first jump farther than 255.
  Result<Program> Finish(size_t* far) const {
    Program p{insns_};
    for (const Fix& f : fix_) {
      auto dist = [&](int label) -> long {
        return label == kNext ? 0 : pos_[label] - static_cast<long>(f.at) - 1;
      };
      if (f.jf == -2) {
        p.insns[f.at].k = static_cast<uint32_t>(dist(f.jt));
        continue;
      }
      const long t = dist(f.jt), e = dist(f.jf);
      if (t < 0 || e < 0) return MakeError("bench", "backward jump");
      if (t > 255 || e > 255) {
        *far = f.at;
        return MakeError("far", "jump farther than 255");
      }
      p.insns[f.at].jt = static_cast<uint8_t>(t);
      p.insns[f.at].jf = static_cast<uint8_t>(e);
    }
    return p;
  }

 private:
  struct Fix {
    size_t at;
    int jt, jf;  // jf == -2: a ja
  };
  std::vector<SockFilter> insns_;
  std::vector<long> pos_;
  std::vector<Fix> fix_;
};

// One atom: falls through when it holds, jumps to `fail` otherwise.
void EmitAtom(Emitter& e, const ArchGroup& g, const Atom& a, int fail) {
  const uint64_t v = ResolvedPolicy::GroupValue(g, a.value);
  const uint32_t hi = static_cast<uint32_t>(v >> 32), lo = static_cast<uint32_t>(v);
  const int pass = e.Label();
  switch (a.op) {
    case CompareOp::kEq:
      e.Load(g.HighWord(a.arg)); e.Jump(kJEQ, hi, kNext, fail);
      e.Load(g.LowWord(a.arg)); e.Jump(kJEQ, lo, kNext, fail);
      break;
    case CompareOp::kNe:
      e.Load(g.HighWord(a.arg)); e.Jump(kJEQ, hi, kNext, pass);
      e.Load(g.LowWord(a.arg)); e.Jump(kJEQ, lo, fail, kNext);
      break;
    case CompareOp::kGt:
    case CompareOp::kGe:
      e.Load(g.HighWord(a.arg)); e.Jump(kJGT, hi, pass, kNext); e.Jump(kJEQ, hi, kNext, fail);
      e.Load(g.LowWord(a.arg)); e.Jump(a.op == CompareOp::kGt ? kJGT : kJGE, lo, kNext, fail);
      break;
    case CompareOp::kLt:
    case CompareOp::kLe:
      e.Load(g.HighWord(a.arg)); e.Jump(kJGT, hi, fail, kNext); e.Jump(kJEQ, hi, kNext, pass);
      e.Load(g.LowWord(a.arg)); e.Jump(a.op == CompareOp::kLe ? kJGT : kJGE, lo, fail, kNext);
      break;
    case CompareOp::kAnySet:
      if (hi) { e.Load(g.HighWord(a.arg)); e.Jump(kJSET, hi, pass, kNext); }
      if (lo) { e.Load(g.LowWord(a.arg)); e.Jump(kJSET, lo, kNext, fail); }
      else e.Ja(fail);
      break;
    case CompareOp::kIn:
      if (~hi) { e.Load(g.HighWord(a.arg)); e.Jump(kJSET, ~hi, fail, kNext); }
      if (~lo) { e.Load(g.LowWord(a.arg)); e.Jump(kJSET, ~lo, fail, kNext); }
      break;
  }
  e.Bind(pass);
}

// A syscall's rule: every path returns.
void EmitBody(Emitter& e, const ResolvedPolicy& r, const ArchGroup& g, uint32_t nr) {
  for (const policy::Filter& f : ResolvedPolicy::RuleFor(g, nr).filters) {
    if (f.expr.empty()) {
      e.Ret(r.Ret(f.if_true));
      return;
    }
    const int yes = e.Label(), no = e.Label();
    for (const policy::Clause& c : f.expr) {
      const int next_clause = e.Label();
      for (const Atom& a : c) EmitAtom(e, g, a, next_clause);
      e.Ja(yes);
      e.Bind(next_clause);
    }
    if (f.if_false) e.Ret(r.Ret(*f.if_false));
    else e.Ja(no);
    e.Bind(yes);
    e.Ret(r.Ret(f.if_true));
    e.Bind(no);
  }
  e.Ret(r.default_ret);
}

void EmitTree(Emitter& e, const ResolvedPolicy& r, const ArchGroup& g,
              const std::vector<std::pair<uint32_t, size_t>>& rules, size_t from, size_t to,
              const std::set<size_t>& far, std::vector<size_t>* starts) {
  if (to - from == 1) {
    const int skip = e.Label();
    e.Jump(kJEQ, rules[from].first, kNext, skip);
    EmitBody(e, r, g, rules[from].first);
    e.Bind(skip);
    e.Ret(r.default_ret);
    return;
  }
  const size_t mid = from + (to - from) / 2;
  const int right = e.Label();
  const size_t node = starts->size();
  starts->push_back(e.size());
  if (far.count(node)) {  // jge k, 0, 1; ja right
    const int left = e.Label();
    e.Jump(kJGE, rules[mid].first, kNext, left);
    e.Ja(right);
    e.Bind(left);
  } else {
    e.Jump(kJGE, rules[mid].first, right, kNext);
  }
  EmitTree(e, r, g, rules, from, mid, far, starts);
  e.Bind(right);
  EmitTree(e, r, g, rules, mid, to, far, starts);
}

}  // namespace

Result<Program> MinijailStyleFilter(const ResolvedPolicy& r, MinijailLayout layout) {
  const ArchGroup& g = r.groups.front();
  std::vector<std::pair<uint32_t, size_t>> rules(g.rules.begin(), g.rules.end());
  std::set<size_t> far_nodes;
  for (;;) {
    Emitter e;
    const int ok = e.Label();
    e.Load(4);
    e.Jump(kJEQ, g.audit_arch, ok, kNext);
    e.Ret(r.kill_ret);
    e.Bind(ok);
    e.Load(0);
    std::vector<size_t> starts;  // instruction index of each tree node's jge
    if (layout == MinijailLayout::kLinear) {
      std::vector<std::pair<uint32_t, size_t>> by_policy = rules;
      std::sort(by_policy.begin(), by_policy.end(),
                [](const auto& a, const auto& b) { return a.second < b.second; });
      for (const auto& [nr, rule] : by_policy) {
        const int skip = e.Label();
        e.Jump(kJEQ, nr, kNext, skip);
        EmitBody(e, r, g, nr);
        e.Bind(skip);
      }
      e.Ret(r.default_ret);
    } else if (!rules.empty()) {
      EmitTree(e, r, g, rules, 0, rules.size(), far_nodes, &starts);
    } else {
      e.Ret(r.default_ret);
    }
    size_t far = 0;
    Result<Program> p = e.Finish(&far);
    if (p.ok() || p.error().rule != "far" || layout != MinijailLayout::kTree) return p;
    // The tree node whose jge jumps too far gets a trampoline; anything else is an error.
    auto it = std::find(starts.begin(), starts.end(), far);
    if (it == starts.end() || far_nodes.count(static_cast<size_t>(it - starts.begin()))) return p;
    far_nodes.insert(static_cast<size_t>(it - starts.begin()));
  }
}

}  // namespace sckit::bench
