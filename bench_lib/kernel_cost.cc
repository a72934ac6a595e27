#include "bench_lib/kernel_cost.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <x86intrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "analysis/cache.h"
#include "live/child_process.h"
#include "live/raw_syscall.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/names.h"
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

enum Phase { kBase = 0, kStack = 1, kForced = 2 };

struct Shared {
  uint64_t cycles[3][kMaxSyscalls][kMaxReps];
  int64_t install_ret[kMaxFilters + 1];
  std::atomic<uint32_t> phases_done;  // bit per completed phase
  int32_t prepared;
};

struct ChildPlan {
  Shared* shared;
  int32_t nrs[kMaxSyscalls];
  int n_syscalls;
  int reps;
  int calls;
  const sock_fprog* progs;  // installed in order before phase kStack
  int n_progs;
  const sock_fprog* probe;  // installed before phase kForced (nullptr: no such phase)
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

void ChildBody(const ChildPlan& plan) {
  MeasurePhase(plan, kBase);
  plan.shared->prepared = live::PrepareChildForSeccomp() ? 1 : 0;
  if (!plan.shared->prepared) return;
  for (int i = 0; i < plan.n_progs; ++i) {
    const int64_t ret = live::RawSyscall6(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0,
                                          reinterpret_cast<uint64_t>(&plan.progs[i]))
                            .ret;
    plan.shared->install_ret[i] = ret;
    if (ret < 0) return;
  }
  MeasurePhase(plan, kStack);
  if (plan.probe == nullptr) return;
  const int64_t ret =
      live::RawSyscall6(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0,
                        reinterpret_cast<uint64_t>(plan.probe))
          .ret;
  plan.shared->install_ret[kMaxFilters] = ret;
  if (ret < 0) return;
  MeasurePhase(plan, kForced);
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

}  // namespace

Result<KernelCostResult> MeasureKernelCost(const std::vector<Program>& programs,
                                           const KernelCostOptions& options) {
  KernelCostResult result;
  if (programs.empty()) return MakeError("empty-stack", "no filter to install");
  if (static_cast<int>(programs.size()) > kMaxFilters) {
    return MakeError("too-many-filters", "at most " + std::to_string(kMaxFilters) + " filters");
  }
  FilterStack stack;
  std::vector<const Program*> originals;
  for (const Program& p : programs) {
    Result<VerifiedProgram> v = Verify(p);
    if (!v.ok()) return v.error();
    stack.Push(std::move(*v));
    originals.push_back(&p);
  }
  std::vector<uint32_t> rets(stack.size());
  ChildPlan plan{};
  plan.reps = std::clamp(options.repetitions, 1, kMaxReps);
  plan.calls = std::max(1, options.calls_per_rep);
  std::vector<Candidate> chosen;
  for (const Candidate& c : kCandidates) {
    SeccompData d;
    d.arch = kAuditArchX86_64;
    d.nr = c.nr;
    const uint32_t ret = stack.Evaluate(d, rets).ret;
    if (ret != seccomp::kRetAllow) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%s: the stack returns 0x%08x, not ALLOW", c.name, ret);
      result.skipped.push_back(buf);
      continue;
    }
    plan.nrs[plan.n_syscalls++] = c.nr;
    chosen.push_back(c);
  }
  if (chosen.empty()) {
    return MakeError("nothing-to-measure",
                     "the stack allows none of the harmless syscalls the kernel harness uses "
                     "(getpid, getppid, gettid, getuid, geteuid, getgid, getegid, getpgrp)");
  }
  std::vector<sock_fprog> fprogs;
  for (const Program& p : programs) fprogs.push_back(ToFprog(p));
  plan.progs = fprogs.data();
  plan.n_progs = static_cast<int>(fprogs.size());

  // The probe: ld [16] (args[0], low word: the cache emulator gives up); ret ALLOW.
  Program probe;
  probe.insns = {Stmt(bpf::kLD | bpf::kW | bpf::kABS, 16), Stmt(bpf::kRET | bpf::kK, seccomp::kRetAllow)};
  const sock_fprog probe_fprog = ToFprog(probe);
  SeccompData seccomp_call;
  seccomp_call.arch = kAuditArchX86_64;
  seccomp_call.nr = SYS_seccomp;
  seccomp_call.args[0] = SECCOMP_SET_MODE_FILTER;
  const bool can_force = stack.Evaluate(seccomp_call, rets).ret == seccomp::kRetAllow;
  plan.probe = can_force ? &probe_fprog : nullptr;
  if (!can_force) {
    result.note = "the stack does not allow seccomp(), so the forced phase (filters run for "
                  "every syscall) was not measured";
  }

  result.tsc_ghz = TscGhz();
  Result<live::SharedRegion> main_region = RunChild(plan);
  if (!main_region.ok()) return main_region.error();
  const Shared& s = *main_region->as<Shared>();
  if (!s.prepared) return MakeError("prctl-failed", "PR_SET_NO_NEW_PRIVS failed in the child");
  for (int i = 0; i < plan.n_progs; ++i) {
    if (s.install_ret[i] < 0) {
      return MakeError("install-failed", "seccomp() refused filter " + std::to_string(i) + ": " +
                                             ErrnoName(static_cast<int>(-s.install_ret[i])),
                       -1, static_cast<int>(-s.install_ret[i]));
    }
  }
  const uint32_t done = s.phases_done.load();
  if (!(done & (1u << kStack))) {
    return MakeError("child-died", "the measuring child ended before measuring the stack");
  }
  result.forced_measured = can_force && (done & (1u << kForced));
  if (can_force && !result.forced_measured) {
    result.note = "installing the probe filter failed (seccomp() returned " +
                  std::to_string(s.install_ret[kMaxFilters]) + "); forced phase not measured";
  }

  // The probe alone, in a second child, to subtract it from the forced phase.
  std::vector<double> probe_costs(chosen.size(), 0);
  if (result.forced_measured) {
    ChildPlan probe_plan = plan;
    probe_plan.progs = &probe_fprog;
    probe_plan.n_progs = 1;
    probe_plan.probe = nullptr;
    Result<live::SharedRegion> probe_region = RunChild(probe_plan);
    if (!probe_region.ok()) return probe_region.error();
    const Shared& p = *probe_region->as<Shared>();
    if (!(p.phases_done.load() & (1u << kStack))) {
      return MakeError("child-died", "the probe child ended before measuring");
    }
    std::vector<double> all;
    for (size_t i = 0; i < chosen.size(); ++i) {
      const int si = static_cast<int>(i);
      probe_costs[i] = PhaseStats(p, kStack, si, plan.reps, plan.calls, result.tsc_ghz).median -
                       PhaseStats(p, kBase, si, plan.reps, plan.calls, result.tsc_ghz).median;
      all.push_back(probe_costs[i]);
    }
    result.probe_cost_ns = Summarize(all).median;
  }

  std::vector<double> filtered, cached;
  for (size_t i = 0; i < chosen.size(); ++i) {
    const int si = static_cast<int>(i);
    KernelSyscallCost c;
    c.name = chosen[i].name;
    c.nr = chosen[i].nr;
    c.cached = analysis::StackCachedAllow(originals, kAuditArchX86_64, c.nr);
    c.base_ns = PhaseStats(s, kBase, si, plan.reps, plan.calls, result.tsc_ghz);
    c.stack_ns = PhaseStats(s, kStack, si, plan.reps, plan.calls, result.tsc_ghz);
    c.cost_ns = c.stack_ns.median - c.base_ns.median;
    if (result.forced_measured) {
      c.forced_ns = PhaseStats(s, kForced, si, plan.reps, plan.calls, result.tsc_ghz);
      c.forced_cost_ns = c.forced_ns.median - c.base_ns.median - probe_costs[i];
      filtered.push_back(c.forced_cost_ns);
    } else if (!c.cached) {
      filtered.push_back(c.cost_ns);
    }
    if (c.cached) cached.push_back(c.cost_ns);
    if (!c.cached && result.forced_measured) filtered.push_back(c.cost_ns);
    result.syscalls.push_back(c);
  }
  result.filtered = Summarize(std::move(filtered));
  result.cached = Summarize(std::move(cached));
  return result;
}

}  // namespace sckit::bench
