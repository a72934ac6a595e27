// What a process observes when the filter stack decides `ret` for its system call, with no
// ptrace tracer and no user-notification listener attached: the action switch of
// __seccomp_filter() (kernel/seccomp.c) as seen from user space (spec §6):
//   ALLOW, LOG            the call runs: it returns what it returns unfiltered
//   ERRNO(d)              returns -min(d, 4095); d == 0 returns 0 (syscall_set_return_value)
//   TRAP(d)               SIGSYS with si_errno = d; after the handler the call returns its own
//                         number (syscall_rollback: ax = orig_ax) -- unless that number reads as
//                         a restart code to the signal-delivery path (arch/x86/kernel/signal.c
//                         handle_signal, which runs because the SIGSYS has a handler, for any
//                         nr != -1): -512 ERESTARTSYS gives -EINTR (restarts with SA_RESTART),
//                         -514 ERESTARTNOHAND and -516 ERESTART_RESTARTBLOCK give -EINTR, and
//                         -513 ERESTARTNOINTR restarts: ip -= 2, the call is filtered again and
//                         traps again, forever (kTrapsForever)
//   TRACE, USER_NOTIF     returns -ENOSYS (no tracer / no listener)
//   KILL_THREAD, KILL_PROCESS, anything else
//                         the (single-threaded) process dies by SIGSYS
// Compare() checks a LiveOutcome against it; tests use it to hold our precedence
// (ResolveStack) and interpreter (RunFilter) to the running kernel.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "live/kernel_run.h"

namespace sckit::live {

struct ExpectedEffect {
  enum class Kind : uint8_t { kReturns, kTrapsThenReturns, kTrapsForever, kKilled };
  Kind kind = Kind::kReturns;
  int64_t ret = 0;         // kReturns / kTrapsThenReturns: the raw value the call returns
  uint16_t trap_data = 0;  // kTrapsThenReturns / kTrapsForever: si_errno
  int signal = 0;          // kKilled: the terminating signal (SIGSYS)

  std::string ToString() const;
};

// The effect of stack decision `ret` on `call`, whose unfiltered result is `natural_ret`, in a
// child set up as `options` says (without a SIGSYS handler a TRAP kills by SIGSYS).
ExpectedEffect PredictEffect(uint32_t ret, const SyscallRequest& call, int64_t natural_ret,
                             const RunOptions& options = {});

// nullopt when `outcome` shows exactly `expected` (for TRAP also si_code SYS_SECCOMP,
// si_syscall, si_arch AUDIT_ARCH_X86_64 and si_call_addr == the instruction pointer; for
// kTrapsForever kSigsysLoopLimit deliveries and the handler's loop exit); otherwise what
// differs. Also fails when a filter of the stack did not attach.
std::optional<std::string> CompareEffect(const ExpectedEffect& expected,
                                         const LiveOutcome& outcome);

}  // namespace sckit::live
