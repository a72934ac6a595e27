// The test oracle for what an UNTRACED process observes (tests/live/outcome_test.cc): a forked
// child with no tracer and no listener installs a filter stack and makes one real system call;
// the parent reports what the child observed (its return value, the SIGSYS its handler saw,
// how it ended). Test-only: the one way sckit pushes a record through the kernel is the kernel
// engine (live/kernel_engine.h), which never lets the call run; this oracle runs it, so it only
// makes harmless calls, and it is what shows a real process's signal handling (TRAP restarts). Mirrors the kernel's
// syscall-entry path for filter mode: populate_seccomp_data -> seccomp_run_filters (every
// filter, newest first, kernel precedence) -> __seccomp_filter's action switch (spec §5, §6).
//
// Harmlessness by construction: RunOnKernel() only makes system calls from a fixed list that
// cannot change anything whatever their arguments, and refuses every other number (rule
// "unsafe-syscall"):
//   - getpid 39, getppid 110, gettid 186, getuid 102, getgid 104, geteuid 107, getegid 108:
//     read-only, take no arguments (the arguments still reach the filter as args[0..5]);
//   - numbers no x86-64 kernel assigns: 1000 <= nr < 0x40000000 (below the x32 bit, above the
//     native table) and every negative nr; when allowed they just return -ENOSYS.
// So a filter may ALLOW, LOG, ERRNO, TRAP, ... anything: the worst case is a getpid.
// The call is the raw `syscall` instruction (live/raw_syscall.h) with the 32-bit nr sign-extended,
// so the filter sees exactly {nr, AUDIT_ARCH_X86_64, ip after the instruction, args}; the
// outcome carries that record (LiveOutcome::data) to run our interpreter on the same input.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "live/child_process.h"
#include "live/kernel_install.h"
#include "verifier/stack_check.h"
#include "vm/seccomp_data.h"
#include "vm/status.h"

namespace sckit::live {

inline constexpr uint32_t kAuditArchX86_64 = 0xC000003Eu;  // AUDIT_ARCH_X86_64

struct SyscallRequest {
  int32_t nr = 39;  // getpid
  std::array<uint64_t, 6> args{};
};

// True for the numbers RunOnKernel() agrees to make (see the header comment).
bool IsHarmlessSyscall(int32_t nr);

// What a SIGSYS handler saw (force_sig_seccomp: si_code SYS_SECCOMP, si_errno = RET_DATA,
// si_call_addr = user ip after the syscall instruction, si_syscall, si_arch).
struct SigsysReport {
  int count = 0;  // SIGSYS deliveries to the handler
  int signo = 0;
  int code = 0;        // SYS_SECCOMP = 1
  int errno_data = 0;  // si_errno: the 16-bit data of the TRAP
  int syscall = 0;     // si_syscall
  uint32_t arch = 0;   // si_arch
  uint64_t call_addr = 0;
};

struct LiveOutcome {
  std::vector<KernelCall> installs;  // one per stack entry
  bool prepared = false;             // PR_SET_DUMPABLE 0 and PR_SET_NO_NEW_PRIVS 1 worked
  int64_t natural_ret = 0;           // the same call made before any filter was installed
  bool syscall_attempted = false;
  bool syscall_returned = false;
  int64_t ret = 0;      // raw rax after the call (-errno on error)
  SigsysReport sigsys;  // count == 0: no SIGSYS reached the handler
  ChildEnd end;
  SeccompData data;  // the record the filters saw (ip from the child)

  bool all_installed() const;
  // One line: "ret=-1 (EPERM) sigsys=none end=exited 0 installs=[attached,attached]".
  std::string ToString() const;
};

struct RunOptions {
  // With false the child leaves SIGSYS at SIG_DFL, so a TRAP kills it with SIGSYS.
  bool sigsys_handler = true;
  // SA_RESTART on the SIGSYS handler: decides whether a TRAP of nr -512 (-ERESTARTSYS after
  // syscall_rollback) becomes -EINTR or restarts the call (see expected_effect.h).
  bool sa_restart = false;
};

// A TRAP whose rollback value asks for a restart (nr -513, or -512 with SA_RESTART) makes the
// call trap again forever. The child's handler stops that: at this many SIGSYS deliveries it
// leaves with exit_group(kSigsysLoopExitCode).
inline constexpr int kSigsysLoopLimit = 8;
inline constexpr int kSigsysLoopExitCode = 0x5c;

// Installs `stack` in a fresh child (as TryInstallInChild does), then makes `call` once and
// reports. Refused installs are recorded and the call is made under whatever did attach.
Result<LiveOutcome> RunOnKernel(const std::vector<StackEntry>& stack, const SyscallRequest& call,
                                RunOptions options = {});

}  // namespace sckit::live
