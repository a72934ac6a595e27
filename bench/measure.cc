// Timing engines in userspace and the interpreter-instruction cost model (bench/measure.h).
#include "bench/measure.h"

#include <sched.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>



namespace sckit::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Keeps the compiler from dropping the evaluations.
volatile uint32_t g_sink;

double RunPasses(const FilterStack& stack, std::span<const SeccompData> records, size_t passes,
                 std::span<uint32_t> rets) {
  uint32_t acc = 0;
  const Clock::time_point t0 = Clock::now();
  for (size_t p = 0; p < passes; ++p) {
    for (const SeccompData& d : records) acc += stack.Evaluate(d, rets).ret;
  }
  const Clock::time_point t1 = Clock::now();
  g_sink = acc;
  return std::chrono::duration<double, std::nano>(t1 - t0).count();
}

}  // namespace

Stats Summarize(std::vector<double> samples) {
  Stats s;
  s.samples = static_cast<int>(samples.size());
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  const size_t n = samples.size();
  s.median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
  s.min = samples.front();
  s.max = samples.back();
  double sum = 0;
  for (double v : samples) sum += v;
  s.mean = sum / static_cast<double>(n);
  std::vector<double> dev;
  for (double v : samples) dev.push_back(std::fabs(v - s.median));
  std::sort(dev.begin(), dev.end());
  s.mad = n % 2 ? dev[n / 2] : (dev[n / 2 - 1] + dev[n / 2]) / 2;
  if (n < 6) {
    s.ci_low = s.min;
    s.ci_high = s.max;
  } else {
    const double half = 0.98 * std::sqrt(static_cast<double>(n));  // 1.96 sqrt(n) / 2
    const auto lo = static_cast<size_t>(std::max(0.0, std::floor(n / 2.0 - half)));
    const auto hi = static_cast<size_t>(std::min(n - 1.0, std::ceil(n / 2.0 + half)));
    s.ci_low = samples[lo];
    s.ci_high = samples[hi];
  }
  return s;
}

namespace {

enum class SampleKind { kClean, kMigrated, kPreempted };

long ContextSwitches() {
  rusage ru{};
  getrusage(RUSAGE_THREAD, &ru);
  return ru.ru_nvcsw + ru.ru_nivcsw;
}

// One timed sample of `passes` passes: ns, and whether it ran undisturbed on one CPU.
SampleKind TimedSample(const FilterStack& stack, std::span<const SeccompData> records,
                       size_t passes, std::span<uint32_t> rets, double* ns) {
  const long switches = ContextSwitches();
  const int cpu = sched_getcpu();
  *ns = RunPasses(stack, records, passes, rets);
  if (sched_getcpu() != cpu) return SampleKind::kMigrated;
  if (ContextSwitches() != switches) return SampleKind::kPreempted;
  return SampleKind::kClean;
}

}  // namespace

Stats TimeStack(const FilterStack& stack, std::span<const SeccompData> records,
                const TimingOptions& options) {
  if (records.empty()) return {};
  std::vector<uint32_t> rets(stack.size());
  // Calibrate: double the passes until one run takes a tenth of a sample.
  size_t passes = 1;
  double ns = RunPasses(stack, records, passes, rets);
  const double target_ns = options.min_rep_seconds * 1e9;
  while (ns < target_ns / 10 && passes < (size_t{1} << 30)) {
    passes *= 2;
    ns = RunPasses(stack, records, passes, rets);
  }
  const double per_pass = ns / static_cast<double>(passes);
  passes = std::max<size_t>(1, static_cast<size_t>(std::ceil(target_ns / per_pass)));
  const int wanted = std::max(1, options.repetitions);
  const int warmup = std::max(0, options.warmup);
  const int attempts =
      options.max_attempts > 0 ? options.max_attempts : 20 * (warmup + wanted);
  std::vector<double> clean;
  Stats counts;
  for (int a = 0; a < attempts && static_cast<int>(clean.size()) < wanted; ++a) {
    const SampleKind kind = TimedSample(stack, records, passes, rets, &ns);
    if (a < warmup) {
      ++counts.discarded_warmup;
    } else if (kind == SampleKind::kMigrated) {
      ++counts.discarded_migrated;
    } else if (kind == SampleKind::kPreempted) {
      ++counts.discarded_preempted;
    } else {
      clean.push_back(ns / static_cast<double>(passes * records.size()));
    }
  }
  Stats s = Summarize(std::move(clean));
  s.discarded_warmup = counts.discarded_warmup;
  s.discarded_migrated = counts.discarded_migrated;
  s.discarded_preempted = counts.discarded_preempted;
  if (s.samples < wanted) {
    s.too_noisy = true;
    s.noisy_reason = std::to_string(s.samples) + " of " + std::to_string(wanted) +
                     " samples ran undisturbed in " + std::to_string(attempts) + " tries";
  } else if (s.ci_relative() > options.max_ci) {
    s.too_noisy = true;
    char buf[96];
    std::snprintf(buf, sizeof buf, "95%% confidence interval +-%.1f%% of the median (limit %.0f%%)",
                  100 * s.ci_relative(), 100 * options.max_ci);
    s.noisy_reason = buf;
  }
  return s;
}

std::vector<uint32_t> InsnsPerRecord(const FilterStack& stack,
                                     std::span<const SeccompData> records) {
  std::vector<uint32_t> out;
  out.reserve(records.size());
  std::vector<uint32_t> rets(stack.size());
  std::vector<FilterTrace> traces;
  for (const SeccompData& d : records) {
    stack.EvaluateTraced(d, rets, &traces);
    uint32_t n = 0;
    for (const FilterTrace& t : traces) n += static_cast<uint32_t>(t.run.steps.size());
    out.push_back(n);
  }
  return out;
}

int PinToCpu(int cpu, std::string* note) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
    *note = std::string("sched_getaffinity: ") + std::strerror(errno);
    return -1;
  }
  if (cpu < 0) {
    for (int c = CPU_SETSIZE - 1; c >= 0; --c) {
      if (CPU_ISSET(c, &allowed)) {
        cpu = c;
        break;
      }
    }
  }
  if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed)) {
    *note = "CPU " + std::to_string(cpu) + " is not in this process's affinity mask";
    return -1;
  }
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  if (sched_setaffinity(0, sizeof one, &one) != 0) {
    *note = std::string("sched_setaffinity: ") + std::strerror(errno);
    return -1;
  }
  return cpu;
}

}  // namespace sckit::bench
