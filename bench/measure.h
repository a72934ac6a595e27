// Timing filter engines in userspace, and the machine-independent cost model.
//
// Timing: the stack's Evaluate() (every filter runs, newest first, as seccomp_run_filters()
// does) over the whole workload, in passes. One warm-up pass, then a calibration that picks
// the number of passes per repetition so one repetition lasts about `min_rep_seconds`; each
// repetition gives one ns/eval sample; the summary is median/min/max over the repetitions,
// and noise = median absolute deviation / median (max - min is reported too, but on a shared
// machine a single preempted repetition sets the max). Pinning (sched_setaffinity to one CPU) is done by the
// caller with PinToCpu(), once per process.
//
// Cost model: the instructions the interpreter executes per record, over every filter of the
// stack (from the traced run), the classic-BPF count that does not depend on the machine.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "vm/program.h"
#include "vm/seccomp_data.h"
#include "vm/stack.h"
#include "vm/status.h"

namespace sckit::bench {

struct Stats {
  double median = 0;
  double min = 0;
  double max = 0;
  double mean = 0;
  double mad = 0;  // median absolute deviation from the median
  int samples = 0;
  // Relative spread that one preempted repetition does not dominate: MAD / median.
  double noise() const { return median > 0 ? mad / median : 0; }
};

Stats Summarize(std::vector<double> samples);

struct TimingOptions {
  int repetitions = 15;
  double min_rep_seconds = 0.01;
};

// ns per stack evaluation over `records`.
Stats TimeStack(const FilterStack& stack, std::span<const SeccompData> records,
                const TimingOptions& options);

// Interpreter instructions executed for each record, summed over the stack's filters.
std::vector<uint32_t> InsnsPerRecord(const FilterStack& stack,
                                     std::span<const SeccompData> records);

// Pins the calling thread to one CPU it may run on: `cpu` if >= 0, else the last allowed CPU.
// Returns the CPU, or -1 with *note saying why not.
int PinToCpu(int cpu, std::string* note);

}  // namespace sckit::bench
