// `sckit decompile`: a verified filter or stack back to minijail's rules language (issue 15),
// so that `sckit compile` of the text, with the options named in its header, gives a filter
// that decides every record the same way (ProveRoundTrip checks that with analysis/diff).
//
// Per arch the stack dispatches on and per named syscall, the stack's paths with arch and nr
// known (decompile_paths.h) are grouped by outcome and written as conditions
// (decompile_conditions.h): unconditional syscalls in one section per action, conditional
// ones as `name: COND` (allow) and `name: COND; ACTION` lines, the last outcome unconditional
// or left to `@default`. What the language cannot state (instruction-pointer tests, computed
// values, TRAP/TRACE data, arches that disagree on a name, ...) is a comment naming the
// syscall and the reason, and the syscall is left out; nothing approximate is ever emitted.
#pragma once

#include <string>
#include <vector>

#include "policy/rules_parser.h"
#include "policy/rules_resolve.h"
#include "vm/arch.h"
#include "vm/program.h"
#include "vm/status.h"

namespace sckit::policy {

struct DecompileOptions {
  std::vector<const ArchInfo*> arches;  // empty: every arch the stack checks for
  std::vector<std::string> sources;     // file names for the header comment
  size_t max_paths = 4096;    // per (arch, syscall)
  size_t max_clauses = 256;   // per outcome of a syscall (Chrome OS has 83-value ioctl lists)
};

struct Inexpressible {
  std::string syscall;  // a name, "foreign arches", "x32 numbers", "number N"
  std::vector<std::string> arches;
  std::string reason;
};

struct Decompiled {
  std::string text;  // the policy
  ResolveOptions resolve;          // what `sckit compile` must be given (--arch, ...)
  ReturnSemantics semantics = ReturnSemantics::kManPage;
  std::string compile_flags;       // the same as command-line options
  std::vector<Inexpressible> inexpressible;  // known before any proof
};

// Errors: an empty stack; no arch that the stack accepts (pass arches).
Result<Decompiled> Decompile(const std::vector<const VerifiedProgram*>& stack,
                             const DecompileOptions& options = {});

struct RoundTrip {
  bool equivalent = false;  // analysis::Diff proved the recompiled filter equal
  bool exact = true;        // false when the solver gave up
  Program recompiled;
  // Where the two differ, one entry per syscall (or number range), with the reason known
  // from decompiling, else "differs: ORIGINAL here, POLICY after compiling".
  std::vector<Inexpressible> differences;
};

// Compiles `d.text` with `d`'s options and diffs it against the stack.
Result<RoundTrip> ProveRoundTrip(const std::vector<const VerifiedProgram*>& stack,
                                 const Decompiled& d);

}  // namespace sckit::policy
