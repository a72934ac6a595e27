/* The reference point for the JIT: a hand-written C function equivalent to a 60-syscall
 * allow-list filter, compiled with -O2 (allowlist60.c). The same list builds the BPF filter in
 * jit_bench.cc, so both decide the same thing:
 *   arch != AUDIT_ARCH_X86_64                     -> SECCOMP_RET_KILL_PROCESS
 *   nr in kAllowList60                            -> SECCOMP_RET_ALLOW
 *   anything else                                 -> SECCOMP_RET_ERRNO | EPERM */
#ifndef SCKIT_BENCH_ALLOWLIST60_H_
#define SCKIT_BENCH_ALLOWLIST60_H_

#include <linux/seccomp.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SCKIT_ALLOWLIST60_SIZE 60
extern const int kAllowList60[SCKIT_ALLOWLIST60_SIZE];

uint32_t AllowList60(const struct seccomp_data* data);

#ifdef __cplusplus
}
#endif

#endif /* SCKIT_BENCH_ALLOWLIST60_H_ */
