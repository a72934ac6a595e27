// Static path costs of a filter for one syscall (see rules_cost.h).
#include "policy/rules_cost.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "vm/bpf.h"
#include "vm/seccomp_data.h"

namespace sckit::policy {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

struct Walk {
  const Program& p;
  uint32_t arch, nr;
  // Memo by (pc, what A holds): 0 unknown, 1 + value otherwise.
  std::map<std::pair<size_t, uint64_t>, PathCost> memo;

  static uint64_t Key(std::optional<uint32_t> a) { return a ? 1 + uint64_t{*a} : 0; }

  static PathCost Merge(const PathCost& x, const PathCost& y) {
    PathCost m;
    m.min_insns = std::min(x.min_insns, y.min_insns);
    m.max_insns = std::max(x.max_insns, y.max_insns);
    std::set<uint32_t> r(x.rets.begin(), x.rets.end());
    r.insert(y.rets.begin(), y.rets.end());
    m.rets.assign(r.begin(), r.end());
    return m;
  }

  PathCost From(size_t pc, std::optional<uint32_t> a) {
    if (pc >= p.size()) return {};
    auto key = std::make_pair(pc, Key(a));
    auto it = memo.find(key);
    if (it != memo.end()) return it->second;
    PathCost c = Step(pc, a);
    c.min_insns += 1;
    c.max_insns += 1;
    memo[key] = c;
    return c;
  }

  PathCost Step(size_t pc, std::optional<uint32_t> a) {
    const SockFilter& i = p.insns[pc];
    switch (Class(i.code)) {
      case kRET: return PathCost{0, 0, {Src(i.code) == kK ? i.k : 0}};
      case kLD:
        if (Mode(i.code) == kABS && i.k == data_offset::kNr) return From(pc + 1, nr);
        if (Mode(i.code) == kABS && i.k == data_offset::kArch) return From(pc + 1, arch);
        return From(pc + 1, std::nullopt);
      case kJMP: {
        if (Op(i.code) == kJA) return From(pc + 1 + i.k, a);
        const size_t t = pc + 1 + i.jt, f = pc + 1 + i.jf;
        if (!a || Src(i.code) != kK) return Merge(From(t, a), From(f, a));
        bool taken = false;
        switch (Op(i.code)) {
          case kJEQ: taken = *a == i.k; break;
          case kJGT: taken = *a > i.k; break;
          case kJGE: taken = *a >= i.k; break;
          case kJSET: taken = (*a & i.k) != 0; break;
          default: return Merge(From(t, a), From(f, a));
        }
        return From(taken ? t : f, a);
      }
      default: return From(pc + 1, std::nullopt);
    }
  }
};

}  // namespace

PathCost PathsFor(const Program& program, uint32_t arch, uint32_t nr) {
  Walk w{program, arch, nr, {}};
  return w.From(0, std::nullopt);
}

}  // namespace sckit::policy
