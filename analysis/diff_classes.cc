// The classes of arch and nr values filters cannot tell apart (diff_classes.h): a forward pass
// per filter over an abstract machine state, recording where comparisons split the words.
#include "analysis/diff_classes.h"

#include <algorithm>
#include <array>
#include <bit>
#include <optional>

#include "vm/bpf.h"

namespace sckit::analysis {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

// A jset on a split word adds one class per aligned block of its mask's lowest set bit; more
// blocks than this make the split inexact (the solver then takes the whole word).
constexpr uint64_t kMaxJsetBlocks = 256;

// What a register holds on every path to a pc.
struct Val {
  enum Kind : uint8_t { kConst, kWord, kAny } kind = kConst;
  uint32_t c = 0;       // the constant (kConst) or the word index (kWord)
  uint16_t taint = 0;   // bit i: the value may depend on data word i
  friend bool operator==(const Val&, const Val&) = default;
};

Val Const(uint32_t c) { return Val{Val::kConst, c, 0}; }
Val Word(uint32_t i) { return Val{Val::kWord, i, static_cast<uint16_t>(1u << i)}; }
Val Any(uint16_t taint) { return Val{Val::kAny, 0, taint}; }

Val Join(const Val& a, const Val& b) { return a == b ? a : Any(a.taint | b.taint); }

struct State {
  Val a, x;
  std::array<Val, kMemWords> m;
};

State Join(const State& s, const State& t) {
  State out{Join(s.a, t.a), Join(s.x, t.x), {}};
  for (uint32_t i = 0; i < kMemWords; ++i) out.m[i] = Join(s.m[i], t.m[i]);
  return out;
}

class Splitter {
 public:
  explicit Splitter(DataClasses* out) : out_(out) {}

  void Run(const VerifiedProgram& program);

 private:
  WordClasses& Of(uint32_t word) { return word == 0 ? out_->nr : out_->arch; }

  // Decisions or results that depend on these words in a way no split describes.
  void Opaque(uint16_t taint) {
    if (taint & 1u) out_->nr.exact = false;
    if (taint & 2u) out_->arch.exact = false;
  }

  void Point(uint32_t word, uint64_t start) {
    if (start > 0 && start <= 0xffffffffu) Of(word).starts.push_back(static_cast<uint32_t>(start));
  }

  // The untouched word `word` compared with the constant c; reversed: c is the left operand.
  void Split(uint32_t word, uint16_t op, uint32_t c, bool reversed) {
    switch (op) {
      case kJEQ: Point(word, c); Point(word, uint64_t{c} + 1); break;
      case kJGT: Point(word, reversed ? uint64_t{c} : uint64_t{c} + 1); break;
      case kJGE: Point(word, reversed ? uint64_t{c} + 1 : uint64_t{c}); break;
      default: {  // kJSET: constant on aligned blocks of the mask's lowest bit
        if (c == 0) break;
        const int shift = std::countr_zero(c);
        const uint64_t blocks = uint64_t{1} << (32 - shift);
        if (blocks > kMaxJsetBlocks) {
          Of(word).exact = false;
          break;
        }
        for (uint64_t i = 1; i < blocks; ++i) Point(word, i << shift);
        break;
      }
    }
  }

  void Compare(uint16_t op, const Val& a, const Val& b) {
    if (a.kind == Val::kWord && a.c <= 1 && b.kind == Val::kConst) {
      Split(a.c, op, b.c, false);
    } else if (b.kind == Val::kWord && b.c <= 1 && a.kind == Val::kConst) {
      Split(b.c, op, a.c, true);
    } else {
      Opaque(a.taint | b.taint);
    }
  }

  DataClasses* out_;
};

// Long for the same reason as symbolic.cc's Encode: one case per seccomp opcode.
void Splitter::Run(const VerifiedProgram& program) {
  const auto insns = program.insns();
  const uint32_t len = static_cast<uint32_t>(insns.size());
  std::vector<std::optional<State>> in(len);
  in[0] = State{Const(0), Const(0), {}};
  auto edge = [&](uint32_t target, const State& s) {
    in[target] = in[target] ? Join(*in[target], s) : s;
  };
  for (uint32_t pc = 0; pc < len; ++pc) {
    if (!in[pc]) continue;  // statically unreachable
    State s = *in[pc];
    in[pc].reset();
    const SockFilter& f = insns[pc];
    const uint16_t code = f.code;
    if (code == kSeccompLoadData) {
      s.a = Word(f.k / 4);
    } else if (code == (kLD | kIMM)) {
      s.a = Const(f.k);
    } else if (code == (kLDX | kIMM)) {
      s.x = Const(f.k);
    } else if (code == (kLD | kMEM)) {
      s.a = s.m[f.k];
    } else if (code == (kLDX | kMEM)) {
      s.x = s.m[f.k];
    } else if (code == kST) {
      s.m[f.k] = s.a;
    } else if (code == kSTX) {
      s.m[f.k] = s.x;
    } else if (code == (kMISC | kTAX)) {
      s.x = s.a;
    } else if (code == (kMISC | kTXA)) {
      s.a = s.x;
    } else if (Class(code) == kALU) {
      if (code == (kALU | kDIV | kX)) Opaque(s.x.taint);  // X == 0 returns 0 at once
      const uint16_t t = s.a.taint | (Src(code) == kX && Op(code) != kNEG ? s.x.taint : 0);
      s.a = Any(t);
    } else if (code == (kRET | kK)) {
      continue;
    } else if (code == (kRET | kRetA)) {
      Opaque(s.a.taint);
      continue;
    } else if (code == (kJMP | kJA)) {
      edge(pc + 1 + f.k, s);
      continue;
    } else {  // conditional jumps
      if (f.jt != f.jf) Compare(Op(code), s.a, Src(code) == kX ? s.x : Const(f.k));
      edge(pc + 1 + f.jt, s);
      edge(pc + 1 + f.jf, s);
      continue;
    }
    edge(pc + 1, s);
  }
}

void Normalize(WordClasses* w) {
  std::sort(w->starts.begin(), w->starts.end());
  w->starts.erase(std::unique(w->starts.begin(), w->starts.end()), w->starts.end());
}

}  // namespace

DataClasses ClassesOf(const std::vector<const VerifiedProgram*>& programs) {
  DataClasses out;
  Splitter splitter(&out);
  for (const VerifiedProgram* p : programs) splitter.Run(*p);
  Normalize(&out.nr);
  Normalize(&out.arch);
  return out;
}

}  // namespace sckit::analysis
