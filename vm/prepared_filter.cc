// The prepared interpreter: lowering a verified program into threaded operations, and the
// threaded loop that runs them (what each lowering does: prepared_filter.h).
#include "vm/prepared_filter.h"

#include <algorithm>
#include <cstring>
#include <span>
#include <vector>

#include "vm/jeq_chains.h"
#include "vm/bpf.h"

namespace sckit {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

// Operation kinds; the order is the order of the label table in Run().
enum Kind : uint8_t {
  kOpLoadData, kOpLdImm, kOpLdxImm, kOpLdMem, kOpLdxMem, kOpSt, kOpStx,
  kOpAddK, kOpAddX, kOpSubK, kOpSubX, kOpMulK, kOpMulX, kOpDivK, kOpDivX,
  kOpOrK, kOpOrX, kOpAndK, kOpAndX, kOpXorK, kOpXorX,
  kOpLshK, kOpLshX, kOpRshK, kOpRshX, kOpNeg, kOpTax, kOpTxa,
  kOpJa, kOpJeqK, kOpJeqX, kOpJgtK, kOpJgtX, kOpJgeK, kOpJgeX, kOpJsetK, kOpJsetX,
  kOpRetK, kOpRetA,
  kOpSwitchDense, kOpSwitchSparse, kOpTreeDense, kOpTreeSparse,
  kOpLoadJeqK, kOpLoadJgtK, kOpLoadJgeK, kOpLoadJsetK, kOpLoadSwitchDense, kOpLoadSwitchSparse,
  kOpLoadTreeDense, kOpLoadTreeSparse,
  kOpKill,
  kOpCount,
};

// Every code a verified program can hold (VerifiedProgram::insns()), to its kind.
Kind KindOf(uint16_t code) {
  switch (code) {
    case kSeccompLoadData: return kOpLoadData;
    case kLD | kIMM: return kOpLdImm;
    case kLDX | kIMM: return kOpLdxImm;
    case kLD | kMEM: return kOpLdMem;
    case kLDX | kMEM: return kOpLdxMem;
    case kST: return kOpSt;
    case kSTX: return kOpStx;
    case kALU | kADD | kK: return kOpAddK;
    case kALU | kADD | kX: return kOpAddX;
    case kALU | kSUB | kK: return kOpSubK;
    case kALU | kSUB | kX: return kOpSubX;
    case kALU | kMUL | kK: return kOpMulK;
    case kALU | kMUL | kX: return kOpMulX;
    case kALU | kDIV | kK: return kOpDivK;
    case kALU | kDIV | kX: return kOpDivX;
    case kALU | kOR | kK: return kOpOrK;
    case kALU | kOR | kX: return kOpOrX;
    case kALU | kAND | kK: return kOpAndK;
    case kALU | kAND | kX: return kOpAndX;
    case kALU | kXOR | kK: return kOpXorK;
    case kALU | kXOR | kX: return kOpXorX;
    case kALU | kLSH | kK: return kOpLshK;
    case kALU | kLSH | kX: return kOpLshX;
    case kALU | kRSH | kK: return kOpRshK;
    case kALU | kRSH | kX: return kOpRshX;
    case kALU | kNEG: return kOpNeg;
    case kMISC | kTAX: return kOpTax;
    case kMISC | kTXA: return kOpTxa;
    case kJMP | kJA: return kOpJa;
    case kJMP | kJEQ | kK: return kOpJeqK;
    case kJMP | kJEQ | kX: return kOpJeqX;
    case kJMP | kJGT | kK: return kOpJgtK;
    case kJMP | kJGT | kX: return kOpJgtX;
    case kJMP | kJGE | kK: return kOpJgeK;
    case kJMP | kJGE | kX: return kOpJgeX;
    case kJMP | kJSET | kK: return kOpJsetK;
    case kJMP | kJSET | kX: return kOpJsetX;
    case kRET | kK: return kOpRetK;
    case kRET | kRetA: return kOpRetA;
    default: return kOpKill;  // unreachable for a verified program: fail closed
  }
}

// Appends a sparse lookup's (key, target) pairs: keys_ and targets_ share indexes for sparse
// lookups, so keys first catches up with targets (dense tables add targets only). key_of picks
// the key: JeqChain::Case::key, CompareTree::Range::first.
template <typename Item, typename KeyOf>
void AppendSparse(std::span<const Item> items, KeyOf key_of, std::vector<uint32_t>* keys,
                  std::vector<uint16_t>* targets) {
  keys->resize(targets->size());
  for (const Item& item : items) {
    keys->push_back(key_of(item));
    targets->push_back(static_cast<uint16_t>(item.target));
  }
}

// The last of the `len` ascending keys from `base` that is <= a (the first key when none is),
// without data-dependent branches: the search of both sparse lookups in Run().
[[gnu::always_inline]] inline const uint32_t* LastAtOrBelow(const uint32_t* base, uint32_t len,
                                                            uint32_t a) {
  while (len > 1) {
    const uint32_t half = len / 2;
    base = base[half] <= a ? base + half : base;
    len -= half;
  }
  return base;
}

}  // namespace

PreparedFilter::PreparedFilter(const VerifiedProgram& program) { Lower(program); }

void PreparedFilter::AddSwitch(const JeqChain& chain) {
  Operation& op = ops_[chain.head];
  const uint64_t lo = chain.cases.front().key;
  const uint64_t span = KeySpan(chain);
  Switch s;
  s.begin = static_cast<uint32_t>(targets_.size());
  s.miss = static_cast<uint16_t>(chain.miss);
  const bool dense =
      FitsDenseTable(chain) && dense_entries_ + span <= kDenseTableEntryBudget;
  if (!dense) {
    // Keys too spread for one table may still have a dense window (syscall numbers and a few
    // far keys, e.g. x32 numbers): then the tree form, a table and a search above it.
    const CompareTree tree = ChainAsTree(chain);
    const DenseWindow w = FindDenseWindow(tree);
    if (w.end != 0 && dense_entries_ + w.span <= kDenseTableEntryBudget) {
      ++stats_.switches;
      ++stats_.windowed_switches;
      stats_.switch_keys += static_cast<uint32_t>(chain.cases.size());
      AddRanges(tree);
      return;
    }
  }
  if (dense) {
    s.lo = static_cast<uint32_t>(lo);
    s.count = static_cast<uint32_t>(span);
    targets_.resize(targets_.size() + span, s.miss);
    dense_entries_ += span;
    for (const JeqChain::Case& c : chain.cases) {
      targets_[s.begin + (c.key - lo)] = static_cast<uint16_t>(c.target);
    }
    op.kind = kOpSwitchDense;
    ++stats_.dense_switches;
  } else {
    s.lo = 0;
    s.count = static_cast<uint32_t>(chain.cases.size());
    AppendSparse(std::span<const JeqChain::Case>(chain.cases),
                 [](const JeqChain::Case& c) { return c.key; }, &keys_, &targets_);
    op.kind = kOpSwitchSparse;
  }
  op.k = static_cast<uint32_t>(switches_.size());
  switches_.push_back(s);
  ++stats_.switches;
  stats_.switch_keys += static_cast<uint32_t>(chain.cases.size());
}

void PreparedFilter::AddTree(const CompareTree& tree) {
  ++stats_.trees;
  stats_.tree_compares += tree.compares;
  if (tree.ranges.size() == 2) {  // one bound: the whole tree is `jge #first`
    Operation& op = ops_[tree.head];
    op.kind = kOpJgeK;
    op.k = tree.ranges[1].first;
    op.jt = static_cast<uint16_t>(tree.ranges[1].target);
    op.jf = static_cast<uint16_t>(tree.ranges[0].target);
    return;
  }
  if (AddRanges(tree)) ++stats_.dense_trees;
}

bool PreparedFilter::AddRanges(const CompareTree& tree) {
  Operation& op = ops_[tree.head];
  Switch s{};
  s.begin = static_cast<uint32_t>(targets_.size());
  const DenseWindow w = FindDenseWindow(tree);
  size_t end = w.end;
  if (end != 0 && dense_entries_ + w.span <= kDenseTableEntryBudget) {
    s.lo = w.lo;
    s.count = static_cast<uint32_t>(w.span);
    s.miss = static_cast<uint16_t>(tree.ranges.front().target);
    dense_entries_ += w.span;
    for (size_t r = w.begin; r < end; ++r) {
      const uint32_t stop = tree.ranges[r + 1].first;
      for (uint32_t a = tree.ranges[r].first; a != stop; ++a) {
        targets_.push_back(static_cast<uint16_t>(tree.ranges[r].target));
      }
    }
    op.kind = kOpTreeDense;
  } else {
    end = 0;
    op.kind = kOpTreeSparse;
  }
  // The ranges from `end` on, searched by their first values (all of them without a table).
  s.outer_begin = static_cast<uint32_t>(targets_.size());
  s.outer_count = static_cast<uint32_t>(tree.ranges.size() - end);
  AppendSparse(std::span<const CompareTree::Range>(tree.ranges).subspan(end),
               [](const CompareTree::Range& r) { return r.first; }, &keys_, &targets_);
  op.k = static_cast<uint32_t>(switches_.size());
  switches_.push_back(s);
  return end != 0;
}

void PreparedFilter::Lower(const VerifiedProgram& program) {
  const auto insns = program.insns();
  const size_t n = insns.size();
  ops_.resize(n);
  for (size_t pc = 0; pc < n; ++pc) {
    const SockFilter& f = insns[pc];
    Operation& op = ops_[pc];
    op.k = f.k;
    op.kind = KindOf(f.code);
    op.aux = 0;
    const bool jump = Class(f.code) == kJMP && f.code != (kJMP | kJA);
    op.jt = static_cast<uint16_t>(jump ? pc + 1 + f.jt : pc + 1);
    op.jf = static_cast<uint16_t>(jump ? pc + 1 + f.jf : pc + 1);
  }
  for (const JeqChain& chain : FindJeqChains(program, kMinChainKeys, kChainKeyBudget)) {
    AddSwitch(chain);
  }
  // After the chains: a tree whose head also starts a chain is lowered as the whole tree.
  for (const CompareTree& tree : FindCompareTrees(program, kMinTreeCompares, kTreeWorkBudget)) {
    AddTree(tree);
  }
  // Fuse each seccomp_data load with the constant compare or lookup right after it. The
  // operation after the load stays as it was, for jumps that land on it.
  for (size_t pc = 0; pc + 1 < n; ++pc) {
    Operation& load = ops_[pc];
    const Operation& next = ops_[pc + 1];
    if (load.kind != kOpLoadData) continue;
    uint8_t fused;
    switch (next.kind) {
      case kOpJeqK: fused = kOpLoadJeqK; break;
      case kOpJgtK: fused = kOpLoadJgtK; break;
      case kOpJgeK: fused = kOpLoadJgeK; break;
      case kOpJsetK: fused = kOpLoadJsetK; break;
      case kOpSwitchDense: fused = kOpLoadSwitchDense; break;
      case kOpSwitchSparse: fused = kOpLoadSwitchSparse; break;
      case kOpTreeDense: fused = kOpLoadTreeDense; break;
      case kOpTreeSparse: fused = kOpLoadTreeSparse; break;
      default: continue;
    }
    load.aux = static_cast<uint16_t>(load.k);
    load.kind = fused;
    load.k = next.k;
    load.jt = next.jt;
    load.jf = next.jf;
    ++stats_.fused_loads;
  }
}

// The threaded loop is one function on purpose: computed-goto labels cannot leave it.
// gcc merges the handlers' identical dispatch tails into one shared indirect jump (cross-jumping
// and GCSE), which would undo the threading; keep them apart, as gcc's manual advises for
// computed gotos. clang keeps them apart by itself.
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-crossjumping", "no-gcse", "omit-frame-pointer")))
#endif
uint32_t PreparedFilter::Run(const SeccompData& data) const noexcept {
  // Threaded dispatch (GNU labels as values, in gcc and clang): every handler ends in its own
  // indirect jump, which the branch predictor learns per handler.
  static const void* const kLabels[] = {
      &&load_data, &&ld_imm, &&ldx_imm, &&ld_mem, &&ldx_mem, &&st, &&stx,
      &&add_k, &&add_x, &&sub_k, &&sub_x, &&mul_k, &&mul_x, &&div_k, &&div_x,
      &&or_k, &&or_x, &&and_k, &&and_x, &&xor_k, &&xor_x,
      &&lsh_k, &&lsh_x, &&rsh_k, &&rsh_x, &&neg, &&tax, &&txa,
      &&ja, &&jeq_k, &&jeq_x, &&jgt_k, &&jgt_x, &&jge_k, &&jge_x, &&jset_k, &&jset_x,
      &&ret_k, &&ret_a,
      &&switch_dense, &&switch_sparse, &&tree_dense, &&tree_sparse,
      &&load_jeq_k, &&load_jgt_k, &&load_jge_k, &&load_jset_k, &&load_switch_dense,
      &&load_switch_sparse, &&load_tree_dense, &&load_tree_sparse, &&kill,
  };
  static_assert(sizeof kLabels / sizeof kLabels[0] == kOpCount);

  const Operation* const ops = ops_.data();
  const unsigned char* const bytes = reinterpret_cast<const unsigned char*>(&data);
  const Operation* op = ops;
  uint32_t A = 0;
  uint32_t X = 0;
  uint32_t M[kMemWords];  // not cleared: no word is read before it is written (verified)
  uint32_t word;
  uint16_t target;

#define SCKIT_NEXT() goto* kLabels[(++op)->kind]
#define SCKIT_JUMP(cond) \
  do {                                          \
    op = ops + ((cond) ? op->jt : op->jf);      \
    if (op->kind == kOpRetK) return op->k;      \
    goto* kLabels[op->kind];                    \
  } while (0)
#define SCKIT_LOAD(offset) std::memcpy(&word, bytes + (offset), sizeof word)

  goto* kLabels[op->kind];
load_data: SCKIT_LOAD(op->k); A = word; SCKIT_NEXT();
ld_imm: A = op->k; SCKIT_NEXT();
ldx_imm: X = op->k; SCKIT_NEXT();
ld_mem: A = M[op->k]; SCKIT_NEXT();
ldx_mem: X = M[op->k]; SCKIT_NEXT();
st: M[op->k] = A; SCKIT_NEXT();
stx: M[op->k] = X; SCKIT_NEXT();
add_k: A += op->k; SCKIT_NEXT();
add_x: A += X; SCKIT_NEXT();
sub_k: A -= op->k; SCKIT_NEXT();
sub_x: A -= X; SCKIT_NEXT();
mul_k: A *= op->k; SCKIT_NEXT();
mul_x: A *= X; SCKIT_NEXT();
div_k: A /= op->k; SCKIT_NEXT();  // k != 0: verified
div_x:
  if (X == 0) return 0;  // bpf_convert_filter's guard: the cBPF program returns 0
  A /= X;
  SCKIT_NEXT();
or_k: A |= op->k; SCKIT_NEXT();
or_x: A |= X; SCKIT_NEXT();
and_k: A &= op->k; SCKIT_NEXT();
and_x: A &= X; SCKIT_NEXT();
xor_k: A ^= op->k; SCKIT_NEXT();
xor_x: A ^= X; SCKIT_NEXT();
lsh_k: A <<= op->k; SCKIT_NEXT();  // k < 32: verified
lsh_x: A <<= (X & 31); SCKIT_NEXT();  // eBPF ALU32 shift: count mod 32
rsh_k: A >>= op->k; SCKIT_NEXT();
rsh_x: A >>= (X & 31); SCKIT_NEXT();
neg: A = 0u - A; SCKIT_NEXT();
tax: X = A; SCKIT_NEXT();
txa: A = X; SCKIT_NEXT();
ja: op += 1 + op->k; goto* kLabels[op->kind];
jeq_k: SCKIT_JUMP(A == op->k);
jeq_x: SCKIT_JUMP(A == X);
jgt_k: SCKIT_JUMP(A > op->k);
jgt_x: SCKIT_JUMP(A > X);
jge_k: SCKIT_JUMP(A >= op->k);
jge_x: SCKIT_JUMP(A >= X);
jset_k: SCKIT_JUMP((A & op->k) != 0);
jset_x: SCKIT_JUMP((A & X) != 0);
ret_k: return op->k;
ret_a: return A;
switch_dense: {
  const Switch& s = switches_[op->k];
  const uint32_t i = A - s.lo;
  target = i < s.count ? targets_[s.begin + i] : s.miss;
  op = ops + target;
  if (op->kind == kOpRetK) return op->k;
  goto* kLabels[op->kind];
}
switch_sparse: {
  // The last key <= A, without data-dependent branches; a match only if it equals A.
  const Switch& s = switches_[op->k];
  const uint32_t* base = LastAtOrBelow(keys_.data() + s.begin, s.count, A);
  target = *base == A ? targets_[static_cast<size_t>(base - keys_.data())] : s.miss;
  op = ops + target;
  if (op->kind == kOpRetK) return op->k;
  goto* kLabels[op->kind];
}
tree_dense: {
  // Inside [lo, lo + count) the table says; below is the first range; above is searched.
  const Switch& s = switches_[op->k];
  const uint32_t i = A - s.lo;
  if (i < s.count) {
    target = targets_[s.begin + i];
  } else if (A < s.lo) {
    target = s.miss;
  } else {
    goto tree_sparse;
  }
  op = ops + target;
  if (op->kind == kOpRetK) return op->k;
  goto* kLabels[op->kind];
}
tree_sparse: {
  // The range holding A: the last first value <= A. The searched ranges start at 0 (all of a
  // tree's), or at the top of a dense table A is above.
  const Switch& s = switches_[op->k];
  const uint32_t* base = LastAtOrBelow(keys_.data() + s.outer_begin, s.outer_count, A);
  op = ops + targets_[static_cast<size_t>(base - keys_.data())];
  if (op->kind == kOpRetK) return op->k;
  goto* kLabels[op->kind];
}
load_jeq_k: SCKIT_LOAD(op->aux); A = word; SCKIT_JUMP(A == op->k);
load_jgt_k: SCKIT_LOAD(op->aux); A = word; SCKIT_JUMP(A > op->k);
load_jge_k: SCKIT_LOAD(op->aux); A = word; SCKIT_JUMP(A >= op->k);
load_jset_k: SCKIT_LOAD(op->aux); A = word; SCKIT_JUMP((A & op->k) != 0);
load_switch_dense: SCKIT_LOAD(op->aux); A = word; goto switch_dense;
load_switch_sparse: SCKIT_LOAD(op->aux); A = word; goto switch_sparse;
load_tree_dense: SCKIT_LOAD(op->aux); A = word; goto tree_dense;
load_tree_sparse: SCKIT_LOAD(op->aux); A = word; goto tree_sparse;
kill: return seccomp::kRetKillProcess;

#undef SCKIT_NEXT
#undef SCKIT_JUMP
#undef SCKIT_LOAD
}

}  // namespace sckit
