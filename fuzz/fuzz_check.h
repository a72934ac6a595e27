// Shared by the fuzz targets: the round-trip invariants every parsed program must satisfy.
// A violated invariant aborts (libFuzzer records the input as a crash).
#pragma once

#include <cstdio>
#include <cstdlib>

#include "formats/asm.h"
#include "formats/carray.h"
#include "formats/disasm.h"
#include "vm/program.h"

namespace sckit::fuzz {

inline void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
    std::abort();
  }
}

// bytes -> canonical assembly -> bytes, and bytes -> C array -> bytes, must be exact.
inline void CheckRoundTrips(const Program& program) {
  (void)DisassembleListing(program);
  if (program.empty()) {
    // Zero raw bytes decode to zero instructions; the text formats have no empty program.
    Result<Program> from_asm = Assemble(DisassembleCanonical(program));
    Check(!from_asm.ok() && from_asm.error().rule == "empty-program",
          "the empty program's text is the error empty-program");
    return;
  }
  if (program.size() > 4096) return;  // the text formats stop at the kernel's limit
  Result<Program> from_asm = Assemble(DisassembleCanonical(program));
  Check(from_asm.ok(), "canonical assembly of a program assembles");
  Check(from_asm.ok() && *from_asm == program, "canonical assembly reproduces the bytes");
  Result<Program> from_c = ParseCArray(EmitCArray(program));
  Check(from_c.ok(), "C array of a program parses");
  Check(from_c.ok() && *from_c == program, "C array reproduces the bytes");
}

}  // namespace sckit::fuzz
