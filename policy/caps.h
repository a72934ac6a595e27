// Linux capability names for container profiles: the set a container holds decides which
// Docker `includes.caps` / `excludes.caps` entries apply (policy/compile.h), so a misspelt name
// must be an error, never a different set and a silently different filter.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vm/status.h"

namespace sckit::policy {

// Every Linux capability name (include/uapi/linux/capability.h), CAP_CHOWN (bit 0) to
// CAP_CHECKPOINT_RESTORE (bit 40), in bit order.
std::span<const std::string_view> LinuxCapabilities();

bool IsLinuxCapability(std::string_view name);

// The known capability nearest to `name` (a few edits away, case and CAP_ prefix ignored), for
// "did you mean"; nullopt when none is close.
std::optional<std::string_view> NearestCapability(std::string_view name);

// A capability set as a user writes it (sckit import --caps): values and comma-separated items,
// any case, CAP_ prefix optional; "none" alone is the empty set, "all" alone every capability.
// A name that is not a Linux capability is an error (rule "unknown-capability", naming the
// nearest capability or listing them all), as `docker run --cap-add` refuses it; so is a set
// with no item at all (rule "bad-capabilities": the empty set is spelt "none").
Result<std::vector<std::string>> ParseCapabilities(const std::vector<std::string>& values);

// "unknown capability "CAP_X" (did you mean CAP_Y?)" or "... (known: CAP_CHOWN, ...)".
std::string UnknownCapabilityMessage(std::string_view name);

}  // namespace sckit::policy
