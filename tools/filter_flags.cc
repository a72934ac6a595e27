// SECCOMP_FILTER_FLAG_* names on the command line (tools/filter_flags.h).
#include "tools/filter_flags.h"

#include <cerrno>
#include <cstdlib>
#include <sstream>

#include "vm/bpf.h"

namespace sckit::tools {

Result<uint32_t> ParseFilterFlags(const std::string& text) {
  struct Named {
    const char* name;
    uint32_t bit;
  };
  static constexpr Named kNames[] = {
      {"tsync", seccomp::kFlagTsync},
      {"log", seccomp::kFlagLog},
      {"spec_allow", seccomp::kFlagSpecAllow},
      {"new_listener", seccomp::kFlagNewListener},
      {"tsync_esrch", seccomp::kFlagTsyncEsrch},
      {"wait_killable_recv", seccomp::kFlagWaitKillableRecv},
  };
  uint32_t flags = 0;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty() || item == "none") continue;
    bool found = false;
    for (const Named& n : kNames) {
      if (item == n.name) {
        flags |= n.bit;
        found = true;
      }
    }
    if (found) continue;
    char* end = nullptr;
    errno = 0;
    const unsigned long v = std::strtoul(item.c_str(), &end, 0);
    if (errno != 0 || end == item.c_str() || *end != '\0' || v > 0xffffffffUL) {
      return MakeError("bad-flags", "unknown filter flag '" + item +
                                        "' (expected tsync, log, spec_allow, new_listener, "
                                        "tsync_esrch, wait_killable_recv or a number)");
    }
    flags |= static_cast<uint32_t>(v);
  }
  return flags;
}

}  // namespace sckit::tools
