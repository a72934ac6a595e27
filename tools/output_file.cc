// Atomic output files (see output_file.h).
#include "tools/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "tools/command.h"
#include "tools/options.h"

namespace sckit::tools {
namespace {

bool WriteFd(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

int ToStdout(const std::string& command, const std::string& data, bool binary) {
  if (binary && isatty(STDOUT_FILENO)) {
    PrintError(command, "refusing to write raw bytes to a terminal: use -o FILE, redirect "
                        "standard output, or --emit asm|c");
    return kExitUsage;
  }
  std::fflush(stdout);
  if (!WriteFd(STDOUT_FILENO, data)) {
    PrintError(command, std::string("cannot write standard output: ") + std::strerror(errno));
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace

int WriteOutputAtomically(const std::string& command, const std::string& path,
                          const std::string& data, bool binary) {
  if (path.empty() || path == "-") return ToStdout(command, data, binary);
  std::string tmpl = path + ".tmp.XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  const int fd = ::mkstemp(name.data());
  if (fd < 0) {
    PrintError(command, "cannot create a temporary file next to " + path + ": " +
                            std::strerror(errno));
    return kExitUsage;
  }
  // mkstemp makes 0600; give the file the mode a plain creat() would have.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  bool ok = ::fchmod(fd, 0666 & ~mask) == 0 && WriteFd(fd, data) && ::fsync(fd) == 0;
  const int saved = errno;
  ok = (::close(fd) == 0) && ok;
  if (ok && ::rename(name.data(), path.c_str()) == 0) return kExitOk;
  const int err = ok ? errno : saved;
  ::unlink(name.data());
  PrintError(command, "cannot write " + path + ": " + std::strerror(err));
  return kExitUsage;
}

}  // namespace sckit::tools
