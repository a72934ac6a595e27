// Test coverage of a filter stack: which instructions and which branch directions a set of
// records exercises, measured against what is feasible at all (decided exactly by the solver
// over analysis/symbolic.h), so 100% means "everything reachable was reached".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vm/program.h"
#include "vm/seccomp_data.h"

namespace sckit::analysis {

struct InsnCoverage {
  uint64_t hits = 0;
  uint64_t taken = 0;      // conditional jumps with jt != jf: times the true edge was taken
  uint64_t not_taken = 0;  // ... and the false edge
  bool feasible = true;           // some record executes this instruction
  bool taken_feasible = false;    // some record takes the true edge (conditional jumps)
  bool not_taken_feasible = false;
  bool is_branch = false;         // a conditional jump with jt != jf
};

struct FilterCoverage {
  std::vector<InsnCoverage> insns;
  // Counted over feasible items only.
  size_t insns_feasible = 0, insns_hit = 0;
  size_t branches_feasible = 0, branches_hit = 0;  // branch directions
  double InsnPercent() const;
  double BranchPercent() const;
};

// What the records missed in one filter, by pc, for reports. Instructions no record can reach
// are listed apart and are not misses.
struct CoverageGaps {
  struct Branch {
    size_t pc = 0;
    bool taken = false;  // true: the jump's true edge; false: its false edge
  };
  std::vector<size_t> missed_returns;       // reachable return instructions never executed
  std::vector<size_t> missed_instructions;  // other reachable instructions never executed
  std::vector<Branch> missed_branches;      // reachable branch directions never taken
  std::vector<size_t> unreachable;          // instructions no record can execute
};

// `coverage` is Finish()'s result for `program`.
CoverageGaps FindGaps(const FilterCoverage& coverage, const VerifiedProgram& program);

class CoverageCollector {
 public:
  explicit CoverageCollector(std::vector<const VerifiedProgram*> stack);
  // Runs every filter of the stack on the record (the kernel runs them all).
  void Add(const SeccompData& record);
  size_t records() const { return records_; }
  // Decides feasibility with the solver and computes the totals.
  std::vector<FilterCoverage> Finish() const;

 private:
  std::vector<const VerifiedProgram*> stack_;
  std::vector<std::vector<InsnCoverage>> counts_;
  size_t records_ = 0;
};

}  // namespace sckit::analysis
