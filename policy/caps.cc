// Linux capability names: the table, "did you mean", and parsing a user's capability list.
#include "policy/caps.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace sckit::policy {
namespace {

// include/uapi/linux/capability.h, in bit order.
constexpr std::array<std::string_view, 41> kCapabilities = {
    "CAP_CHOWN",           "CAP_DAC_OVERRIDE",   "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
    "CAP_FSETID",          "CAP_KILL",           "CAP_SETGID",          "CAP_SETUID",
    "CAP_SETPCAP",         "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",       "CAP_NET_RAW",        "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",      "CAP_SYS_RAWIO",      "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",       "CAP_SYS_ADMIN",      "CAP_SYS_BOOT",        "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",    "CAP_SYS_TIME",       "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
    "CAP_LEASE",           "CAP_AUDIT_WRITE",    "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",    "CAP_MAC_ADMIN",      "CAP_SYSLOG",          "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",   "CAP_AUDIT_READ",     "CAP_PERFMON",         "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// "sys_admin" -> "CAP_SYS_ADMIN".
std::string Canonical(std::string_view s) {
  std::string c = Upper(s);
  if (c.rfind("CAP_", 0) != 0) c = "CAP_" + c;
  return c;
}

// Levenshtein distance, for short names only.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::span<const std::string_view> LinuxCapabilities() { return kCapabilities; }

bool IsLinuxCapability(std::string_view name) {
  return std::find(kCapabilities.begin(), kCapabilities.end(), name) != kCapabilities.end();
}

std::optional<std::string_view> NearestCapability(std::string_view name) {
  if (name.size() > 64) return std::nullopt;
  const std::string c = Canonical(name);
  std::optional<std::string_view> best;
  size_t best_distance = 3;  // at most 2 edits away
  for (std::string_view known : kCapabilities) {
    const size_t d = EditDistance(c, known);
    if (d < best_distance) {
      best_distance = d;
      best = known;
    }
  }
  return best;
}

std::string UnknownCapabilityMessage(std::string_view name) {
  std::string msg = "unknown capability \"" + std::string(name) + "\"";
  if (std::optional<std::string_view> near = NearestCapability(name)) {
    return msg + " (did you mean " + std::string(*near) + "?)";
  }
  msg += " (known:";
  for (std::string_view known : kCapabilities) msg += " " + std::string(known);
  return msg + ")";
}

Result<std::vector<std::string>> ParseCapabilities(const std::vector<std::string>& values) {
  std::vector<std::string> items;
  for (const std::string& v : values) {
    size_t start = 0;
    while (start <= v.size()) {
      size_t end = v.find(',', start);
      if (end == std::string::npos) end = v.size();
      if (end > start) items.push_back(v.substr(start, end - start));
      start = end + 1;
    }
  }
  if (items.empty()) {
    return MakeError("bad-capabilities",
                     "no capability given (write 'none' for the empty set, 'all' for every one)");
  }
  std::vector<std::string> caps;
  for (const std::string& item : items) {
    const std::string upper = Upper(item);
    if (upper == "NONE" || upper == "ALL") {
      if (items.size() != 1) {
        return MakeError("bad-capabilities",
                         "'" + item + "' stands alone, not in a list with other capabilities");
      }
      if (upper == "ALL") caps.assign(kCapabilities.begin(), kCapabilities.end());
      return caps;
    }
    const std::string c = Canonical(item);
    if (!IsLinuxCapability(c)) return MakeError("unknown-capability", UnknownCapabilityMessage(item));
    if (std::find(caps.begin(), caps.end(), c) == caps.end()) caps.push_back(c);
  }
  return caps;
}

}  // namespace sckit::policy
