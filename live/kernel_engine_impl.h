// The kernel engine's tracer side (internal to live/kernel_engine*.cc): the engine's state, the
// child's life cycle (engine_spawn.cc: namespace holder, fork, seize, installs, settling each
// probe at its loop's entry stop) and one record's ptrace protocol (engine_record.cc). The
// child's side is live/probe_child.h; the public API live/kernel_engine.h.
#pragma once

#include <sys/types.h>
#include <sys/user.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "live/kernel_engine.h"
#include "live/probe_child.h"
#include "live/strict_probe.h"
#include "verifier/stack_check.h"
#include "vm/seccomp_data.h"
#include "vm/status.h"
#include "vm/text.h"

namespace sckit::live {

namespace engine {

// include/uapi/linux/ptrace.h.
inline constexpr int kEventSeccomp = 7;      // PTRACE_EVENT_SECCOMP
inline constexpr int kEventStop = 128;       // PTRACE_EVENT_STOP
inline constexpr long kOptTraceSysgood = 1;  // PTRACE_O_TRACESYSGOOD
inline constexpr long kOptTraceSeccomp = 1 << 7;
inline constexpr long kOptExitKill = 1 << 20;
inline constexpr long kOptSuspendSeccomp = 1 << 21;
inline constexpr long kTraceOptions = kOptTraceSysgood | kOptTraceSeccomp | kOptExitKill;
inline constexpr int kSetupTimeoutMs = 10000;
inline constexpr uint16_t kDefaultSentinel = 0x5ecc;

// How a waitpid() status of the probe thread reads.
struct Stop {
  enum class Kind : uint8_t { kSyscall, kSeccomp, kEventStop, kSignal, kDied, kOther } kind;
  int sig = 0;  // signal-delivery-stop: the signal; kDied: the terminating signal or exit code
};
Stop Classify(int wait_status);

Error SysError(const std::string& rule, const std::string& what, int err);
// Reads exactly n bytes within the time limit; false on EOF, error or timeout.
bool ReadExact(int fd, void* data, size_t n, int timeout_ms);

}  // namespace engine

struct KernelEngine::Impl {
  KernelEngineOptions options;
  std::vector<StackEntry> stack;
  // The flags each filter is installed with: the user's without TSYNC/TSYNC_ESRCH (they would
  // put the filters on the idle leader and the notifiers), plus NEW_LISTENER on the filter that
  // stands for --listener's "every filter has a listener" (see Start).
  std::vector<uint32_t> install_flags;
  std::vector<sock_filter> f0;
  uint16_t sentinel = engine::kDefaultSentinel;
  bool may_trace_sentinel = false;  // some filter can return TRACE|sentinel itself
  bool may_weak_unknown = false;    // some filter can return an unknown action F0 outranks
  bool has_listener = false;        // some installed filter has SECCOMP_FILTER_FLAG_NEW_LISTENER
  // Filters that can return USER_NOTIF (RET K, or RET A) and have a listener in the asked
  // configuration (--listener: every filter) but none here: the kernel allows one listener per
  // chain. Their USER_NOTIF gives -ENOSYS, like ERRNO(38).
  std::vector<size_t> unserved_notif;
  std::unique_ptr<char[]> probe_stack;
  std::unique_ptr<StrictProbe> strict;  // strict mode: records go to this probe instead

  pid_t holder = 0;
  int holder_pidfd = -1;

  // The running child.
  struct Probe {
    pid_t tid = 0;
    user_regs_struct home{};  // registers at the loop's syscall-entry stop
    uint64_t slot = 0;        // the child's address of its NotifierSlot; 0: no listener
    uint64_t notified = 0;    // notifications seen answered so far
    uint64_t selector = 0;    // the child's address of its dispatch selector byte (armed)
  };
  pid_t leader = 0;
  int ctl_fd = -1;
  int probes = 0;  // probe threads in the running child: 1, or 2 with the ia32 probe
  int cur = 0;     // the probe the current record runs on
  Probe probe[engine::kMaxProbes];
  bool want_compat = false;         // an I386 record was seen: children get the ia32 probe
  bool compat_unavailable = false;  // int $0x80 did not work here
  uint64_t children = 0;
  // Syscall user dispatch: the children are armed once a record asks for it; an armed probe's
  // home is a PTRACE_SYSEMU entry stop (docs/kernel-engine.md "Syscall user dispatch").
  bool want_dispatch = false;
  bool armed = false;
  std::string dispatch_unavailable;  // why the kernel refused the arming prctl
  uint8_t dispatch_byte = 0;         // the selector value for the current record

  ~Impl();

  // engine_spawn.cc
  Result<bool> StartHolder();
  Result<bool> Spawn(bool compat);
  Result<bool> Seize(const engine::ChildPlan& plan);
  Result<bool> CheckInstalls(engine::ChildPlan& plan, size_t first_user);
  Result<bool> Settle(int k);
  void KillChild();
  Result<int> Wait();
  Error Internal(const std::string& what);

  // engine_record.cc
  Result<KernelObservation> RunAtEntry(const SeccompData& record);
  Result<engine::Stop> Resume();
  Result<engine::Stop> ResumeWith(int request);
  Result<engine::Stop> ResumeHome();
  Result<bool> PokeSelector(uint8_t value);
  Result<std::optional<KernelObservation>> PassDispatch(const SeccompData& record);
  Result<KernelObservation> DispatchSigsys(const SeccompData& record);
  Result<engine::Stop> EnterRecord(const SeccompData& record);
  Result<KernelObservation> AfterTraceStop(const SeccompData& record);
  Result<KernelObservation> AfterExitStop(const SeccompData& record);
  Result<KernelObservation> TrapStop();
  Result<KernelObservation> RerunWithoutTraceSeccomp(const SeccompData& record,
                                                     KernelObservation traced);
  Result<KernelObservation> Died(int sig, const std::string& trail);
  Result<engine::Stop> ReturnHome();
  Result<bool> CheckAtHome(const engine::Stop& s);
  Result<bool> CheckNotified(const SeccompData& record);
  int64_t ReturnValue(uint64_t rax) const;
  void AddSentinelPossibilities(KernelObservation* o) const;
  void AddEnosysPossibilities(KernelObservation* o) const;
};

}  // namespace sckit::live
