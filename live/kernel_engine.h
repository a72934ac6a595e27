// `--engine kernel`: runs synthetic seccomp_data records through the LIVE kernel with a given
// filter stack installed, and reports what the kernel did, without the tested system call ever
// executing. docs/kernel-engine.md has the full design and what was verified on Linux 6.18.
//
// How (kernel paths mirrored: arch/x86/entry/syscall_64.c do_syscall_64, kernel/entry
// syscall_trace_enter, kernel/seccomp.c __seccomp_filter, kernel/ptrace.c):
//   - A forked child: its leader thread idles with no filter; a second "probe" thread is
//     PTRACE_SEIZEd by the calling thread (the tracer) with PTRACE_O_TRACESECCOMP |
//     TRACESYSGOOD | EXITKILL | SUSPEND_SECCOMP, installs an extra OLDEST filter F0 =
//     `ret TRACE|sentinel` and then the user's stack (suspended: the filters do not see their
//     own installation), after which the tracer clears SUSPEND_SECCOMP and the probe thread
//     loops on a raw `syscall` of getpid.
//   - Per record, at the syscall-entry stop (which comes BEFORE seccomp): orig_rax = nr,
//     rdi,rsi,rdx,r10,r8,r9 = args, rip = instruction_pointer; then one of
//       PTRACE_EVENT_SECCOMP stop -> the tracer sets orig_rax = -1 (skip) -> TRACE(data), or
//         with data == sentinel: the stack's own winner ranked at or below TRACE (ALLOW, LOG);
//         without --tracer (options.context.tracer false) the record is run once more with
//         PTRACE_O_TRACESECCOMP cleared: the kernel then fails the TRACE with -ENOSYS, as
//         for a task with no seccomp tracer -> ERRNO(38);
//       syscall-exit stop with rax = -errno and no SIGSYS -> ERRNO(n) (a USER_NOTIF whose
//         filter has no listener gives -ENOSYS: ERRNO(38) in that configuration too);
//       syscall-exit stop with rax = kNotifyAnswer -> USER_NOTIF of the filter installed with
//         SECCOMP_FILTER_FLAG_NEW_LISTENER (see below);
//       syscall-exit stop then SIGSYS signal-delivery-stop (suppressed) -> TRAP(data);
//       the probe thread dies by SIGSYS -> KILL_THREAD (leader alive) or KILL_PROCESS.
//     F0's TRACE outranks ALLOW and LOG, so an allowed call always stops at the tracer, which
//     cancels it: no path lets the synthetic call run.
//   - Listener: when a filter of the stack has SECCOMP_FILTER_FLAG_NEW_LISTENER, the leader
//     first starts one "notifier" thread per probe (no filter: filters go on the probe thread
//     only, TSYNC is dropped); the probe hands it the listener fd seccomp() returned and reports
//     only once the notifier serves. The notifier answers every SECCOMP_IOCTL_NOTIF_RECV with
//     NOTIF_SEND {error 0, val kNotifyAnswer, no FLAG_CONTINUE}: the kernel skips the call and
//     returns that positive, non-canonical value, which no ERRNO gives. It records what it
//     answered; the tracer accepts the value only if that record is this record. A vanished
//     notification (ENOENT) is skipped; any other ioctl error ends the child (internal-error).
//     A USER_NOTIF whose matched filter has no listener of its own still gives -ENOSYS. With
//     --listener (options.context.listener) the one filter that can notify is installed with
//     NEW_LISTENER itself (the kernel allows one listener per chain).
//   - Records with arch AUDIT_ARCH_X86_64 run on the native probe (x32 numbers included: their
//     arch is X86_64); records with AUDIT_ARCH_I386 run on a second probe thread, started on
//     the first such record, that loops on `int $0x80` (TS_COMPAT: arch I386, arguments from
//     rbx, rcx, rdx, rsi, rdi, rbp). Other arches, and native nr 335 (uretprobe) and 336
//     (uprobe), which the kernel allows before any filter runs (seccomp_is_const_allow), are
//     never sent: they come back "not reproducible".
// Needs root (CAP_SYS_ADMIN for PTRACE_O_SUSPEND_SECCOMP, which is refused to a tracer that is
// itself under seccomp). Start() and Run() must be called from the same thread: ptrace
// requests are only accepted from the tracing thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "verifier/stack_check.h"
#include "vm/outcome.h"
#include "vm/seccomp_data.h"
#include "vm/status.h"

namespace sckit::live {

struct KernelEngineOptions {
  // The configuration to answer for, as the interpreter's Decide() takes it (vm/outcome.h):
  //   tracer    false: the answer is what a task without a seccomp tracer gets (a stack's TRACE
  //             is run again with PTRACE_O_TRACESECCOMP cleared: ENOSYS, ERRNO(38));
  //             true: TRACE(n), as under a tracer that set PTRACE_O_TRACESECCOMP.
  //   listener  false: only filters installed with NEW_LISTENER have a listener (answered by
  //             the engine's notifier); true: every filter has one, which the kernel allows for
  //             one filter per chain: the one filter that can notify gets NEW_LISTENER; when
  //             several can, -ENOSYS stays ambiguous with USER_NOTIF (said per record).
  //   kernel    only named in the reasons: the running kernel answers.
  //   mode      strict mode: no stack; records go to a child really in SECCOMP_MODE_STRICT
  //             (live/strict_probe.h): ALLOW or KILL_THREAD, the allowed calls run with
  //             neutral arguments (read/write on fd -1), sigreturns are not sent.
  //   dispatch  syscall user dispatch cannot either (error "dispatch-unsupported"): it decides
  //             before the syscall-entry stop where the engine writes the record.
  KernelContext context;
  // Defence in depth for the child (the design alone keeps the call from running):
  // fresh mount, IPC, UTS, network and cgroup namespaces (created once, joined by every child).
  bool new_namespaces = true;
  // setgroups({}), setresgid/setresuid(65534): no capabilities, no files of ours to unlink.
  bool drop_privileges = true;
  // F0's data; 0 = choose one that no RET K of the stack returns with TRACE.
  uint16_t sentinel = 0;
  // TESTS OF THE SAFETY NET ONLY: install no F0, so a call the stack allows REALLY RUNS. The
  // engine must then notice (an exit stop with a non-errno rax), kill the child and fail.
  bool unsafe_omit_sentinel_filter_for_tests = false;
};

// The notifier's answer to every USER_NOTIF: SECCOMP_IOCTL_NOTIF_SEND with error 0 and this
// val makes the kernel skip the call and return val (seccomp_do_user_notification ->
// syscall_set_return_value: ax = error ?: val). No ERRNO gives a positive value, and as an
// address it is non-canonical (with 4- and 5-level paging), so no mapping call returns it.
inline constexpr uint64_t kNotifyAnswer = 0x5ecc5ecc5ecc5ecc;

// The SIGSYS siginfo of a TRAP, as PTRACE_GETSIGINFO reported it (force_sig_seccomp()).
struct KernelSiginfo {
  int32_t signo = 0;
  int32_t code = 0;   // SYS_SECCOMP = 1
  int32_t error = 0;  // si_errno: the TRAP's 16-bit data
  int32_t syscall_nr = 0;
  uint32_t arch = 0;
  uint64_t call_addr = 0;
};

// What the kernel did with one record.
struct KernelObservation {
  enum class Seen : uint8_t {
    kNotRun,         // not reproducible: the record was not sent (see `reason`)
    kTraceStop,      // PTRACE_EVENT_SECCOMP with `event_msg`
    kReturn,         // skipped with `return_value` in rax, no signal
    kNotified,       // USER_NOTIF: skipped, rax = the notifier's answer (`return_value`)
    kSigsys,         // skipped, then a SIGSYS (TRAP) that the tracer suppressed
    kThreadKilled,   // the probe thread died by SIGSYS, the leader lives on
    kProcessKilled,  // the whole child died by SIGSYS
    kDispatchSigsys, // syscall user dispatch stopped the call: SIGSYS, SYS_USER_DISPATCH
  };
  Seen seen = Seen::kNotRun;
  bool reproducible = true;
  // Why not: "unsupported-arch" (neither X86_64 nor I386, or no int $0x80 on this kernel) or
  // "passthrough-syscall" (x86-64 nr 335/336, which the kernel allows before any filter
  // runs). Empty otherwise.
  std::string not_reproducible_rule;
  // The kernel's outcome as a value (vm/outcome.h Verdict); meaningful when reproducible.
  Verdict outcome;
  // Every outcome the kernel's behaviour is consistent with, in the asked configuration
  // (contains `outcome`). More than one when the kernel cannot tell them apart this way:
  // {ALLOW, LOG, ...} for the sentinel stop, {ERRNO(38), USER_NOTIF} for -ENOSYS when
  // --listener asked for a listener on a filter that cannot have one here.
  std::vector<Verdict> possible;
  std::string reason;        // why it is ambiguous or not reproducible
  uint16_t event_msg = 0;    // kTraceStop
  int64_t return_value = 0;  // kReturn, kNotified
  bool has_siginfo = false;  // kSigsys
  KernelSiginfo siginfo;
  int exit_signal = 0;  // kThreadKilled / kProcessKilled: the probe thread's signal
  // The ptrace stops seen after the record's syscall-entry stop, e.g. "seccomp(24268) exit
  // entry", "exit sigsys(31) entry", "exit died(31) leader-dead": the kernel's sequence.
  std::string trail;

  bool ambiguous() const { return possible.size() > 1; }
  // "ERRNO(1)", "ALLOW|LOG (sentinel stop)", "not reproducible: arch 0x40000003 ...".
  std::string ToString() const;
};

// Whether a verdict is one the observation allows. True for a record that was not
// reproducible (nothing to compare; check `reproducible` to report it).
bool ConsistentWith(const KernelObservation& observation, const Verdict& verdict);
// The same for an interpreter Outcome, also comparing the TRAP siginfo (si_errno, si_syscall,
// si_arch, si_call_addr) with what the kernel delivered.
bool ConsistentWith(const KernelObservation& observation, const Outcome& outcome);

class KernelEngine {
 public:
  // Verifies every program (Verify), starts the first child and installs F0 + the stack.
  // Errors: "invalid-filter" (pc, EINVAL), "install-refused" (the kernel refused entry i:
  // its errno), "suspend-seccomp-refused" (EPERM: not CAP_SYS_ADMIN, or under seccomp),
  // "strict-mode-with-filters" (strict mode with a stack), "dispatch-unsupported"
  // (options.context.dispatch is on with selector "fault", or with strict mode),
  // "ptrace-failed", "fork-failed", "namespaces-failed", "child-setup-failed".
  static Result<KernelEngine> Start(std::vector<StackEntry> stack,
                                    KernelEngineOptions options = {});

  KernelEngine(KernelEngine&&) noexcept;
  KernelEngine& operator=(KernelEngine&&) noexcept;
  KernelEngine(const KernelEngine&) = delete;
  KernelEngine& operator=(const KernelEngine&) = delete;
  ~KernelEngine();  // kills the child and the namespace holder

  // Runs one record. Errors are harness failures ("internal-error", "ptrace-failed", ...);
  // after one, the child has been killed and the next Run() starts a fresh one.
  Result<KernelObservation> Run(const SeccompData& record);
  // The same with a syscall user dispatch configuration for this record (a records/cases
  // line's own): the probe thread is armed with PR_SET_SYSCALL_USER_DISPATCH and its selector
  // byte set so that the kernel's decision for its own call equals the one for the record's ip
  // (docs/kernel-engine.md "Syscall user dispatch").
  Result<KernelObservation> Run(const SeccompData& record, const DispatchConfig& dispatch);

  uint16_t sentinel() const;
  // The native probe thread's tid and the child's pid (0 while no child is running).
  pid_t probe_tid() const;
  pid_t child_pid() const;
  uint64_t children_started() const;
  // Reads the child's memory (PTRACE_PEEKDATA), for tests that put pointers in records.
  Result<std::vector<uint8_t>> ReadProbeMemory(uint64_t address, size_t length);

  // The tracer's state and protocol: internal, live/kernel_engine_impl.h.
  struct Impl;

 private:
  explicit KernelEngine(std::unique_ptr<Impl> impl);
  static Result<KernelEngine> StartStrict(const std::vector<StackEntry>& stack,
                                          const KernelEngineOptions& options);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sckit::live
