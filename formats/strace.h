// strace output as system calls: `strace -f -o FILE cmd` turned into seccomp_data records, for
// `sckit bench --workload FILE` / `sckit optimize --workload FILE` (the application's own
// syscall mix), `sckit generate --strace FILE` (a policy from what the program did) and
// `sckit test --strace FILE` (the trace replayed against a filter).
//
// Lines understood (one syscall each; everything else is skipped and counted):
//   1234  openat(AT_FDCWD, "/etc/x", O_RDONLY|O_CLOEXEC) = 3       (-f -o: pid first)
//   [pid  1234] read(3, "...", 4096) = 12                           (-f to stderr)
//   12:00:01.123456 close(3) = 0                                    (-t/-tt/-ttt/-r stamps)
//   openat(0xffffff9c, 0x7ffc2a3b, 0x80000) = 0x3                   (-e raw=all, -X raw)
//   1234  wait4(-1,  <unfinished ...>                               (joined with its resume:
//   1234  <... wait4 resumed>[{WIFEXITED(s) ...}], 0, NULL) = 42     one call, at the first line)
//   [ Process PID=1234 runs in 32 bit mode. ]                       (that pid's calls are i386
//                                                                    from here on; "x32 mode",
//                                                                    "64 bit mode" likewise)
//    > /usr/lib/x86_64-linux-gnu/libc.so.6(read+0x11) [0x10d1f1]    (-k stack lines: skipped)
//   syscall_0x1c2(0x1, 0x2) = -1 ENOSYS                             (a number strace has no
//                                                                    name for: taken as is)
//   --- SIGCHLD {...} ---, +++ exited with 0 +++, strace's own messages: skipped.
//
// What is approximated (the filter sees registers; strace prints what they point to):
//   - the instruction pointer is 0.
//   - An argument becomes a number when strace printed one: decimal (also negative, then
//     two's complement in 64 bits as a sign-extended register would hold it), 0x hex, 0 octal
//     (modes such as 0644), NULL, or an OR of named constants (the table in strace.cc, or the
//     caller's lookup: `sckit generate` passes the rules language's generated table) possibly
//     mixed with numbers; `name=value` arguments (clone's) are put in their register.
//   - Everything else becomes 0 and is not known (TraceCall::known_args): strings and buffers
//     (the filter would see a pointer), structs, arrays, signal masks, unknown constants.
//   - Syscall names resolve through vm/arch.h (libseccomp) for the pid's arch; unknown names
//     are skipped and counted.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/trace_call.h"
#include "vm/arch.h"
#include "vm/seccomp_data.h"
#include "vm/status.h"

namespace sckit {

enum class StraceLineKind : uint8_t {
  kSyscall,         // a record was produced (also for an "<unfinished ...>" line)
  kResumed,         // "<... name resumed>": the rest of an unfinished call
  kUnknownSyscall,  // a name libseccomp does not know for the arch
  kPersonality,     // "[ Process PID=N runs in 32 bit mode. ]"
  kStack,           // a -k stack frame line (" > lib(func+0x1) [0x...]")
  kOther,           // signals, exits, blank lines, anything not a syscall
};

// Names strace prints that the built-in table lacks (ioctl requests, PR_*, MADV_*, ...):
// nullopt when unknown too.
using ConstantLookup = std::function<std::optional<uint64_t>(std::string_view)>;

struct StraceLine {
  StraceLineKind kind = StraceLineKind::kOther;
  std::string name;           // the syscall name when one was found
  SeccompData record;         // for kSyscall
  int approximated_args = 0;  // arguments that became 0 because they were not plain numbers
  uint8_t known_args = 0;     // TraceCall::known_args
  uint8_t pointer_args = 0;   // TraceCall::pointer_args
  bool unfinished = false;    // kSyscall ending in "<unfinished ...>"
  int64_t pid = 0;            // "1234 " or "[pid 1234]"; for kPersonality the note's pid
  const ArchInfo* personality = nullptr;  // kPersonality: the arch the pid now runs in
  std::string_view rest;      // kResumed: the text after "resumed>"; unfinished: the call text
};

// One line of strace output, resolved for `arch`, on its own (no joining of resumed calls).
StraceLine ParseStraceLine(std::string_view line, const ArchInfo& arch,
                           const ConstantLookup& lookup = nullptr);

struct StraceStats {
  int lines = 0;
  int syscalls = 0;
  int resumed = 0;
  int unknown = 0;  // unknown syscall names
  int other = 0;
  int stack = 0;         // -k frame lines
  int personality = 0;   // arch changes noted by strace
  int approximated_args = 0;
};

// A whole trace, line by line: resumed calls joined with their start (per pid), each pid's
// arch followed through strace's personality notes. Calls come out in the order of their first
// line once finished; Finish() gives the ones never resumed (a process that died in the call).
class StraceReader {
 public:
  explicit StraceReader(const ArchInfo& arch, ConstantLookup lookup = nullptr)
      : arch_(&arch), lookup_(std::move(lookup)) {}
  void Line(std::string_view line, int line_no, std::vector<TraceCall>* out);
  void Finish(std::vector<TraceCall>* out);
  const StraceStats& stats() const { return stats_; }

 private:
  struct Pending {
    int line = 0;
    std::string call;  // "wait4(-1, " without "<unfinished ...>"
    std::string text;
  };
  const ArchInfo& ArchOf(int64_t pid) const;
  void Emit(const StraceLine& l, int line_no, std::string_view text, std::vector<TraceCall>* out);

  const ArchInfo* arch_;
  ConstantLookup lookup_;
  std::map<int64_t, const ArchInfo*> pid_arch_;
  std::map<int64_t, Pending> pending_;
  StraceStats stats_;
};

// Every syscall of a trace, in order of their first line. Errors: "line-too-long" (with the
// line), more than kMaxTraceCalls calls, "io-error"; "empty-trace" if no line was a syscall.
Result<std::vector<TraceCall>> ReadStraceCalls(std::istream& in, const ArchInfo& arch,
                                               StraceStats* stats = nullptr,
                                               const ConstantLookup& lookup = nullptr);

// The records alone (bench and optimize workloads). Error "empty-workload" when no line was a
// syscall.
Result<std::vector<SeccompData>> ParseStrace(std::istream& in, const ArchInfo& arch,
                                             StraceStats* stats = nullptr);

// The numeric value of one printed argument, if it is a plain number or flag expression.
// Exposed for tests.
bool StraceArgValue(std::string_view arg, uint64_t* value, const ConstantLookup& lookup = nullptr);

}  // namespace sckit
