// The generic passes (see passes.h).
#include "optimize/passes.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "vm/bpf.h"

namespace sckit::optimize {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

// Removes the nodes with remove[i] set; a removed node's incoming control goes to redirect[i]
// (itself resolved through further removed nodes). redirect[i] must be > i.
Code Compact(const Code& code, const std::vector<bool>& remove, std::vector<int> redirect) {
  const int n = static_cast<int>(code.size());
  std::vector<int> new_index(n + 1, 0);
  int next = 0;
  for (int i = 0; i < n; ++i) {
    new_index[i] = next;
    if (!remove[i]) ++next;
  }
  new_index[n] = next;
  // Resolve redirects from the end so chains collapse.
  for (int i = n - 1; i >= 0; --i) {
    if (remove[i] && redirect[i] < n && remove[redirect[i]]) redirect[i] = redirect[redirect[i]];
  }
  auto map_target = [&](int t) { return new_index[remove[t] ? redirect[t] : t]; };
  Code out;
  out.reserve(next);
  for (int i = 0; i < n; ++i) {
    if (remove[i]) continue;
    Node node = code[i];
    if (IsJump(node.f)) node.jt = map_target(node.jt);
    if (IsCondJump(node.f)) node.jf = map_target(node.jf);
    out.push_back(node);
  }
  return out;
}

// What a conditional jump's outcome says about A.
struct Knowledge {
  uint32_t lo = 0, hi = 0xffffffffu;
  std::optional<uint32_t> not_equal;
  uint32_t zero_bits = 0;  // bits known to be 0
  uint32_t some_bit = 0;   // A & some_bit != 0
};

Knowledge FromEdge(const SockFilter& f, bool taken) {
  Knowledge k;
  const uint32_t c = f.k;
  switch (Op(f.code)) {
    case kJEQ:
      if (taken) k.lo = k.hi = c; else k.not_equal = c;
      break;
    case kJGT:
      if (taken) k.lo = c + 1; else k.hi = c;  // taken implies c < 0xffffffff
      break;
    case kJGE:
      if (taken) k.lo = c; else k.hi = c - 1;  // not taken implies c > 0
      break;
    case kJSET:
      if (taken) k.some_bit = c; else k.zero_bits = c;
      break;
  }
  return k;
}

// The outcome of conditional jump `f` (K operand) when A satisfies `k`, if decided.
std::optional<bool> Decide(const Knowledge& k, const SockFilter& f) {
  const uint32_t c = f.k;
  const bool point = k.lo == k.hi;
  switch (Op(f.code)) {
    case kJEQ:
      if (point) return k.lo == c;
      if (c < k.lo || c > k.hi) return false;
      if (k.not_equal && *k.not_equal == c) return false;
      if ((c & k.zero_bits) != 0) return false;
      if (k.some_bit != 0 && (c & k.some_bit) == 0) return false;
      return std::nullopt;
    case kJGT:
      if (k.lo > c) return true;
      if (k.hi <= c) return false;
      return std::nullopt;
    case kJGE:
      if (k.lo >= c) return true;
      if (k.hi < c) return false;
      return std::nullopt;
    case kJSET:
      if (point) return (k.lo & c) != 0;
      if ((c & ~k.zero_bits) == 0) return false;
      if (k.some_bit != 0 && (k.some_bit & ~c) == 0) return true;
      return std::nullopt;
  }
  return std::nullopt;
}

bool IsCondK(const SockFilter& f) { return IsCondJump(f) && Src(f.code) == kK; }

int Thread(const Code& code, int from, bool taken, int target) {
  const SockFilter& src = code[from].f;
  const std::optional<Knowledge> k =
      IsCondK(src) ? std::optional<Knowledge>(FromEdge(src, taken)) : std::nullopt;
  for (int hops = 0; hops < 256; ++hops) {
    const Node& t = code[target];
    if (IsJump(t.f) && !IsCondJump(t.f)) {
      target = t.jt;
      continue;
    }
    if (k && IsCondK(t.f)) {
      const std::optional<bool> d = Decide(*k, t.f);
      if (d) {
        target = *d ? t.jt : t.jf;
        continue;
      }
    }
    break;
  }
  return target;
}

}  // namespace

Code EliminateDeadCode(const Code& code) {
  const int n = static_cast<int>(code.size());
  if (n == 0) return code;
  std::vector<bool> reached(n, false);
  reached[0] = true;
  for (int i = 0; i < n; ++i) {
    if (!reached[i]) continue;
    const Node& node = code[i];
    if (IsJump(node.f)) {
      reached[node.jt] = true;
      if (IsCondJump(node.f)) reached[node.jf] = true;
    } else if (!IsRet(node.f) && i + 1 < n) {
      reached[i + 1] = true;
    }
  }
  std::vector<bool> remove(n, false);
  std::vector<int> redirect(n, n);
  for (int i = 0; i < n; ++i) {
    if (!reached[i]) {
      remove[i] = true;
      redirect[i] = std::min(i + 1, n - 1);  // never a target of anything kept
    } else if (IsJump(code[i].f) && !IsCondJump(code[i].f) && code[i].jt == i + 1) {
      remove[i] = true;
      redirect[i] = i + 1;
    }
  }
  // The last node is a RET in any valid program, so it is never a removed `ja`.
  return Compact(code, remove, redirect);
}

Code ThreadJumps(const Code& code) {
  Code out = code;
  for (int i = 0; i < static_cast<int>(out.size()); ++i) {
    Node& node = out[i];
    if (!IsJump(node.f)) continue;
    if (!IsCondJump(node.f)) {
      node.jt = Thread(out, i, true, node.jt);
      // A `ja` whose own outcome carries no knowledge: only `ja` chains are followed above.
      continue;
    }
    node.jt = Thread(out, i, true, node.jt);
    node.jf = Thread(out, i, false, node.jf);
  }
  return out;
}

Code EliminateRedundantLoads(const Code& code) {
  // State: what A holds, as (kind, value): kind 0 unknown, 1 data word at offset value,
  // 2 immediate value; -1 in `seen` = no path reached yet.
  const int n = static_cast<int>(code.size());
  using State = std::pair<int, uint32_t>;
  std::vector<State> in(n, State{0, 0});
  std::vector<bool> seen(n, false);
  auto merge = [&](int t, State s) {
    if (!seen[t]) {
      seen[t] = true;
      in[t] = s;
    } else if (in[t] != s) {
      in[t] = State{0, 0};
    }
  };
  if (n > 0) merge(0, State{2, 0});  // A starts at 0
  std::vector<bool> remove(n, false);
  std::vector<int> redirect(n, n);
  for (int i = 0; i < n; ++i) {
    if (!seen[i]) continue;
    const Node& node = code[i];
    State s = in[i];
    const uint16_t c = node.f.code;
    if (c == (kLD | kW | kABS) || c == (kLD | kIMM)) {
      const State loaded{c == (kLD | kIMM) ? 2 : 1, node.f.k};
      if (s == loaded && i + 1 < n) {
        remove[i] = true;
        redirect[i] = i + 1;
      }
      s = loaded;
    } else if (c == (kLD | kW | kLEN)) {
      s = State{2, 64};
    } else if (Class(c) == kLD || Class(c) == kALU || c == (kMISC | kTXA)) {
      s = State{0, 0};
    }
    if (IsJump(node.f)) {
      merge(node.jt, s);
      if (IsCondJump(node.f)) merge(node.jf, s);
    } else if (!IsRet(node.f) && i + 1 < n) {
      merge(i + 1, s);
    }
  }
  return Compact(code, remove, redirect);
}

Code MergeReturns(const Code& code) {
  constexpr int kReach = 200;  // margin below 255 for trampolines inserted in between
  std::map<std::pair<uint16_t, uint32_t>, std::vector<int>> rets;
  auto key = [](const SockFilter& f) {
    return std::make_pair(f.code, RetSrc(f.code) == kRetA ? 0u : f.k);
  };
  for (int i = 0; i < static_cast<int>(code.size()); ++i) {
    if (IsRet(code[i].f)) rets[key(code[i].f)].push_back(i);
  }
  Code out = code;
  // The farthest identical `ret` that is surely still in reach of an 8-bit offset (so the
  // nearer duplicates lose their users), else the target itself.
  auto nearest = [&](int from, int target) {
    const std::vector<int>& v = rets[key(code[target].f)];
    auto it = std::upper_bound(v.begin(), v.end(), from + kReach);
    if (it == v.begin()) return target;
    const int far = *std::prev(it);
    return far > from && far > target ? far : target;
  };
  for (int i = 0; i < static_cast<int>(out.size()); ++i) {
    Node& node = out[i];
    if (!IsJump(node.f)) continue;
    if (IsRet(code[node.jt].f)) node.jt = nearest(i, node.jt);
    if (IsCondJump(node.f) && IsRet(code[node.jf].f)) node.jf = nearest(i, node.jf);
  }
  return EliminateDeadCode(out);
}

Code Simplify(const Code& code) {
  Code cur = code;
  for (int round = 0; round < 8; ++round) {
    Code next = EliminateDeadCode(
        MergeReturns(EliminateRedundantLoads(ThreadJumps(cur))));
    if (next.size() == cur.size()) {
      bool same = true;
      for (size_t i = 0; i < next.size() && same; ++i) {
        same = next[i].f == cur[i].f && next[i].jt == cur[i].jt && next[i].jf == cur[i].jf;
      }
      if (same) return next;
    }
    cur = std::move(next);
  }
  return cur;
}

}  // namespace sckit::optimize
