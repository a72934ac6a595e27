// Installing filters in order on one thread as seccomp() would: flags, listener, path-length
// limit (verifier/stack_check.h).
#include "verifier/stack_check.h"

#include <cerrno>
#include <string>

#include "verifier/verifier.h"
#include "vm/bpf.h"

namespace sckit {

std::optional<Error> CheckFilterFlags(uint32_t flags) {
  using namespace seccomp;  // NOLINT
  if (flags & ~kFlagMask) {
    char buf[64];
    snprintf(buf, sizeof buf, "unknown filter flag bits 0x%x", flags & ~kFlagMask);
    return MakeError("invalid-flags", buf, -1, EINVAL);
  }
  if ((flags & kFlagTsync) && (flags & kFlagNewListener) && !(flags & kFlagTsyncEsrch)) {
    return MakeError("invalid-flags", "TSYNC with NEW_LISTENER needs TSYNC_ESRCH", -1, EINVAL);
  }
  if ((flags & kFlagWaitKillableRecv) && !(flags & kFlagNewListener)) {
    return MakeError("invalid-flags", "WAIT_KILLABLE_RECV needs NEW_LISTENER", -1, EINVAL);
  }
  return std::nullopt;
}

std::vector<AttachOutcome> CheckStack(const std::vector<StackEntry>& entries) {
  std::vector<AttachOutcome> out;
  uint32_t chain_sum = 0;  // sum over attached filters of (converted len + 4)
  bool chain_has_listener = false;
  for (const StackEntry& entry : entries) {
    AttachOutcome o;
    if (auto e = CheckFilterFlags(entry.flags)) {
      o.error = *e;
      out.push_back(o);
      continue;
    }
    Result<VerifiedProgram> verified = Verify(entry.program);
    if (!verified.ok()) {
      o.error = verified.error();
      out.push_back(o);
      continue;
    }
    o.converted_len = verified->converted_len();
    o.verified = std::move(*verified);
    const bool listener = (entry.flags & seccomp::kFlagNewListener) != 0;
    if (listener && chain_has_listener) {
      o.error = MakeError("duplicate-listener",
                          "an older filter in the chain already has a user-notification "
                          "listener (has_duplicate_listener)",
                          -1, EBUSY);
      out.push_back(o);
      continue;
    }
    o.path_len = o.converted_len + chain_sum;
    if (o.path_len > seccomp::kMaxInsnsPerPath) {
      o.error = MakeError(
          "path-too-long",
          "the chain would hold " + std::to_string(o.path_len) +
              " converted instructions counting 4 per attached filter; the kernel allows " +
              std::to_string(seccomp::kMaxInsnsPerPath) + " (MAX_INSNS_PER_PATH)",
          -1, ENOMEM);
      out.push_back(o);
      continue;
    }
    o.attached = true;
    chain_sum += o.converted_len + seccomp::kPathPenaltyPerFilter;
    chain_has_listener = chain_has_listener || listener;
    out.push_back(o);
  }
  return out;
}

}  // namespace sckit
