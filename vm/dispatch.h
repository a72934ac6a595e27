// Syscall user dispatch (Linux 5.11, prctl(PR_SET_SYSCALL_USER_DISPATCH)): the first thing the
// kernel's syscall entry does with a call, before the ptrace syscall-entry stop and before
// seccomp (kernel/entry syscall_trace_enter: "must come first"). Modelled after
// kernel/entry/syscall_user_dispatch.c:
//   task_set_syscall_user_dispatch()  the configuration and its checks (CheckDispatchRegion):
//       PR_SYS_DISPATCH_OFF (0), PR_SYS_DISPATCH_EXCLUSIVE_ON (1, the original PR_SYS_DISPATCH_ON:
//       calls from OUTSIDE [offset, offset+len) are dispatched; EINVAL when offset != 0 and
//       offset + len <= offset, i.e. the end wraps or len is 0), PR_SYS_DISPATCH_INCLUSIVE_ON (2,
//       on 6.18: calls from INSIDE are dispatched; EINVAL when len == 0 or the end wraps; stored
//       as the inverted range offset' = offset + len, len' = -len).
//   syscall_user_dispatch()  the decision per call (DecideDispatch):
//       ip - offset < len (unsigned 64-bit, on the stored range)   -> not dispatched
//       arch_syscall_is_vdso_sigreturn() (x86: an ia32 call from the 32-bit vDSO's sigreturn or
//           rt_sigreturn landing pad; no other x86 case)             -> not dispatched
//       selector set: its byte cannot be read -> the task is killed by SIGSEGV (force_exit_sig);
//           SYSCALL_DISPATCH_FILTER_ALLOW (0) -> not dispatched; SYSCALL_DISPATCH_FILTER_BLOCK (1)
//           -> dispatched; any other value -> the task is killed by SIGSYS (force_exit_sig: no
//           handler runs)
//       no selector (NULL)                                          -> dispatched
//   Dispatched: syscall_rollback (the call does not run) and trigger_sigsys(): SIGSYS with
//   si_code SYS_USER_DISPATCH (2), si_errno 0, si_call_addr = ip, si_arch, si_syscall = nr.
// `ip` is the value seccomp_data.instruction_pointer carries, so one record serves both stages.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "vm/seccomp_data.h"
#include "vm/status.h"

namespace sckit {

enum class DispatchMode : uint8_t { kOff, kExclusive, kInclusive };

enum class SelectorKind : uint8_t {
  kByte,  // a selector whose byte reads as `DispatchConfig::selector`
  kNone,  // no selector (NULL): every call the region does not exempt is dispatched
  kFault, // a selector the kernel cannot read at the time of the call (unmapped since)
};

inline constexpr uint8_t kDispatchAllow = 0;  // SYSCALL_DISPATCH_FILTER_ALLOW
inline constexpr uint8_t kDispatchBlock = 1;  // SYSCALL_DISPATCH_FILTER_BLOCK

struct DispatchConfig {
  DispatchMode mode = DispatchMode::kOff;
  uint64_t offset = 0;  // as given to prctl
  uint64_t len = 0;
  SelectorKind selector_kind = SelectorKind::kByte;
  uint8_t selector = kDispatchAllow;
  // The 32-bit vDSO's two sigreturn landing pads, when known (0: none): an AUDIT_ARCH_I386
  // call from exactly one of them is never dispatched.
  uint64_t vdso_sigreturn[2] = {0, 0};

  bool on() const { return mode != DispatchMode::kOff; }
};

enum class DispatchResult : uint8_t {
  kOff,              // dispatch is off: the call goes on to ptrace and seccomp
  kRegionExempt,       // the region exempts it (outside for inclusive, inside for exclusive)
  kVdsoSigreturn,    // the vDSO sigreturn exception
  kSelectorAllow,    // the selector reads ALLOW
  kDispatched,       // SIGSYS with SYS_USER_DISPATCH; the filters never run
  kInvalidSelector,  // the selector byte is neither ALLOW nor BLOCK: killed by SIGSYS
  kSelectorFault,    // the selector cannot be read: killed by SIGSEGV
};
// "off", "region-exempt", "vdso-sigreturn", "selector-allow", "dispatched", "invalid-selector",
// "selector-fault".
std::string_view DispatchResultName(DispatchResult r);
// Whether the call goes on to ptrace and seccomp.
inline bool DispatchPasses(DispatchResult r) {
  return r == DispatchResult::kOff || r == DispatchResult::kRegionExempt ||
         r == DispatchResult::kVdsoSigreturn || r == DispatchResult::kSelectorAllow;
}

DispatchResult DecideDispatch(const DispatchConfig& config, const SeccompData& data);

// The prctl's own checks of the region (task_set_syscall_user_dispatch): an error
// ("bad-dispatch-region", saying EINVAL and why) where the kernel refuses the configuration.
Result<bool> CheckDispatchConfig(const DispatchConfig& config);

// Option values: "off", "on" (= "exclusive"), "inclusive".
Result<DispatchMode> ParseDispatchMode(std::string_view text);
// "OFFSET,LEN", each decimal or 0x hex, up to 2^64 - 1.
Result<bool> ParseDispatchRegion(std::string_view text, DispatchConfig* config);
// "allow", "block", "none" (NULL selector), "fault" (unreadable), or a byte value 0..255.
Result<bool> ParseDispatchSelector(std::string_view text, DispatchConfig* config);
// "ADDR[,ADDR]": the 32-bit vDSO's sigreturn landing pads.
Result<bool> ParseDispatchVdso(std::string_view text, DispatchConfig* config);

// "on region 0x1000,0x2000 selector block" for reports.
std::string DispatchConfigText(const DispatchConfig& config);

}  // namespace sckit
