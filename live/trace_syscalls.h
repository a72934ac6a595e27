// `sckit generate -- CMD`: run a command under ptrace and record every system call it makes,
// as the filter would see it (arch, number, instruction pointer, the six argument registers),
// from PTRACE_GET_SYSCALL_INFO at each syscall-entry stop (Linux 5.3+). Every new task is
// followed (PTRACE_O_TRACEFORK/VFORK/CLONE), PTRACE_O_TRACESYSGOOD tells syscall stops from
// signals, and signals are passed on, so the command runs normally; no filter is installed.
//
// Calls made before the command itself are not the program's: the child sckit forks stops,
// then execve()s the path resolved beforehand (live/run_command.h ResolveCommand, as `sckit
// run` does), and recording starts at that execve's entry stop; nothing sckit's child does
// before it is kept. The tracer's own calls are never seen (it is not traced).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "formats/trace_call.h"
#include "vm/status.h"

namespace sckit::live {

struct SyscallTrace {
  // In the order the entry stops were seen; line 0, text "". pointer_args: the arguments whose
  // value lies in the address range (0x10000 up to -0x10000): maybe pointers.
  std::vector<TraceCall> calls;
  size_t seen = 0;               // every call, including those not kept
  // Past kMaxTraceCalls kept calls, only the first call of each (arch, nr) not kept yet is
  // kept (the rest are counted in `seen`): every syscall the command made is still in `calls`.
  bool truncated = false;
  int wait_status = 0;  // how the command ended (waitpid status)
};

// Errors: "command-not-found" (ENOENT) / "cannot-execute" (the execve errno in kernel_errno),
// "trace" for ptrace failures (no PTRACE_GET_SYSCALL_INFO: the kernel is older than 5.3).
Result<SyscallTrace> TraceSyscalls(const std::vector<std::string>& argv);

}  // namespace sckit::live
