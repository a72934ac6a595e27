// Workloads from real programs: `strace -f -o FILE cmd` output turned into seccomp_data records,
// so `sckit bench --workload FILE` measures a filter on the application's own syscall mix.
//
// Lines understood (one syscall each; everything else is skipped and counted):
//   1234  openat(AT_FDCWD, "/etc/x", O_RDONLY|O_CLOEXEC) = 3       (-f: pid first)
//   [pid  1234] read(3, "...", 4096) = 12                           (-f to stderr)
//   12:00:01.123456 close(3) = 0                                    (-t/-tt/-ttt/-r stamps)
//   1234  wait4(-1,  <unfinished ...>                               (counted once, here)
//   1234  <... wait4 resumed>[{WIFEXITED(s) ...}], 0, NULL) = 42    (skipped: counted above)
//   --- SIGCHLD {...} ---, +++ exited with 0 +++, strace's own messages: skipped.
//
// What is approximated (the filter sees registers; strace prints what they point to):
//   - arch is the one given (x86_64 by default); strace's "runs in 32 bit mode" notes are not
//     followed, and the instruction pointer is 0.
//   - An argument becomes a number when strace printed one: decimal (also negative, then
//     two's complement in 64 bits as a sign-extended register would hold it), 0x hex, 0 octal
//     (modes such as 0644), NULL, or an OR of named constants from the table in strace.cc
//     (O_*, AT_*, PROT_*, MAP_*, SOCK_*, AF_*, FUTEX_*, ...) possibly mixed with numbers.
//   - Everything else becomes 0 and counts as approximated: strings and buffers (the filter
//     would see a pointer), structs, arrays, signal masks, unknown constants, unfinished args.
//   - Syscall names resolve through vm/arch.h (libseccomp) for the arch; unknown names and
//     strace's `syscall_0x...` forms are skipped and counted.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "vm/arch.h"
#include "vm/seccomp_data.h"
#include "vm/status.h"

namespace sckit::bench {

enum class StraceLineKind : uint8_t {
  kSyscall,         // a record was produced
  kResumed,         // "<... name resumed>": the call was counted at its "unfinished" line
  kUnknownSyscall,  // a name libseccomp does not know for the arch
  kOther,           // signals, exits, blank lines, anything not a syscall
};

struct StraceLine {
  StraceLineKind kind = StraceLineKind::kOther;
  std::string name;           // the syscall name when one was found
  SeccompData record;         // for kSyscall
  int approximated_args = 0;  // arguments that became 0 because they were not plain numbers
};

// One line of strace output, resolved for `arch`.
StraceLine ParseStraceLine(std::string_view line, const ArchInfo& arch);

struct StraceStats {
  int lines = 0;
  int syscalls = 0;
  int resumed = 0;
  int unknown = 0;  // unknown syscall names
  int other = 0;
  int approximated_args = 0;
};

// Every syscall line of a trace, in order. Error "empty-workload" if no line was a syscall.
Result<std::vector<SeccompData>> ParseStrace(std::istream& in, const ArchInfo& arch,
                                             StraceStats* stats = nullptr);

// The numeric value of one printed argument, if it is a plain number or flag expression.
// Exposed for tests.
bool StraceArgValue(std::string_view arg, uint64_t* value);

}  // namespace sckit::bench
