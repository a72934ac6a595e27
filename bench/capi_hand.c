/* See capi_hand.h. Written the way a person would write the policies in C. */
#include "bench/capi_hand.h"

#include <errno.h>
#include <linux/audit.h>
#include <sys/syscall.h>

const int kCapiChain40[SCKIT_CAPI_CHAIN40_SIZE] = {
    SYS_read,         SYS_write,       SYS_close,         SYS_fstat,       SYS_lseek,
    SYS_mmap,         SYS_mprotect,    SYS_munmap,        SYS_brk,         SYS_rt_sigaction,
    SYS_rt_sigprocmask, SYS_rt_sigreturn, SYS_ioctl,      SYS_pread64,     SYS_pwrite64,
    SYS_readv,        SYS_writev,      SYS_sched_yield,   SYS_madvise,     SYS_dup,
    SYS_nanosleep,    SYS_getpid,      SYS_sendto,        SYS_recvfrom,    SYS_sendmsg,
    SYS_recvmsg,      SYS_shutdown,    SYS_getsockname,   SYS_clone,       SYS_exit,
    SYS_fcntl,        SYS_getdents64,  SYS_futex,         SYS_epoll_wait,  SYS_epoll_ctl,
    SYS_clock_gettime, SYS_exit_group, SYS_openat,        SYS_newfstatat,  SYS_accept4,
};

uint32_t CapiHandArchCheck(const struct seccomp_data* data) {
  return data->arch == AUDIT_ARCH_X86_64 ? SECCOMP_RET_ALLOW : SECCOMP_RET_KILL_PROCESS;
}

uint32_t CapiHandChain40(const struct seccomp_data* data) {
  if (data->arch != AUDIT_ARCH_X86_64) return SECCOMP_RET_KILL_PROCESS;
  switch (data->nr) {
    case SYS_read: case SYS_write: case SYS_close: case SYS_fstat: case SYS_lseek:
    case SYS_mmap: case SYS_mprotect: case SYS_munmap: case SYS_brk: case SYS_rt_sigaction:
    case SYS_rt_sigprocmask: case SYS_rt_sigreturn: case SYS_ioctl: case SYS_pread64:
    case SYS_pwrite64: case SYS_readv: case SYS_writev: case SYS_sched_yield:
    case SYS_madvise: case SYS_dup: case SYS_nanosleep: case SYS_getpid: case SYS_sendto:
    case SYS_recvfrom: case SYS_sendmsg: case SYS_recvmsg: case SYS_shutdown:
    case SYS_getsockname: case SYS_clone: case SYS_exit: case SYS_fcntl:
    case SYS_getdents64: case SYS_futex: case SYS_epoll_wait: case SYS_epoll_ctl:
    case SYS_clock_gettime: case SYS_exit_group: case SYS_openat: case SYS_newfstatat:
    case SYS_accept4:
      return SECCOMP_RET_ALLOW;
    default:
      return SECCOMP_RET_ERRNO | EPERM;
  }
}
