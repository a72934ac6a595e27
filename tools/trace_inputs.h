// Trace files for `sckit generate` and `sckit test`: strace output (formats/strace.h, with the
// rules language's constant names for what strace prints symbolically) and seccomp audit
// records (formats/audit.h), opened and read with errors as "PATH:LINE: message".
#pragma once

#include <string>
#include <vector>

#include "formats/trace_call.h"
#include "vm/arch.h"
#include "vm/status.h"

namespace sckit::tools {

enum class TraceKind { kStrace, kAudit };

// Every call of the file ("-": standard input). `arch`: the arch of an strace trace's calls
// (strace's personality notes change it per process).
Result<std::vector<TraceCall>> ReadTraceFile(TraceKind kind, const std::string& path,
                                             const ArchInfo& arch, std::string* summary);

}  // namespace sckit::tools
