// Instruction and branch coverage of records, against what the solver finds reachable
// (analysis/coverage.h).
#include "analysis/coverage.h"

#include "analysis/symbolic.h"
#include "vm/bpf.h"
#include "vm/interpreter.h"
#include "vm/record_layout.h"
#include "vm/opcodes.h"

namespace sckit::analysis {

double FilterCoverage::InsnPercent() const {
  return insns_feasible ? 100.0 * static_cast<double>(insns_hit) / insns_feasible : 100.0;
}

double FilterCoverage::BranchPercent() const {
  return branches_feasible ? 100.0 * static_cast<double>(branches_hit) / branches_feasible
                           : 100.0;
}

CoverageCollector::CoverageCollector(std::vector<const VerifiedProgram*> stack)
    : stack_(std::move(stack)) {
  for (const VerifiedProgram* p : stack_) {
    std::vector<InsnCoverage> c(p->size());
    for (size_t pc = 0; pc < p->size(); ++pc) {
      const SockFilter& f = p->insns()[pc];
      c[pc].is_branch = IsConditionalJump(f.code) && f.jt != f.jf;
    }
    counts_.push_back(std::move(c));
  }
}

void CoverageCollector::Add(const SeccompData& record) {
  ++records_;
  RunTrace trace;
  const SeccompData image = LoadedImage(record);
  for (size_t i = 0; i < stack_.size(); ++i) {
    RunFilterTraced(*stack_[i], image, &trace);
    std::vector<InsnCoverage>& c = counts_[i];
    for (size_t s = 0; s < trace.steps.size(); ++s) {
      const uint32_t pc = trace.steps[s].pc;
      ++c[pc].hits;
      if (c[pc].is_branch && s + 1 < trace.steps.size()) {
        const SockFilter& f = stack_[i]->insns()[pc];
        if (trace.steps[s + 1].pc == pc + 1 + f.jt) {
          ++c[pc].taken;
        } else {
          ++c[pc].not_taken;
        }
      }
    }
  }
}

std::vector<FilterCoverage> CoverageCollector::Finish() const {
  std::vector<FilterCoverage> out;
  z3::context ctx;
  DataWords words(ctx);
  z3::solver solver(ctx);
  auto feasible = [&](const z3::expr& e) {
    solver.push();
    solver.add(e);
    const bool sat = solver.check() != z3::unsat;  // unknown counts as feasible
    solver.pop();
    return sat;
  };
  for (size_t i = 0; i < stack_.size(); ++i) {
    FilterCoverage fc;
    fc.insns = counts_[i];
    const SymbolicProgram sp = Encode(ctx, *stack_[i], words);
    for (size_t pc = 0; pc < fc.insns.size(); ++pc) {
      InsnCoverage& c = fc.insns[pc];
      // What was hit is feasible; only what was missed needs the solver.
      c.feasible = c.hits > 0 || feasible(sp.reach[pc]);
      if (c.feasible) {
        ++fc.insns_feasible;
        fc.insns_hit += c.hits > 0;
      }
      if (c.is_branch) {
        c.taken_feasible = c.taken > 0 || feasible(sp.taken[pc]);
        c.not_taken_feasible = c.not_taken > 0 || feasible(sp.not_taken[pc]);
        fc.branches_feasible += c.taken_feasible + c.not_taken_feasible;
        fc.branches_hit += (c.taken > 0) + (c.not_taken > 0);
      }
    }
    out.push_back(std::move(fc));
  }
  return out;
}

CoverageGaps FindGaps(const FilterCoverage& coverage, const VerifiedProgram& program) {
  CoverageGaps gaps;
  for (size_t pc = 0; pc < coverage.insns.size(); ++pc) {
    const InsnCoverage& in = coverage.insns[pc];
    const bool is_ret = bpf::Class(program.insns()[pc].code) == bpf::kRET;
    if (!in.feasible) gaps.unreachable.push_back(pc);
    if (in.feasible && in.hits == 0) {
      (is_ret ? gaps.missed_returns : gaps.missed_instructions).push_back(pc);
    }
    if (in.is_branch) {
      if (in.taken_feasible && in.taken == 0) gaps.missed_branches.push_back({pc, true});
      if (in.not_taken_feasible && in.not_taken == 0) gaps.missed_branches.push_back({pc, false});
    }
  }
  return gaps;
}

}  // namespace sckit::analysis
