// One-line listings of classic BPF instructions for `sckit eval --trace`, in bpf_asm spelling
// with absolute jump targets: `ld [0]`, `jeq #0x101, 4, 5`, `ret #0x7fff0000`. Only what a
// trace needs; the assembler/disassembler (vm/asm.h) owns the full text format.
#pragma once

#include <cstdint>
#include <string>

#include "vm/bpf.h"

namespace sckit {

// `insn` as the user wrote it (the original program, before the seccomp rewrites), at `pc`.
// Loads from seccomp_data name their field: `ld [4] ; arch`.
std::string ListInsn(const SockFilter& insn, uint32_t pc);

}  // namespace sckit
