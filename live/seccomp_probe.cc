// Whether seccomp filter mode is usable here, probed as the kernel allows
// (live/seccomp_probe.h).
#include "live/seccomp_probe.h"

#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "vm/status.h"

namespace sckit::live {

SeccompSupport ProbeSeccomp() {
  SeccompSupport s;
  const int mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
  if (mode < 0) {
    s.detail = "prctl(PR_GET_SECCOMP) failed with " + ErrnoName(errno) +
               " (kernel built without CONFIG_SECCOMP?)";
    return s;
  }
  s.mode = mode;
  const long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, nullptr);
  const int err = r < 0 ? errno : 0;
  if (r == 0 || err != EFAULT) {
    s.detail = "seccomp(SECCOMP_SET_MODE_FILTER, 0, NULL) gave " +
               (r == 0 ? std::string("0") : ErrnoName(err)) +
               ", not EFAULT: filter mode is unavailable (no CONFIG_SECCOMP_FILTER, or the "
               "call is blocked)";
    return s;
  }
  s.filter_mode = true;
  if (mode == 2) s.detail = "this process already runs under seccomp filters";
  return s;
}

}  // namespace sckit::live
