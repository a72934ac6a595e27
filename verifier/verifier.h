// The kernel's acceptance of a seccomp filter, in the kernel's order:
//   1. bpf_check_basics_ok()      (net/core/filter.c): 1 <= len <= BPF_MAXINSNS
//   2. bpf_check_classic()        (net/core/filter.c): per instruction, in program order,
//      chk_code_allowed, DIV/MOD by constant 0, shift by constant >= 32, scratch index >= 16,
//      jump bounds, unknown ancillary loads; then "last instruction is RET"; then
//      check_load_and_stores() (scratch memory written before read on every path, with the
//      kernel's own conservative state propagation)
//   3. seccomp_check_filter()     (kernel/seccomp.c): the seccomp allow-list, seccomp_data
//      offsets (k < 64, k % 4 == 0), and the rewrites LD|W|ABS -> LDX|W|ABS (0x21) and
//      LD/LDX|W|LEN -> LD/LDX|IMM 64.
// Every error is EINVAL there. Verify() is the only maker of a VerifiedProgram (declared in
// vm/program.h), and only a VerifiedProgram can be interpreted or compiled.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "vm/program.h"
#include "vm/status.h"

namespace sckit {

// The first rejection in the kernel's order (EINVAL), or the verified program.
Result<VerifiedProgram> Verify(const Program& program);

// Every problem, not only the first: each instruction-level rule on every instruction, then
// the final-RET rule, the scratch-memory rule (only when jumps are in range, as the kernel
// can run it only then), and the seccomp rules. Empty when Verify() would accept.
std::vector<Error> VerifyAll(const Program& program);

// Number of eBPF instructions bpf_convert_filter() emits for a program that passed the
// classic and seccomp checks: 3 (prologue) + per instruction: RET K 2, RET A 1, DIV X 5,
// conditional jump 1 (jf == 0, or jt == 0 for JEQ/JGT/JGE) or 2, plus 1 for a K operand
// >= 0x80000000; everything else 1.
uint32_t ConvertedLength(std::span<const SockFilter> original);

}  // namespace sckit
