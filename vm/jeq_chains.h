// Chains of `jeq #k` compares, the shape that dominates seccomp filters: libseccomp's lists
// ("jeq #nr jt ALLOW" with each miss falling to the next compare) and jeq/ret pairs ("jeq #nr,
// 0, 1; ret ..."). Nothing between two compares of a chain changes A, so the whole chain is one
// multi-way branch on A: the first compare that matches decides, and no match goes where the
// last miss goes. Both engines lower a chain into a lookup (vm/prepared_filter.h, jit/).
//
// Trees of compares (FindCompareTrees) generalise chains to the other constant compares:
// `jgt #k`, `jge #k` and `jeq #k` (and `ja`) on an unchanged A, wired any way (libseccomp's
// binary tree, Chromium's and minijail's `jge` searches, range checks on an argument). Whatever
// the wiring, where such a tree leaves depends on A alone, and the set of A values that leave
// to one place is a union of intervals: the tree is a range table, [first, next first) -> pc.
#pragma once

#include <cstdint>
#include <vector>

#include "vm/program.h"

namespace sckit {

struct JeqChain {
  struct Case {
    uint32_t key;     // a compared constant
    uint32_t target;  // pc the first compare with this key jumps to when A == key
  };
  uint32_t head = 0;         // pc of the first compare
  std::vector<Case> cases;   // one per distinct key, ascending
  uint32_t miss = 0;         // pc reached when A matches no key
  uint32_t compares = 0;     // compares in the chain, duplicates included
};

// max key - min key + 1, the length of a table indexed by A - min key.
uint64_t KeySpan(const JeqChain& chain);
// Whether such a table is worth building: at most 4096 entries, and small in absolute terms
// (<= 512) or next to the number of keys (<= 8 per key). Syscall numbers pass: 60 keys over
// 0..450; arbitrary 32-bit constants do not.
bool FitsDenseTable(const JeqChain& chain);
// Entries over all of one program's tables, at most: chains can share tails, so without it a
// 4096-instruction program could ask for thousands of 512-entry tables. A chain that would go
// over it is lowered another way.
inline constexpr uint64_t kDenseTableEntryBudget = 64 * 1024;

// What both engines lower: chains of at least 4 distinct keys (shorter ones are as fast as
// compares), and at most 3 x 4096 keys over all of a program's chains.
inline constexpr uint32_t kMinChainKeys = 4;
inline constexpr uint32_t kChainKeyBudget = 3 * 4096;

// The chains of a verified program that start at a `jeq #k` no other `jeq #k` misses into
// (one entered in the middle is a suffix; its compares still run one by one), with at least
// `min_keys` distinct keys, in ascending head order. Chains can share a tail; once the keys
// over all chains returned would exceed `key_budget`, later chains are left out.
std::vector<JeqChain> FindJeqChains(const VerifiedProgram& program, uint32_t min_keys,
                                    uint32_t key_budget);

// A tree of constant compares on an unchanged A, as a partition of [0, 2^32) into ranges.
struct CompareTree {
  struct Range {
    uint32_t first;   // smallest A of the range; the range ends where the next one starts
    uint32_t target;  // pc the tree leaves to for every A in the range
  };
  uint32_t head = 0;          // pc of the first compare
  std::vector<Range> ranges;  // ascending; ranges[0].first == 0; neighbours differ in target
  uint32_t compares = 0;      // jeq/jgt/jge #k instructions in the tree (ja not counted)
};

// A chain as the tree it is: each key its own range, the values between keys to the miss.
CompareTree ChainAsTree(const JeqChain& chain);

// A dense table for a tree covers the ranges [begin, end): it is indexed by A - lo over
// [lo, hi), lo = ranges[begin].first, hi = ranges[end].first. A below lo goes to ranges[0]
// (begin is 0 or 1); A from hi on is in one of ranges[end, size). The window is the one with the
// most ranges whose table passes FitsDenseTable's measure (span <= 4096 and <= max(512, 8 per
// range)) and covers at least 2 ranges, starting at 0 when that covers as many; end == 0 when
// there is none.
struct DenseWindow {
  size_t begin = 0;
  size_t end = 0;
  uint32_t lo = 0;
  uint64_t span = 0;  // hi - lo
};
DenseWindow FindDenseWindow(const CompareTree& tree);

// What both engines lower: trees with a `jgt` or `jge` and at least 3 compares (pure jeq chains
// are FindJeqChains'), found within a budget of interval steps per program (the work is about
// the number of compares times the ranges reaching each; the budget bounds adversarial DAGs).
inline constexpr uint32_t kMinTreeCompares = 3;
inline constexpr uint64_t kTreeWorkBudget = 64 * 1024;

// The trees of a verified program, in ascending head order. A tree's head is a `jeq/jgt/jge #k`
// no compare or `ja` of a tree jumps to; the tree is everything reachable from it through such
// instructions; it leaves at the first instruction that is none of them. A tree entered in the
// middle runs its compares one by one. Trees over the work budget are left out.
std::vector<CompareTree> FindCompareTrees(const VerifiedProgram& program, uint32_t min_compares,
                                          uint64_t work_budget);

}  // namespace sckit
