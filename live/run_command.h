// `sckit run`: install filters on this process for real, then execve() the command, the way a
// sandbox launcher does it. Kernel path: prctl(PR_SET_NO_NEW_PRIVS) (needed without
// CAP_SYS_ADMIN, else seccomp() fails with EACCES), then seccomp(SECCOMP_SET_MODE_FILTER, flags,
// &prog) once per filter, oldest first, then execve(), which keeps the filters (they are
// inherited across fork and kept across execve).
//
// Fail closed: everything that can be checked is checked before the first filter is installed
// (each filter verified, the whole stack checked against the attach limits, the command resolved
// to a path, argv/envp built); after the first install the code makes only the seccomp() calls
// for the remaining filters and the final execve(), all through raw syscalls, so nothing else can
// be denied in between. If any step fails the command is never started: the caller gets an
// Error and must exit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "verifier/stack_check.h"
#include "vm/status.h"

namespace sckit::live {

struct EnforceRequest {
  std::vector<StackEntry> filters;  // oldest first; flags per seccomp() call
  bool set_no_new_privs = true;     // false: needs CAP_SYS_ADMIN (else EACCES)
  bool strict = false;              // SECCOMP_MODE_STRICT instead of filters (see .cc)
  std::vector<std::string> argv;    // argv[0] is the command: a path, or a name found in PATH
};

// The path execve() will get for `command`: as given when it contains '/', else the first
// executable match in $PATH. Error "command-not-found" otherwise.
Result<std::string> ResolveCommand(const std::string& command);

// Installs and executes. Returns only on failure, with the step that failed ("verify",
// "attach-limits", "command-not-found", "no-new-privs", "install", "exec"), the filter index and the kernel errno in
// the Error. Once a filter is installed the process is filtered: the caller should print the
// error (best effort: write() may now be denied) and _exit.
Error InstallAndExec(const EnforceRequest& request);

// What a seccomp() errno means at install time, in one sentence.
std::string ExplainInstallErrno(int err);

}  // namespace sckit::live
