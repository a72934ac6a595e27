// WriteOutput and the end-of-command check of standard output.
#include "tools/output.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "formats/write_file.h"
#include "tools/command.h"
#include "tools/options.h"

namespace sckit::tools {

int WriteOutput(const std::string& command, const std::string& path, std::string_view data) {
  if (!path.empty() && path != "-") {
    if (std::optional<Error> e = WriteFileAtomically(path, data)) {
      PrintError(command, e->message);
      return kExitUsage;
    }
    return kExitOk;
  }
  errno = 0;
  const bool written = std::fwrite(data.data(), 1, data.size(), stdout) == data.size();
  if (!written || std::fflush(stdout) != 0 || std::ferror(stdout)) {
    const int err = errno;
    PrintError(command, std::string("cannot write standard output: ") +
                            (err != 0 ? std::strerror(err) : "write error"));
    return kExitUsage;
  }
  return kExitOk;
}

bool RefuseRawOnTerminal(const std::string& command, const std::string& path,
                         const std::string& hint) {
  if ((!path.empty() && path != "-") || !::isatty(STDOUT_FILENO)) return false;
  PrintError(command, "refusing to write raw bytes to a terminal: " + hint);
  return true;
}

namespace {
int first_stdout_errno = 0;  // errno of the first failed write StandardOutputFailed() saw
}  // namespace

bool StandardOutputFailed() {
  if (!std::ferror(stdout)) return false;
  if (first_stdout_errno == 0) first_stdout_errno = errno;
  return true;
}

int FinishStandardOutput(const std::string& command, int code) {
  bool failed = std::ferror(stdout) != 0;
  int err = first_stdout_errno;  // errno now may be anything: not read here
  errno = 0;
  if (std::fflush(stdout) != 0) {
    if (err == 0) err = errno;
    failed = true;
  }
  std::cout.flush();
  failed = failed || !std::cout || std::ferror(stdout);
  // The descriptor, not the FILE: std::cout's static destructor still flushes stdout after
  // main returns. EBADF: standard output was closed when sckit started; nothing was written.
  if (::close(STDOUT_FILENO) != 0 && errno != EBADF) {
    if (err == 0) err = errno;
    failed = true;
  }
  if (!failed || (code != kExitOk && code != kExitFailed)) return code;
  const std::string what = std::string("write error on standard output: ") +
                           (err != 0 ? std::strerror(err) : "an earlier write failed");
  if (command.empty()) {
    std::fprintf(stderr, "sckit: %s\n", what.c_str());
  } else {
    PrintError(command, what);
  }
  return kExitUsage;
}

}  // namespace sckit::tools
