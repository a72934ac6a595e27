// The prefix of a filter for re-synthesis (see resynth_prefix.h): segment bounds from a
// forward dataflow over value kinds, liveness of A, X and M[i], and the prefix run with a
// concrete (arch, nr) up to its frontier.
#include "optimize/resynth_prefix.h"

#include <optional>

#include "vm/bpf.h"
#include "vm/seccomp_data.h"

namespace sckit::optimize::resynth {

using namespace bpf;  // NOLINT: kernel vocabulary.

namespace {

// ---- Which compares can see nr or arch (a forward dataflow over value kinds) ----

enum KindBit : uint8_t { kConstBit = 1, kNrBit = 2, kArchBit = 4, kOtherBit = 8 };

struct KindState {
  uint8_t a = kConstBit, x = kConstBit;
  uint8_t m[16] = {};
};

void MergeKinds(KindState* into, const KindState& s, bool* seen) {
  if (!*seen) {
    *into = s;
    *seen = true;
    return;
  }
  into->a |= s.a;
  into->x |= s.x;
  for (int i = 0; i < 16; ++i) into->m[i] |= s.m[i];
}

uint8_t KindOfLoad(uint32_t k) { return k == 0 ? kNrBit : k == 4 ? kArchBit : kOtherBit; }

// ---- The prefix, run with a concrete (arch, nr) ----

uint32_t Alu(uint16_t op, uint32_t a, uint32_t b) {
  switch (op) {
    case kADD: return a + b;
    case kSUB: return a - b;
    case kMUL: return a * b;
    case kDIV: return a / b;
    case kOR: return a | b;
    case kAND: return a & b;
    case kLSH: return a << (b & 31);
    case kRSH: return a >> (b & 31);
    case kXOR: return a ^ b;
    default: return 0u - a;  // NEG
  }
}

// A conditional jump's outcome when the segment decides it: compares of nr or arch with
// K (the segment bounds make them uniform) and of constants; nullopt otherwise (frontier).
std::optional<bool> Taken(const SockFilter& f, const Val& a, const Val& x) {
  const bool use_x = Src(f.code) == kX;
  if (use_x && (a.kind != VK::kConst || x.kind != VK::kConst)) return std::nullopt;
  if (Op(f.code) == kJSET && a.kind != VK::kConst) return std::nullopt;
  const uint32_t b = use_x ? x.v : f.k;
  switch (Op(f.code)) {
    case kJEQ: return a.v == b;
    case kJGT: return a.v > b;
    case kJGE: return a.v >= b;
    default: return (a.v & b) != 0;
  }
}

}  // namespace

// Segment bounds: every constant a jeq/jgt/jge may compare nr (arch) with, and the next value.
void CollectBounds(const Program& p, std::set<uint32_t>* nr, std::set<uint32_t>* arch) {
  const int n = static_cast<int>(p.size());
  std::vector<KindState> in(n);
  std::vector<bool> seen(n, false);
  bool s0 = false;
  MergeKinds(&in[0], KindState{}, &s0);
  seen[0] = true;
  for (int pc = 0; pc < n; ++pc) {
    if (!seen[pc]) continue;
    KindState s = in[pc];
    const SockFilter& f = p.insns[pc];
    const uint16_t c = f.code;
    switch (Class(c)) {
      case kLD:
        s.a = Mode(c) == kABS ? KindOfLoad(f.k) : Mode(c) == kMEM ? s.m[f.k & 15] : kConstBit;
        break;
      case kLDX:
        s.x = Mode(c) == kMEM ? s.m[f.k & 15] : kConstBit;
        break;
      case kST: s.m[f.k & 15] = s.a; break;
      case kSTX: s.m[f.k & 15] = s.x; break;
      case kALU: {
        const uint8_t in_kinds = s.a | (Src(c) == kX && Op(c) != kNEG ? s.x : 0);
        s.a = in_kinds == kConstBit ? kConstBit : kOtherBit;
        break;
      }
      case kMISC:
        if (MiscOp(c) == kTAX) s.x = s.a; else s.a = s.x;
        break;
      case kJMP:
        if (Op(c) != kJA && Op(c) != kJSET && Src(c) == kK) {
          for (auto [bit, set] : {std::pair{kNrBit, nr}, std::pair{kArchBit, arch}}) {
            if (!(s.a & bit)) continue;
            set->insert(f.k);
            if (f.k != 0xffffffffu) set->insert(f.k + 1);
          }
        }
        break;
      default: break;
    }
    const int next = pc + 1;
    auto flow = [&](int t) {
      bool sn = seen[t];
      MergeKinds(&in[t], s, &sn);
      seen[t] = true;
    };
    if (Class(c) == kRET) continue;
    if (Class(c) == kJMP) {
      if (Op(c) == kJA) {
        flow(next + static_cast<int>(f.k));
      } else {
        flow(next + f.jt);
        flow(next + f.jf);
      }
    } else {
      flow(next);
    }
  }
  nr->insert(0);
  arch->insert(0);
}

// ---- Liveness of A, X, M[i] (bit 0 A, bit 1 X, bit 2+i M[i]) ----

std::vector<uint32_t> Liveness(const Program& p) {
  const int n = static_cast<int>(p.size());
  std::vector<uint32_t> live(n + 1, 0);
  constexpr uint32_t A = 1, X = 2;
  for (int pc = n - 1; pc >= 0; --pc) {
    const SockFilter& f = p.insns[pc];
    const uint16_t c = f.code;
    const uint32_t out = pc + 1 < n ? live[pc + 1] : 0;
    const uint32_t mk = 1u << (2 + (f.k & 15));
    uint32_t l = 0;
    switch (Class(c)) {
      case kRET: l = RetSrc(c) == kRetA ? A : 0; break;
      case kLD: l = (out & ~A) | (Mode(c) == kMEM ? mk : 0); break;
      case kLDX: l = (out & ~X) | (Mode(c) == kMEM ? mk : 0); break;
      case kST: l = (out & ~mk) | A; break;
      case kSTX: l = (out & ~mk) | X; break;
      case kALU: l = out | A | (Src(c) == kX && Op(c) != kNEG ? X : 0); break;
      case kMISC: l = MiscOp(c) == kTAX ? ((out & ~X) | A) : ((out & ~A) | X); break;
      case kJMP:
        if (Op(c) == kJA) {
          l = live[pc + 1 + f.k];
        } else {
          l = live[pc + 1 + f.jt] | live[pc + 1 + f.jf] | A | (Src(c) == kX ? X : 0);
        }
        break;
      default: l = out; break;
    }
    live[pc] = l;
  }
  return live;
}

std::string Leaf::Key() const {
  std::string k = std::to_string(pc) + ":" + std::to_string(ret);
  auto add = [&](const Val& v) {
    k += "," + std::to_string(static_cast<int>(v.kind)) + "/" + std::to_string(v.key().second);
  };
  add(a);
  add(x);
  for (const Val& v : m) add(v);
  return k;
}

Leaf Frontier(const Program& p, const std::vector<uint32_t>& live, uint32_t arch, uint32_t nr) {
  Val a{VK::kConst, 0}, x{VK::kConst, 0}, m[16];
  const int n = static_cast<int>(p.size());
  int pc = 0;
  auto stop = [&](int at) {
    Leaf leaf;
    leaf.pc = at;
    const uint32_t l = live[at];
    if (l & 1) leaf.a = a;
    if (l & 2) leaf.x = x;
    for (int i = 0; i < 16; ++i) {
      if (l & (1u << (2 + i))) leaf.m[i] = m[i];
    }
    return leaf;
  };
  while (pc < n) {
    const SockFilter& f = p.insns[pc];
    const uint16_t c = f.code;
    switch (Class(c)) {
      case kRET:
        if (RetSrc(c) != kRetA || a.kind == VK::kConst) {
          Leaf leaf;
          leaf.ret = RetSrc(c) == kRetA ? a.v : f.k;
          return leaf;
        }
        return stop(pc);
      case kLD:
        if (Mode(c) == kABS) {
          if (f.k == 0) a = Val{VK::kNr, nr};
          else if (f.k == 4) a = Val{VK::kArch, arch};
          else return stop(pc);
        } else if (Mode(c) == kMEM) {
          a = m[f.k & 15];
        } else {
          a = Val{VK::kConst, Mode(c) == kLEN ? seccomp::kDataSize : f.k};
        }
        break;
      case kLDX:
        x = Mode(c) == kMEM ? m[f.k & 15]
                            : Val{VK::kConst, Mode(c) == kLEN ? seccomp::kDataSize : f.k};
        break;
      case kST: m[f.k & 15] = a; break;
      case kSTX: m[f.k & 15] = x; break;
      case kALU: {
        const bool use_x = Src(c) == kX && Op(c) != kNEG;
        if (a.kind != VK::kConst || (use_x && x.kind != VK::kConst)) return stop(pc);
        if (use_x && Op(c) == kDIV && x.v == 0) return stop(pc);
        a.v = Alu(Op(c), a.v, use_x ? x.v : f.k);
        break;
      }
      case kMISC:
        if (MiscOp(c) == kTAX) x = a; else a = x;
        break;
      case kJMP: {
        if (Op(c) == kJA) {
          pc += 1 + static_cast<int>(f.k);
          continue;
        }
        const std::optional<bool> taken = Taken(f, a, x);
        if (!taken) return stop(pc);
        pc += 1 + (*taken ? f.jt : f.jf);
        continue;
      }
      default: return stop(pc);
    }
    ++pc;
  }
  return stop(n - 1);  // unreachable for verified programs (last is RET)
}

}  // namespace sckit::optimize::resynth
