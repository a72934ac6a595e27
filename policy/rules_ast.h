// The parsed form of a minijail seccomp policy (the rules language of issue 15): what
// rules_parser.h produces and rules_compile.h / rules_eval.h consume. Every element keeps the
// file:line:col it came from, so later stages (name resolution per arch, code generation) can
// report errors at the source.
//
// Meaning, for one system call: its filters are tried in order; a filter whose expression is
// true gives `if_true`; one whose expression is false gives `if_false` when it has one (the
// `expr; return N` form as minijail0(5) reads it) and otherwise lets the next filter decide; an
// unconditional filter (empty expression) gives `if_true`. When no filter decides, the policy's
// default action applies. Calls no rule names get the default action too (allow in a
// @denylist policy).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vm/status.h"

namespace sckit::policy {

struct SourceLocation {
  std::string file;
  int line = 0;  // 1-based
  int col = 0;   // 1-based

  std::string ToString() const {  // "dir/x.policy:12:7"
    return file + ":" + std::to_string(line) + ":" + std::to_string(col);
  }
};

// An error at a place in a policy: rule "policy", message "file:line:col: what".
inline Error LocatedError(const SourceLocation& at, const std::string& what) {
  Error e = MakeLineError("policy", at.ToString() + ": " + what, at.line);
  return e;
}

// Comparisons of a 64-bit argument with a constant, all unsigned. kAnySet is `&` (some bit of
// the mask set: (arg & v) != 0); kIn is `in` (no bit outside the mask: (arg & ~v) == 0).
enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe, kAnySet, kIn };

// "==", "!=", "<", "<=", ">", ">=", "&", "in".
const char* CompareOpText(CompareOp op);

// A constant expression in postfix order, kept so that named constants can be evaluated per
// arch (their values differ: O_DIRECTORY, MAP_ANONYMOUS, SO_REUSEADDR, TCGETS, ...).
struct ValueOp {
  enum class Kind { kNumber, kName, kComplement, kOr };
  Kind kind = Kind::kNumber;
  uint64_t number = 0;  // kNumber
  std::string name;     // kName
  SourceLocation loc;   // of the number or name
};

struct Atom {
  int arg = 0;  // 0..5
  CompareOp op = CompareOp::kEq;
  uint64_t value = 0;  // the constant expression over 64 bits, names as x86_64 defines them (0
                       // for a name x86_64 lacks); the resolver evaluates `expr` per arch
  std::vector<ValueOp> expr;  // the same expression, postfix
  SourceLocation loc;  // of the argument token
};

using Clause = std::vector<Atom>;  // atoms joined by &&

enum class ActionKind {
  kAllow,
  kKill,  // the word `kill`: the compiler's kill action (kill-thread unless told otherwise)
  kKillProcess,
  kKillThread,
  kTrap,
  kTrace,
  kLog,
  kUserNotify,
  kErrno,
  kDefault,  // a bare `return` (minijail's C parser): the policy's default action
};

struct RuleAction {
  RuleAction() = default;
  RuleAction(ActionKind k, uint16_t d) : kind(k), data(d) {}
  ActionKind kind = ActionKind::kAllow;
  uint16_t data = 0;  // the errno of kErrno (a named one: x86_64's; the resolver sets each arch's)
  std::string data_name;   // `return EPERM`: the name, checked per arch by the resolver
  SourceLocation data_loc;  // of the errno, when named
  friend bool operator==(const RuleAction& a, const RuleAction& b) {
    return a.kind == b.kind && a.data == b.data;
  }
};

// "allow", "kill", ..., "return 13", "return".
std::string RuleActionText(const RuleAction& a);

// The arches a statement applies to, from minijail's metadata `name[arch=x86_64,arm64]`
// (sckit's arch names, vm/arch.h); empty: every arch.
using ArchSet = std::vector<std::string>;

inline bool AppliesTo(const ArchSet& set, std::string_view arch) {
  if (set.empty()) return true;
  for (const std::string& a : set) {
    if (a == arch) return true;
  }
  return false;
}

struct Filter {
  std::vector<Clause> expr;  // disjunction of clauses; empty: unconditional
  RuleAction if_true;
  std::optional<RuleAction> if_false;
  SourceLocation loc;  // of the filter's first token
  ArchSet arches;      // from the syscall name's [arch=...] metadata
};

struct SyscallRule {
  std::string name;  // a syscall name, or a decimal number (minijail0(5)'s <syscall_number>)
  SourceLocation loc;  // of the first statement naming it
  std::vector<Filter> filters;
};

struct FrequencyEntry {
  std::string name;
  uint64_t count = 0;
  SourceLocation loc;
  ArchSet arches;  // from [arch=...] metadata
};

struct Policy {
  std::vector<SyscallRule> rules;  // one per name, in order of first appearance
  std::optional<RuleAction> default_action;  // from @default
  SourceLocation default_loc;
  bool denylist = false;  // @denylist: calls no rule names are allowed
  std::vector<FrequencyEntry> frequencies;  // from @frequency files, in file order
  std::vector<std::string> files;           // every file read, the policy first
  std::vector<std::string> warnings;        // located (statements left out: ParseOptions)
};

}  // namespace sckit::policy
