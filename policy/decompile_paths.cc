// Path enumeration of filters with arch and nr known (decompile_paths.h).
#include "policy/decompile_paths.h"

#include <algorithm>
#include <array>
#include <bit>

#include "analysis/symbolic.h"
#include "vm/action.h"
#include "vm/bpf.h"

namespace sckit::policy {
namespace {

using namespace bpf;  // NOLINT

struct Val {
  enum Kind { kConst, kWord, kOpaque } kind = kConst;
  uint32_t v = 0;      // kConst
  int word = 0;        // kWord
  uint32_t mask = 0;   // kWord
};

struct State {
  size_t pc = 0;
  Val a, x;
  std::array<Val, kMemWords> mem;
  std::vector<WordPred> preds;
};

Val Const(uint32_t v) { return Val{Val::kConst, v, 0, 0}; }

Val Load(uint32_t offset, uint32_t arch, uint32_t nr) {
  const int word = static_cast<int>(offset / 4);
  if (word == 0) return Const(nr);
  if (word == 1) return Const(arch);
  return Val{Val::kWord, 0, word, 0xffffffffu};
}

uint32_t Fold(uint16_t op, uint32_t a, uint32_t b) {
  switch (op) {
    case kADD: return a + b;
    case kSUB: return a - b;
    case kMUL: return a * b;
    case kDIV: return b ? a / b : 0;
    case kMOD: return b ? a % b : 0;
    case kOR: return a | b;
    case kAND: return a & b;
    case kXOR: return a ^ b;
    case kLSH: return a << (b & 31);
    case kRSH: return a >> (b & 31);
    case kNEG: return 0u - a;
  }
  return 0;
}

// A = A op operand (opaque when the language cannot test the result). *div_zero is set when
// the kernel would return 0 from the program here; false when that depends on the data (a
// division by a data word), which the language cannot state.
bool Alu(uint16_t op, Val* a, const Val& operand, bool* div_zero) {
  if ((op == kDIV || op == kMOD) && operand.kind != Val::kConst) return false;
  if (operand.kind == Val::kConst && (op == kDIV || op == kMOD) && operand.v == 0) {
    *div_zero = true;
    return true;
  }
  if (a->kind == Val::kConst && (op == kNEG || operand.kind == Val::kConst)) {
    a->v = Fold(op, a->v, operand.v);
    return true;
  }
  if (a->kind == Val::kWord && op == kAND && operand.kind == Val::kConst) {
    a->mask &= operand.v;
    if (a->mask == 0) *a = Const(0);
    return true;
  }
  if (a->kind == Val::kConst && op == kAND && operand.kind == Val::kWord) {
    const uint32_t m = a->v;
    *a = operand;
    a->mask &= m;
    if (a->mask == 0) *a = Const(0);
    return true;
  }
  a->kind = Val::kOpaque;
  return true;
}

bool Decide(WordTest t, uint32_t a, uint32_t k) {
  switch (t) {
    case WordTest::kEq: return a == k;
    case WordTest::kGt: return a > k;
    case WordTest::kGe: return a >= k;
    case WordTest::kSet: return (a & k) != 0;
  }
  return false;
}

WordTest TestOf(uint16_t op) {
  switch (op) {
    case kJEQ: return WordTest::kEq;
    case kJGT: return WordTest::kGt;
    case kJGE: return WordTest::kGe;
    default: return WordTest::kSet;
  }
}

bool Feasible(const std::vector<WordPred>& preds, const WordPred& extra) {
  WordSet s;
  for (const WordPred& p : preds) {
    if (p.word == extra.word) s.Add(p);
  }
  s.Add(extra);
  return !s.empty;
}

// A jump at s->pc: follows it (a constant decides, or the true edge with its test, the false
// edge queued in *work with the negation; edges the tests already rule out are dropped).
// False with *why when it compares something the language cannot state.
bool Branch(const SockFilter& in, State* s, std::vector<State>* work, std::string* why) {
  if (Op(in.code) == kJA) {
    s->pc += 1 + in.k;
    return true;
  }
  const Val operand = Src(in.code) == kX ? s->x : Const(in.k);
  const WordTest t = TestOf(Op(in.code));
  if (s->a.kind == Val::kConst && operand.kind == Val::kConst) {
    s->pc += 1 + (Decide(t, s->a.v, operand.v) ? in.jt : in.jf);
    return true;
  }
  if (s->a.kind != Val::kWord || operand.kind != Val::kConst) {
    *why = "pc " + std::to_string(s->pc) + " compares " +
           (s->a.kind == Val::kOpaque || operand.kind == Val::kOpaque
                ? "a value computed from the data"
                : "two data words");
    return false;
  }
  if (in.jt == in.jf) {
    s->pc += 1 + in.jt;
    return true;
  }
  const WordPred p{s->a.word, s->a.mask, t, operand.v, true};
  WordPred n = p;
  n.holds = false;
  const bool yes = Feasible(s->preds, p), no = Feasible(s->preds, n);
  if (yes && no) {
    State other = *s;
    other.preds.push_back(n);
    other.pc += 1 + in.jf;
    work->push_back(std::move(other));
  }
  if (yes) {
    s->preds.push_back(p);
    s->pc += 1 + in.jt;
  } else {
    if (no) s->preds.push_back(n);
    s->pc += 1 + in.jf;
  }
  return true;
}

// Every path of one filter; raw return values.
PathSet FilterPaths(const VerifiedProgram& program, uint32_t arch, uint32_t nr, size_t max_paths) {
  PathSet out;
  const auto insns = program.insns();
  std::vector<State> work(1);
  while (!work.empty()) {
    State s = std::move(work.back());
    work.pop_back();
    for (;;) {
      const SockFilter& in = insns[s.pc];
      const uint16_t code = in.code;
      bool div_zero = false;
      if (Class(code) == kRET) {
        const Val r = RetSrc(code) == kRetA ? s.a : Const(in.k);
        if (r.kind != Val::kConst) {
          out.inexpressible = "returns a value computed from the data";
          return out;
        }
        if (out.paths.size() >= max_paths) {
          out.inexpressible = "more than " + std::to_string(max_paths) + " paths";
          return out;
        }
        out.paths.push_back(DataPath{std::move(s.preds), r.v});
        break;
      }
      if (code == kSeccompLoadData) {  // A = data word (class LDX: the kernel's rewrite)
        s.a = Load(in.k, arch, nr);
        ++s.pc;
        continue;
      }
      switch (Class(code)) {
        case kLD:
          if (Mode(code) == kMEM) s.a = s.mem[in.k];
          else s.a = Const(in.k);  // IMM (LEN was rewritten to IMM by the verifier)
          break;
        case kLDX:
          s.x = Mode(code) == kMEM ? s.mem[in.k] : Const(in.k);
          break;
        case kST: s.mem[in.k] = s.a; break;
        case kSTX: s.mem[in.k] = s.x; break;
        case kMISC:
          if (MiscOp(code) == kTAX) s.x = s.a; else s.a = s.x;
          break;
        case kALU:
          if (!Alu(Op(code), &s.a, Src(code) == kX ? s.x : Const(in.k), &div_zero)) {
            out.inexpressible = "pc " + std::to_string(s.pc) + " divides by a value from the data";
            return out;
          }
          break;
        case kJMP:
          if (!Branch(in, &s, &work, &out.inexpressible)) return out;
          continue;
      }
      if (div_zero) {
        out.paths.push_back(DataPath{std::move(s.preds), 0});
        break;
      }
      ++s.pc;
    }
  }
  return out;
}

}  // namespace

void WordSet::Add(const WordPred& p) {
  const uint32_t m = p.mask;
  const uint32_t k = p.k;
  if (m == 0xffffffffu && p.test != WordTest::kSet) {
    if (p.test == WordTest::kEq) {
      if (p.holds) {
        min = std::max(min, k);
        max = std::min(max, k);
      } else {
        excluded.push_back(k);
      }
    } else if (p.test == WordTest::kGt) {
      if (p.holds) {
        if (k == 0xffffffffu) empty = true; else min = std::max(min, k + 1);
      } else {
        max = std::min(max, k);
      }
    } else {  // kGe
      if (p.holds) {
        min = std::max(min, k);
      } else {
        if (k == 0) empty = true; else max = std::min(max, k - 1);
      }
    }
  } else if (p.test == WordTest::kSet) {
    const uint32_t bits = k & m;
    if (!p.holds) clear |= bits;
    else if (bits == 0) empty = true;
    else if (std::has_single_bit(bits)) set |= bits;
    else any.push_back(bits);
  } else if (p.test == WordTest::kEq) {
    if (p.holds) {
      if (k & ~m) empty = true;
      set |= k;
      clear |= m & ~k;
    } else if ((k & ~m) == 0) {
      if (std::has_single_bit(m)) {
        if (k) clear |= m; else set |= m;
      } else {
        not_pattern.push_back({m, k});
      }
    }
  } else {
    masked_order = true;
  }
  if (min > max || (set & clear)) empty = true;
  for (uint32_t a : any) {
    if ((a & ~clear) == 0) empty = true;
  }
  if (!empty && min == max) {
    const uint32_t v = min;
    if ((v & set) != set || (v & clear)) empty = true;
    for (uint32_t a : any) {
      if ((v & a) == 0) empty = true;
    }
    for (uint32_t e : excluded) {
      if (e == v) empty = true;
    }
    for (auto [pm, pv] : not_pattern) {
      if ((v & pm) == pv) empty = true;
    }
  }
}

bool WordSet::Trivial() const {
  return min == 0 && max == 0xffffffffu && set == 0 && clear == 0 && any.empty() &&
         excluded.empty() && not_pattern.empty() && !masked_order && !empty;
}

PathSet StackPaths(const std::vector<const VerifiedProgram*>& stack, uint32_t arch, uint32_t nr,
                   size_t max_paths) {
  PathSet combined;
  combined.paths.push_back(DataPath{{}, 0});
  std::vector<std::vector<uint32_t>> rets(1);  // raw values of the filters so far, per path
  for (const VerifiedProgram* p : stack) {
    PathSet one = FilterPaths(*p, arch, nr, max_paths);
    if (!one.inexpressible.empty()) return one;
    std::vector<DataPath> next;
    std::vector<std::vector<uint32_t>> next_rets;
    for (size_t i = 0; i < combined.paths.size(); ++i) {
      for (const DataPath& q : one.paths) {
        DataPath joined = combined.paths[i];
        bool ok = true;
        for (const WordPred& w : q.preds) {
          if (!Feasible(joined.preds, w)) { ok = false; break; }
          joined.preds.push_back(w);
        }
        if (!ok) continue;
        if (next.size() >= max_paths) {
          PathSet fail;
          fail.inexpressible = "more than " + std::to_string(max_paths) + " paths in the stack";
          return fail;
        }
        next.push_back(std::move(joined));
        next_rets.push_back(rets[i]);
        next_rets.back().push_back(q.outcome);
      }
    }
    combined.paths = std::move(next);
    rets = std::move(next_rets);
  }
  for (size_t i = 0; i < combined.paths.size(); ++i) {
    combined.paths[i].outcome = analysis::CanonicalValue(ResolveStack(rets[i]).ret);
  }
  return combined;
}

}  // namespace sckit::policy
