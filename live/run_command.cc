// `sckit run`: install the filters on this process, then execve() the command
// (live/run_command.h).
#include "live/run_command.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "live/raw_syscall.h"
#include "vm/program.h"

extern char** environ;

namespace sckit::live {
namespace {

bool IsExecutableFile(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

Error Fail(const char* step, std::string message, int index, int err) {
  Error e = MakeError(step, std::move(message), -1, err);
  if (index >= 0) e.message = "filter " + std::to_string(index) + ": " + e.message;
  return e;
}

}  // namespace

std::string ExplainInstallErrno(int err) {
  switch (err) {
    case EACCES:
      return "no_new_privs is not set and the caller lacks CAP_SYS_ADMIN";
    case EINVAL:
      return "the kernel rejected the program or the flags (or strict mode is already on)";
    case ENOMEM:
      return "the filter chain would exceed MAX_INSNS_PER_PATH (32768 converted instructions)";
    case EBUSY:
      return "another filter in the chain already has a user-notification listener";
    case EFAULT:
      return "the kernel could not read the program";
    case ENOSYS:
      return "this kernel has no seccomp() system call";
    case EPERM:
      return "an installed filter denied the seccomp() call itself";
    default:
      return std::strerror(err);
  }
}

Result<std::string> ResolveCommand(const std::string& command) {
  if (command.empty()) return MakeError("command-not-found", "empty command");
  if (command.find('/') != std::string::npos) {
    if (!IsExecutableFile(command)) {
      return MakeError("command-not-found",
                       command + ": " + std::strerror(errno) + " (not an executable file)");
    }
    return command;
  }
  const char* path_env = std::getenv("PATH");
  std::string path = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + command;
    if (IsExecutableFile(candidate)) return candidate;
    start = end + 1;
  }
  return MakeError("command-not-found", command + ": not found in PATH");
}

Error InstallAndExec(const EnforceRequest& request) {
  if (request.argv.empty()) return Fail("exec", "no command given", -1, 0);

  // 1. Everything that can fail before any install.
  if (!request.strict) {
    if (request.filters.empty()) return Fail("verify", "no filter given", -1, 0);
    std::vector<AttachOutcome> outcomes = CheckStack(request.filters);
    for (size_t i = 0; i < outcomes.size(); ++i) {
      if (!outcomes[i].attached) {
        const Error& e = *outcomes[i].error;
        const bool limits = e.rule == "path-too-long" || e.rule == "duplicate-listener" ||
                            e.rule == "invalid-flags";
        Error reason = e;
        reason.kernel_errno = 0;  // carried by the returned Error itself
        return Fail(limits ? "attach-limits" : "verify", reason.ToString(),
                    static_cast<int>(i), e.kernel_errno);
      }
    }
  }
  Result<std::string> path = ResolveCommand(request.argv[0]);
  if (!path.ok()) return Fail("command-not-found", path.error().message, -1, 0);
  std::vector<char*> argv;
  for (const std::string& a : request.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<sock_fprog> progs(request.filters.size());
  for (size_t i = 0; i < request.filters.size(); ++i) {
    const Program& p = request.filters[i].program;
    progs[i].len = static_cast<unsigned short>(p.size());
    // The original program: the kernel applies its own rewrites (seccomp_check_filter).
    progs[i].filter = reinterpret_cast<sock_filter*>(const_cast<SockFilter*>(p.insns.data()));
  }

  // 2. no_new_privs: lets an unprivileged process install filters, and keeps execve() from
  // granting privileges (setuid bits) that would outlive the filter's assumptions.
  if (request.set_no_new_privs) {
    RawSyscallResult r = RawSyscall6(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (r.ret != 0) return Fail("no-new-privs", "prctl(PR_SET_NO_NEW_PRIVS) failed", -1,
                                RawErrno(r.ret));
  }

  // 3. Install. From the first success on, only raw seccomp() and execve() calls follow.
  if (request.strict) {
    // Strict mode allows only read, write, _exit and sigreturn: the execve() below is itself
    // fatal (SIGKILL). Kept for completeness and for demonstrating mode 1.
    RawSyscallResult r = RawSyscall6(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, 0);
    if (r.ret != 0) return Fail("install", "seccomp(SECCOMP_SET_MODE_STRICT) failed", -1,
                                RawErrno(r.ret));
  }
  for (size_t i = 0; i < progs.size(); ++i) {
    RawSyscallResult r = RawSyscall6(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                                     request.filters[i].flags,
                                     reinterpret_cast<uint64_t>(&progs[i]));
    if (r.ret < 0) {
      const int err = RawErrno(r.ret);
      return Fail("install", "seccomp(SECCOMP_SET_MODE_FILTER) failed: " +
                                 ExplainInstallErrno(err) +
                                 (i > 0 ? " (earlier filters are installed; the command was "
                                          "not started)"
                                        : ""),
                  static_cast<int>(i), err);
    }
    // With NEW_LISTENER the return value is an O_CLOEXEC listener fd; it closes at execve(),
    // after which USER_NOTIF results fail with ENOSYS (no listener).
  }

  // 4. execve(): filtered like any other call. Returns only on failure.
  RawSyscallResult r = RawSyscall6(SYS_execve, reinterpret_cast<uint64_t>(path->c_str()),
                                   reinterpret_cast<uint64_t>(argv.data()),
                                   reinterpret_cast<uint64_t>(environ));
  return Fail("exec", "execve(" + *path + ") failed under the installed filters", -1,
              RawErrno(r.ret));
}

}  // namespace sckit::live
