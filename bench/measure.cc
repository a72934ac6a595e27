#include "bench/measure.h"

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cmath>
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
  return s;
}

Stats TimeStack(const FilterStack& stack, std::span<const SeccompData> records,
                const TimingOptions& options) {
  if (records.empty()) return {};
  std::vector<uint32_t> rets(stack.size());
  RunPasses(stack, records, 1, rets);  // warm-up: caches, branch predictors, page faults
  // Calibrate: double the passes until one run takes a tenth of a repetition.
  size_t passes = 1;
  double ns = RunPasses(stack, records, passes, rets);
  const double target_ns = options.min_rep_seconds * 1e9;
  while (ns < target_ns / 10 && passes < (size_t{1} << 30)) {
    passes *= 2;
    ns = RunPasses(stack, records, passes, rets);
  }
  const double per_pass = ns / static_cast<double>(passes);
  passes = std::max<size_t>(1, static_cast<size_t>(std::ceil(target_ns / per_pass)));
  std::vector<double> samples;
  for (int r = 0; r < std::max(1, options.repetitions); ++r) {
    const double t = RunPasses(stack, records, passes, rets);
    samples.push_back(t / static_cast<double>(passes * records.size()));
  }
  return Summarize(std::move(samples));
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
