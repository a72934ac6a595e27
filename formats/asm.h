// sckit's assembler: text in a dialect close to the kernel's bpf_asm (tools/bpf/bpf_asm,
// Documentation/networking/filter.rst) plus seccomp sugar, to a Program. The dialect is
// documented in docs/asm.md; the disassembler that writes it back is formats/disasm.h.
//
// Every decodable program of at most 4096 instructions (the most any file format holds, as the
// kernel), valid or not, has a text form that assembles to the same bytes
// (`.insn code, jt, jf, k` is the raw escape), so bytes -> canonical text -> bytes is exact.
//
// Conditional jumps farther than 255 instructions are relaxed: the jump goes to a `ja`
// trampoline inserted right after it (ja has a 32-bit offset). Distances that fit are never
// changed, so canonical text round-trips exactly. With relax = false they are an error instead.
#pragma once

#include <string>
#include <string_view>

#include "vm/program.h"
#include "vm/status.h"

namespace sckit {

struct AsmOptions {
  // Architecture for SYS_name / __NR_name until the first `.arch` directive.
  std::string_view arch = "x86_64";
  // Insert ja trampolines for conditional jumps farther than 255; false: "jump-too-far" error.
  bool relax = true;
  // Word names as on a big-endian machine: args[i].lo is offset 20 + 8i, args[i].hi 16 + 8i,
  // ip.lo 12, ip.hi 8 (formats/disasm.h names them the same way). Bare args[i] / ip and
  // offsetof() stay the field's first word.
  bool big_endian = false;
};

// Errors carry the 1-based line and one of the rules: "bad-character", "unknown-mnemonic",
// "bad-operand", "bad-number", "bad-expression", "unknown-symbol", "bad-directive",
// "undefined-label", "duplicate-label", "backward-jump", "jump-too-far", "empty-program",
// "unterminated-comment" (at the line of the `/*`), "too-many-tokens" (on one line),
// "too-many-labels", and "too-many-instructions" (more than 4096 instructions: the kernel's
// verdict, so kernel_errno is EINVAL).
Result<Program> Assemble(std::string_view text, const AsmOptions& options = {});

}  // namespace sckit
