// libFuzzer target: the audit reader (formats/audit.h) on arbitrary text. Never crashes;
// errors carry a rule and the line; every record has a known arch and its line; a record
// written back in audit.log's raw form parses to the same call.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>

#include "fuzz/fuzz_check.h"
#include "formats/audit.h"
#include "vm/arch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sckit;  // NOLINT
  const std::string text(reinterpret_cast<const char*>(data), size);
  int lines = 1;
  for (char c : text) lines += c == '\n';
  std::istringstream in(text);
  AuditStats stats;
  Result<std::vector<TraceCall>> calls = ReadAuditCalls(in, &stats);
  if (!calls.ok()) {
    fuzz::Check(!calls.error().rule.empty(), "errors carry a rule");
    if (calls.error().rule == "bad-audit-record") {
      fuzz::Check(calls.error().line >= 1 && calls.error().line <= lines, "errors say where");
    }
    return 0;
  }
  fuzz::Check(stats.records == static_cast<int>(calls->size()), "every record is counted");
  for (const TraceCall& c : *calls) {
    fuzz::Check(c.line >= 1 && c.line <= lines, "a record's line is in the input");
    fuzz::Check(FindArchByAudit(c.record.arch) != nullptr, "a record's arch is known");
    fuzz::Check(c.known_args == 0, "audit records have no arguments");
    char canonical[256];
    std::snprintf(canonical, sizeof canonical,
                  "type=SECCOMP msg=audit(1.0:1): pid=%lld arch=%x syscall=%u ip=0x%llx",
                  static_cast<long long>(c.pid), c.record.arch,
                  static_cast<uint32_t>(c.record.nr),
                  static_cast<unsigned long long>(c.record.instruction_pointer));
    TraceCall back;
    Result<bool> r = ParseAuditLine(canonical, 1, &back);
    fuzz::Check(r.ok() && *r, "the raw form of a record parses");
    fuzz::Check(r.ok() && std::memcmp(&back.record, &c.record, sizeof c.record) == 0 &&
                    back.pid == c.pid,
                "the raw form gives back the same call");
  }
  return 0;
}
