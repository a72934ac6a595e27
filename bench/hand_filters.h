/* Hand-written C references for the shapes benchmark (bench/shapes_bench.cc) and the C API's
 * (bench/capi_bench.cc): what a person would write instead of a filter, compiled with -O2 in
 * its own file (so a call to them is a real call, as a call into libsckit is). Each decides
 * exactly what the matching BPF program of bench/shapes.h (and capi_bench's copy built from
 * kChain40) decides, which the benchmarks and tests/bench:shapes_test check on every record
 * before timing:
 *   HandArchCheck:  arch == AUDIT_ARCH_X86_64 ? ALLOW : KILL_PROCESS   (ArchCheckFilter)
 *   HandChain40:    arch check, then nr in kChain40 ? ALLOW : ERRNO(EPERM)  (AllowChainFilter) */
#ifndef SCKIT_BENCH_HAND_FILTERS_H_
#define SCKIT_BENCH_HAND_FILTERS_H_

#include <linux/seccomp.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SCKIT_CHAIN40_SIZE 40
extern const int kChain40[SCKIT_CHAIN40_SIZE];

uint32_t HandArchCheck(const struct seccomp_data* data);
uint32_t HandChain40(const struct seccomp_data* data);

#ifdef __cplusplus
}
#endif

#endif /* SCKIT_BENCH_HAND_FILTERS_H_ */
