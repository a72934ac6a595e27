// Before/after in-kernel cost of a rewrite (see kernel_compare.h).
#include "bench/kernel_compare.h"

#include <algorithm>

#include "bench/measure.h"

namespace sckit::bench {
namespace {

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

Result<KernelCompareResult> CompareKernelCost(const std::vector<Program>& before,
                                              const std::vector<Program>& after,
                                              const KernelCompareOptions& options) {
  if (options.rounds < 1 || options.rounds > 8) {
    return MakeError("bad-rounds", "rounds must be 1..8");
  }
  KernelCompareResult out;
  if (options.cpu != -2) out.cpu = PinToCpu(options.cpu, &out.pin_note);
  for (int r = 0; r < options.rounds; ++r) {
    Result<KernelCostResult> b = MeasureKernelCost(before, options.kernel);
    if (!b.ok()) return b.error();
    Result<KernelCostResult> a = MeasureKernelCost(after, options.kernel);
    if (!a.ok()) return a.error();
    out.before_rounds.push_back(b->filtered.median);
    out.after_rounds.push_back(a->filtered.median);
    out.before = std::move(*b);
    out.after = std::move(*a);
  }
  out.before_ns = Median(out.before_rounds);
  out.after_ns = Median(out.after_rounds);
  return out;
}

}  // namespace sckit::bench
