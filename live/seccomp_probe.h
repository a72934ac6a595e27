// Is seccomp filter mode usable here? Mirrors the two user-visible probes the kernel supports:
// prctl(PR_GET_SECCOMP) (the calling task's mode; EINVAL without CONFIG_SECCOMP) and the
// flag-probing idiom seccomp(SECCOMP_SET_MODE_FILTER, 0, NULL), which fails with EFAULT at the
// copy of struct sock_fprog (seccomp_prepare_user_filter) when filter mode exists, and installs
// nothing. Both are safe in the calling process.
#pragma once

#include <string>

namespace sckit::live {

struct SeccompSupport {
  bool filter_mode = false;  // seccomp filters can be installed (in a child)
  int mode = -1;             // PR_GET_SECCOMP: 0 disabled, 2 filter (inherited), -1 failed
  std::string detail;        // why not, or "" when filter_mode and mode == 0

  // The calling process already runs under filters (a container's profile, say): children
  // inherit them, so path-length and precedence results include those filters.
  bool inherited_filters() const { return mode == 2; }
};

SeccompSupport ProbeSeccomp();

}  // namespace sckit::live
