// Reading the seccomp filters of live tasks, as the kernel exposes them:
//   - PTRACE_SECCOMP_GET_FILTER (kernel/seccomp.c seccomp_get_filter): index 0 = the OLDEST
//     filter; returns the instruction count and copies the ORIGINAL program (LD|W|ABS and LEN
//     un-rewritten). Needs CAP_SYS_ADMIN and a caller not itself in seccomp (EACCES); tracee
//     not in filter mode: EINVAL; index past the newest: ENOENT; no saved copy: EMEDIUMTYPE.
//   - PTRACE_SECCOMP_GET_METADATA (seccomp_get_metadata): flags, of which only
//     SECCOMP_FILTER_FLAG_LOG is reported.
//   - /proc/<tid>/status "Seccomp:" (mode) and "Seccomp_filters:" (count).
// Both ptrace requests need the tracee in a ptrace stop: the task is PTRACE_SEIZEd,
// PTRACE_INTERRUPTed, read and PTRACE_DETACHed, so it keeps running unharmed.
//
// Capturing filters as a program installs them (DumpWhileRunning) traces the command with
// PTRACE_SYSCALL and reads the struct sock_fprog argument of seccomp(SECCOMP_SET_MODE_FILTER)
// and prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER) from the tracee's memory at syscall entry,
// keeping it when the call returns success. It also follows each task's whole stack as the
// kernel keeps it: a new task (fork, vfork, clone, thread) starts with its parent's stack at
// that moment (copy_process shares the filter chain), an install pushes onto the caller's
// stack, and SECCOMP_FILTER_FLAG_TSYNC gives every other thread of the caller's process the
// caller's stack (seccomp_sync_threads). A new task is held at its first stop until its
// parent's fork/clone event has been seen, so nothing it installs can precede what it inherits.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "vm/program.h"
#include "vm/status.h"

namespace sckit::live {

struct DumpedFilter {
  Program program;     // the original program, as installed
  uint64_t flags = 0;  // from PTRACE_SECCOMP_GET_METADATA (FLAG_LOG only), or the seccomp() flags
};

struct TaskFilters {
  pid_t tid = 0;
  int mode = 0;                      // 0 disabled, 1 strict, 2 filter (/proc status "Seccomp:")
  int filter_count = -1;             // "Seccomp_filters:" (kernels >= 5.9), -1 when absent
  std::vector<DumpedFilter> filters;  // oldest first
};

// The filters of task `tid` (a thread id; a pid names its main thread). Errors name the step and
// explain the errno ("attach: EPERM: ...", "get-filter: EACCES: ...").
Result<TaskFilters> DumpTask(pid_t tid);

// One install attempt seen while tracing a command.
struct CapturedInstall {
  pid_t tid = 0;
  int64_t result = 0;    // the syscall's return value (0, a listener fd, a tid, or -errno)
  bool attached = false;  // the kernel attached the filter (TSYNC: 0, or an fd with a listener)
  uint32_t flags = 0;    // seccomp() flags (0 for prctl)
  bool via_prctl = false;
  Program program;       // empty when the tracee's sock_fprog could not be read
};

// The stack a task had when the trace ended (or when it exited): indices into
// TraceReport::installs, oldest first, inherited filters included.
struct TaskStack {
  pid_t tid = 0;
  std::vector<size_t> installs;
};

struct TraceReport {
  std::vector<CapturedInstall> installs;  // in the order the calls returned
  // Every task whose stack an attached install changed (its own install, or another thread's
  // TSYNC), in the order they ended. Tasks that only inherited a stack are not listed: theirs
  // is their parent's at the fork.
  std::vector<TaskStack> stacks;
  size_t unchanged_tasks = 0;  // traced tasks no install changed
  // Filters sckit itself runs under: every task of the command has them below the ones
  // above, and they cannot be read from here (PTRACE_SECCOMP_GET_FILTER refuses a caller
  // under seccomp). 0 normally; -1 when /proc does not say.
  int tracer_filters = 0;
  int wait_status = 0;  // how the command ended
};

// Runs argv under ptrace (following forks and threads) until it exits, capturing every
// seccomp filter install attempt and the resulting stacks. A command that cannot be started
// is an error: rule "command-not-found" (ENOENT) or "cannot-execute" (any other execve errno,
// in kernel_errno), never a report of a command that "exited with status 127".
Result<TraceReport> DumpWhileRunning(const std::vector<std::string>& argv);

}  // namespace sckit::live
