// Human-readable views of JIT output for `sckit jit --dump`: a hex dump, and a capstone
// (libcapstone, Intel syntax) disassembly in which each BPF instruction is marked at the first
// byte of the code generated for it.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "vm/bpf.h"
#include "vm/status.h"

namespace sckit::jit {

// "0000  31 c0 31 c9 ...", 16 bytes per line.
std::string HexDump(std::span<const uint8_t> code);

// One BPF instruction as listing text, from the user's (un-rewritten) program: "jeq #0x3b, 3, 4"
// with absolute jump targets, "ld [4]", "ld M[2]", "ret #0x7fff0000".
std::string FormatBpf(const SockFilter& insn, size_t pc);

// Capstone disassembly of `code` with "; pc N: ..." markers taken from pc_offsets (see
// CompiledFilter::pc_offsets()); `program` is the user's program (same length as pc_offsets).
// Bytes from data_offset on are tables (jit/multiway.h: jump offsets, return values, one-byte
// slots padded to 4 bytes): listed as 32-bit words ("dd"), not decoded.
// Error "disasm-failed" when capstone cannot be opened or stops before data_offset.
Result<std::string> Disassemble(std::span<const uint8_t> code,
                                std::span<const uint32_t> pc_offsets,
                                std::span<const SockFilter> program, uint32_t body_offset,
                                uint32_t epilogue_offset, uint32_t data_offset);

}  // namespace sckit::jit
