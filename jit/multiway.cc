// The JIT's multi-way branches (jit/multiway.h): jeq chains as bit tests, jump tables or
// compare trees, and chains and compare trees as range tables: a bounds check, then a table of
// return values (every target a `ret #k`: no branch at all), of one-byte slots naming a return
// value or a code target, or of code offsets; values outside the table searched by compares.
#include "jit/multiway.h"

#include <algorithm>
#include <map>
#include <utility>

namespace sckit::jit {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

// Bit tests for at most this many groups of keys sharing a target.
constexpr size_t kMaxBitTestTargets = 3;

}  // namespace

MultiwayEmitter::MultiwayEmitter(X86Assembler& as, std::span<const SockFilter> insns,
                                 const std::vector<Label>& pc_labels, Reg a, Reg tmp,
                                 Label exit, bool bare_exit, ChainForm form)
    : as_(as), insns_(insns), pc_labels_(pc_labels), a_(a), tmp_(tmp), exit_(exit),
      bare_exit_(bare_exit), form_(form) {}

void MultiwayEmitter::Leave() {
  if (bare_exit_) {
    as_.Ret();
  } else {
    as_.Jmp(exit_);
  }
}

// Compare A with the constant k: `test A, A` for 0 (same ZF and CF as cmp A, 0).
void MultiwayEmitter::CompareA(uint32_t k) {
  if (k == 0) {
    as_.TestR32R32(a_, a_);
  } else {
    as_.CmpR32Imm32(a_, k);
  }
}

// The measured rule (docs/performance.md, "bit tests or a table"): a chain whose keys span more
// than 64 values (bit tests would need more than one 64-value window per target group) gets a
// range table when it has a dense window; bit tests otherwise.
bool MultiwayEmitter::UseTable(const JeqChain& chain) const {
  switch (form_) {
    case ChainForm::kBitTests: return false;
    case ChainForm::kTable: return true;
    case ChainForm::kRule: break;
  }
  return KeySpan(chain) > 64;
}

void MultiwayEmitter::LowerChain(const JeqChain& chain) {
  if (UseTable(chain) && RangeTable(ChainAsTree(chain).ranges)) return;
  const Label miss = PcLabel(chain.miss);
  // Keys by target, largest group first: the big groups get bit tests, in that order.
  std::map<uint32_t, std::vector<uint32_t>> by_target;
  for (const JeqChain::Case& c : chain.cases) by_target[c.target].push_back(c.key);
  std::vector<std::pair<uint32_t, std::vector<uint32_t>>> groups(by_target.begin(),
                                                                  by_target.end());
  std::stable_sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
    return a.second.size() > b.second.size();
  });
  size_t bit_tested = 0;
  while (bit_tested < groups.size() && bit_tested < kMaxBitTestTargets &&
         groups[bit_tested].second.size() >= kMinChainKeys) {
    ++bit_tested;
  }
  JeqChain rest;  // the keys of the other groups, ascending
  for (const JeqChain::Case& c : chain.cases) {
    const bool tested = std::any_of(groups.begin(), groups.begin() + bit_tested,
                                    [&](const auto& g) { return g.first == c.target; });
    if (!tested) rest.cases.push_back(c);
  }
  for (size_t g = 0; g < bit_tested; ++g) {
    const bool last = g + 1 == bit_tested && rest.cases.empty();
    const Label next = last ? miss : as_.NewLabel();
    BitTestSet(groups[g].second, PcLabel(groups[g].first), next);
    if (!last) as_.Bind(next);
  }
  if (rest.cases.empty()) return;
  if (rest.cases.size() > 3 && FitsDenseTable(rest) &&
      table_entries_ + KeySpan(rest) <= kDenseTableEntryBudget) {
    table_entries_ += KeySpan(rest);
    TableJump(rest, miss);
  } else {
    CompareSearch(rest.cases, 0, rest.cases.size(), miss);
  }
}

bool MultiwayEmitter::LowerTree(const sckit::CompareTree& tree) {
  if (tree.ranges.size() == 2) {  // one bound
    CompareA(tree.ranges[1].first);
    as_.Jcc(Cond::ae, PcLabel(tree.ranges[1].target));
    as_.Jmp(PcLabel(tree.ranges[0].target));
    return true;
  }
  return RangeTable(tree.ranges);
}

// `keys` ascending and distinct: A in keys ? goto hit : goto miss.
void MultiwayEmitter::BitTestSet(const std::vector<uint32_t>& keys, Label hit, Label miss) {
  for (size_t w = 0; w < keys.size();) {
    const uint32_t base = keys[w];
    uint64_t mask = 0;
    size_t n = 0;
    while (w + n < keys.size() && keys[w + n] - base < 64) {
      mask |= uint64_t{1} << (keys[w + n] - base);
      ++n;
    }
    w += n;
    if (n == 1) {
      CompareA(base);
      as_.Jcc(Cond::e, hit);
      continue;
    }
    // Windows ascend, so a value above this one goes on to the next window (two
    // instructions), and one below its base is in no window at all.
    const bool last = w == keys.size();
    const Label next = as_.NewLabel();
    const uint32_t top = base > 0xffffffffu - 63 ? 0xffffffffu : base + 63;
    as_.CmpR32Imm32(a_, top);
    as_.Jcc(Cond::a, last ? miss : next);           // unsigned A > base + 63
    as_.MovR32R32(tmp_, a_);
    if (base != 0) {
      as_.SubR32Imm32(tmp_, base);                  // A - base; CF: A < base
      as_.Jcc(Cond::b, miss);
    }
    as_.MovR64Imm64(Reg::rdx, mask);
    as_.BtR64R64(Reg::rdx, tmp_);                   // CF = bit (A - base): A is in the set
    as_.Jcc(Cond::b, hit);
    as_.Jmp(miss);
    as_.Bind(next);
  }
  as_.Jmp(miss);
}

void MultiwayEmitter::TableJump(const JeqChain& chain, Label miss) {
  const uint32_t lo = chain.cases.front().key;
  const uint32_t span = static_cast<uint32_t>(KeySpan(chain));
  DataBlock table{as_.NewLabel(), {}, {}, std::vector<Label>(span, miss)};
  for (const JeqChain::Case& c : chain.cases) table.deltas[c.key - lo] = PcLabel(c.target);
  as_.MovR32R32(tmp_, a_);                          // zero-extends: a 64-bit index
  if (lo != 0) as_.SubR32Imm32(tmp_, lo);
  as_.CmpR32Imm32(tmp_, span - 1);
  as_.Jcc(Cond::a, miss);                           // unsigned: also A < lo
  as_.LeaR64Label(Reg::rdx, table.base);
  as_.MovsxdR64MemIndex4(tmp_, Reg::rdx, tmp_);     // offset of the target from the table
  as_.AddR64R64(tmp_, Reg::rdx);
  as_.JmpR64(tmp_);
  data_.push_back(std::move(table));
}

// cases[lo, hi) ascending: a binary search as compares, each level `je` to its key's target.
void MultiwayEmitter::CompareSearch(const std::vector<JeqChain::Case>& cases, size_t lo,
                                  size_t hi, Label miss) {
  if (hi - lo <= 3) {
    for (size_t i = lo; i < hi; ++i) {
      CompareA(cases[i].key);
      as_.Jcc(Cond::e, PcLabel(cases[i].target));
    }
    as_.Jmp(miss);
    return;
  }
  const size_t mid = lo + (hi - lo) / 2;
  const Label below = as_.NewLabel();
  CompareA(cases[mid].key);
  as_.Jcc(Cond::e, PcLabel(cases[mid].target));
  as_.Jcc(Cond::b, below);                          // unsigned A < key
  CompareSearch(cases, mid + 1, hi, miss);
  as_.Bind(below);
  CompareSearch(cases, lo, mid, miss);
}

bool MultiwayEmitter::RangeTable(const Ranges& ranges) {
  sckit::CompareTree tree;
  tree.ranges = ranges;
  const DenseWindow w = FindDenseWindow(tree);
  if (w.end == 0 || table_entries_ + w.span > kDenseTableEntryBudget) return false;
  table_entries_ += w.span;
  WindowLookup(ranges, w);
  return true;
}

// A in [lo, lo + span): the table; below: ranges[0]; above: a search over ranges[end, size).
void MultiwayEmitter::WindowLookup(const Ranges& ranges, const DenseWindow& w) {
  const Label outside = as_.NewLabel();
  as_.MovR32R32(tmp_, a_);                          // zero-extends: a 64-bit index
  if (w.lo != 0) as_.SubR32Imm32(tmp_, w.lo);
  as_.CmpR32Imm32(tmp_, static_cast<uint32_t>(w.span - 1));
  as_.Jcc(Cond::a, outside);                        // unsigned: also A < lo
  // Slots: the distinct return values first (0..), then the distinct code targets.
  std::vector<uint32_t> values;
  std::vector<Label> code;
  std::map<uint32_t, uint32_t> ret_slot;   // by return value
  std::map<uint32_t, uint32_t> code_slot;  // by pc
  auto is_ret = [&](uint32_t pc) { return insns_[pc].code == (kRET | kK); };
  for (size_t r = w.begin; r < w.end; ++r) {
    const uint32_t pc = ranges[r].target;
    if (is_ret(pc)) {
      if (ret_slot.try_emplace(insns_[pc].k, values.size()).second) values.push_back(insns_[pc].k);
    } else if (code_slot.try_emplace(pc, code.size()).second) {
      code.push_back(PcLabel(pc));
    }
  }
  std::vector<uint32_t> slots;  // per value of A - lo
  slots.reserve(w.span);
  for (size_t r = w.begin; r < w.end; ++r) {
    const uint32_t pc = ranges[r].target;
    const uint32_t slot = is_ret(pc) ? ret_slot[insns_[pc].k]
                                     : static_cast<uint32_t>(values.size()) + code_slot[pc];
    slots.insert(slots.end(), uint64_t{ranges[r + 1].first} - ranges[r].first, slot);
  }
  if (code.empty()) {  // every target returns: load the value, no branch
    DataBlock table{as_.NewLabel(), {}, {}, {}};
    for (uint32_t s : slots) table.words.push_back(values[s]);
    as_.LeaR64Label(Reg::rdx, table.base);
    as_.MovR32MemIndex4(Reg::rax, Reg::rdx, tmp_);
    Leave();
    data_.push_back(std::move(table));
  } else if (values.size() + code.size() <= 256) {
    DataBlock slot_table{as_.NewLabel(), {}, {}, {}};
    for (uint32_t s : slots) slot_table.bytes.push_back(static_cast<uint8_t>(s));
    DataBlock entries{as_.NewLabel(), {}, values, code};
    as_.LeaR64Label(Reg::rdx, slot_table.base);
    as_.MovzxR32MemIndex1(tmp_, Reg::rdx, tmp_);
    as_.LeaR64Label(Reg::rdx, entries.base);
    if (!values.empty()) {
      const Label jump = as_.NewLabel();
      as_.CmpR32Imm32(tmp_, static_cast<uint32_t>(values.size()));
      as_.Jcc(Cond::ae, jump);
      as_.MovR32MemIndex4(Reg::rax, Reg::rdx, tmp_);
      Leave();
      as_.Bind(jump);
    }
    as_.MovsxdR64MemIndex4(tmp_, Reg::rdx, tmp_);
    as_.AddR64R64(tmp_, Reg::rdx);
    as_.JmpR64(tmp_);
    data_.push_back(std::move(slot_table));
    data_.push_back(std::move(entries));
  } else {  // too many targets for a byte: a table of code offsets
    DataBlock table{as_.NewLabel(), {}, {}, {}};
    size_t r = w.begin;
    for (uint64_t a = w.lo; a < w.lo + w.span; ++a) {
      while (ranges[r + 1].first <= a) ++r;
      table.deltas.push_back(PcLabel(ranges[r].target));
    }
    as_.LeaR64Label(Reg::rdx, table.base);
    as_.MovsxdR64MemIndex4(tmp_, Reg::rdx, tmp_);
    as_.AddR64R64(tmp_, Reg::rdx);
    as_.JmpR64(tmp_);
    data_.push_back(std::move(table));
  }
  as_.Bind(outside);
  if (w.begin == 1) {
    CompareA(w.lo);
    as_.Jcc(Cond::b, PcLabel(ranges[0].target));
  }
  SearchRanges(ranges, w.end, ranges.size());
}

// ranges[lo, hi), A >= ranges[lo].first: a binary search of `jae` over the first values.
void MultiwayEmitter::SearchRanges(const Ranges& ranges, size_t lo, size_t hi) {
  if (hi - lo == 1) {
    as_.Jmp(PcLabel(ranges[lo].target));
    return;
  }
  const size_t mid = lo + (hi - lo) / 2;
  const Label upper = as_.NewLabel();
  CompareA(ranges[mid].first);
  as_.Jcc(Cond::ae, upper);
  SearchRanges(ranges, lo, mid);
  as_.Bind(upper);
  SearchRanges(ranges, mid, hi);
}

void MultiwayEmitter::EmitData() {
  for (const DataBlock& b : data_) {
    as_.Bind(b.base);
    for (uint8_t v : b.bytes) as_.Data8(v);
    // Padded to whole 32-bit words: the listing (jit/listing.h) shows the tables as words.
    for (size_t pad = b.bytes.size(); pad % 4 != 0; ++pad) as_.Data8(0);
    for (uint32_t v : b.words) as_.Data32(v);
    for (Label target : b.deltas) as_.Data32LabelDelta(target, b.base);
  }
}

}  // namespace sckit::jit
