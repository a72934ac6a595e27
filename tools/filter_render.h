// The output forms of a compiled filter for `sckit compile` and `sckit generate --emit`: raw
// bytes, sckit assembly, a listing, a C array, a C installer (formats/ does the work).
#pragma once

#include <string>

#include "vm/arch.h"
#include "vm/program.h"
#include "vm/status.h"

namespace sckit::tools {

// Error "bad-emit" for an unknown form.
Result<std::string> RenderFilter(const Program& program, const std::string& emit,
                                 const ArchInfo* arch);

}  // namespace sckit::tools
