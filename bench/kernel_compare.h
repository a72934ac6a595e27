// The in-kernel cost of a filter (or stack) before and after a rewrite, in one process with the
// calling thread pinned to one CPU: sckit bench's kernel harness (kernel_cost.h) measures the
// "before" stack and then the "after" stack, alternating over `rounds` so that drift on a
// shared machine hits both alike; each side's figure is the median over its rounds of the
// harness's median forced cost (every filter made to run) over the harmless syscalls. What
// `sckit optimize --bench` reports.
#pragma once

#include <string>
#include <vector>

#include "bench/kernel_cost.h"
#include "vm/program.h"
#include "vm/status.h"

namespace sckit::bench {

struct KernelCompareOptions {
  KernelCostOptions kernel;
  int rounds = 2;  // before, after, before, after, ... (1..8)
  int cpu = -1;    // PinToCpu's argument; -2: do not pin
};

struct KernelCompareResult {
  KernelCostResult before, after;  // the last round's full results
  double before_ns = 0;  // median over rounds of before.filtered.median
  double after_ns = 0;
  std::vector<double> before_rounds, after_rounds;
  int cpu = -1;
  std::string pin_note;
  // after / before - 1 (negative: cheaper); 0 when before_ns is 0.
  double Change() const { return before_ns > 0 ? after_ns / before_ns - 1 : 0; }
};

// Stacks oldest first. Errors are the harness's (kernel_cost.h).
Result<KernelCompareResult> CompareKernelCost(const std::vector<Program>& before,
                                              const std::vector<Program>& after,
                                              const KernelCompareOptions& options = {});

}  // namespace sckit::bench
