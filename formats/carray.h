// The C-array text format: what `tcpdump -dd` prints (`{ 0x20, 0, 0, 0x00000004 },` per
// instruction) and what C programs write with the kernel's macros
// (`BPF_STMT(BPF_LD|BPF_W|BPF_ABS, offsetof(struct seccomp_data, nr))`, `BPF_JUMP(...)`).
//
// The parser takes the entries in order wherever they appear (bare lines, or inside
// `struct sock_filter f[] = { ... };`), skips comments, preprocessor lines and C code outside
// the arrays (an array is the braces that hold entries: nothing but entries and commas may
// stand in it), and expands
// object-like `#define NAME value` macros. Arguments are constant expressions over the symbols
// of formats/asm_expr.h (BPF_*, SECCOMP_RET_*, AUDIT_ARCH_*, __NR_x / SYS_x, E*, offsetof).
// A brace group is an instruction when it has four fields or starts with a number; other groups
// (e.g. `struct sock_fprog prog = { .len = ..., .filter = f }`) are skipped.
#pragma once

#include <string>
#include <string_view>

#include "vm/program.h"
#include "vm/status.h"

namespace sckit {

struct CArrayOptions {
  std::string_view arch = "x86_64";  // for __NR_x / SYS_x
};

// Errors carry the 1-based line: "bad-number", "bad-expression", "unknown-symbol", "bad-entry"
// (also anything but entries and commas between the entries of an array, or before the first
// entry inside its braces), "bad-character", "unsupported-macro" (a use of a function-like
// #define), "empty-program", "unterminated-comment", "unterminated-literal" and
// "unterminated-block" (at the line where it opens), "too-many-tokens", and
// "too-many-instructions" (more than 4096 entries, found before lexing when they are spelled
// out: the kernel's verdict, so kernel_errno is EINVAL).
Result<Program> ParseCArray(std::string_view text, const CArrayOptions& options = {});

// `struct sock_filter filter[] = { ... };` with one tcpdump -dd style line per instruction,
// each followed by a comment with its disassembly (when `comments`).
std::string EmitCArray(const Program& program, bool comments = true);

// A self-contained C source for people who ship precompiled filters: the array (as
// EmitCArray, named sckit_filter) and `static int sckit_install_filter(void)`, which sets
// no_new_privs and installs the filter on the calling thread with seccomp(2), returning 0 or -1
// with errno set. Compiles as C89..C17 and C++ with glibc or musl and Linux UAPI headers. An
// array of more than 4096 instructions does not compile (a negative array size in a typedef),
// and the function checks 1..4096 again before it sets the 16-bit prog.len: a program the
// kernel would reject never installs as something else. Callers should emit only verified
// programs (`sckit asm --emit c-install` refuses the rest).
std::string EmitCInstaller(const Program& program, bool comments = true);

// True when text looks like a C array: a `{` followed by a number, or BPF_STMT / BPF_JUMP.
bool LooksLikeCArray(std::string_view text);

}  // namespace sckit
