// The disassembler: a Program as text, in two styles.
//   Listing   - for reading: pc, the raw fields (code jt jf k), the instruction with absolute
//               jump targets (tcpdump -d style `jeq #59 jt 4 jf 5`), action names for ret,
//               seccomp_data field names for loads, syscall / AUDIT_ARCH names as comments.
//   Canonical - assembly (docs/asm.md) that formats/asm.h assembles back to the identical bytes for
//               every program, valid or not; `.insn code, jt, jf, k` wherever the readable form
//               would lose bits (unknown opcodes, jumps out of range, stray jt/jf/k).
// Syscall names come from a forward data-flow pass over the (forward-only) jumps: which
// seccomp_data word A holds, and which arch a `jeq #AUDIT_ARCH_..` on [arch] pinned on this path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vm/arch.h"
#include "vm/program.h"

namespace sckit {

struct DisasmOptions {
  // Arch for syscall names where the path does not pin one; nullptr: x86_64.
  const ArchInfo* arch = nullptr;
  // Comments (syscall names, errno names, notes on invalid fields).
  bool comments = true;
  // Name loaded words as on a big-endian machine (offset 16 is args[0].hi there): for filters
  // read big-endian (formats/codec.h); `sckit asm --byte-order big` reads the names back so.
  bool big_endian = false;
};

std::string DisassembleListing(const Program& program, const DisasmOptions& options = {});
std::string DisassembleCanonical(const Program& program, const DisasmOptions& options = {});

// Each instruction in listing style with its comment (no pc, no raw fields).
std::vector<std::string> DisassembleLines(const Program& program,
                                          const DisasmOptions& options = {});

// One instruction in listing style ("ld [args[1].hi]", "jeq #59 jt 4 jf 5", "ret ERRNO(1)"),
// for other components' messages. `len` is the program length (for out-of-range notes).
std::string FormatInstruction(const SockFilter& insn, size_t pc, size_t len);

// "nr", "arch", "ip.lo", "ip.hi", "args[i].lo", "args[i].hi" for word offsets into
// struct seccomp_data (little-endian machines; with big_endian, the halves the other way
// round), nullopt otherwise.
std::optional<std::string> SeccompFieldName(uint32_t offset, bool big_endian = false);

// "ALLOW", "ERRNO(13)", "KILL_THREAD", ...; nullopt for values of no known action.
std::optional<std::string> ReturnValueName(uint32_t value);

}  // namespace sckit
