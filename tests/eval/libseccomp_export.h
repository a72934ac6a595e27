/* libseccomp-written filters for other arches (tests/eval/libseccomp_export.c). */
#ifndef SCKIT_TESTS_EVAL_LIBSECCOMP_EXPORT_H_
#define SCKIT_TESTS_EVAL_LIBSECCOMP_EXPORT_H_

#ifdef __cplusplus
extern "C" {
#endif

/* Writes the test policy for libseccomp's arch `arch_name` ("s390x", "ppc64", ...) to fd as
 * seccomp_export_bpf does; `wide` adds the rules with 64-bit data. 0 or -errno. */
int sckit_test_export(const char* arch_name, int wide, int fd);

#ifdef __cplusplus
}
#endif

#endif
