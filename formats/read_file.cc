// Bounded file reading (formats/read_file.h): fstat first, then read(2) in chunks that never
// pass cap + 1 bytes in total.
#include "formats/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sckit {

std::optional<Error> RefuseDirectory(const std::string& path) {
  struct stat st;
  if (path != "-" && ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return MakeError("io-error", "cannot read " + path + ": " + std::strerror(EISDIR));
  }
  return std::nullopt;
}

Result<InputFile> InputFile::Open(const std::string& path) {
  int fd = STDIN_FILENO;
  const bool owned = path != "-";
  if (owned) {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return MakeError("io-error", "cannot open " + path + ": " + std::strerror(errno));
  }
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    if (owned) ::close(fd);
    return MakeError("io-error", "cannot read " + path + ": " + std::strerror(EISDIR));
  }
  return InputFile(fd, owned);
}

InputFile::InputFile(InputFile&& other) noexcept : fd_(other.fd_), owned_(other.owned_) {
  other.owned_ = false;
}

InputFile::~InputFile() {
  if (owned_) ::close(fd_);
}

Result<BoundedRead> ReadBoundedFd(int fd, size_t cap, const std::string& name) {
  BoundedRead out;
  struct stat st;
  if (::fstat(fd, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      return MakeError("io-error", "cannot read " + name + ": " + std::strerror(EISDIR));
    }
    if (S_ISREG(st.st_mode)) {
      out.file_size = st.st_size;
      // Reading starts at the current offset (a file may be read in stages).
      const off_t at = ::lseek(fd, 0, SEEK_CUR);
      const int64_t left = std::max<int64_t>(st.st_size - (at > 0 ? at : 0), 0);
      const int64_t most = static_cast<int64_t>(cap) + 1;
      out.bytes.reserve(static_cast<size_t>(std::min<int64_t>(left, most)));
    }
  }
  constexpr size_t kChunk = 64 * 1024;
  const size_t limit = cap + 1;  // one byte past the cap tells "more" from "exactly cap"
  while (out.bytes.size() < limit) {
    const size_t want = std::min(kChunk, limit - out.bytes.size());
    const size_t have = out.bytes.size();
    out.bytes.resize(have + want);
    const ssize_t n = ::read(fd, out.bytes.data() + have, want);
    if (n < 0 && errno == EINTR) {
      out.bytes.resize(have);
      continue;
    }
    if (n < 0) {
      const int err = errno;
      return MakeError("io-error", "cannot read " + name + ": " + std::strerror(err));
    }
    out.bytes.resize(have + static_cast<size_t>(n));
    if (n == 0) break;
  }
  out.over_cap = out.bytes.size() > cap;
  return out;
}

Error FileTooLarge(const std::string& path, size_t cap, std::string_view what, int64_t size) {
  std::string message = path + " is larger than " + std::to_string(cap) + " bytes, the most " +
                        std::string(what) + " can be";
  message += size >= 0 ? " (it has " + std::to_string(size) + " bytes; nothing was read)"
                       : " (reading stopped at byte " + std::to_string(cap + 1) + ")";
  return MakeError("file-too-large", message);
}

Result<std::vector<uint8_t>> ReadBoundedFile(const std::string& path, size_t cap,
                                             std::string_view what) {
  Result<InputFile> file = InputFile::Open(path);
  if (!file.ok()) return file.error();
  struct stat st;
  if (::fstat(file->fd(), &st) == 0 && S_ISREG(st.st_mode) &&
      st.st_size > static_cast<off_t>(cap)) {
    return FileTooLarge(path, cap, what, st.st_size);  // nothing to read: the size says it
  }
  Result<BoundedRead> read = ReadBoundedFd(file->fd(), cap, path);
  if (!read.ok()) return read.error();
  if (read->over_cap) return FileTooLarge(path, cap, what, read->file_size);
  return std::move(read->bytes);
}

}  // namespace sckit
