/* Hand-written C reference points for bench/capi_bench.cc: the two filters of issue 19's C API
 * goal written as plain C functions (capi_hand.c, compiled -O2 in its own file, so a call to
 * them is a real call, as a call into libsckit is):
 *   CapiHandArchCheck: arch == AUDIT_ARCH_X86_64 -> ALLOW, else KILL_PROCESS (the 4-instruction
 *     filter `ld [arch]; jeq; ret ALLOW; ret KILL_PROCESS`).
 *   CapiHandChain40: foreign arch -> KILL_PROCESS; nr in kCapiChain40 -> ALLOW; else
 *     ERRNO(EPERM) (an arch check and a libseccomp-style chain of 40 `jeq #nr` to one ALLOW). */
#ifndef SCKIT_BENCH_CAPI_HAND_H_
#define SCKIT_BENCH_CAPI_HAND_H_

#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SCKIT_CAPI_CHAIN40_SIZE 40
extern const int kCapiChain40[SCKIT_CAPI_CHAIN40_SIZE];

uint32_t CapiHandArchCheck(const struct seccomp_data* data);
uint32_t CapiHandChain40(const struct seccomp_data* data);

#ifdef __cplusplus
}
#endif

#endif /* SCKIT_BENCH_CAPI_HAND_H_ */
