// What the kernel does with a system call, given the thread's seccomp state: the filter stack's
// winning value (vm/stack.h) turned into an effect as __seccomp_filter() (kernel/seccomp.c)
// applies it, plus the cases where no filter decides:
//   - syscall user dispatch (vm/dispatch.h), which runs first (syscall_trace_enter): a
//     dispatched call gets SIGSYS with si_code SYS_USER_DISPATCH (DISPATCH_SIGSYS) and never
//     reaches ptrace or seccomp; an invalid selector kills the task by SIGSYS, an unreadable one
//     by SIGSEGV (shown as KILL_PROCESS with `dispatch` saying why);
//   - the x86-64 passthrough calls: seccomp_is_const_allow() treats native uretprobe (335,
//     since Linux 6.14, also in stable backports) and uprobe (336, since Linux 6.18) as
//     constant-ALLOW, so the action cache allows them before any filter runs, even a filter
//     that would kill them (seccomp_uprobe_exception). Switchable by KernelVersion.
//   - strict mode (mode 1, __secure_computing_strict()): a fixed allow-list instead of filters;
//     anything else kills the calling thread with SIGKILL (logged as KILL_THREAD).
//
// Effects (__seccomp_filter, data = ret & SECCOMP_RET_DATA):
//   ERRNO       skipped; returns -min(data, 4095); ERRNO(0) "returns 0" without running.
//   TRAP        skipped; SIGSYS with si_code SYS_SECCOMP, si_errno = data, si_syscall = nr,
//               si_arch = arch, si_call_addr = ip.
//   TRACE       no tracer with PTRACE_O_TRACESECCOMP: skipped with -ENOSYS; else a
//               PTRACE_EVENT_SECCOMP stop with event message = data (then the tracer decides).
//   USER_NOTIF  no listener on the *matched* filter: skipped with -ENOSYS; else the listener's
//               supervisor decides.
//   LOG         runs, logged.   ALLOW  runs.
//   KILL_THREAD the thread exits with SIGSYS (the whole process when it is the last thread).
//   KILL_PROCESS and every unknown action value: the process dies by SIGSYS. Unknown values
//               still rank by their own value in the stack (0x10000000 loses to TRAP).
#pragma once

#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vm/action.h"
#include "vm/dispatch.h"
#include "vm/seccomp_log.h"
#include "vm/seccomp_data.h"
#include "vm/stack.h"
#include "vm/status.h"

namespace sckit {

struct KernelVersion {
  int major = 6;
  int minor = 18;
  friend auto operator<=>(const KernelVersion&, const KernelVersion&) = default;
  std::string ToString() const;
};
// The kernel this project measured (Linux 6.18, x86-64): the default everywhere.
inline constexpr KernelVersion kDefaultKernel{6, 18};
inline constexpr KernelVersion kUretprobePassthroughSince{6, 14};
inline constexpr KernelVersion kUprobePassthroughSince{6, 18};
inline constexpr KernelVersion kDispatchSince{5, 11};  // PR_SET_SYSCALL_USER_DISPATCH

// "6.18", "6.14.3", "6.18.44-generic", "6": major.minor, the rest ignored.
Result<KernelVersion> ParseKernelVersion(std::string_view text);

enum class Mode { kFilter, kStrict };

struct KernelContext {
  KernelVersion kernel = kDefaultKernel;
  Mode mode = Mode::kFilter;
  bool tracer = false;    // a ptracer attached with PTRACE_O_TRACESECCOMP
  bool listener = false;  // treat every filter as having an open listener (otherwise only
                          // filters installed with SECCOMP_FILTER_FLAG_NEW_LISTENER have one)
  DispatchConfig dispatch;  // syscall user dispatch (off by default)
  LogConfig log;            // actions_logged / actions_avail (the kernel's defaults)
};

enum class Passthrough : uint8_t { kNone, kUretprobe, kUprobe };
std::string_view PassthroughName(Passthrough p);  // "", "uretprobe", "uprobe"

// The syscall that skips filtering on this kernel, if `data` is one (native x86-64 only).
Passthrough PassthroughOf(const SeccompData& data, KernelVersion kernel);

// mode1_syscalls / the compat list for `data`: x86-64 native read 0, write 1, exit 60,
// rt_sigreturn 15 (+ uretprobe 335 from 6.14, uprobe 336 from 6.18); i386 and x86-64 compat
// read 3, write 4, exit 1, sigreturn 119. x32 calls run in_compat_syscall() and so get the
// i386 list, which no x32 number (bit 30 set) matches: every x32 call is killed (reasoned from
// code, not measured). Other arches: read, write, exit, rt_sigreturn by libseccomp's numbers.
bool StrictModeAllows(const SeccompData& data, KernelVersion kernel);

enum class Effect : uint8_t {
  kRun,          // the syscall runs (ALLOW, LOG, passthrough, strict-mode allowed)
  kReturn,       // skipped; the caller sees return_value (ERRNO, or ENOSYS for TRACE/USER_NOTIF)
  kSignal,       // skipped; SIGSYS delivered (TRAP)
  kTraceStop,    // PTRACE_EVENT_SECCOMP stop, the tracer decides
  kNotify,       // the listener's supervisor decides
  kKillThread,   // the calling thread dies (SIGSYS; SIGKILL in strict mode)
  kKillProcess,  // the whole process dies by SIGSYS (by SIGSEGV for an unreadable selector)
  kDispatchSignal,  // syscall user dispatch: skipped; SIGSYS with SYS_USER_DISPATCH delivered
};
std::string_view EffectName(Effect e);  // "run", "return", "signal", "trace_stop", ...

// siginfo of the SIGSYS that TRAP and KILL_PROCESS deliver (force_sig_seccomp()), or that a
// dispatched call gets (trigger_sigsys(): si_code SYS_USER_DISPATCH, si_errno 0). Members are
// the si_* fields without the prefix (glibc defines si_syscall etc. as macros).
inline constexpr int32_t kSysSeccomp = 1;       // si_code SYS_SECCOMP
inline constexpr int32_t kSysUserDispatch = 2;  // si_code SYS_USER_DISPATCH
struct SigsysInfo {
  int32_t signo = 31;  // si_signo: SIGSYS of the record's arch (31; 12 on mips, sparc, alpha)
  int32_t code = kSysSeccomp;
  int32_t error = 0;   // si_errno: the action's data (0 for dispatch)
  int32_t syscall_nr = 0;
  uint32_t arch = 0;
  uint64_t call_addr = 0;  // seccomp_data.instruction_pointer
};

// The one-word outcome as a value, for comparing outcomes (of engines, of the kernel, against
// expectations): KILL_PROCESS, KILL_THREAD, TRAP(n), ERRNO(n), USER_NOTIF, TRACE(n), LOG, ALLOW,
// and DISPATCH_SIGSYS (syscall user dispatch stopped the call before seccomp).
struct Verdict {
  enum class Kind : uint8_t { kKillProcess, kKillThread, kTrap, kErrno, kUserNotif, kTrace, kLog,
                              kAllow, kDispatchSigsys };
  Kind kind = Kind::kAllow;
  uint32_t n = 0;  // TRAP's and TRACE's data, ERRNO's errno after the cap; 0 for the others

  static Verdict Of(Kind kind, uint32_t n = 0) { return Verdict{kind, n}; }
  friend bool operator==(const Verdict&, const Verdict&) = default;
  std::string Text() const;  // "ERRNO(38)"
};

struct Outcome {
  uint32_t ret = seccomp::kRetAllow;  // winning raw value (0x7fff0000 when allowed)
  Action action = Action::kAllow;     // ActionOf(ret); kUnknown behaves as KILL_PROCESS
  uint16_t data = 0;                  // ret & SECCOMP_RET_DATA
  int matched = -1;                   // winning filter (0 = oldest); -1: none (allowed,
                                      // passthrough, strict mode, dispatch)
  DispatchResult dispatch = DispatchResult::kOff;  // what syscall user dispatch did first
  Passthrough passthrough = Passthrough::kNone;
  bool strict = false;                // decided by strict mode
  Effect effect = Effect::kRun;
  int64_t return_value = 0;           // for kReturn: -errno, or 0 for ERRNO(0)
  int signal = 0;                     // the signal that kills or traps: SIGSYS (31; the arch's:
                                      // 12 on mips), 9 SIGKILL
  bool has_siginfo = false;           // sigsys below is meaningful (TRAP, KILL_PROCESS/unknown)
  SigsysInfo sigsys;
  bool logged = false;                // seccomp_log() writes an audit record, for the context's
                                      // actions_logged (vm/seccomp_log.h); ERRNO/TRAP/ENOSYS
                                      // only when the match has FLAG_LOG
  bool unavailable = false;           // `action` is not in the context's actions_avail: the
                                      // kernel treats it as unknown and kills the process

  // The one-word outcome: KILL_PROCESS, KILL_THREAD, TRAP(n), ERRNO(n) (n after the cap;
  // TRACE without a tracer and USER_NOTIF without a listener are ERRNO(ENOSYS): 38, the arch's), USER_NOTIF,
  // TRACE(n), LOG, ALLOW, DISPATCH_SIGSYS.
  Verdict verdict() const;
  // Whether the filters ran (rets hold their values): not in strict mode, for a passthrough
  // call, a call syscall user dispatch stopped, or an empty stack.
  bool filters_ran(size_t stack_size) const;
  std::string Text() const { return verdict().Text(); }
};

// What the kernel does with the winning value `ret` of filter `matched` (-1: none), installed
// with `match_flags` (SECCOMP_FILTER_FLAG_LOG, NEW_LISTENER matter), for the call `data`: the
// action switch of __seccomp_filter(). The one model of it; ApplyDecision and the live tests
// use it.
Outcome ApplyAction(uint32_t ret, int matched, uint32_t match_flags, const SeccompData& data,
                    const KernelContext& ctx);

// What the kernel does with the stack's decision (rets as Evaluate() filled them).
Outcome ApplyDecision(const StackDecision& decision, const FilterStack& stack,
                      const SeccompData& data, const KernelContext& ctx);

// The whole path for one system call: syscall user dispatch, then strict mode, or the
// empty-chain fail-safe (KILL_PROCESS, as seccomp_run_filters() does), the passthrough check,
// then every filter (rets must hold
// stack.size() values; they are left untouched when no filter runs). No allocation.
Outcome Decide(const FilterStack& stack, const SeccompData& data, const KernelContext& ctx,
               std::span<uint32_t> rets);
// The same with instrumented runs (traces newest first; empty when no filter ran).
Outcome DecideTraced(const FilterStack& stack, const SeccompData& data, const KernelContext& ctx,
                     std::span<uint32_t> rets, std::vector<FilterTrace>* traces);

// An expected outcome in a test case. Forms (case-insensitive), optionally prefixed by '!':
//   exact:  KILL_PROCESS KILL_THREAD USER_NOTIF LOG ALLOW DISPATCH_SIGSYS TRAP(n) ERRNO(n)
//           TRACE(n), where n is
//           decimal, 0x hex, or for ERRNO an errno name (ERRNO(EPERM)); sckit's printed form
//           `ERRNO(1) EPERM` too, when the name is the number's
//   class:  KILL (either kill), ERRNO (any errno), TRAP (any), TRACE (any)
struct Expectation {
  bool negate = false;
  std::string name;  // KILL_PROCESS, ..., or a class name
  bool has_value = false;
  uint32_t value = 0;
  std::string text;  // as written
  bool Matches(const Verdict& verdict) const;
  bool Matches(const Outcome& outcome) const { return Matches(outcome.verdict()); }
};
// Errno names are the numbering of the record's arch `audit_arch` (vm/names.h: ERRNO(ENOSYS) is
// ERRNO(89) on mips; an arch with no known numbering has no names); without an arch, generic.
Result<Expectation> ParseExpectation(std::string_view text, int line = -1);
Result<Expectation> ParseExpectation(std::string_view text, int line, uint32_t audit_arch);

}  // namespace sckit
