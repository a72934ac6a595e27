// The output forms of a compiled filter for `sckit compile` and `sckit generate --emit`: raw
// bytes, sckit assembly, a listing, a C array, a C installer (formats/ does the work).
#pragma once

#include <string>

#include "formats/codec.h"
#include "vm/arch.h"
#include "vm/program.h"
#include "vm/status.h"

namespace sckit::tools {

// Error "bad-emit" for an unknown form. Raw output in `order` (kAuto: little-endian); with kBig
// assembly and listings name the loaded words as on a big-endian machine.
Result<std::string> RenderFilter(const Program& program, const std::string& emit,
                                 const ArchInfo* arch, ByteOrder order = ByteOrder::kLittle);

}  // namespace sckit::tools
