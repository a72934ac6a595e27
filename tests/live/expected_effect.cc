// What an untraced process observes when the kernel applies vm/outcome.h's effect
// (tests/live/expected_effect.h).
#include "tests/live/expected_effect.h"

#include <cerrno>
#include <csignal>

#include "vm/bpf.h"
#include "vm/outcome.h"

namespace sckit::live {

std::string ExpectedEffect::ToString() const {
  switch (kind) {
    case Kind::kReturns:
      return "returns " + std::to_string(ret);
    case Kind::kTrapsThenReturns:
      return "SIGSYS with si_errno " + std::to_string(trap_data) + ", then returns " +
             std::to_string(ret);
    case Kind::kTrapsForever:
      return "SIGSYS with si_errno " + std::to_string(trap_data) + ", restarted, forever";
    case Kind::kKilled:
      return "killed by signal " + std::to_string(signal);
    case Kind::kUnpredicted:
      return "up to a tracer or supervisor (the oracle has neither)";
  }
  return "?";
}

namespace {

// include/linux/errno.h: kernel-internal restart codes, never meant to reach user space.
constexpr int64_t kErestartsys = -512;
constexpr int64_t kErestartnointr = -513;
constexpr int64_t kErestartnohand = -514;
constexpr int64_t kErestartRestartblock = -516;

}  // namespace

ExpectedEffect PredictEffect(const Outcome& outcome, const SyscallRequest& call,
                             int64_t natural_ret, const RunOptions& options) {
  ExpectedEffect e;
  switch (outcome.effect) {
    case Effect::kRun:
      e.kind = ExpectedEffect::Kind::kReturns;
      e.ret = natural_ret;
      break;
    case Effect::kReturn:
      e.kind = ExpectedEffect::Kind::kReturns;
      e.ret = outcome.return_value;
      break;
    case Effect::kSignal:
      if (!options.sigsys_handler) {
        e.kind = ExpectedEffect::Kind::kKilled;
        e.signal = outcome.signal;
        break;
      }
      e.kind = ExpectedEffect::Kind::kTrapsThenReturns;
      e.trap_data = static_cast<uint16_t>(outcome.sigsys.error);
      e.ret = call.nr;           // orig_ax, the sign-extended number the call was made with
      if (call.nr == -1) break;  // handle_signal() skips restart handling for nr -1
      if (e.ret == kErestartnohand || e.ret == kErestartRestartblock ||
          (e.ret == kErestartsys && !options.sa_restart)) {
        e.ret = -EINTR;
      } else if (e.ret == kErestartnointr || e.ret == kErestartsys) {
        e.kind = ExpectedEffect::Kind::kTrapsForever;
        e.ret = 0;
      }
      break;
    case Effect::kKillThread:
    case Effect::kKillProcess:
      e.kind = ExpectedEffect::Kind::kKilled;
      e.signal = outcome.signal;
      break;
    case Effect::kTraceStop:
    case Effect::kNotify:
    case Effect::kDispatchSignal:  // this oracle never arms dispatch (see dispatch_test.cc)
      e.kind = ExpectedEffect::Kind::kUnpredicted;
      break;
  }
  return e;
}

ExpectedEffect PredictEffect(uint32_t ret, const SyscallRequest& call, int64_t natural_ret,
                             const RunOptions& options) {
  SeccompData data;
  data.nr = call.nr;
  data.arch = kAuditArchX86_64;
  return PredictEffect(ApplyAction(ret, 0, 0, data, KernelContext{}), call, natural_ret, options);
}

std::optional<std::string> CompareEffect(const ExpectedEffect& expected,
                                         const LiveOutcome& outcome) {
  const std::string got = " (kernel: " + outcome.ToString() + ")";
  const std::string want = "expected " + expected.ToString();
  if (expected.kind == ExpectedEffect::Kind::kUnpredicted) return want + got;
  if (!outcome.prepared) return "the child could not prepare for seccomp" + got;
  if (!outcome.all_installed()) return "a filter of the stack did not attach" + got;
  if (!outcome.syscall_attempted) return "the child never made the call" + got;
  if (expected.kind == ExpectedEffect::Kind::kKilled) {
    if (outcome.syscall_returned || outcome.end.kind != ChildEnd::Kind::kSignaled ||
        outcome.end.code != expected.signal || outcome.sigsys.count != 0) {
      return want + got;
    }
    return std::nullopt;
  }
  const SigsysReport& s = outcome.sigsys;
  if (expected.kind == ExpectedEffect::Kind::kTrapsForever) {
    const bool looped =
        outcome.end.kind == ChildEnd::Kind::kKilledByHarness ||
        (outcome.end.kind == ChildEnd::Kind::kExited && outcome.end.code == kSigsysLoopExitCode);
    if (outcome.syscall_returned || s.count != kSigsysLoopLimit || !looped ||
        s.errno_data != expected.trap_data) {
      return want + got;
    }
    return std::nullopt;
  }
  if (!outcome.syscall_returned || outcome.ret != expected.ret) return want + got;
  if (expected.kind == ExpectedEffect::Kind::kReturns) {
    if (s.count != 0) return want + got;
    return std::nullopt;
  }
  if (s.count != 1 || s.signo != SIGSYS || s.code != 1 /* SYS_SECCOMP */ ||
      s.errno_data != expected.trap_data || s.syscall != outcome.data.nr ||
      s.arch != outcome.data.arch || s.call_addr != outcome.data.instruction_pointer) {
    return want + got + " si_arch=" + std::to_string(s.arch) +
           " si_call_addr=" + std::to_string(s.call_addr) +
           " ip=" + std::to_string(outcome.data.instruction_pointer);
  }
  return std::nullopt;
}

}  // namespace sckit::live
