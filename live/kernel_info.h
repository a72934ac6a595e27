// What the running kernel supports around seccomp (`sckit kernel`, and the actions_logged /
// actions_avail defaults of `sckit eval`/`test`). Read-only: the probes that make system calls
// run in a forked child (live/child_process.h) and install nothing there either; each asks the
// kernel a question it answers before changing any state:
//   modes        prctl(PR_GET_SECCOMP) (EINVAL without CONFIG_SECCOMP); seccomp(
//                SECCOMP_SET_MODE_FILTER, 0, NULL) = EFAULT when filter mode exists (the
//                filter pointer is read after the flags are checked; nothing is installed)
//   actions      seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &action) per action (0 or EOPNOTSUPP),
//                and the sysctls /proc/sys/kernel/seccomp/actions_avail and actions_logged
//   notif sizes  seccomp(SECCOMP_GET_NOTIF_SIZES, 0, &sizes)
//   filter flags seccomp(SECCOMP_SET_MODE_FILTER, flag, NULL) per flag: EFAULT = the kernel
//                knows the flag (seccomp_set_mode_filter checks flags, then copies the
//                program), EINVAL = it does not (WAIT_KILLABLE_RECV is asked together with
//                NEW_LISTENER, which it requires)
//   dispatch     prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF, 0, 0, 0) (0 when the
//                kernel has it), INCLUSIVE_ON armed on a 1-byte region and disarmed again
//   audit        /proc/cmdline's audit=0 (no record is ever written)
//   passthrough  uretprobe/uprobe expected from the version (vm/outcome.h), x86-64 only
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vm/outcome.h"
#include "vm/seccomp_log.h"
#include "vm/status.h"

namespace sckit::live {

inline constexpr const char* kActionsAvailPath = "/proc/sys/kernel/seccomp/actions_avail";
inline constexpr const char* kActionsLoggedPath = "/proc/sys/kernel/seccomp/actions_logged";

// One sysctl file: absent (no such file: an old kernel or no /proc), or its text and bits.
struct SysctlList {
  bool present = false;
  std::string text;   // as read, trailing newline removed
  uint32_t bits = 0;  // parsed
};
// Errors: "unknown-action-name" (the file names an action sckit does not know, with the path),
// "read-failed".
Result<SysctlList> ReadSysctlList(const std::string& path, bool for_actions_logged);

// The LogConfig of the running kernel: both sysctls where they exist (the kernel's defaults
// otherwise), and audit off when the kernel was booted with audit=0.
Result<LogConfig> ReadRunningLogConfig();

struct ProbeAnswer {
  bool asked = false;  // the probe ran
  int64_t ret = 0;     // the raw return value (-errno)
};

struct ActionProbe {
  std::string name;  // "kill_process", ...
  uint32_t value = 0;
  ProbeAnswer avail;  // SECCOMP_GET_ACTION_AVAIL
};

struct FlagProbe {
  std::string name;  // "tsync", "log", ...
  uint32_t flag = 0;
  ProbeAnswer answer;  // seccomp(SET_MODE_FILTER, flag, NULL): -EFAULT = known, -EINVAL = not
  bool known() const { return answer.asked && answer.ret == -14; }
};

struct KernelInfo {
  std::string sysname, release, machine;  // uname
  KernelVersion version;                  // parsed from release (0.0 if unparseable)
  ProbeAnswer strict_mode;                // PR_GET_SECCOMP: >= 0 when CONFIG_SECCOMP
  ProbeAnswer filter_mode;                // -EFAULT when filter mode exists
  SysctlList actions_avail, actions_logged;
  std::vector<ActionProbe> actions;
  ProbeAnswer notif_sizes;
  uint16_t notif = 0, notif_resp = 0, data = 0;  // when notif_sizes.ret == 0
  std::vector<FlagProbe> flags;
  ProbeAnswer dispatch;            // PR_SYS_DISPATCH_OFF: 0 when supported
  ProbeAnswer dispatch_inclusive;  // PR_SYS_DISPATCH_INCLUSIVE_ON on a 1-byte region
  bool audit_off_at_boot = false;  // /proc/cmdline has audit=0
  bool x86_64 = false;
  bool uretprobe_passthrough = false, uprobe_passthrough = false;  // from the version
};

// Errors: "fork-failed" and the like when the child cannot run; a sysctl that cannot be parsed.
Result<KernelInfo> ProbeKernel();

}  // namespace sckit::live
