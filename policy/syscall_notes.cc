// The tables of syscall_notes.h (sources and review: see the header).
#include "policy/syscall_notes.h"

#include <sched.h>

namespace sckit::policy {

std::span<const ArgFamily> ArgFamilies() {
  static constexpr ArgFamily kFamilies[] = {
      {"socket", 0, ArgKind::kEnum, "address family", "AF_"},
      {"socket", 1, ArgKind::kEnum, "type", "SOCK_"},
      {"socketpair", 0, ArgKind::kEnum, "address family", "AF_"},
      {"socketpair", 1, ArgKind::kEnum, "type", "SOCK_"},
      {"ioctl", 1, ArgKind::kEnum, "request", "TC TIOC FIO FIONREAD SIOC FS_IOC BLK LOOP_ FI"},
      {"prctl", 0, ArgKind::kEnum, "option", "PR_SET_ PR_GET_ PR_"},
      {"fcntl", 1, ArgKind::kEnum, "command", "F_"},
      {"fcntl64", 1, ArgKind::kEnum, "command", "F_"},
      {"mmap", 2, ArgKind::kFlags, "protection", "PROT_"},
      {"mmap2", 2, ArgKind::kFlags, "protection", "PROT_"},
      {"mprotect", 2, ArgKind::kFlags, "protection", "PROT_"},
      {"pkey_mprotect", 2, ArgKind::kFlags, "protection", "PROT_"},
      {"clone", 0, ArgKind::kFlags, "flags", "CLONE_"},
      {"unshare", 0, ArgKind::kFlags, "flags", "CLONE_"},
      {"madvise", 2, ArgKind::kEnum, "advice", "MADV_"},
      {"personality", 0, ArgKind::kEnum, "persona", ""},
  };
  return kFamilies;
}

std::span<const RuntimeCall> RuntimeCalls() {
  static constexpr RuntimeCall kCalls[] = {
      {"rt_sigreturn", "returns from every signal handler; a trace shows it only if one ran"},
      {"sigreturn", "the same for 32-bit code's old-style handlers"},
      {"exit_group", "how a process ends; a trace cut short may not show it"},
      {"exit", "how a thread ends"},
      {"restart_syscall", "the kernel restarts an interrupted sleep through it after a stop"},
  };
  return kCalls;
}

std::span<const NewerSyscall> NewerSyscalls() {
  static constexpr NewerSyscall kCalls[] = {
      {"clone3", "5.3", "clone"},
      {"pidfd_open", "5.3", ""},
      {"openat2", "5.6", "openat"},
      {"pidfd_getfd", "5.6", ""},
      {"faccessat2", "5.8", "faccessat"},
      {"close_range", "5.9", "close"},
      {"epoll_pwait2", "5.11", "epoll_pwait"},
      {"landlock_create_ruleset", "5.13", ""},
      {"memfd_secret", "5.14", ""},
      {"futex_waitv", "5.16", ""},
      {"fchmodat2", "6.6", "fchmodat"},
      {"statx", "4.11", "newfstatat"},
      {"copy_file_range", "4.5", "read"},
      {"rseq", "4.18", ""},
      {"getrandom", "3.17", ""},
      {"io_uring_setup", "5.1", ""},
  };
  return kCalls;
}

std::span<const EscapeHatch> EscapeHatches() {
  static constexpr EscapeHatch kCalls[] = {
      {"ptrace", "controls other processes; before Linux 4.8 a tracer could skip seccomp"},
      {"process_vm_writev", "writes another process's memory"},
      {"process_vm_readv", "reads another process's memory"},
      {"bpf", "loads programs into the kernel"},
      {"perf_event_open", "kernel profiling, a long history of exploits"},
      {"mount", "changes the file system view"},
      {"umount2", "changes the file system view"},
      {"pivot_root", "changes the root"},
      {"chroot", "changes the root"},
      {"move_mount", "the new mount API"},
      {"fsopen", "the new mount API"},
      {"open_by_handle_at", "opens files outside a container's root (the shocker escape)"},
      {"unshare", "CLONE_NEWUSER makes the caller root in a new user namespace",
       static_cast<uint64_t>(CLONE_NEWUSER)},
      {"clone", "CLONE_NEWUSER makes the child root in a new user namespace",
       static_cast<uint64_t>(CLONE_NEWUSER)},
      {"setns", "enters another namespace"},
      {"personality", "can turn address-space randomisation off and make reads imply exec"},
      {"keyctl", "kernel keyrings, not namespaced"},
      {"add_key", "kernel keyrings, not namespaced"},
      {"request_key", "kernel keyrings, not namespaced"},
      {"userfaultfd", "stalls kernel accesses to user memory at will (race windows)"},
      {"io_uring_setup", "io_uring's operations are not seen by seccomp"},
      {"kexec_load", "replaces the running kernel"},
      {"init_module", "loads kernel modules"},
      {"finit_module", "loads kernel modules"},
      {"delete_module", "unloads kernel modules"},
      {"iopl", "raw port I/O"},
      {"ioperm", "raw port I/O"},
      {"reboot", "reboots the machine"},
      {"swapon", "system configuration"},
      {"acct", "system configuration"},
  };
  return kCalls;
}

}  // namespace sckit::policy
