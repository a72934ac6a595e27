// Installing several filters in order on one thread, as seccomp(SECCOMP_SET_MODE_FILTER)
// would: per call, the flag checks of seccomp_set_mode_filter(), the program checks
// (verifier.h), has_duplicate_listener() (EBUSY) and the path-length limit of
// seccomp_attach_filter(): len(new) + sum over the chain of (len + 4) > 32768 => ENOMEM, with
// lengths counted after the kernel's conversion to eBPF (VerifiedProgram::converted_len).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "verifier/verifier.h"
#include "vm/status.h"

namespace sckit {

struct StackEntry {
  Program program;
  uint32_t flags = 0;  // SECCOMP_FILTER_FLAG_* given with this seccomp() call
};

struct AttachOutcome {
  bool attached = false;
  std::optional<Error> error;  // set when the kernel would refuse this call
  uint32_t converted_len = 0;  // this filter's eBPF length (0 when it did not verify)
  uint32_t path_len = 0;       // the total seccomp_attach_filter() compared with the limit
  // The program as verified on the way (set when it verified, even if the call was refused
  // later, e.g. EBUSY): callers that go on to run it need not verify it again.
  std::optional<VerifiedProgram> verified;
};

// One outcome per entry, in order (first = oldest). A refused call attaches nothing and the
// following calls are judged against the chain without it, as on a real thread.
std::vector<AttachOutcome> CheckStack(const std::vector<StackEntry>& entries);

// The flag checks of seccomp_set_mode_filter(), EINVAL on failure.
std::optional<Error> CheckFilterFlags(uint32_t flags);

}  // namespace sckit
