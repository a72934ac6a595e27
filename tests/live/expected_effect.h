// What an untraced process (tests/live/untraced_call.h) observes when the kernel handles its
// call as vm/outcome.h's model says (ApplyAction, with no tracer and no listener): the model's
// Effect as seen from user space, plus what the x86 signal-delivery path does after a TRAP,
// which is not seccomp's but the process sees it:
//   kRun                  the call runs: it returns what it returns unfiltered
//   kReturn               returns the model's return_value (-min(data, 4095), ERRNO(0) 0, ENOSYS)
//   kSignal (TRAP(d))     SIGSYS with si_errno = d; after the handler the call returns its own
//                         number (syscall_rollback: ax = orig_ax) -- unless that number reads as
//                         a restart code to the signal-delivery path (arch/x86/kernel/signal.c
//                         handle_signal, which runs because the SIGSYS has a handler, for any
//                         nr != -1): -512 ERESTARTSYS gives -EINTR (restarts with SA_RESTART),
//                         -514 ERESTARTNOHAND and -516 ERESTART_RESTARTBLOCK give -EINTR, and
//                         -513 ERESTARTNOINTR restarts: ip -= 2, the call is filtered again and
//                         traps again, forever (kTrapsForever); without a handler, killed
//   kKillThread, kKillProcess
//                         the (single-threaded) process dies by SIGSYS
//   kTraceStop, kNotify   a tracer or supervisor decides: the oracle has neither (kUnpredicted)
// CompareEffect() checks a LiveOutcome against it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tests/live/untraced_call.h"
#include "vm/outcome.h"

namespace sckit::live {

struct ExpectedEffect {
  enum class Kind : uint8_t { kReturns, kTrapsThenReturns, kTrapsForever, kKilled, kUnpredicted };
  Kind kind = Kind::kReturns;
  int64_t ret = 0;         // kReturns / kTrapsThenReturns: the raw value the call returns
  uint16_t trap_data = 0;  // kTrapsThenReturns / kTrapsForever: si_errno
  int signal = 0;          // kKilled: the terminating signal (SIGSYS)

  std::string ToString() const;
};

// The effect of the model's `outcome` on `call`, whose unfiltered result is `natural_ret`, in a
// child set up as `options` says (without a SIGSYS handler a TRAP kills by SIGSYS).
ExpectedEffect PredictEffect(const Outcome& outcome, const SyscallRequest& call,
                             int64_t natural_ret, const RunOptions& options = {});
// The same for stack decision `ret` of a filter without flags: the model's ApplyAction with no
// tracer and no listener.
ExpectedEffect PredictEffect(uint32_t ret, const SyscallRequest& call, int64_t natural_ret,
                             const RunOptions& options = {});

// nullopt when `outcome` shows exactly `expected` (for TRAP also si_code SYS_SECCOMP,
// si_syscall, si_arch AUDIT_ARCH_X86_64 and si_call_addr == the instruction pointer; for
// kTrapsForever kSigsysLoopLimit deliveries and the handler's loop exit); otherwise what
// differs. Also fails when a filter of the stack did not attach.
std::optional<std::string> CompareEffect(const ExpectedEffect& expected,
                                         const LiveOutcome& outcome);

}  // namespace sckit::live
