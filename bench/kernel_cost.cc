// The in-kernel cost of a stack, measured with real syscalls in forked children
// (bench/kernel_cost.h).
#include "bench/kernel_cost.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <x86intrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>

#include "analysis/cache.h"
#include "live/child_process.h"
#include "live/raw_syscall.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/arch.h"
#include "vm/stack.h"

namespace sckit::bench {
namespace {

struct Candidate {
  const char* name;
  int32_t nr;
};

// Syscalls that only read process state: running them changes nothing.
constexpr Candidate kCandidates[] = {
    {"getpid", SYS_getpid}, {"getppid", SYS_getppid}, {"gettid", SYS_gettid},
    {"getuid", SYS_getuid}, {"geteuid", SYS_geteuid}, {"getgid", SYS_getgid},
    {"getegid", SYS_getegid}, {"getpgrp", SYS_getpgrp},
};
constexpr int kMaxSyscalls = static_cast<int>(std::size(kCandidates));
constexpr int kMaxReps = 64;
constexpr int kMaxFilters = 64;

enum Phase { kBase = 0, kFirst = 1, kSecond = 2 };

struct Shared {
  uint64_t cycles[3][kMaxSyscalls][kMaxReps];
  int64_t install_ret[kMaxFilters + 1];  // per seccomp() call; 1 = not attempted
  std::atomic<uint32_t> phases_done;  // bit per completed phase
  int32_t prepared;
};

struct ChildPlan {
  Shared* shared;
  int32_t nrs[kMaxSyscalls];
  int n_syscalls;
  int reps;
  int calls;
  const sock_fprog* first;  // installed in order before phase 1
  int n_first;
  const sock_fprog* second;  // installed in order on top before phase 2 (none: no phase 2)
  int n_second;
};

void MeasurePhase(const ChildPlan& plan, Phase phase) {
  for (int r = 0; r < plan.reps; ++r) {
    for (int s = 0; s < plan.n_syscalls; ++s) {
      const int64_t nr = plan.nrs[s];
      const uint64_t t0 = __rdtsc();
      for (int i = 0; i < plan.calls; ++i) live::RawSyscall6(nr);
      const uint64_t t1 = __rdtsc();
      plan.shared->cycles[phase][s][r] = t1 - t0;
    }
  }
  plan.shared->phases_done.fetch_or(1u << phase);
}

bool Install(const ChildPlan& plan, const sock_fprog* progs, int n, int slot) {
  for (int i = 0; i < n; ++i) {
    const int64_t ret = live::RawSyscall6(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0,
                                          reinterpret_cast<uint64_t>(&progs[i]))
                            .ret;
    plan.shared->install_ret[slot + i] = ret;
    if (ret < 0) return false;
  }
  return true;
}

// Phase 0 without filters, phase 1 with `first`, phase 2 with `second` on top.
void ChildBody(const ChildPlan& plan) {
  MeasurePhase(plan, kBase);
  plan.shared->prepared = live::PrepareChildForSeccomp() ? 1 : 0;
  if (!plan.shared->prepared) return;
  if (!Install(plan, plan.first, plan.n_first, 0)) return;
  MeasurePhase(plan, kFirst);
  if (plan.n_second == 0) return;
  if (!Install(plan, plan.second, plan.n_second, plan.n_first)) return;
  MeasurePhase(plan, kSecond);
}

double TscGhz() {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point t0 = Clock::now();
  const uint64_t c0 = __rdtsc();
  while (Clock::now() - t0 < std::chrono::milliseconds(30)) {
  }
  const Clock::time_point t1 = Clock::now();
  const uint64_t c1 = __rdtsc();
  return static_cast<double>(c1 - c0) / std::chrono::duration<double, std::nano>(t1 - t0).count();
}

sock_fprog ToFprog(const Program& p) {
  sock_fprog f;
  f.len = static_cast<unsigned short>(p.insns.size());
  // SockFilter has struct sock_filter's layout (vm/bpf.h); the kernel only reads it.
  f.filter = reinterpret_cast<sock_filter*>(const_cast<SockFilter*>(p.insns.data()));
  return f;
}

Result<live::SharedRegion> RunChild(ChildPlan plan) {
  Result<live::SharedRegion> region = live::SharedRegion::Create(sizeof(Shared));
  if (!region.ok()) return region.error();
  plan.shared = new (region->data()) Shared{};
  for (int64_t& r : plan.shared->install_ret) r = 1;  // 1: not attempted
  live::ChildOptions options;
  options.timeout = std::chrono::milliseconds(120000);
  Result<live::ChildEnd> end =
      live::RunInChild([&plan](live::ChildControl*) { ChildBody(plan); }, options);
  if (!end.ok()) return end.error();
  return region;
}

Stats PhaseStats(const Shared& s, Phase phase, int syscall, int reps, int calls, double ghz) {
  std::vector<double> samples;
  for (int r = 0; r < reps; ++r) {
    samples.push_back(static_cast<double>(s.cycles[phase][syscall][r]) / calls / ghz);
  }
  return Summarize(std::move(samples));
}

// The harmless syscalls the stack allows on x86_64, into plan->nrs and *chosen; the others
// are listed in result->skipped. An error when no filter verifies or none is allowed.
std::optional<Error> ChooseSyscalls(const std::vector<Program>& programs, ChildPlan* plan,
                                    std::vector<Candidate>* chosen, KernelCostResult* result) {
  FilterStack stack;
  for (const Program& p : programs) {
    Result<VerifiedProgram> v = Verify(p);
    if (!v.ok()) return v.error();
    stack.Push(std::move(*v));
  }
  std::vector<uint32_t> rets(stack.size());
  for (const Candidate& c : kCandidates) {
    SeccompData d;
    d.arch = kAuditArchX86_64;
    d.nr = c.nr;
    const uint32_t ret = stack.Evaluate(d, rets).ret;
    if (ret != seccomp::kRetAllow) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%s: the stack returns 0x%08x, not ALLOW", c.name, ret);
      result->skipped.push_back(buf);
      continue;
    }
    plan->nrs[plan->n_syscalls++] = c.nr;
    chosen->push_back(c);
  }
  if (chosen->empty()) {
    return MakeError("nothing-to-measure",
                     "the stack allows none of the harmless syscalls the kernel harness uses "
                     "(getpid, getppid, gettid, getuid, geteuid, getgid, getegid, getpgrp)");
  }
  return std::nullopt;
}

// Child 1, natural: no filters, then the stack (cached syscalls skip it). An error unless the
// child installed every filter and measured the stack.
Result<live::SharedRegion> RunNatural(ChildPlan plan, const std::vector<sock_fprog>& fprogs) {
  plan.first = fprogs.data();
  plan.n_first = static_cast<int>(fprogs.size());
  plan.second = nullptr;
  plan.n_second = 0;
  Result<live::SharedRegion> region = RunChild(plan);
  if (!region.ok()) return region.error();
  const Shared& s = *region->as<Shared>();
  if (!s.prepared) return MakeError("prctl-failed", "PR_SET_NO_NEW_PRIVS failed in the child");
  for (int i = 0; i < plan.n_first; ++i) {
    if (s.install_ret[i] < 0) {
      return MakeError("install-failed", "seccomp() refused filter " + std::to_string(i) + ": " +
                                             ErrnoName(static_cast<int>(-s.install_ret[i])),
                       -1, static_cast<int>(-s.install_ret[i]));
    }
  }
  if (!(s.phases_done.load() & (1u << kFirst))) {
    return MakeError("child-died", "the measuring child ended before measuring the stack");
  }
  return region;
}

// Child 2, forced: the probe alone, then the stack on top of it. The newest filter's cache
// bitmap starts as a copy of the probe's, which has no bit set, so every filter runs for
// every syscall; forced cost = phase 2 - phase 1, both in this child.
Result<live::SharedRegion> RunForced(ChildPlan plan, const std::vector<sock_fprog>& fprogs) {
  // The probe: ld [16] (args[0], low word: the cache emulator gives up); ret ALLOW.
  Program probe;
  probe.insns = {Stmt(bpf::kLD | bpf::kW | bpf::kABS, 16),
                 Stmt(bpf::kRET | bpf::kK, seccomp::kRetAllow)};
  const sock_fprog probe_fprog = ToFprog(probe);
  plan.first = &probe_fprog;
  plan.n_first = 1;
  plan.second = fprogs.data();
  plan.n_second = static_cast<int>(fprogs.size());
  return RunChild(plan);
}

// Per chosen syscall: natural and forced cost from the two children's samples; the medians
// over the syscalls the filters ran for (`filtered`) and over those the cache let through.
void FillCosts(const Shared& s, const Shared& f, const ChildPlan& plan,
               const std::vector<Candidate>& chosen, const std::vector<const Program*>& originals,
               KernelCostResult* result) {
  const double ghz = result->tsc_ghz;
  std::vector<double> probe_costs;
  for (size_t i = 0; result->forced_measured && i < chosen.size(); ++i) {
    const int si = static_cast<int>(i);
    probe_costs.push_back(PhaseStats(f, kFirst, si, plan.reps, plan.calls, ghz).median -
                          PhaseStats(f, kBase, si, plan.reps, plan.calls, ghz).median);
  }
  result->probe_cost_ns = Summarize(probe_costs).median;

  std::vector<double> filtered, cached;
  for (size_t i = 0; i < chosen.size(); ++i) {
    const int si = static_cast<int>(i);
    KernelSyscallCost c;
    c.name = chosen[i].name;
    c.nr = chosen[i].nr;
    c.cached = analysis::StackCachedAllow(originals, kAuditArchX86_64, c.nr);
    c.base_ns = PhaseStats(s, kBase, si, plan.reps, plan.calls, ghz);
    c.stack_ns = PhaseStats(s, kFirst, si, plan.reps, plan.calls, ghz);
    c.cost_ns = c.stack_ns.median - c.base_ns.median;
    if (result->forced_measured) {
      c.forced_ns = PhaseStats(f, kSecond, si, plan.reps, plan.calls, ghz);
      c.forced_cost_ns =
          c.forced_ns.median - PhaseStats(f, kFirst, si, plan.reps, plan.calls, ghz).median;
      filtered.push_back(c.forced_cost_ns);
    } else if (!c.cached) {
      filtered.push_back(c.cost_ns);
    }
    if (c.cached) cached.push_back(c.cost_ns);
    result->syscalls.push_back(c);
  }
  result->filtered = Summarize(std::move(filtered));
  result->cached = Summarize(std::move(cached));
}

}  // namespace

Result<KernelCostResult> MeasureKernelCost(const std::vector<Program>& programs,
                                           const KernelCostOptions& options) {
  KernelCostResult result;
  if (programs.empty()) return MakeError("empty-stack", "no filter to install");
  if (static_cast<int>(programs.size()) > kMaxFilters) {
    return MakeError("too-many-filters", "at most " + std::to_string(kMaxFilters) + " filters");
  }
  ChildPlan plan{};
  plan.reps = std::clamp(options.repetitions, 1, kMaxReps);
  plan.calls = std::max(1, options.calls_per_rep);
  std::vector<Candidate> chosen;
  if (std::optional<Error> e = ChooseSyscalls(programs, &plan, &chosen, &result)) return *e;
  std::vector<const Program*> originals;
  std::vector<sock_fprog> fprogs;
  for (const Program& p : programs) {
    originals.push_back(&p);
    fprogs.push_back(ToFprog(p));
  }
  result.tsc_ghz = TscGhz();
  Result<live::SharedRegion> natural_region = RunNatural(plan, fprogs);
  if (!natural_region.ok()) return natural_region.error();
  Result<live::SharedRegion> forced_region = RunForced(plan, fprogs);
  if (!forced_region.ok()) return forced_region.error();
  const Shared& f = *forced_region->as<Shared>();
  result.forced_measured = (f.phases_done.load() & (1u << kSecond)) != 0;
  if (!result.forced_measured) {
    result.note = "the forced phase (stack on top of a non-cacheable probe) was not measured";
  }
  FillCosts(*natural_region->as<Shared>(), f, plan, chosen, originals, &result);
  return result;
}

}  // namespace sckit::bench
