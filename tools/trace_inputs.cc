// Reading trace files for generate and test (trace_inputs.h).
#include "tools/trace_inputs.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

#include "formats/audit.h"
#include "formats/read_file.h"
#include "formats/strace.h"
#include "policy/rules_constants.h"

namespace sckit::tools {

Result<std::vector<TraceCall>> ReadTraceFile(TraceKind kind, const std::string& path,
                                             const ArchInfo& arch, std::string* summary) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    if (auto e = RefuseDirectory(path)) return *e;
    file.open(path);
    if (!file) return MakeError("io-error", "cannot open " + path + ": " + std::strerror(errno));
    in = &file;
  }
  Result<std::vector<TraceCall>> calls = MakeError("io-error", "");
  if (kind == TraceKind::kStrace) {
    StraceStats st;
    calls = ReadStraceCalls(*in, arch, &st, policy::LookupConstant);
    *summary = std::to_string(st.syscalls) + " calls in " + std::to_string(st.lines) +
               " lines (" + std::to_string(st.unknown) + " unknown names, " +
               std::to_string(st.personality) + " arch changes, " +
               std::to_string(st.approximated_args) + " arguments not numbers)";
  } else {
    AuditStats st;
    calls = ReadAuditCalls(*in, &st);
    *summary = std::to_string(st.records) + " seccomp records in " + std::to_string(st.lines) +
               " lines";
  }
  if (!calls.ok()) {
    Error e = calls.error();
    e.message = path + (e.line > 0 ? ":" + std::to_string(e.line) : "") + ": " + e.message;
    return e;
  }
  return calls;
}

}  // namespace sckit::tools
