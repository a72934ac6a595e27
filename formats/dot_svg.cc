// Graphviz dot text to SVG through `dot -Tsvg` in a child with a deadline
// (formats/dot_svg.h).
#include "formats/dot_svg.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

namespace sckit {
namespace {

// Runs argv (found in PATH) and returns its standard output; its standard error is dropped.
// Killed after `seconds`. Errors: "not-found" (exit 127 from the exec), "timeout", "failed".
Result<std::string> RunWithDeadline(const std::vector<std::string>& argv, int seconds) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return MakeError("failed", std::strerror(errno));
  const pid_t pid = fork();
  if (pid < 0) {
    close(out[0]);
    close(out[1]);
    return MakeError("failed", std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    const int null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, STDERR_FILENO);
    std::vector<char*> cargv;
    for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    execvp(cargv[0], cargv.data());
    _exit(127);
  }
  close(out[1]);
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;  // the deadline check above ends it
    char buf[65536];
    const ssize_t n = read(out[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return MakeError("timeout", argv[0] + " did not finish within " + std::to_string(seconds) +
                                    " s and was stopped (use --format dot)");
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) return MakeError("not-found", argv[0]);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || text.empty()) {
    return MakeError("failed", argv[0] + " failed (" +
                                   (WIFEXITED(status)
                                        ? "exit status " + std::to_string(WEXITSTATUS(status))
                                        : "signal " + std::to_string(WTERMSIG(status))) +
                                   ")");
  }
  return text;
}

}  // namespace

Result<std::string> DotToSvg(const std::string& dot, const DotOptions& options) {
  char tmp[] = "/tmp/sckit-cfg-XXXXXX";
  const int fd = mkstemp(tmp);
  if (fd < 0) {
    return MakeError("io-error", std::string("cannot create a temporary file: ") +
                                     std::strerror(errno));
  }
  int err = 0;
  for (size_t done = 0; done < dot.size();) {
    const ssize_t n = ::write(fd, dot.data() + done, dot.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : EIO;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) {
    std::remove(tmp);
    return MakeError("io-error", std::string("cannot write ") + tmp + ": " + std::strerror(err));
  }
  std::vector<std::string> argv = {"dot", "-Tsvg"};
  if (options.fast_layout) {
    for (const char* o : {"-Gnslimit=2", "-Gnslimit1=2", "-Gmclimit=0.1", "-Gsplines=line"}) {
      argv.push_back(o);
    }
  }
  argv.push_back(tmp);
  Result<std::string> svg = RunWithDeadline(argv, options.deadline_seconds);
  std::remove(tmp);
  if (svg.ok()) return svg;
  const std::string& rule = svg.error().rule;
  if (rule == "not-found") {
    return MakeError("graphviz-missing", "Graphviz's `dot` is needed for SVG: apt-get install "
                                         "graphviz (or use --format dot)");
  }
  return MakeError(rule == "timeout" ? "graphviz-timeout" : "graphviz-failed",
                   svg.error().message);
}

}  // namespace sckit
