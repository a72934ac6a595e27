// Finding the multi-way branches on A both engines lower: jeq chains and compare trees (see
// jeq_chains.h for what each is and the limits that keep the search bounded).
#include "vm/jeq_chains.h"

#include <algorithm>
#include <span>

#include "vm/bpf.h"

namespace sckit {

uint64_t KeySpan(const JeqChain& chain) {
  if (chain.cases.empty()) return 0;
  return uint64_t{chain.cases.back().key} - chain.cases.front().key + 1;
}

bool FitsDenseTable(const JeqChain& chain) {
  const uint64_t span = KeySpan(chain);
  return span <= 4096 && span <= std::max<uint64_t>(512, 8 * chain.cases.size());
}

std::vector<JeqChain> FindJeqChains(const VerifiedProgram& program, uint32_t min_keys,
                                    uint32_t key_budget) {
  constexpr uint16_t kJeqK = bpf::kJMP | bpf::kJEQ | bpf::kK;
  const auto insns = program.insns();
  const size_t n = insns.size();
  auto miss_of = [&](size_t pc) { return pc + 1 + insns[pc].jf; };  // in range: verified
  std::vector<bool> inside(n, false);
  for (size_t pc = 0; pc < n; ++pc) {
    if (insns[pc].code == kJeqK && insns[miss_of(pc)].code == kJeqK) inside[miss_of(pc)] = true;
  }
  std::vector<JeqChain> chains;
  uint32_t keys = 0;
  std::vector<JeqChain::Case> walk;
  for (size_t pc = 0; pc < n; ++pc) {
    if (insns[pc].code != kJeqK || inside[pc]) continue;
    JeqChain chain;
    chain.head = static_cast<uint32_t>(pc);
    walk.clear();
    size_t cur = pc;
    for (;;) {  // jumps only go forward, so this ends
      walk.push_back({insns[cur].k, static_cast<uint32_t>(cur + 1 + insns[cur].jt)});
      ++chain.compares;
      if (insns[miss_of(cur)].code != kJeqK) break;
      cur = miss_of(cur);
    }
    chain.miss = static_cast<uint32_t>(miss_of(cur));
    // Ascending keys; of equal keys the first compare in the chain wins (stable sort).
    std::stable_sort(walk.begin(), walk.end(),
                     [](const JeqChain::Case& a, const JeqChain::Case& b) { return a.key < b.key; });
    for (const JeqChain::Case& c : walk) {
      if (chain.cases.empty() || chain.cases.back().key != c.key) chain.cases.push_back(c);
    }
    if (chain.cases.size() < min_keys) continue;
    if (keys + chain.cases.size() > key_budget) break;
    keys += static_cast<uint32_t>(chain.cases.size());
    chains.push_back(std::move(chain));
  }
  return chains;
}

CompareTree ChainAsTree(const JeqChain& chain) {
  CompareTree tree;
  tree.head = chain.head;
  tree.compares = chain.compares;
  auto add = [&](uint32_t first, uint32_t target) {
    if (tree.ranges.empty() || tree.ranges.back().target != target) {
      tree.ranges.push_back({first, target});
    }
  };
  uint64_t next = 0;
  for (const JeqChain::Case& c : chain.cases) {  // ascending, distinct
    if (c.key > next) add(static_cast<uint32_t>(next), chain.miss);
    add(c.key, c.target);
    next = uint64_t{c.key} + 1;
  }
  if (next <= 0xffffffffu) add(static_cast<uint32_t>(next), chain.miss);
  return tree;
}

DenseWindow FindDenseWindow(const CompareTree& tree) {
  DenseWindow best;
  for (size_t begin : {size_t{1}, size_t{0}}) {  // 0 wins a tie: no "below" case at run time
    for (size_t end = begin + 2; end < tree.ranges.size(); ++end) {
      const uint64_t span = uint64_t{tree.ranges[end].first} - tree.ranges[begin].first;
      if (span > 4096) break;  // spans only grow with `end`
      if (span <= std::max<uint64_t>(512, 8 * (end - begin)) &&
          end - begin >= best.end - best.begin) {
        best = {begin, end, tree.ranges[begin].first, span};
      }
    }
  }
  return best;
}

namespace {

constexpr uint16_t kJa = bpf::kJMP | bpf::kJA;
constexpr uint16_t kJeqK = bpf::kJMP | bpf::kJEQ | bpf::kK;
constexpr uint16_t kJgtK = bpf::kJMP | bpf::kJGT | bpf::kK;
constexpr uint16_t kJgeK = bpf::kJMP | bpf::kJGE | bpf::kK;

bool IsCompare(uint16_t code) { return code == kJeqK || code == kJgtK || code == kJgeK; }
bool InTree(uint16_t code) { return IsCompare(code) || code == kJa; }

// Intervals of A values on their way to instructions: per pc a list threaded through one
// vector (no allocation per instruction), reused from tree to tree.
class Flows {
 public:
  struct Flow {
    uint64_t lo, hi;  // inclusive, within [0, 2^32)
    int32_t next;     // next flow into the same pc, or -1
  };
  explicit Flows(size_t n) : first_(n, -1) {}

  void Add(uint32_t pc, uint64_t lo, uint64_t hi) {
    flows_.push_back({lo, hi, first_[pc]});
    first_[pc] = static_cast<int32_t>(flows_.size() - 1);
    furthest_ = std::max(furthest_, pc);
  }
  uint32_t furthest() const { return furthest_; }
  // The intervals into pc, sorted, touching ones joined; the pc's list is emptied.
  void Take(uint32_t pc, std::vector<Flow>* out) {
    out->clear();
    for (int32_t i = first_[pc]; i >= 0; i = flows_[static_cast<size_t>(i)].next) {
      out->push_back(flows_[static_cast<size_t>(i)]);
    }
    first_[pc] = -1;
    std::sort(out->begin(), out->end(), [](const Flow& a, const Flow& b) { return a.lo < b.lo; });
    size_t kept = 0;
    for (const Flow& f : *out) {
      if (kept > 0 && (*out)[kept - 1].hi + 1 == f.lo) {
        (*out)[kept - 1].hi = f.hi;
      } else {
        (*out)[kept++] = f;
      }
    }
    out->resize(kept);
  }
  // Empties every list from `from` on (after a tree given up half way).
  void Reset(uint32_t from) {
    for (uint32_t pc = from; pc <= furthest_ && pc < first_.size(); ++pc) first_[pc] = -1;
    flows_.clear();
    furthest_ = 0;
  }

 private:
  std::vector<int32_t> first_;
  std::vector<Flow> flows_;
  uint32_t furthest_ = 0;
};

struct Piece {
  uint64_t lo, hi;
  uint32_t target;  // the pc the interval leaves the tree to
};

// Pushes every interval from `head` through the tree in pc order (jumps only go forward, so
// every interval into a pc is there before the pc is processed), split by each compare, until
// it leaves. False when the work would exceed *budget (which is then spent) or, defensively,
// when the pieces do not cover [0, 2^32) exactly.
bool BuildTree(std::span<const SockFilter> insns, uint32_t head, uint64_t* budget,
               Flows* flows, CompareTree* tree) {
  flows->Reset(head);
  flows->Add(head, 0, 0xffffffffu);
  std::vector<Piece> pieces;
  std::vector<Flows::Flow> in;
  tree->head = head;
  for (uint32_t pc = head; pc <= flows->furthest(); ++pc) {
    flows->Take(pc, &in);
    if (in.empty()) continue;
    const SockFilter& f = insns[pc];
    if (!InTree(f.code)) {
      for (const Flows::Flow& i : in) pieces.push_back({i.lo, i.hi, pc});
      continue;
    }
    if (in.size() > *budget) {
      *budget = 0;
      flows->Reset(pc);
      return false;
    }
    *budget -= in.size();
    if (f.code == kJa) {
      for (const Flows::Flow& i : in) flows->Add(pc + 1 + f.k, i.lo, i.hi);  // in range
      continue;
    }
    ++tree->compares;
    const uint32_t jt = pc + 1 + f.jt;
    const uint32_t jf = pc + 1 + f.jf;
    // The true set is [t_lo, t_hi]: {k} for jeq, (k, max] for jgt, [k, max] for jge.
    const uint64_t k = f.k;
    const uint64_t t_lo = f.code == kJgtK ? k + 1 : k;
    const uint64_t t_hi = f.code == kJeqK ? k : 0xffffffffu;
    for (const Flows::Flow& i : in) {
      const uint64_t lo = std::max(i.lo, t_lo);
      const uint64_t hi = std::min(i.hi, t_hi);
      if (lo > hi) {  // no overlap
        flows->Add(jf, i.lo, i.hi);
        continue;
      }
      if (i.lo < lo) flows->Add(jf, i.lo, lo - 1);
      flows->Add(jt, lo, hi);
      if (hi < i.hi) flows->Add(jf, hi + 1, i.hi);
    }
  }
  std::sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) { return a.lo < b.lo; });
  uint64_t next = 0;
  for (const Piece& p : pieces) {
    if (p.lo != next) return false;
    next = p.hi + 1;
    if (tree->ranges.empty() || tree->ranges.back().target != p.target) {
      tree->ranges.push_back({static_cast<uint32_t>(p.lo), p.target});
    }
  }
  return next == uint64_t{1} << 32;
}

}  // namespace

std::vector<CompareTree> FindCompareTrees(const VerifiedProgram& program, uint32_t min_compares,
                                          uint64_t work_budget) {
  const auto insns = program.insns();
  const size_t n = insns.size();
  std::vector<bool> inside(n, false);
  std::vector<bool> ordered(n, false);  // a jgt/jge is reachable from here in the tree
  for (size_t pc = n; pc-- > 0;) {
    const SockFilter& f = insns[pc];
    if (!InTree(f.code)) continue;
    const size_t jt = pc + 1 + (f.code == kJa ? f.k : f.jt);
    const size_t jf = f.code == kJa ? jt : pc + 1 + f.jf;
    for (size_t to : {jt, jf}) {
      if (InTree(insns[to].code)) {
        inside[to] = true;
        if (ordered[to]) ordered[pc] = true;
      }
    }
    if (f.code == kJgtK || f.code == kJgeK) ordered[pc] = true;
  }
  std::vector<CompareTree> trees;
  uint64_t budget = work_budget;
  Flows flows(n);
  for (size_t pc = 0; pc < n; ++pc) {
    if (!IsCompare(insns[pc].code) || inside[pc] || !ordered[pc]) continue;
    CompareTree tree;
    // The work is charged whether or not the tree is kept: once the budget is spent, no more
    // trees are looked at.
    if (!BuildTree(insns, static_cast<uint32_t>(pc), &budget, &flows, &tree)) continue;
    if (tree.compares >= min_compares) trees.push_back(std::move(tree));
  }
  return trees;
}

}  // namespace sckit
