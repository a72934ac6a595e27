// The paths of a filter stack for one (arch, nr), as conjunctions of tests on the other data
// words: the first half of `sckit decompile` (decompile.h). With arch and nr known, every
// path through each filter is walked; A, X and M[] hold either a constant, a data word with an
// AND mask, or something the rules language cannot state (arithmetic on a data word, two data
// words compared). A path ends in a return value; a stack's paths are the feasible
// combinations of its filters' paths, with the kernel's precedence (vm/action.h) and what the
// kernel makes of the winner (analysis CanonicalValue).
//
// The paths of one filter are mutually exclusive and cover every record, so the outcome of a
// record is the outcome of the one path whose tests it passes. Infeasible paths are pruned
// where a simple check sees it; one that is not pruned is still exact (its tests never hold).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vm/program.h"

namespace sckit::policy {

enum class WordTest { kEq, kGt, kGe, kSet };

// (word & mask) TEST k, or its negation when !holds. word indexes seccomp_data's 32-bit words
// (2, 3: ip; 4 + 2i, 5 + 2i: args[i] in memory order).
struct WordPred {
  int word = 0;
  uint32_t mask = 0xffffffffu;
  WordTest test = WordTest::kEq;
  uint32_t k = 0;
  bool holds = true;
};

struct DataPath {
  std::vector<WordPred> preds;
  uint32_t outcome = 0;  // canonical (analysis::CanonicalValue) for a stack; raw for one filter
};

struct PathSet {
  std::vector<DataPath> paths;
  std::string inexpressible;  // non-empty: why the paths could not be listed
};

// The paths of a stack (oldest first) for one arch value and syscall number; at most
// max_paths, else `inexpressible` says so.
PathSet StackPaths(const std::vector<const VerifiedProgram*>& stack, uint32_t arch, uint32_t nr,
                   size_t max_paths = 4096);

// The constraints of a conjunction on one word, as far as the rules language needs them.
struct WordSet {
  uint32_t min = 0;
  uint32_t max = 0xffffffffu;
  uint32_t set = 0;    // bits that must be 1
  uint32_t clear = 0;  // bits that must be 0
  std::vector<uint32_t> any;     // some bit of each mask is 1 (two or more bits)
  std::vector<uint32_t> excluded;  // values excluded
  std::vector<std::pair<uint32_t, uint32_t>> not_pattern;  // (mask, v): (w & mask) != v
  bool masked_order = false;  // an ordering test on a masked word (not expressible)
  bool empty = false;         // seen to be unsatisfiable

  void Add(const WordPred& p);
  bool Trivial() const;  // no constraint at all
};

}  // namespace sckit::policy
