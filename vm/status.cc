// Errors as values: Error::ToString and the kernel errno names (vm/status.h).
#include "vm/status.h"

#include <cerrno>

namespace sckit {

std::string ErrnoName(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case E2BIG: return "E2BIG";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENOSYS: return "ENOSYS";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EMEDIUMTYPE: return "EMEDIUMTYPE";
    case 524: return "ENOTSUPP";
    default: return "E" + std::to_string(err);
  }
}

std::string Error::ToString() const {
  std::string out;
  if (line >= 0) out += "line " + std::to_string(line) + ": ";
  if (pc >= 0) out += "pc " + std::to_string(pc) + ": ";
  out += rule;
  if (!message.empty()) out += ": " + message;
  if (kernel_errno != 0) out += " (" + ErrnoName(kernel_errno) + ")";
  return out;
}

}  // namespace sckit
