// seccomp return values: actions and the stack precedence (vm/action.h).
#include "vm/action.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace sckit {

Action ActionOf(uint32_t ret) {
  switch (ret & seccomp::kRetActionFull) {
    case seccomp::kRetKillProcess: return Action::kKillProcess;
    case seccomp::kRetKillThread: return Action::kKillThread;
    case seccomp::kRetTrap: return Action::kTrap;
    case seccomp::kRetErrno: return Action::kErrno;
    case seccomp::kRetUserNotif: return Action::kUserNotif;
    case seccomp::kRetTrace: return Action::kTrace;
    case seccomp::kRetLog: return Action::kLog;
    case seccomp::kRetAllow: return Action::kAllow;
    default: return Action::kUnknown;
  }
}

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kKillProcess: return "KILL_PROCESS";
    case Action::kKillThread: return "KILL_THREAD";
    case Action::kTrap: return "TRAP";
    case Action::kErrno: return "ERRNO";
    case Action::kUserNotif: return "USER_NOTIF";
    case Action::kTrace: return "TRACE";
    case Action::kLog: return "LOG";
    case Action::kAllow: return "ALLOW";
    case Action::kUnknown: return "UNKNOWN";
  }
  return "UNKNOWN";
}

std::optional<uint32_t> ActionValue(Action action) {
  switch (action) {
    case Action::kKillProcess: return seccomp::kRetKillProcess;
    case Action::kKillThread: return seccomp::kRetKillThread;
    case Action::kTrap: return seccomp::kRetTrap;
    case Action::kErrno: return seccomp::kRetErrno;
    case Action::kUserNotif: return seccomp::kRetUserNotif;
    case Action::kTrace: return seccomp::kRetTrace;
    case Action::kLog: return seccomp::kRetLog;
    case Action::kAllow: return seccomp::kRetAllow;
    case Action::kUnknown: return std::nullopt;
  }
  return std::nullopt;
}

std::optional<Action> ParseActionName(std::string_view name) {
  std::string upper(name);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (upper == "KILL") return Action::kKillThread;  // SECCOMP_RET_KILL
  for (Action a : {Action::kKillProcess, Action::kKillThread, Action::kTrap, Action::kErrno,
                   Action::kUserNotif, Action::kTrace, Action::kLog, Action::kAllow}) {
    if (upper == ActionName(a)) return a;
  }
  return std::nullopt;
}

StackDecision ResolveStack(std::span<const uint32_t> rets) {
  StackDecision d;
  for (size_t i = rets.size(); i-- > 0;) {  // newest first
    if (TakesPrecedence(rets[i], d.ret)) {
      d.ret = rets[i];
      d.matched = static_cast<int>(i);
    }
  }
  return d;
}

}  // namespace sckit
