// seccomp_log() and the actions_avail / actions_logged sysctls (vm/seccomp_log.h).
#include "vm/seccomp_log.h"

namespace sckit {
namespace {

// The kernel's seccomp_log_names order.
constexpr struct {
  uint32_t bit;
  std::string_view name;
} kNames[] = {{kLogKillProcess, "kill_process"}, {kLogKillThread, "kill_thread"},
              {kLogTrap, "trap"},                {kLogErrno, "errno"},
              {kLogUserNotif, "user_notif"},     {kLogTrace, "trace"},
              {kLogLog, "log"},                  {kLogAllow, "allow"}};

}  // namespace

uint32_t LogBitOf(Action action) {
  switch (action) {
    case Action::kKillProcess: return kLogKillProcess;
    case Action::kKillThread: return kLogKillThread;
    case Action::kTrap: return kLogTrap;
    case Action::kErrno: return kLogErrno;
    case Action::kUserNotif: return kLogUserNotif;
    case Action::kTrace: return kLogTrace;
    case Action::kLog: return kLogLog;
    case Action::kAllow: return kLogAllow;
    case Action::kUnknown: return 0;
  }
  return 0;
}

std::string_view LogBitName(uint32_t bit) {
  for (const auto& n : kNames) {
    if (n.bit == bit) return n.name;
  }
  return "";
}

bool SeccompLogs(const LogConfig& config, Action action, bool requested) {
  if (!config.audit) return false;
  const uint32_t logged = config.actions_logged;
  switch (action) {
    case Action::kAllow: return false;
    case Action::kTrap:
    case Action::kErrno:
    case Action::kTrace:
    case Action::kUserNotif: return requested && (logged & LogBitOf(action)) != 0;
    case Action::kLog: return (logged & kLogLog) != 0;
    case Action::kKillThread: return (logged & kLogKillThread) != 0;
    case Action::kKillProcess:
    case Action::kUnknown: return (logged & kLogKillProcess) != 0;
  }
  return false;
}

bool ActionAvailable(const LogConfig& config, Action action) {
  return (config.actions_avail & LogBitOf(action)) != 0;
}

Result<uint32_t> ParseActionNames(std::string_view list, bool for_actions_logged) {
  uint32_t bits = 0;
  size_t i = 0;
  while (i < list.size()) {
    auto sep = [](char c) { return c == ' ' || c == ',' || c == '\t' || c == '\n'; };
    while (i < list.size() && sep(list[i])) ++i;
    size_t end = i;
    while (end < list.size() && !sep(list[end])) ++end;
    if (end == i) break;
    const std::string_view name = list.substr(i, end - i);
    uint32_t bit = 0;
    for (const auto& n : kNames) {
      if (n.name == name) bit = n.bit;
    }
    if (bit == 0) {
      return MakeError("unknown-action-name",
                       "'" + std::string(name) + "' is not an action name (expected " +
                           ActionNamesText(for_actions_logged ? kDefaultActionsLogged
                                                              : kAllActionBits) +
                           ")");
    }
    if (for_actions_logged && bit == kLogAllow) {
      return MakeError("unknown-action-name",
                       "'allow' cannot be in actions_logged (the kernel refuses it: EINVAL)");
    }
    bits |= bit;
    i = end;
  }
  return bits;
}

std::string ActionNamesText(uint32_t bits) {
  std::string out;
  for (const auto& n : kNames) {
    if ((bits & n.bit) == 0) continue;
    if (!out.empty()) out += ' ';
    out += n.name;
  }
  return out;
}

}  // namespace sckit
