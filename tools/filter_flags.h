// SECCOMP_FILTER_FLAG_* names on the command line.
#pragma once

#include <cstdint>
#include <string>

#include "vm/status.h"

namespace sckit::tools {

// Comma-separated tsync, log, spec_allow, new_listener, tsync_esrch, wait_killable_recv, or
// numbers; "none" and "" are 0.
Result<uint32_t> ParseFilterFlags(const std::string& text);

}  // namespace sckit::tools
