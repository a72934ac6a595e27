// seccomp return values: which action a raw 32-bit value means, and the kernel's precedence
// between the values of a filter stack (seccomp_run_filters() in kernel/seccomp.c).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "vm/bpf.h"

namespace sckit {

enum class Action : uint8_t {
  kKillProcess,
  kKillThread,
  kTrap,
  kErrno,
  kUserNotif,
  kTrace,
  kLog,
  kAllow,
  kUnknown,  // any other value of ret & SECCOMP_RET_ACTION_FULL: the kernel kills the process
};

// The action of a raw return value, from ret & SECCOMP_RET_ACTION_FULL.
Action ActionOf(uint32_t ret);

// "KILL_PROCESS", "KILL_THREAD", "TRAP", "ERRNO", "USER_NOTIF", "TRACE", "LOG", "ALLOW",
// "UNKNOWN".
std::string_view ActionName(Action action);

// The SECCOMP_RET_* value of a known action (0 data); nullopt for kUnknown.
std::optional<uint32_t> ActionValue(Action action);

// Parses an action name as ActionName() spells it (case-insensitive, "KILL" = KILL_THREAD as
// SECCOMP_RET_KILL); nullopt when unknown.
std::optional<Action> ParseActionName(std::string_view name);

// The kernel's ordering: value a takes precedence over b when
// (s32)(a & ACTION_FULL) < (s32)(b & ACTION_FULL).
inline bool TakesPrecedence(uint32_t a, uint32_t b) {
  return static_cast<int32_t>(a & seccomp::kRetActionFull) <
         static_cast<int32_t>(b & seccomp::kRetActionFull);
}

struct StackDecision {
  uint32_t ret = seccomp::kRetAllow;  // the winning value; exactly 0x7fff0000 when allowed
  int matched = -1;  // index (0 = oldest) of the filter whose value won; -1 when ALLOW
};

// seccomp_run_filters(): rets[i] is the value filter i returned (0 = oldest). Every filter runs,
// newest first; starting from ALLOW, a value replaces the current one only when it takes
// strict precedence, so ties keep the newest filter's value and data, and a stack that allows
// reports exactly 0x7fff0000 with no match.
StackDecision ResolveStack(std::span<const uint32_t> rets);

}  // namespace sckit
