// `sckit bench`: what a filter stack costs, three ways side by side (the interpreter, the JIT,
// the live kernel), on one workload, with the machine-independent cost model (interpreter
// instructions per record) and a per-syscall table of the heaviest records; rendered as text,
// JSON (for CI) or an SVG chart. tools/cmd_bench.cc only parses options and calls RunBench().
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bench/kernel_cost.h"
#include "bench/measure.h"
#include "bench/workload.h"
#include "formats/loader.h"
#include "vm/seccomp_data.h"
#include "vm/status.h"

namespace sckit::bench {

struct BenchRequest {
  std::vector<std::string> filter_files;  // oldest first
  Format format = Format::kAuto;
  std::string vectors;          // a records file; wins over `workload` when set
  std::string workload = "hot";  // "uniform", "hot" or an strace output file
  std::string arch = "x86_64";  // for uniform/hot/strace workloads
  std::vector<std::string> engines = {"interp", "jit", "kernel"};
  TimingOptions timing;
  KernelCostOptions kernel;
  int top = 12;   // rows of the heaviest-records table
  int cpu = -1;   // CPU to pin to (-1: the last allowed one); -2: do not pin
};

struct EngineResult {
  std::string name;     // "interp", "jit", "kernel"
  bool measured = false;
  std::string error;    // why not measured
  Stats ns_per_eval;    // kernel: ns added per syscall when the filters run
  double insns_per_eval = 0;
};

// One distinct (arch, nr) of the workload, represented by its most expensive record.
struct SyscallCost {
  std::string name;  // syscall name, or the number
  SeccompData record;
  int count = 0;     // records of the workload with this (arch, nr)
  uint32_t insns = 0;  // interpreter instructions for `record`, whole stack
  double interp_ns = 0;
  double jit_ns = 0;
  std::optional<double> kernel_ns;  // when the kernel harness measured this syscall
};

struct BenchReport {
  std::vector<std::string> filters;
  std::string workload;  // description
  size_t records = 0;
  int cpu = -1;
  std::string pin_note;
  double insns_per_eval = 0;
  uint32_t insns_max = 0;
  std::vector<EngineResult> engines;
  std::vector<SyscallCost> heaviest;  // by insns, descending
  std::optional<KernelCostResult> kernel;
};

Result<BenchReport> RunBench(const BenchRequest& request);

std::string ReportText(const BenchReport& report);
// {"engines": {"interp": {"ns_per_eval": {"median", "min", "max"}, "noise", "insns_per_eval"},
//  "jit": {...}, "kernel": {..., "cached": {...}, "syscalls": [...]}}, "workload": ..., ...}
std::string ReportJson(const BenchReport& report);
// A bar chart of the heaviest records (interpreter and JIT ns, with instruction counts) and,
// when measured, the kernel's cost per syscall. Self-contained SVG 1.1.
std::string ReportSvg(const BenchReport& report);

}  // namespace sckit::bench
