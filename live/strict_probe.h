// `--engine kernel` in strict mode (SECCOMP_MODE_STRICT, mode 1): records through a traced
// child that is really in strict mode. Internal to the kernel engine (live/kernel_engine.cc
// uses it when options.context.mode is strict); docs/kernel-engine.md "Strict mode".
//
// Kernel path mirrored (kernel/entry syscall_trace_enter, kernel/seccomp.c
// __secure_computing_strict): the ptrace syscall-entry stop comes BEFORE seccomp, and strict
// mode reads only the syscall number (syscall_get_nr) after it: a number on mode1_syscalls
// (native read 0, write 1, exit 60, rt_sigreturn 15, plus uretprobe/uprobe on recent kernels;
// ia32 read 3, write 4, exit 1, sigreturn 119) runs, any other makes the kernel do_exit(SIGKILL)
// the calling thread before the call runs. The arguments and the ip are never read.
//
// How: a forked child (no filter) drops to uid/gid 65534, enters strict mode with
// prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT), reports through a pipe (write is allowed) and
// loops on read(-1, 0, 0), an allowed, harmless call (EBADF). The tracer (PTRACE_SEIZE,
// TRACESYSGOOD | EXITKILL) interrupts it and settles it at the loop's syscall-entry stop. Per
// record it writes the record's number there, with every argument NEUTRAL (-1, 0, 0, 0, 0, 0)
// since strict mode does not read them, and resumes:
//   syscall-exit stop               the call passed strict mode and ran: ALLOW (read/write give
//                                   -EBADF: proof it ran, harmlessly)
//   the child exits with the marker the call was exit(): ALLOW (the child is respawned)
//   the child dies by SIGKILL       strict mode killed it: KILL_THREAD (respawned)
// Not sent: native rt_sigreturn 15 and ia32 sigreturn 119, which strict mode lets run (they
// would restore registers from a frame never pushed; ia32 rt_sigreturn 173 is killed, so sent),
// native 335/336 (may be allowed before anything else; the asked --kernel-version decides), and
// arches other than x86_64 and i386. i386 records run on a second loop of the same child on
// `int $0x80` (read(-1) as nr 3), reached by pointing the ip of an allowed read at it.
// Because every argument is neutral, a number the kernel allowed against sckit's model would
// still only run with fd/pointer -1 and zero lengths.
#pragma once

#include <sys/types.h>
#include <sys/user.h>

#include <cstdint>
#include <memory>
#include <string>

#include "live/kernel_engine.h"
#include "vm/seccomp_data.h"
#include "vm/status.h"

namespace sckit::live {

class StrictProbe {
 public:
  explicit StrictProbe(bool drop_privileges) : drop_privileges_(drop_privileges) {}
  StrictProbe(const StrictProbe&) = delete;
  StrictProbe& operator=(const StrictProbe&) = delete;
  ~StrictProbe();

  // Starts the first child (errors: "fork-failed", "ptrace-failed", "child-setup-failed").
  Result<bool> Start();
  // One record. Errors are harness failures; the child is then killed and respawned next time.
  Result<KernelObservation> Run(const SeccompData& record);
  uint64_t children_started() const { return children_; }

 private:
  Result<bool> Spawn();
  Result<bool> SettleAtLoop(bool compat, bool interrupt);
  Result<KernelObservation> Send(const SeccompData& record);
  void Kill();
  Result<int> WaitChild();
  Error Internal(const std::string& what);

  bool drop_privileges_;
  pid_t pid_ = 0;
  bool in_compat_ = false;   // at the int $0x80 loop's entry stop
  user_regs_struct home_{};  // registers at the current loop's entry stop
  uint64_t children_ = 0;
};

}  // namespace sckit::live
