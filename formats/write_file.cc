// WriteFileAtomically: temporary file in the destination's directory, then rename(2).
#include "formats/write_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace sckit {
namespace {

Error WriteError(const std::string& path, int err) {
  return MakeError("write-error", "cannot write " + path + ": " + std::strerror(err));
}

// Writes all of `bytes` to fd, retrying short writes and EINTR. Returns 0 or an errno value.
int WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EIO;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

// Writes `bytes` into something that is not a regular file (a device, a FIFO), in place.
std::optional<Error> WriteInPlace(const std::string& path, const std::string& target,
                                  std::string_view bytes) {
  const int fd = ::open(target.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return WriteError(path, errno);
  int err = WriteAll(fd, bytes);
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) return WriteError(path, err);
  return std::nullopt;
}

// The file the bytes should replace: `path`, or what a symbolic link at `path` points to.
std::string ResolveTarget(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return path;
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) return path;  // dangling: replace the link
  return resolved;
}

// Creates a new temporary file next to `target`; *tmp receives its name. Returns fd or -errno.
int CreateTemporary(const std::string& target, std::string* tmp) {
  const size_t slash = target.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : target.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? target : target.substr(slash + 1);
  for (int attempt = 0; attempt < 100; ++attempt) {
    *tmp = dir + "." + base + ".sckit-tmp-" + std::to_string(::getpid()) + "-" +
           std::to_string(attempt);
    const int fd = ::open(tmp->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return fd;
    if (errno != EEXIST) return -errno;
  }
  return -EEXIST;
}

}  // namespace

std::optional<Error> WriteFileAtomically(const std::string& path, std::string_view bytes) {
  if (path.empty()) return MakeError("write-error", "cannot write: empty file name");
  const std::string target = ResolveTarget(path);
  struct stat st;
  const bool exists = ::stat(target.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) return WriteError(path, EISDIR);
  if (exists && !S_ISREG(st.st_mode)) return WriteInPlace(path, target, bytes);

  std::string tmp;
  const int fd = CreateTemporary(target, &tmp);
  if (fd < 0) return WriteError(path, -fd);
  int err = 0;
  if (exists && ::fchmod(fd, st.st_mode & 07777) != 0) err = errno;
  if (err == 0) err = WriteAll(fd, bytes);
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(tmp.c_str(), target.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    return WriteError(path, err);
  }
  return std::nullopt;
}

}  // namespace sckit
