// Asking the running kernel whether it accepts filters: seccomp(SECCOMP_SET_MODE_FILTER, flags,
// &prog) for real, in a forked child (live/child_process.h), with the kernel's answer per call.
// The kernel path exercised is do_seccomp -> seccomp_set_mode_filter -> seccomp_prepare_filter
// (bpf_check_classic, check_load_and_stores, seccomp_check_filter, bpf_convert_filter) ->
// has_duplicate_listener -> seccomp_attach_filter (MAX_INSNS_PER_PATH), see spec §3 and §7.
// Our model of the same path is CheckStack() (verifier/stack_check.h); the two take the same
// input (StackEntry) so tests compare them call by call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "live/child_process.h"
#include "verifier/stack_check.h"
#include "vm/bpf.h"
#include "vm/program.h"
#include "vm/status.h"

namespace sckit::live {

// The kernel's answer to one seccomp(SECCOMP_SET_MODE_FILTER) call.
struct KernelCall {
  bool attempted = false;  // the child reached this call (false after it died or was stuck)
  int64_t ret = 0;         // raw return: 0, a listener fd (NEW_LISTENER), a TID (TSYNC), -errno

  bool attached() const { return attempted && ret >= 0; }
  int error() const {
    return attempted && ret < 0 && ret >= -static_cast<int64_t>(seccomp::kMaxErrno)
               ? static_cast<int>(-ret)
               : 0;
  }
  // "attached", "attached (fd 3)", "EINVAL", "not attempted".
  std::string ToString() const;
};

struct KernelInstallResult {
  std::vector<KernelCall> calls;  // one per entry, in order (first = oldest)
  bool prepared = false;          // PR_SET_DUMPABLE and PR_SET_NO_NEW_PRIVS succeeded
  ChildEnd end;                   // how the child ended after its last call
};

// Installs the entries in order in a fresh child: PR_SET_NO_NEW_PRIVS, then one seccomp() call
// per entry (a refused call attaches nothing; the next call is still made, as CheckStack()
// models), then exit. Entries after the first attached filter are installed *under* the chain
// so far: each seccomp() call is itself filtered (nr 317), so use filters that allow it when
// you mean to compare with CheckStack(). Errors only for harness failures (fork, mmap).
Result<KernelInstallResult> TryInstallInChild(const std::vector<StackEntry>& entries);

// The kernel's verdict (0 = accepted, else the errno) on each program, by single installs with
// the given flags; never installs in the caller. Rejected programs leave the child unchanged,
// so consecutive rejections share one child; each accepted program ends its child (it is now
// filtered) and the next program gets a new one. Children are RunSharedMemoryChild() clones
// (cheap, ended by SIGKILL, so an attached filter never judges an exit). Returns one errno per
// program (0 = attached); -1 for a program whose child died before answering (harness failure).
Result<std::vector<int>> KernelVerdicts(const std::vector<Program>& programs, uint32_t flags = 0);

// The same verdicts without attaching anything, many programs per child: the child first
// attaches `ret ALLOW` with SECCOMP_FILTER_FLAG_NEW_LISTENER, then submits each program with
// NEW_LISTENER too. seccomp_set_mode_filter() fully prepares (validates and converts) a program
// before has_duplicate_listener() refuses it, so an acceptable program answers EBUSY and a
// rejected one its validation errno (EINVAL). Reported as 0 for EBUSY, else the errno. Faster
// than KernelVerdicts() by about the cost of one child per accepted program.
Result<std::vector<int>> KernelVerdictsWithoutAttaching(const std::vector<Program>& programs);

}  // namespace sckit::live
