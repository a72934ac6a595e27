// Kernel audit records of seccomp decisions as system calls, for `sckit generate --audit FILE`
// and `sckit test --audit FILE`. The kernel writes one (audit_seccomp(), type AUDIT_SECCOMP =
// 1326) for each call whose action is logged: a LOG action, or any action but ALLOW of a
// filter installed with SECCOMP_FILTER_FLAG_LOG, per /proc/sys/kernel/seccomp/actions_logged.
//
// Lines understood (anything else is skipped and counted):
//   type=SECCOMP msg=audit(1700000000.123:45): auid=1000 uid=1000 gid=1000 ses=2 pid=1234
//     comm="curl" exe="/usr/bin/curl" sig=0 arch=c000003e syscall=41 compat=0
//     ip=0x7f3a1c2b code=0x7ffc0000                                       (audit.log, raw)
//   [ 1234.5] audit: type=1326 audit(1700000000.123:45): auid=... arch=c000003e syscall=41 ...
//                                                                 (dmesg, journalctl -k, syslog)
//   type=SECCOMP msg=audit(12/07/2026 07:00:00.123:45) : ... arch=x86_64 syscall=socket
//     compat=no ip=0x7f3a1c2b code=log                                     (ausearch -i)
// ENRICHED audit.log lines carry uppercase fields after a 0x1d byte: ignored.
//
// What a record gives: arch, syscall number, instruction pointer, pid and comm, the action
// (code); TraceCall::text is the record from `pid=` on. Never the arguments: the kernel does
// not log them (TraceCall::known_args is 0).
// A seccomp record without `arch=` or `syscall=`, or with a value that does not parse, is an
// error naming the line.
#pragma once

#include <cstdint>
#include <istream>
#include <string_view>
#include <vector>

#include "formats/trace_call.h"
#include "vm/status.h"

namespace sckit {

struct AuditStats {
  int lines = 0;
  int records = 0;  // seccomp records read
  int other = 0;    // lines that are not seccomp records
};

// One line: true with *out filled for a seccomp record, false for any other line; an error
// ("bad-audit-record", at `line_no`) for a seccomp record that cannot be read.
Result<bool> ParseAuditLine(std::string_view line, int line_no, TraceCall* out,
                            uint32_t* code = nullptr);

// Every seccomp record of a log, in order. Errors: those of ParseAuditLine, "line-too-long",
// more than kMaxTraceCalls records, "io-error"; "empty-trace" when no line was one.
Result<std::vector<TraceCall>> ReadAuditCalls(std::istream& in, AuditStats* stats = nullptr);

}  // namespace sckit
