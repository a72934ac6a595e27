// The pieces the files of the jit_bench binary share (bench/jit_bench*.cc, one Google
// Benchmark binary so that ratios come from one run): the x86_64 arch value the synthetic
// filters check, the hot workload every suite but the synthetic one runs, and the examples'
// registration main() calls.
#pragma once

#include <cstdint>
#include <vector>

#include "vm/seccomp_data.h"

namespace sckit::bench {

constexpr uint32_t kArchX86_64 = 0xC000003E;

// bench::HotWorkload for x86_64, built once.
const std::vector<SeccompData>& HotRecords();

// Registers BM_Example/<example>/<engine> for every bundled example (bench/jit_bench_examples.cc).
void RegisterExamples();

}  // namespace sckit::bench
