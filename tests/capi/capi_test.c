/* The C API from plain C (C11): prepare, run, stacks, errors. Exits non-zero on the first
 * failed check, printing which. Linked twice: against //capi:capi and against libsckit.so. */
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "capi/sckit.h"

static int failures = 0;

#define CHECK(cond)                                                  \
  do {                                                               \
    if (!(cond)) {                                                   \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                    \
    }                                                                \
  } while (0)

/* x86-64 only; getpid -> ERRNO(1); everything else ALLOW. */
static const struct sock_filter kDenyGetpid[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpid, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

/* getpid -> TRAP(7), which outranks ERRNO; args[0] == 42 -> LOG. */
static const struct sock_filter kTrapGetpid[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpid, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP | 7),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 42, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_LOG),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

/* jt lands past the end: the kernel says EINVAL. */
static const struct sock_filter kBadJump[] = {
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

static struct seccomp_data Record(int nr, unsigned arch, unsigned long long a0) {
  struct seccomp_data d;
  memset(&d, 0, sizeof d);
  d.nr = nr;
  d.arch = arch;
  d.args[0] = a0;
  return d;
}

static void TestPrograms(sckit_engine engine) {
  char err[256];
  sckit_program* p = NULL;
  CHECK(sckit_program_prepare(kDenyGetpid, sizeof kDenyGetpid, engine, &p, err, sizeof err) ==
        SCKIT_OK);
  CHECK(p != NULL);
  CHECK(err[0] == '\0');
  if (p == NULL) return;
  CHECK(sckit_program_length(p) == 7);
  struct seccomp_data d = Record(SYS_getpid, AUDIT_ARCH_X86_64, 0);
  CHECK(sckit_program_run(p, &d) == (SECCOMP_RET_ERRNO | 1));
  d = Record(SYS_read, AUDIT_ARCH_X86_64, 0);
  CHECK(sckit_program_run(p, &d) == SECCOMP_RET_ALLOW);
  d = Record(SYS_getpid, AUDIT_ARCH_I386, 0);
  CHECK(sckit_program_run(p, &d) == SECCOMP_RET_KILL_PROCESS);
  sckit_program_release(p);
}

static void TestErrors(void) {
  char err[256];
  sckit_program* p = (sckit_program*)&err; /* must be reset to NULL on failure */
  CHECK(sckit_program_prepare(kBadJump, sizeof kBadJump, SCKIT_ENGINE_INTERP, &p, err,
                              sizeof err) == SCKIT_ERR_REJECTED);
  CHECK(p == NULL);
  CHECK(strstr(err, "jump") != NULL);
  CHECK(strstr(err, "EINVAL") != NULL);
  CHECK(sckit_program_prepare(kDenyGetpid, 12, SCKIT_ENGINE_INTERP, &p, err, sizeof err) ==
        SCKIT_ERR_ARGUMENT);
  CHECK(err[0] != '\0');
  CHECK(sckit_program_prepare(kDenyGetpid, sizeof kDenyGetpid, (sckit_engine)9, &p, err,
                              sizeof err) == SCKIT_ERR_ARGUMENT);
  CHECK(sckit_program_prepare(NULL, 8, SCKIT_ENGINE_INTERP, &p, NULL, 0) == SCKIT_ERR_ARGUMENT);
  /* A tiny buffer truncates, NUL-terminated. */
  char small[5];
  CHECK(sckit_program_prepare(kBadJump, sizeof kBadJump, SCKIT_ENGINE_JIT, &p, small,
                              sizeof small) == SCKIT_ERR_REJECTED);
  CHECK(strlen(small) == 4);
  CHECK(strcmp(sckit_status_name(SCKIT_ERR_REJECTED), "rejected") == 0);
}

/* Hostile lengths: checked before any byte is read (the buffer is far shorter than len). */
static void TestHostileLengths(void) {
  char err[256];
  sckit_program* p = (sckit_program*)&err;
  CHECK(sckit_program_prepare(kDenyGetpid, SIZE_MAX - 7, SCKIT_ENGINE_INTERP, &p, err,
                              sizeof err) == SCKIT_ERR_REJECTED);
  CHECK(p == NULL);
  CHECK(strstr(err, "too-many-instructions") != NULL);
  CHECK(strstr(err, "EINVAL") != NULL);
  CHECK(sckit_program_prepare(kDenyGetpid, 8 * 4097, SCKIT_ENGINE_JIT, &p, err, sizeof err) ==
        SCKIT_ERR_REJECTED);
  CHECK(strstr(err, "4097 instructions") != NULL);
  CHECK(sckit_program_prepare(kDenyGetpid, SIZE_MAX, SCKIT_ENGINE_INTERP, &p, err, sizeof err) ==
        SCKIT_ERR_ARGUMENT);
  /* Length 0 is what the kernel rejects with EINVAL, with or without a pointer. */
  CHECK(sckit_program_prepare(NULL, 0, SCKIT_ENGINE_INTERP, &p, err, sizeof err) ==
        SCKIT_ERR_REJECTED);
  CHECK(strstr(err, "empty-program") != NULL);
  CHECK(sckit_program_prepare(kDenyGetpid, 0, SCKIT_ENGINE_INTERP, &p, NULL, 0) ==
        SCKIT_ERR_REJECTED);
  CHECK(p == NULL);
}

/* NULL where the header says it is not allowed: an error code, or a fail-closed value. */
static void TestNullArguments(void) {
  char err[256];
  CHECK(sckit_program_prepare(kDenyGetpid, sizeof kDenyGetpid, SCKIT_ENGINE_INTERP, NULL, err,
                              sizeof err) == SCKIT_ERR_ARGUMENT);
  CHECK(strstr(err, "NULL") != NULL);
  CHECK(sckit_stack_create(NULL, err, sizeof err) == SCKIT_ERR_ARGUMENT);
  struct seccomp_data d = Record(SYS_read, AUDIT_ARCH_X86_64, 0);
  CHECK(sckit_program_run(NULL, &d) == SECCOMP_RET_KILL_PROCESS);
  CHECK(sckit_program_length(NULL) == 0);
  CHECK(sckit_stack_size(NULL) == 0);
  int matched = 99;
  CHECK(sckit_stack_run(NULL, &d, &matched) == SECCOMP_RET_KILL_PROCESS);
  CHECK(matched == -1);
  sckit_program_release(NULL);
  sckit_stack_release(NULL);

  sckit_program* p = NULL;
  sckit_stack* s = NULL;
  CHECK(sckit_program_prepare(kDenyGetpid, sizeof kDenyGetpid, SCKIT_ENGINE_INTERP, &p, NULL,
                              0) == SCKIT_OK);
  CHECK(sckit_stack_create(&s, NULL, 0) == SCKIT_OK);
  if (p == NULL || s == NULL) return;
  CHECK(sckit_program_run(p, NULL) == SECCOMP_RET_KILL_PROCESS);
  CHECK(sckit_stack_push(NULL, p, 0, err, sizeof err) == SCKIT_ERR_ARGUMENT);
  CHECK(sckit_stack_push(s, NULL, 0, err, sizeof err) == SCKIT_ERR_ARGUMENT);
  CHECK(sckit_stack_push(s, p, 0, NULL, 0) == SCKIT_OK);
  matched = 99;
  CHECK(sckit_stack_run(s, NULL, &matched) == SECCOMP_RET_KILL_PROCESS);
  CHECK(matched == -1);
  CHECK(strcmp(sckit_status_name(SCKIT_ERR_INTERNAL), "internal-error") == 0);
  sckit_program_release(p);
  sckit_stack_release(s);
}

static void TestStack(sckit_engine engine) {
  char err[256];
  sckit_program* deny = NULL;
  sckit_program* trap = NULL;
  sckit_stack* s = NULL;
  CHECK(sckit_program_prepare(kDenyGetpid, sizeof kDenyGetpid, engine, &deny, err, sizeof err) ==
        SCKIT_OK);
  CHECK(sckit_program_prepare(kTrapGetpid, sizeof kTrapGetpid, engine, &trap, err, sizeof err) ==
        SCKIT_OK);
  CHECK(sckit_stack_create(&s, err, sizeof err) == SCKIT_OK);
  if (deny == NULL || trap == NULL || s == NULL) return;
  int matched = 99;
  struct seccomp_data d = Record(SYS_getpid, AUDIT_ARCH_X86_64, 0);
  CHECK(sckit_stack_run(s, &d, &matched) == SECCOMP_RET_ALLOW); /* empty */
  CHECK(matched == -1);
  CHECK(sckit_stack_push(s, deny, 0, err, sizeof err) == SCKIT_OK);
  CHECK(sckit_stack_push(s, trap, 0, err, sizeof err) == SCKIT_OK);
  CHECK(sckit_stack_size(s) == 2);
  /* The programs stay usable and independent of the stack. */
  sckit_program_release(deny);
  sckit_program_release(trap);
  CHECK(sckit_stack_run(s, &d, &matched) == (SECCOMP_RET_TRAP | 7));
  CHECK(matched == 1);
  d = Record(SYS_read, AUDIT_ARCH_X86_64, 42);
  CHECK(sckit_stack_run(s, &d, &matched) == SECCOMP_RET_LOG);
  CHECK(matched == 1);
  d = Record(SYS_read, AUDIT_ARCH_X86_64, 0);
  CHECK(sckit_stack_run(s, &d, NULL) == SECCOMP_RET_ALLOW);
  d = Record(SYS_read, AUDIT_ARCH_I386, 42);
  CHECK(sckit_stack_run(s, &d, &matched) == SECCOMP_RET_KILL_PROCESS);
  CHECK(matched == 0);
  /* Bad flags are refused as seccomp() would (EINVAL). */
  sckit_program* again = NULL;
  CHECK(sckit_program_prepare(kDenyGetpid, sizeof kDenyGetpid, engine, &again, err, sizeof err) ==
        SCKIT_OK);
  CHECK(sckit_stack_push(s, again, 0x80000000u, err, sizeof err) == SCKIT_ERR_REJECTED);
  CHECK(sckit_stack_size(s) == 2);
  sckit_program_release(again);
  sckit_stack_release(s);
}

/* The batch call and the JIT's function pointer give what sckit_program_run gives, record by
 * record, on records that reach every outcome of the filter. */
static void TestBatch(sckit_engine engine) {
  sckit_program* p = NULL;
  CHECK(sckit_program_prepare(kDenyGetpid, sizeof kDenyGetpid, engine, &p, NULL, 0) ==
        SCKIT_OK);
  if (p == NULL) return;
  enum { kCount = 300 };
  static struct seccomp_data records[kCount];
  uint32_t out[kCount];
  int distinct_kill = 0, distinct_errno = 0, distinct_allow = 0;
  for (int i = 0; i < kCount; ++i) {
    records[i] = Record(i % 3 == 0 ? SYS_getpid : i, i % 7 == 0 ? AUDIT_ARCH_I386
                                                                : AUDIT_ARCH_X86_64,
                        (unsigned long long)i * 0x10001);
    out[i] = 0x12345678u;
  }
  CHECK(sckit_program_run_batch(p, records, kCount, out) == SCKIT_OK);
  sckit_jit_function fn = sckit_program_jit_function(p);
  CHECK((fn != NULL) == (engine == SCKIT_ENGINE_JIT));
  for (int i = 0; i < kCount; ++i) {
    const uint32_t one = sckit_program_run(p, &records[i]);
    CHECK(out[i] == one);
    if (fn != NULL) CHECK(fn(&records[i]) == one);
    distinct_kill |= one == SECCOMP_RET_KILL_PROCESS;
    distinct_errno |= one == (SECCOMP_RET_ERRNO | 1);
    distinct_allow |= one == SECCOMP_RET_ALLOW;
  }
  CHECK(distinct_kill && distinct_errno && distinct_allow);
  /* A batch of 0 runs nothing and needs no buffers. */
  CHECK(sckit_program_run_batch(p, NULL, 0, NULL) == SCKIT_OK);
  /* Bad arguments: nothing runs; `out` fails closed. */
  CHECK(sckit_program_run_batch(NULL, records, kCount, out) == SCKIT_ERR_ARGUMENT);
  for (int i = 0; i < kCount; ++i) CHECK(out[i] == SECCOMP_RET_KILL_PROCESS);
  out[0] = 0;
  CHECK(sckit_program_run_batch(p, NULL, 1, out) == SCKIT_ERR_ARGUMENT);
  CHECK(out[0] == SECCOMP_RET_KILL_PROCESS);
  CHECK(sckit_program_run_batch(p, records, 1, NULL) == SCKIT_ERR_ARGUMENT);
  out[0] = 7;
  CHECK(sckit_program_run_batch(p, records, SIZE_MAX / 2, out) == SCKIT_ERR_ARGUMENT);
  CHECK(out[0] == 7); /* an overflowing count is refused before anything is touched */
  CHECK(sckit_program_jit_function(NULL) == NULL);
  sckit_program_release(p);
}

int main(void) {
  TestPrograms(SCKIT_ENGINE_INTERP);
  TestPrograms(SCKIT_ENGINE_JIT);
  TestErrors();
  TestHostileLengths();
  TestNullArguments();
  TestStack(SCKIT_ENGINE_INTERP);
  TestStack(SCKIT_ENGINE_JIT);
  TestBatch(SCKIT_ENGINE_INTERP);
  TestBatch(SCKIT_ENGINE_JIT);
  if (failures == 0) printf("capi_test: all checks passed\n");
  return failures == 0 ? 0 : 1;
}
