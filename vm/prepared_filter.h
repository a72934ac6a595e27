// The interpreter's fast form: a verified program lowered once into operations that dispatch
// cheaply, then run as often as wanted. Same results as RunFilter() (vm/interpreter.h), bit for
// bit, on every record; only the way there differs:
//   - one operation per instruction, with absolute jump targets and a threaded dispatch (each
//     handler jumps to the next one itself, so each has its own predicted indirect branch); a
//     jump or lookup that lands on `ret #k` returns at once instead of dispatching to it;
//   - a load of a seccomp_data word followed by a constant compare (`ld [nr]; jeq #59`, the
//     commonest pair in seccomp filters) is one operation;
//   - a chain of `jeq #k` where each miss goes to the next `jeq` (vm/jeq_chains.h:
//     libseccomp's lists and "jeq/ret" pairs alike) becomes one lookup at its head: a table
//     indexed by A - lo when the keys are dense; when only some of them are close together
//     (syscall numbers and a few far keys), the tree form below: a table over those, a search
//     above; a branch-free binary search over the sorted keys otherwise. A chain entered in the
//     middle runs its remaining compares one by one.
//   - a tree of constant compares on A (`jgt`/`jge`/`jeq #k`, e.g. libseccomp's binary tree or
//     a `jge` search over syscall ranges; vm/jeq_chains.h FindCompareTrees) becomes one range
//     lookup at its head: a table indexed by A - lo over the window of ranges whose bounds are
//     close together (vm/jeq_chains.h DenseWindowEnd), and a branch-free binary search over
//     the first values of the ranges above it (or of all ranges, without a window); a tree of
//     two ranges is one `jge`. A tree entered in the middle runs its compares one by one.
//   - scratch memory is not cleared: the verifier proved no word is read before it is written.
// Built only from a VerifiedProgram, so every guarantee the verifier gives holds here too.
#pragma once

#include <cstdint>
#include <vector>

#include "vm/jeq_chains.h"
#include "vm/program.h"
#include "vm/seccomp_data.h"

namespace sckit {

class PreparedFilter {
 public:
  explicit PreparedFilter(const VerifiedProgram& program);

  // The raw 32-bit value the filter returns; no allocation, no checks.
  uint32_t Run(const SeccompData& data) const noexcept;

  // What the lowering did (tests, docs/performance.md).
  struct Stats {
    uint32_t fused_loads = 0;     // `ld [k]` + constant compare or lookup in one operation
    uint32_t switches = 0;        // jeq chains turned into lookups
    uint32_t dense_switches = 0;  // of which indexed tables
    uint32_t windowed_switches = 0;  // of which a table over part of the keys, a search above
    uint32_t switch_keys = 0;     // keys over all lookups
    uint32_t trees = 0;           // compare trees turned into range lookups (or one jge)
    uint32_t dense_trees = 0;     // of which indexed tables
    uint32_t tree_compares = 0;   // compares those trees replace at their heads
  };
  const Stats& stats() const { return stats_; }

 private:
  struct Operation {
    uint32_t k;    // operand; for lookups the index into switches_
    uint16_t jt;   // absolute targets of jumps (verified programs have <= 4096 instructions)
    uint16_t jf;
    uint8_t kind;
    uint8_t unused = 0;
    uint16_t aux;  // seccomp_data offset of a fused load
  };
  // A chain's lookup, or a tree's: then keys_ holds the ranges' first values, and a dense
  // table covers [lo, lo + count): below goes to `miss`, above is searched in the `outer`
  // ranges (keys_ and targets_ from outer_begin).
  struct Switch {
    uint32_t lo;     // dense: smallest key
    uint32_t count;  // dense: table length (max - lo + 1); sparse: number of keys
    uint32_t begin;  // first entry in targets_ (and keys_ for sparse)
    uint16_t miss;   // where no match goes (a dense tree: A < lo)
    uint32_t outer_begin = 0;  // a dense tree: the ranges above the table
    uint32_t outer_count = 0;
  };

  void Lower(const VerifiedProgram& program);
  void AddSwitch(const JeqChain& chain);
  void AddTree(const CompareTree& tree);
  bool AddRanges(const CompareTree& tree);  // true: with a dense window

  std::vector<Operation> ops_;
  std::vector<Switch> switches_;
  std::vector<uint32_t> keys_;     // sorted keys of the sparse lookups
  std::vector<uint16_t> targets_;  // dense: per value of A - lo; sparse: per key
  uint64_t dense_entries_ = 0;     // bounded by kDenseTableEntryBudget
  Stats stats_;
};

}  // namespace sckit
