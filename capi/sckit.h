/* sckit C API: the kernel's seccomp classic-BPF filter path, embeddable from C and any language
 * with a C FFI. Link with -lsckit (libsckit.so, target //capi:libsckit.so).
 *
 * Flow: bytes (a struct sock_filter array, as passed to seccomp(2) in struct sock_fprog) ->
 * sckit_program_prepare() (verified exactly as seccomp(SECCOMP_SET_MODE_FILTER) would, then
 * prepared for the interpreter or compiled by the x86-64 JIT) -> sckit_program_run() on a
 * struct seccomp_data, returning the raw 32-bit value the filter returns (e.g. 0x7fff0000 for
 * SECCOMP_RET_ALLOW). Stacks mirror a thread's filter chain: every filter runs, the winner is
 * chosen by the kernel's precedence (seccomp_run_filters), ties to the newest.
 *
 * Errors: functions that can fail return an sckit_status; when `err` is not NULL, a NUL
 * terminated message (truncated to err_len) says what failed, e.g.
 * "pc 3: jump-out-of-range: jt=12 lands at 20 of 15 instructions (EINVAL)".
 * Run functions take objects that were prepared successfully and cannot fail otherwise.
 * No C++ exception ever leaves a function of this API.
 *
 * NULL pointers, argument by argument:
 *   - `err` may always be NULL (no message); `err_len` may be 0.
 *   - `matched` of sckit_stack_run may be NULL.
 *   - `data` and `out` of sckit_program_run_batch may be NULL when `count` is 0.
 *   - `bytes` of sckit_program_prepare may be NULL only when `len` is 0 (which the kernel
 *     rejects: SCKIT_ERR_REJECTED, empty-program).
 *   - the release functions accept NULL and do nothing; sckit_program_length and
 *     sckit_stack_size return 0 for NULL.
 *   - every other pointer must not be NULL: functions that return an sckit_status return
 *     SCKIT_ERR_ARGUMENT; the run functions, which return a filter value, return
 *     SECCOMP_RET_KILL_PROCESS (0x80000000) and set *matched to -1, failing closed.
 * Thread safety: prepared programs and stacks are immutable while running; run them from any
 * number of threads; sckit_stack_push() must not race with runs of the same stack.
 * See docs/c-api.md.
 */
#ifndef SCKIT_CAPI_SCKIT_H_
#define SCKIT_CAPI_SCKIT_H_

#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SCKIT_API __attribute__((visibility("default")))

typedef enum sckit_status {
  SCKIT_OK = 0,
  SCKIT_ERR_ARGUMENT = 1, /* NULL pointer, length not a multiple of 8, unknown engine */
  SCKIT_ERR_REJECTED = 2, /* the kernel would refuse the filter (EINVAL): empty, more than
                             4096 instructions, or a rule of the verifier; see the message */
  SCKIT_ERR_JIT = 3,      /* the JIT could not compile or map the code (not x86-64, mmap) */
  SCKIT_ERR_NOMEM = 4,    /* allocation failed */
  SCKIT_ERR_LIMIT = 5,    /* the stack would exceed the kernel's attach limits (ENOMEM) */
  SCKIT_ERR_INTERNAL = 6  /* a bug in sckit, caught at the API boundary: see the message */
} sckit_status;

typedef enum sckit_engine {
  SCKIT_ENGINE_INTERP = 0, /* the interpreter: any host */
  SCKIT_ENGINE_JIT = 1     /* x86-64 machine code */
} sckit_engine;

typedef struct sckit_program sckit_program;
typedef struct sckit_stack sckit_stack;

/* Static string for a status ("ok", "rejected", ...). */
SCKIT_API const char* sckit_status_name(sckit_status status);

/* Verifies `len` bytes of struct sock_filter (len = 8 * instructions) and prepares them for
 * `engine`. On success *out owns the program (release with sckit_program_release); on failure
 * *out is NULL. `len` is checked (a multiple of 8, at most 4096 instructions as the kernel
 * allows) before any byte is read. */
SCKIT_API sckit_status sckit_program_prepare(const void* bytes, size_t len, sckit_engine engine,
                                             sckit_program** out, char* err, size_t err_len);

/* The raw 32-bit value the filter returns for `data` (SECCOMP_RET_KILL_PROCESS when either
 * pointer is NULL). A JIT program's machine code is called directly from here (no virtual
 * call, no frame of its own); the interpreter's prepared form likewise. */
SCKIT_API uint32_t sckit_program_run(const sckit_program* program,
                                     const struct seccomp_data* data);

/* Runs the filter on `count` records: out[i] = sckit_program_run(program, &data[i]), one call
 * for a whole batch (fuzzers, test harnesses, replaying traces). `count` may be 0 (then `data`
 * and `out` may be NULL). Returns SCKIT_ERR_ARGUMENT, running nothing, when `program` is NULL,
 * when `data` or `out` is NULL with count > 0, or when count * sizeof(struct seccomp_data)
 * overflows size_t; `out`, when not NULL, then holds SECCOMP_RET_KILL_PROCESS for every record
 * (failing closed) unless the count overflowed. `data` and `out` must not overlap. */
SCKIT_API sckit_status sckit_program_run_batch(const sckit_program* program,
                                               const struct seccomp_data* data, size_t count,
                                               uint32_t* out);

/* The JIT's machine code as a plain C function, for callers that want no call in between: it
 * runs the filter on the 64 bytes at `data` exactly as they are (the record as the filter's
 * loads see it), which is what sckit_program_run(program, data) does with them. NULL for an
 * interpreter program or a NULL program. Valid until the program is released; `data` must not
 * be NULL. */
typedef uint32_t (*sckit_jit_function)(const struct seccomp_data* data);
SCKIT_API sckit_jit_function sckit_program_jit_function(const sckit_program* program);

/* Instructions in the program. */
SCKIT_API size_t sckit_program_length(const sckit_program* program);

SCKIT_API void sckit_program_release(sckit_program* program);

/* An empty stack. */
SCKIT_API sckit_status sckit_stack_create(sckit_stack** out, char* err, size_t err_len);

/* Installs a copy of `program` on top (it becomes the newest), run by the program's engine,
 * with SECCOMP_FILTER_FLAG_* `flags`; checks the kernel's attach limits (MAX_INSNS_PER_PATH). */
SCKIT_API sckit_status sckit_stack_push(sckit_stack* stack, const sckit_program* program,
                                        uint32_t flags, char* err, size_t err_len);

/* Runs every filter (newest first) and returns the winning raw value (exactly 0x7fff0000 when
 * allowed). *matched (if not NULL) receives the winning filter's index, 0 = oldest, or -1 when
 * the stack allows. An empty stack returns SECCOMP_RET_ALLOW. */
SCKIT_API uint32_t sckit_stack_run(const sckit_stack* stack, const struct seccomp_data* data,
                                   int* matched);

SCKIT_API size_t sckit_stack_size(const sckit_stack* stack);

SCKIT_API void sckit_stack_release(sckit_stack* stack);

#ifdef __cplusplus
}
#endif

#endif /* SCKIT_CAPI_SCKIT_H_ */
