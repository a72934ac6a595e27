// The in-kernel cost of a filter stack: real syscall latency in a forked child, measured
// without filters and again after the child installs the stack with seccomp(); the difference
// is what the filters (or the constant-action cache lookup) add to every syscall.
//
// Only harmless syscalls that read process state (getpid, getppid, gettid, getuid, geteuid,
// getgid, getegid, getpgrp) and that the stack ALLOWs (checked with the interpreter on
// {arch x86_64, nr, args 0, ip 0}) are measured; the others are listed as skipped with the
// reason. For each, analysis/cache.h says whether the kernel's constant-action cache (spec §8)
// lets it skip the filters ("cached") or whether the filters run ("filtered").
//
// Both kinds, whatever the stack: a second child installs first a 2-instruction "probe" filter
// that loads args[0] (which the cache emulator cannot prove constant) and returns ALLOW, then
// the stack on top of it. The newest filter's bitmap starts as a copy of the previous one's,
// which is empty, so every filter runs for every syscall: "forced" cost = latency with probe +
// stack - latency with the probe alone, both in that child. (The probe itself costs a few ns
// of filter run on top of the seccomp entry work; it is reported.)
//
// What a number contains: "cost" of a cached syscall is the seccomp entry work alone (the
// syscall takes the slow entry path with SYSCALL_WORK_SECCOMP set, then the bitmap check);
// "cost" of a filtered syscall and "forced" cost include running every filter of the stack
// through the kernel's BPF JIT (or interpreter), which is what sckit's engines model.
//
// Timing uses the TSC (rdtsc), calibrated against CLOCK_MONOTONIC in the parent, because the
// child may make no call its filters could deny; x86-64 only. Phases interleave the syscalls
// within each repetition so drift hits them all alike. The calling thread should be pinned
// (measure.h PinToCpu); the child inherits the affinity.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/measure.h"
#include "vm/program.h"
#include "vm/status.h"

namespace sckit::bench {

struct KernelSyscallCost {
  std::string name;
  int32_t nr = 0;
  bool cached = false;  // the constant-action cache allows it without running the filters
  Stats base_ns;        // latency per call without filters
  Stats stack_ns;       // with the stack installed
  Stats forced_ns;      // probe + stack, every filter running (if measured)
  double cost_ns = 0;   // median(stack) - median(base)
  double forced_cost_ns = 0;  // median(probe + stack) - median(probe); 0 if not measured
};

struct KernelCostOptions {
  int repetitions = 31;     // at most 64
  int calls_per_rep = 2000;  // short repetitions: a preempted one is an outlier, not the median
};

struct KernelCostResult {
  std::vector<KernelSyscallCost> syscalls;
  std::vector<std::string> skipped;  // "name: reason"
  bool forced_measured = false;
  double probe_cost_ns = 0;  // the probe filter alone, over no filter (median over syscalls)
  // Summaries over syscalls, of the per-syscall cost (ns added per call):
  Stats filtered;  // syscalls whose filters run (forced phase when available, else natural)
  Stats cached;    // syscalls the cache lets through (natural phase)
  double tsc_ghz = 0;
  std::string note;  // why something was not measured
};

// `stack` oldest first; installed with flags 0. Errors: harness failures (fork, mmap), no
// candidate syscall allowed, or a failed install ("install-failed" with the errno).
Result<KernelCostResult> MeasureKernelCost(const std::vector<Program>& stack,
                                           const KernelCostOptions& options = {});

}  // namespace sckit::bench
