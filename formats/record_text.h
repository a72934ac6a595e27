// The one printer of records and outcomes for people, used by every command that shows a record
// (eval, test, fuzz, coverage, analyze): names where the numbers have them, and nothing that is
// zero unless asked.
//
//   arch=x86_64 nr=ptrace(101) a0=0x10 a2=0x7f0000001000
//
// arch by name (an AUDIT_ARCH number when sckit knows no name for it; `x32` for an x86_64
// record whose nr is a named x32 syscall); nr as `name(number)` when the arch names the number
// (libseccomp's tables), the number alone otherwise; ip and each argument only when not
// zero, unless `full` (then `ip=` and all six `args=`). The text parses back to the same record
// with ParseRecord (formats/records.h), which checks that name and number agree.
//
// Outcomes: Verdict::Text() plus the errno's name for ERRNO (`ERRNO(1) EPERM`, which
// ParseExpectation reads back); signals by name (`SIGSYS`). Errnos and signals are named in
// the numbering of the record's arch (`audit_arch`, vm/names.h: ERRNO(89) is ENOSYS on mips),
// a number alone when that arch has no name for it. JSON keeps the numbers and adds the names
// as members of their own.
#pragma once

#include <string>

#include "vm/outcome.h"
#include "vm/seccomp_data.h"

namespace sckit {

// The record as above.
std::string FormatRecordText(const SeccompData& data, bool full = false);

// `ERRNO(1) EPERM`, `TRAP(5)`, `KILL_PROCESS`: the verdict, with the errno's name when it has one
// on the arch `audit_arch`.
std::string VerdictText(const Verdict& verdict, uint32_t audit_arch);
inline std::string OutcomeText(const Outcome& o, uint32_t audit_arch) {
  return VerdictText(o.verdict(), audit_arch);
}

// `SIGSYS` for 31 on x86_64 (12 on mips): the name on the arch when known, else the number.
std::string SignalText(int signal, uint32_t audit_arch);

// JSON members (no braces, no leading comma) naming a record: `"record": "<canonical form>",
// "text": "<FormatRecordText>", "arch_name": "x86_64" | null, "syscall": "ptrace" | null`
// (arch_name as the text names it: "x32" for a named x32 call; syscall: the name of nr there).
std::string RecordJsonMembers(const SeccompData& data, bool full = false);

// `"errno_name": "EPERM"` when the verdict is an ERRNO whose number has a name on the arch
// `audit_arch`, else `"errno_name": null`.
std::string VerdictNameJson(const Verdict& verdict, uint32_t audit_arch);

}  // namespace sckit
