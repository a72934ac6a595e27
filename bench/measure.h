// Timing filter engines in userspace, and the machine-independent cost model.
//
// Timing: the stack's Evaluate() (every filter runs, newest first, as seccomp_run_filters()
// does) over the whole workload, in passes, as short samples (~2 ms) so that on a loaded
// machine most of them run undisturbed. A calibration picks the passes per sample; the first
// `warmup` samples are discarded (caches, branch predictors, page faults, frequency ramp-up),
// and so is every sample during which the thread moved to another CPU (sched_getcpu before and
// after) or was switched out (getrusage(RUSAGE_THREAD) context switches before and after): such
// a sample timed other processes as well. Samples are taken until `repetitions` clean ones are
// in or `max_attempts` have run. The summary is the median of the clean samples with a
// distribution-free 95% confidence interval (order statistics of the binomial); when too few
// clean samples came or the interval is wider than +-max_ci of the median, the result says the
// machine was too noisy to measure. Pinning (sched_setaffinity to one CPU) is done by the
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
  // 95% confidence interval of the median: the order statistics at ranks n/2 -+ 0.98 sqrt(n)
  // (the normal approximation of the binomial); [min, max] below 6 samples.
  double ci_low = 0;
  double ci_high = 0;
  // Samples run but not kept (TimeStack only).
  int discarded_warmup = 0;
  int discarded_migrated = 0;
  int discarded_preempted = 0;
  // TimeStack: fewer clean samples than asked, or a confidence interval wider than +-max_ci.
  bool too_noisy = false;
  std::string noisy_reason;  // why, for the report
  // Relative spread that one preempted repetition does not dominate: MAD / median.
  double noise() const { return median > 0 ? mad / median : 0; }
  // Half the confidence interval's width relative to the median.
  double ci_relative() const { return median > 0 ? (ci_high - ci_low) / 2 / median : 0; }
};

Stats Summarize(std::vector<double> samples);

struct TimingOptions {
  int repetitions = 31;           // clean samples wanted
  double min_rep_seconds = 0.002;  // length of one sample
  int warmup = 3;                 // samples run first and discarded
  int max_attempts = 0;           // samples at most, clean or not; 0: 20 x (warmup + repetitions)
  double max_ci = 0.10;           // widest acceptable interval, relative to the median
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
