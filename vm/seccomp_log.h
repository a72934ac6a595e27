// Whether the kernel writes an audit record (AUDIT_SECCOMP, type 1326) for a call, and which
// actions it supports: the two sysctls of kernel/seccomp.c and seccomp_log().
//   /proc/sys/kernel/seccomp/actions_avail   (0444) the actions this kernel knows, by name:
//       kill_process kill_thread trap errno user_notif trace log allow. A filter value whose
//       action the kernel does not know is treated as unknown: __seccomp_filter's default case
//       kills the process (and seccomp_log's default case logs it as kill_process).
//   /proc/sys/kernel/seccomp/actions_logged  (0644) the actions that may be logged; the same
//       names except allow (writing "allow" or an unknown name is EINVAL). Default: all but
//       allow.
//   seccomp_log(syscall, signr, action, requested):
//       ALLOW                          never
//       TRAP, ERRNO, TRACE, USER_NOTIF requested (the matched filter has SECCOMP_FILTER_FLAG_LOG)
//                                      and the action's name in actions_logged
//       LOG                            "log" in actions_logged
//       KILL_THREAD                    "kill_thread" in actions_logged (strict mode's SIGKILL too)
//       KILL_PROCESS and every other value   "kill_process" in actions_logged
//     then audit_seccomp() emits the record. Measured on this project's 6.18 kernel: records
//     reach the kernel log with no auditd and no audit= boot parameter; a kernel booted with
//     audit=0 (or built without CONFIG_AUDIT) writes none (`audit` false; from the code).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "vm/action.h"
#include "vm/status.h"

namespace sckit {

// The kernel's SECCOMP_LOG_* bits, one per action name.
enum LogBit : uint32_t {
  kLogKillProcess = 1u << 0,
  kLogKillThread = 1u << 1,
  kLogTrap = 1u << 2,
  kLogErrno = 1u << 3,
  kLogTrace = 1u << 4,
  kLogLog = 1u << 5,
  kLogAllow = 1u << 6,
  kLogUserNotif = 1u << 7,
};
inline constexpr uint32_t kAllActionBits = 0xff;
inline constexpr uint32_t kDefaultActionsLogged = kAllActionBits & ~kLogAllow;

struct LogConfig {
  uint32_t actions_logged = kDefaultActionsLogged;
  uint32_t actions_avail = kAllActionBits;
  bool audit = true;  // false: the kernel writes no audit record at all (audit=0)
};

// The bit of an action (kUnknown: none; the kernel logs unknown values as kill_process).
uint32_t LogBitOf(Action action);
// "kill_process", ... for one bit; "" for others.
std::string_view LogBitName(uint32_t bit);

// seccomp_log()'s decision for the action the kernel applies.
bool SeccompLogs(const LogConfig& config, Action action, bool requested);

// Whether the kernel knows the action (unknown values never are).
bool ActionAvailable(const LogConfig& config, Action action);

// A list as the sysctls write it: names separated by spaces (commas accepted too), in any
// order, possibly empty. Errors ("unknown-action-name", with the name and the valid ones): an
// unknown name; with `for_actions_logged`, "allow" (the kernel refuses it with EINVAL).
Result<uint32_t> ParseActionNames(std::string_view list, bool for_actions_logged);
// The names of the bits in the kernel's order, space-separated ("" when none).
std::string ActionNamesText(uint32_t bits);

}  // namespace sckit
