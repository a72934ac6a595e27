// Multi-way branches on A in the JIT: the lowering of jeq chains and of trees of constant
// compares (vm/jeq_chains.h) at their heads, for jit/compiler.cc's instruction selector. Private
// to the compiler library; the forms and the rule that picks them are described in
// jit/compiler.h and measured in docs/performance.md.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "jit/compiler.h"
#include "jit/x86_assembler.h"
#include "vm/bpf.h"
#include "vm/jeq_chains.h"

namespace sckit::jit {

class MultiwayEmitter {
 public:
  // `pc_labels[pc]` is where instruction pc's code starts, `exit` the shared epilogue (which
  // returns eax; with `bare_exit` it is only `ret`, which is then emitted in place). A is
  // never changed; `tmp` and rdx are scratch; eax is written only on the way out.
  MultiwayEmitter(X86Assembler& as, std::span<const SockFilter> insns,
                  const std::vector<Label>& pc_labels, Reg a, Reg tmp, Label exit,
                  bool bare_exit, ChainForm form);

  // Replaces the compare at the chain's head.
  void LowerChain(const JeqChain& chain);
  // Replaces the compare at the tree's head; false (nothing emitted) when the tree keeps its
  // compares (no dense window, or the table budget is spent).
  bool LowerTree(const sckit::CompareTree& tree);
  // The tables, after the epilogue, so the code before them disassembles linearly.
  void EmitData();

 private:
  // 4-byte and 1-byte words after the code, bound at `base`: `bytes`, then `words`, then the
  // offsets of `deltas` from `base`.
  struct DataBlock {
    Label base;
    std::vector<uint8_t> bytes;
    std::vector<uint32_t> words;
    std::vector<Label> deltas;
  };
  using Ranges = std::vector<sckit::CompareTree::Range>;

  Label PcLabel(uint32_t pc) const { return pc_labels_[pc]; }
  void CompareA(uint32_t k);
  bool UseTable(const JeqChain& chain) const;
  void BitTestSet(const std::vector<uint32_t>& keys, Label hit, Label miss);
  void TableJump(const JeqChain& chain, Label miss);
  void CompareSearch(const std::vector<JeqChain::Case>& cases, size_t lo, size_t hi, Label miss);
  bool RangeTable(const Ranges& ranges);
  void WindowLookup(const Ranges& ranges, const DenseWindow& w);
  void SearchRanges(const Ranges& ranges, size_t lo, size_t hi);
  void Leave();  // return eax

  X86Assembler& as_;
  std::span<const SockFilter> insns_;
  const std::vector<Label>& pc_labels_;
  Reg a_;
  Reg tmp_;
  Label exit_;
  bool bare_exit_;
  ChainForm form_;
  std::vector<DataBlock> data_;
  uint64_t table_entries_ = 0;  // bounded by kDenseTableEntryBudget
};

}  // namespace sckit::jit
