/* Filters for other machines, written by libseccomp itself (seccomp_export_bpf), for
 * tests/eval/libseccomp_be_test. libseccomp builds a filter for the arch it is given and writes
 * it in that arch's byte order: on this x86-64 host, s390x / ppc64 / mips64 ... filters come
 * out as big-endian struct sock_filter arrays, as on those machines.
 *
 * The policy (default KILL_THREAD, any other arch KILL_THREAD):
 *   read   allowed when a0 == 0
 *   write  allowed when a0 == 1
 *   close  allowed
 *   lseek  ERRNO(5) when a1 == 0x100000002   (64-bit arches only: a 64-bit datum)
 *   dup    TRAP(0) when a0 > 0x100000000     (64-bit arches only)
 */
#include "tests/eval/libseccomp_export.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <seccomp.h>

int sckit_test_export(const char* arch_name, int wide, int fd) {
  const uint32_t arch = seccomp_arch_resolve_name(arch_name);
  if (arch == 0) return -EINVAL;
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL);
  if (ctx == NULL) return -ENOMEM;
  int rc = 0;
  if (seccomp_arch_exist(ctx, arch) != 0) {
    /* The native arch goes first: libseccomp refuses (EDOM) to mix byte orders in one filter. */
    rc = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
    if (rc == 0) rc = seccomp_arch_add(ctx, arch);
  }
  if (rc == 0) {
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, seccomp_syscall_resolve_name("read"), 1,
                          SCMP_A0(SCMP_CMP_EQ, 0));
  }
  if (rc == 0) {
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, seccomp_syscall_resolve_name("write"), 1,
                          SCMP_A0(SCMP_CMP_EQ, 1));
  }
  if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, seccomp_syscall_resolve_name("close"), 0);
  if (rc == 0 && wide) {
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(5), seccomp_syscall_resolve_name("lseek"), 1,
                          SCMP_A1(SCMP_CMP_EQ, 0x100000002ULL));
  }
  if (rc == 0 && wide) {
    rc = seccomp_rule_add(ctx, SCMP_ACT_TRAP, seccomp_syscall_resolve_name("dup"), 1,
                          SCMP_A0(SCMP_CMP_GT, 0x100000000ULL));
  }
  if (rc == 0) rc = seccomp_export_bpf(ctx, fd);
  seccomp_release(ctx);
  return rc;
}
