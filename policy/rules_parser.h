// Parser of minijail's seccomp policy language (issue 15; grammar and semantics in
// docs/policy-language.md). Produces a Policy (rules_ast.h) with every element located; names
// of system calls are kept as written and resolved per arch by the compiler (rules_compile.h),
// named constants are checked here against the generated tables (rules_constants.h) and kept
// as expressions, which the resolver evaluates per arch (rules_resolve.h).
//
//   line        = '@include' PATH | '@frequency' PATH | '@default' action | '@denylist'
//               | syscalls ':' filters
//   syscalls    = desc | '{' desc { ',' desc } '}'          desc = name [ metadata ]
//   name        = IDENT | NUMBER                            (IDENT with '@': a group, refused)
//   metadata    = '[' key '=' IDENT { ',' IDENT } { ';' key '=' ... } ']'   (arch=...: the
//                 arches the statement applies to; other keys ignored, as minijail does)
//   filters     = filter | '{' filter { ',' filter } '}'
//   filter      = action | expr [ ';' action ]
//   action      = 'allow' | '1' | 'kill' | 'kill-process' | 'kill-thread' | 'trap' | 'trace'
//               | 'log' | 'user-notify' | 'return' [ constant ]
//   expr        = clause { '||' clause }      clause = atom { '&&' atom }
//   atom        = 'arg'N op value             op = == != < <= > >= & in
//   value       = term { '|' term }           term = [ '~' ] ( '(' value ')' | NUMBER | IDENT )
//
// Bounded on any input: file size and total size caps, an @include depth cap, no recursion
// deeper than the parenthesis cap.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "policy/rules_ast.h"
#include "vm/status.h"

namespace sckit::policy {

// How `expr; return N` (and `expr; ACTION`) reads. minijail0(5) and minijail's C parser:
// expr true -> allow, otherwise ERRNO N (kManPage, the default). minijail's Python compiler:
// expr true -> ERRNO N, otherwise the next rule or the default action (kPython).
enum class ReturnSemantics { kManPage, kPython };

struct ParseOptions {
  ReturnSemantics return_semantics = ReturnSemantics::kManPage;
  size_t max_file_bytes = size_t{1} << 20;    // per file
  size_t max_total_bytes = size_t{16} << 20;  // all files together
  int max_include_depth = 10;                 // files open at once, the policy itself counted
  // As minijail's C parser built with ALLOW_DUPLICATE_SYSCALLS (Android's libminijail): the
  // first statement naming a syscall decides it, a later one is left out with a warning
  // (Policy::warnings), and two statements that both have conditions or an action other than
  // `1` are an error (that parser refuses them: a duplicate label). Off: statements for one
  // syscall are tried in order, as minijail's Python compiler does.
  bool allow_duplicate_syscalls = false;
  // Reads a whole file; default (empty): from disk.
  std::function<Result<std::string>(const std::string& path)> read_file;
};

// Parses the policy at `path`; @include and @frequency paths are relative to the directory of
// the file that names them (absolute paths as they are).
Result<Policy> ParsePolicyFile(const std::string& path, const ParseOptions& options = {});

// Parses `text` as if it were the file `name`.
Result<Policy> ParsePolicyText(std::string_view text, const std::string& name,
                               const ParseOptions& options = {});

// Parses a constant expression (`value` above) on its own, e.g. for --default-action.
Result<uint64_t> ParseValueText(std::string_view text);

// Parses an action (`action` above) on its own, e.g. "kill-process", "return EPERM".
Result<RuleAction> ParseActionText(std::string_view text);

}  // namespace sckit::policy
