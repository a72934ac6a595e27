// Reading input files in bounded memory. Every file sckit parses has a largest size any valid
// input can have; these readers stop at the first byte past it, whatever the file is: a
// regular file (its size is checked before reading), a pipe, a terminal, /dev/zero or
// /dev/urandom (read in chunks, never more than cap + 1 bytes), or a directory (refused with
// "Is a directory").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vm/status.h"

namespace sckit {

// The largest raw filter: BPF_MAXINSNS (4096) instructions of 8 bytes.
inline constexpr size_t kMaxRawFilterBytes = 4096 * 8;
// The largest text filter (assembly or C): far more than 4096 commented instructions need.
inline constexpr size_t kMaxTextFilterBytes = size_t{16} << 20;

// What a bounded read got.
struct BoundedRead {
  std::vector<uint8_t> bytes;  // what was read: at most cap + 1 bytes
  bool over_cap = false;       // cap + 1 bytes were read: the file is larger than the cap
  int64_t file_size = -1;      // a regular file's size from fstat(), -1 for other files
};

// Reads from `fd` until end of file or until `cap` + 1 bytes were read (never more), in
// chunks of at most 64 KiB. Directories are an error.
// `name` goes into errors (rule "io-error"). Does not close `fd`.
Result<BoundedRead> ReadBoundedFd(int fd, size_t cap, const std::string& name);

// Opens `path` ("-" = standard input; a directory is an "io-error": "Is a directory") and
// reads it as ReadBoundedFd does; a regular file larger than `cap` is not read at all. A file
// over the cap is the error "file-too-large", naming the cap and `what` it is the cap for
// ("a text filter", ...).
Result<std::vector<uint8_t>> ReadBoundedFile(const std::string& path, size_t cap,
                                             std::string_view what);

// The "file-too-large" error for `path` (`size` -1: unknown, the reader stopped at cap + 1).
Error FileTooLarge(const std::string& path, size_t cap, std::string_view what, int64_t size);

// "io-error" "cannot read PATH: Is a directory" for a directory (which std::ifstream opens and
// then reads as empty), nullopt otherwise (also when `path` does not exist: opening says so).
std::optional<Error> RefuseDirectory(const std::string& path);

// An open input file ("-" = standard input), closed on destruction. Directories are refused.
class InputFile {
 public:
  static Result<InputFile> Open(const std::string& path);
  InputFile(InputFile&& other) noexcept;
  InputFile& operator=(InputFile&&) = delete;
  ~InputFile();
  int fd() const { return fd_; }

 private:
  explicit InputFile(int fd, bool owned) : fd_(fd), owned_(owned) {}
  int fd_;
  bool owned_;
};

}  // namespace sckit
