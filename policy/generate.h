// `sckit generate`: from the system calls a program was seen making (strace logs, audit
// records, the live tracer; formats/trace_call.h) to a least-privilege policy in the rules
// language (docs/policy-language.md) that `sckit compile` turns into a filter.
//
//   - One rule per syscall name seen (names are per arch; the rules language applies a name on
//     every arch that has it), with how often it was seen and by which processes.
//   - Argument checks where the trace justifies them (ArgMode::kAuto): the arguments that are
//     flags or enumerations (policy/syscall_notes.h: socket family and type, ioctl request,
//     prctl option, fcntl command, mmap/mprotect protection, clone/unshare flags, madvise
//     advice, personality), only when every call of that syscall shows the value, as
//     `arg0 == AF_UNIX || arg0 == AF_INET` (enumerations; one clause per combination seen) and
//     `arg2 in PROT_READ|PROT_WRITE` (flags: no bit outside those seen). Never on pointers.
//     kAll checks every argument that was always a plain value (not an address) too; kNone
//     allows by name only.
//   - Calls a runtime needs that a trace may not show (rt_sigreturn, exit_group, ...), and
//     `return ENOSYS` for newer calls whose older fallback the trace shows (so a libc that
//     tries clone3 first falls back to clone instead of failing with the default action).
//   - Findings: newer syscalls used (with the kernel version), escape hatches allowed.
//
// The text is parsed and compiled again before it is returned, and every observed call is run
// through the filter: a policy that would not allow its own trace is an error, never output.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "formats/trace_call.h"
#include "vm/arch.h"
#include "vm/status.h"

namespace sckit::policy {

enum class ArgMode : uint8_t { kAuto, kNone, kAll };

struct GenerateOptions {
  // The arches to compile for, first = native. Empty: those of the calls (x86_64 first).
  std::vector<const ArchInfo*> arches;
  ArgMode args = ArgMode::kAuto;
  // The rules language's action for calls not listed ("kill-process", "return EPERM", "log").
  std::string default_action = "kill-process";
  std::string source;         // for the header: "strace trace.txt", "command: ls -l"
  bool runtime_calls = true;  // add RuntimeCalls()
  bool enosys_stubs = true;   // add `return ENOSYS` for newer calls whose fallback was seen
  size_t max_clauses = 32;    // per syscall; more combinations: fewer arguments checked
};

struct Finding {
  std::string kind;     // "newer-syscall", "enosys-stub", "escape-hatch", "unknown-number"
  std::string syscall;
  std::string message;
};

struct GeneratedPolicy {
  std::string text;                 // the policy
  std::vector<std::string> arches;  // --arch names to compile with, native first
  std::string default_action;       // the --default-action the text needs ("" : @default)
  std::vector<Finding> findings;
  size_t calls = 0;          // observed calls
  size_t syscalls = 0;       // distinct syscalls seen
  size_t constrained = 0;    // of those, rules with argument checks
  size_t added = 0;          // rules not from the trace (runtime calls, ENOSYS stubs)
};

// Errors: "no-calls"; "unknown-arch" for calls whose arch is not among options.arches;
// "bad-default-action"; "generate-check" if the policy would not compile or not allow a call
// of the trace (a bug: it is never written).
Result<GeneratedPolicy> GeneratePolicy(std::span<const TraceCall> calls,
                                       const GenerateOptions& options);

// The command line to compile the result: "--arch x86_64 --arch i386 --kill-process ...".
std::string CompileArguments(const GeneratedPolicy& policy);

}  // namespace sckit::policy
