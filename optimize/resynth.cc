// Re-synthesis from the decision structure (see resynth.h): the regions of the (arch, nr) space
// found with the prefix (resynth_prefix.h), and the code emitted for them: arch dispatch, number
// searches, leaves, and the original code copied from the frontiers on.
#include "optimize/resynth.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "optimize/resynth_prefix.h"
#include "vm/bpf.h"

namespace sckit::optimize {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.
using resynth::CollectBounds;
using resynth::Frontier;
using resynth::Leaf;
using resynth::Liveness;
using resynth::Val;
using resynth::VK;

constexpr uint64_t kMaxWork = 400'000'000;  // segment pairs x instructions

// ---- Emission ----

struct Range {
  uint32_t lo, hi;
  int target;
  double weight;
};

using Segments = std::vector<std::pair<uint32_t, uint32_t>>;

Segments ToSegments(const std::set<uint32_t>& bounds) {
  Segments s;
  std::vector<uint32_t> b(bounds.begin(), bounds.end());
  for (size_t i = 0; i < b.size(); ++i) {
    s.push_back({b[i], i + 1 < b.size() ? b[i + 1] - 1 : 0xffffffffu});
  }
  return s;
}

class Emitter {
 public:
  Emitter(const Program& p, const std::vector<Leaf>& leaves, int max_chain)
      : p_(p), leaves_(leaves), max_chain_(max_chain) {
    tail_label_.assign(p.size(), -1);
  }

  CodeBuilder& b() { return b_; }

  // Emits a search over `r` (sorted, contiguous); leaves are emitted with `emit_leaf`.
  template <typename LeafFn>
  void Tree(const std::vector<Range>& r, size_t l, size_t h, const LeafFn& emit_leaf) {
    if (l == h) {
      emit_leaf(r[l].target);
      return;
    }
    // A short jeq chain when every non-point range goes to one target.
    std::vector<size_t> points;
    int def = -1;
    bool chain = true;
    for (size_t i = l; i <= h && chain; ++i) {
      if (r[i].lo == r[i].hi) {
        points.push_back(i);
      } else if (def == -1 || def == r[i].target) {
        def = r[i].target;
      } else {
        chain = false;
      }
    }
    if (chain && def == -1) {  // only points: the lightest one is the default
      auto lightest = std::min_element(points.begin(), points.end(), [&](size_t x, size_t y) {
        return r[x].weight < r[y].weight;
      });
      def = r[*lightest].target;
      points.erase(lightest);
    }
    if (chain && static_cast<int>(points.size()) <= max_chain_) {
      std::stable_sort(points.begin(), points.end(),
                       [&](size_t x, size_t y) { return r[x].weight > r[y].weight; });
      std::vector<int> labels;
      for (size_t i : points) {
        labels.push_back(b_.NewLabel());
        const int next = b_.NewLabel();
        b_.Cond(SockFilter{kJMP | kJEQ | kK, 0, 0, r[i].lo}, labels.back(), next);
        b_.Bind(next);
      }
      emit_leaf(def);
      for (size_t j = 0; j < points.size(); ++j) {
        b_.Bind(labels[j]);
        emit_leaf(r[points[j]].target);
      }
      return;
    }
    double total = 0;
    for (size_t i = l; i <= h; ++i) total += r[i].weight;
    double left = 0, best = -1;
    size_t split = l + 1;
    for (size_t s = l + 1; s <= h; ++s) {
      left += r[s - 1].weight;
      const double balance = std::abs(total - 2 * left);
      if (best < 0 || balance < best) best = balance, split = s;
    }
    const int lo_label = b_.NewLabel(), hi_label = b_.NewLabel();
    b_.Cond(SockFilter{kJMP | kJGE | kK, 0, 0, r[split].lo}, hi_label, lo_label);
    b_.Bind(lo_label);
    Tree(r, l, split - 1, emit_leaf);
    b_.Bind(hi_label);
    Tree(r, split, h, emit_leaf);
  }

  // The code for leaf `id` with A currently holding `cur`: a return, or the state the
  // frontier needs and a jump to the copied original code.
  void EmitLeaf(int id, Val cur) {
    const Leaf& leaf = leaves_[id];
    if (leaf.pc < 0) {
      b_.Stmt(SockFilter{kRET | kK, 0, 0, leaf.ret});
      return;
    }
    auto ensure_a = [&](const Val& v) {
      if (cur.key() == v.key()) return;
      if (v.kind == VK::kNr) b_.Stmt(SockFilter{kLD | kW | kABS, 0, 0, 0});
      else if (v.kind == VK::kArch) b_.Stmt(SockFilter{kLD | kW | kABS, 0, 0, 4});
      else b_.Stmt(SockFilter{kLD | kIMM, 0, 0, v.v});
      cur = v;
    };
    for (int i = 0; i < 16; ++i) {
      if (leaf.m[i].kind == VK::kUnset) continue;
      ensure_a(leaf.m[i]);
      b_.Stmt(SockFilter{kST, 0, 0, static_cast<uint32_t>(i)});
    }
    if (leaf.x.kind == VK::kConst && leaf.x.v != 0) {
      b_.Stmt(SockFilter{kLDX | kIMM, 0, 0, leaf.x.v});
    } else if (leaf.x.kind == VK::kNr || leaf.x.kind == VK::kArch) {
      ensure_a(leaf.x);
      b_.Stmt(SockFilter{kMISC | kTAX, 0, 0, 0});
    }
    if (leaf.a.kind != VK::kUnset) ensure_a(leaf.a);
    b_.Ja(TailLabel(leaf.pc));
  }

  int TailLabel(int pc) {
    if (tail_label_[pc] < 0) tail_label_[pc] = b_.NewLabel();
    return tail_label_[pc];
  }

  // The original instructions reachable from the frontiers, in original order.
  int EmitTail() {
    const int n = static_cast<int>(p_.size());
    std::vector<bool> in(n, false);
    for (int pc = 0; pc < n; ++pc) in[pc] = tail_label_[pc] >= 0;
    int count = 0;
    for (int pc = 0; pc < n; ++pc) {
      if (!in[pc]) continue;
      const SockFilter& f = p_.insns[pc];
      if (Class(f.code) == kJMP) {
        if (Op(f.code) == kJA) {
          in[pc + 1 + f.k] = true;
        } else {
          in[pc + 1 + f.jt] = in[pc + 1 + f.jf] = true;
        }
      } else if (Class(f.code) != kRET) {
        in[pc + 1] = true;
      }
    }
    for (int pc = 0; pc < n; ++pc) {
      if (!in[pc]) continue;
      ++count;
      b_.Bind(TailLabel(pc));
      const SockFilter& f = p_.insns[pc];
      if (Class(f.code) == kJMP && Op(f.code) == kJA) {
        b_.Ja(TailLabel(pc + 1 + static_cast<int>(f.k)));
      } else if (Class(f.code) == kJMP) {
        b_.Cond(f, TailLabel(pc + 1 + f.jt), TailLabel(pc + 1 + f.jf));
      } else {
        b_.Stmt(f);
      }
    }
    return count;
  }

 private:
  const Program& p_;
  const std::vector<Leaf>& leaves_;
  const int max_chain_;
  CodeBuilder b_;
  std::vector<int> tail_label_;
};

double WeightOf(const std::vector<uint32_t>& sorted, uint32_t lo, uint32_t hi) {
  auto a = std::lower_bound(sorted.begin(), sorted.end(), lo);
  auto b = std::upper_bound(sorted.begin(), sorted.end(), hi);
  return static_cast<double>(b - a) + 0.01;
}


// The decision structure: per arch segment, nr ranges -> leaf; identical maps shared.
struct Regions {
  std::vector<Leaf> leaves;
  std::vector<std::vector<Range>> maps;  // nr ranges per distinct map
  std::vector<Range> arch_ranges;        // target: index into maps
};

Regions FindRegions(const Program& original, const Segments& arch_segs, const Segments& nr_segs,
                    std::span<const SeccompData> workload) {
  Regions g;
  const std::vector<uint32_t> live = Liveness(original);
  std::map<std::string, int> leaf_ids;
  std::map<std::vector<std::tuple<uint32_t, uint32_t, int>>, int> map_ids;
  std::vector<uint32_t> work_arches;
  for (const SeccompData& d : workload) work_arches.push_back(d.arch);
  std::sort(work_arches.begin(), work_arches.end());
  for (const auto& [alo, ahi] : arch_segs) {
    std::vector<uint32_t> nrs;
    for (const SeccompData& d : workload) {
      if (d.arch >= alo && d.arch <= ahi) nrs.push_back(static_cast<uint32_t>(d.nr));
    }
    std::sort(nrs.begin(), nrs.end());
    std::vector<Range> ranges;
    for (const auto& [lo, hi] : nr_segs) {
      const Leaf leaf = Frontier(original, live, alo, lo);
      auto [it, added] = leaf_ids.emplace(leaf.Key(), static_cast<int>(g.leaves.size()));
      if (added) g.leaves.push_back(leaf);
      if (!ranges.empty() && ranges.back().target == it->second) {
        ranges.back().hi = hi;
      } else {
        ranges.push_back(Range{lo, hi, it->second, 0});
      }
    }
    std::vector<std::tuple<uint32_t, uint32_t, int>> key;
    for (Range& r : ranges) {
      r.weight = WeightOf(nrs, r.lo, r.hi);
      key.emplace_back(r.lo, r.hi, r.target);
    }
    auto [it, added] = map_ids.emplace(key, static_cast<int>(g.maps.size()));
    if (added) g.maps.push_back(ranges);
    const double w = WeightOf(work_arches, alo, ahi);
    if (!g.arch_ranges.empty() && g.arch_ranges.back().target == it->second) {
      g.arch_ranges.back().hi = ahi;
      g.arch_ranges.back().weight += w;
    } else {
      g.arch_ranges.push_back(Range{alo, ahi, it->second, w});
    }
  }
  return g;
}

// The arch dispatch, the number searches (each once, jumped to), the copied tail.
int EmitRegions(const Regions& g, Emitter& e) {
  CodeBuilder& b = e.b();
  std::vector<int> map_label(g.maps.size(), -1);
  auto emit_search = [&](int map_id) {
    const std::vector<Range>& r = g.maps[map_id];
    b.Stmt(SockFilter{kLD | kW | kABS, 0, 0, 0});
    e.Tree(r, 0, r.size() - 1, [&](int leaf) { e.EmitLeaf(leaf, Val{VK::kNr, 0}); });
  };
  // Arch-level leaf: the map's single leaf directly, or a jump to its number search.
  auto emit_map = [&](int map_id, Val cur) {
    const std::vector<Range>& r = g.maps[map_id];
    if (r.size() == 1) {
      e.EmitLeaf(r[0].target, cur);
    } else {
      if (map_label[map_id] < 0) map_label[map_id] = b.NewLabel();
      b.Ja(map_label[map_id]);
    }
  };
  const std::vector<Range>& arch = g.arch_ranges;
  if (arch.size() == 1 && g.maps[arch[0].target].size() > 1) {
    emit_search(arch[0].target);
  } else if (arch.size() == 1) {
    emit_map(arch[0].target, Val{VK::kConst, 0});
  } else {
    b.Stmt(SockFilter{kLD | kW | kABS, 0, 0, 4});
    e.Tree(arch, 0, arch.size() - 1, [&](int map_id) { emit_map(map_id, Val{VK::kArch, 0}); });
  }
  for (size_t id = 0; id < g.maps.size(); ++id) {
    if (map_label[id] < 0) continue;
    b.Bind(map_label[id]);
    emit_search(static_cast<int>(id));
  }
  return e.EmitTail();
}

}  // namespace

Result<Code> Resynthesize(const Program& original, std::span<const SeccompData> workload,
                          const ResynthOptions& options, ResynthInfo* info) {
  std::set<uint32_t> nr_bounds, arch_bounds;
  CollectBounds(original, &nr_bounds, &arch_bounds);
  const Segments nr_segs = ToSegments(nr_bounds), arch_segs = ToSegments(arch_bounds);
  if (static_cast<uint64_t>(nr_segs.size()) * arch_segs.size() * original.size() > kMaxWork) {
    return MakeError("too-large", "too many (arch, nr) regions to re-synthesize");
  }
  const Regions g = FindRegions(original, arch_segs, nr_segs, workload);
  Emitter e(original, g.leaves, options.max_chain_points);
  const int tail = EmitRegions(g, e);
  if (info != nullptr) {
    info->arch_ranges = static_cast<int>(g.arch_ranges.size());
    info->nr_ranges = 0;
    for (const auto& m : g.maps) info->nr_ranges += static_cast<int>(m.size());
    info->leaves = static_cast<int>(g.leaves.size());
    info->tail_insns = tail;
  }
  return e.b().Finish();
}

}  // namespace sckit::optimize
