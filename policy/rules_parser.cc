// Parser of the policy language (see rules_parser.h for the grammar): files, directives and
// statements; the pieces of a statement (values, expressions, actions, syscall names with
// metadata) are rules_syntax.h. One logical line is one statement.
#include "formats/read_file.h"
#include "policy/rules_parser.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <vector>

#include "policy/rules_constants.h"
#include "policy/rules_lexer.h"
#include "policy/rules_syntax.h"
#include "policy/suggest.h"
#include "vm/arch.h"

namespace sckit::policy {
namespace {

using internal::Cursor;
using internal::Descriptor;
using internal::IsArgToken;
using internal::ParseAction;
using internal::ParseDescriptor;
using internal::ParseExpression;
using internal::ParseValue;


std::string Dirname(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return "";
  return path.substr(0, slash + 1);
}

// Lexical normalisation: "a/./b" -> "a/b", "a/b/../c" -> "a/c" (leading ".." kept).
std::string Normalise(const std::string& path) {
  const bool absolute = !path.empty() && path[0] == '/';
  std::vector<std::string> parts;
  std::stringstream ss(path);
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == ".." && !parts.empty() && parts.back() != "..") {
      parts.pop_back();
    } else if (part != ".." || !absolute) {
      parts.push_back(part);
    }
  }
  std::string out = absolute ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "/" : "") + parts[i];
  return out.empty() ? "." : out;
}

std::string ResolvePath(const std::string& including_file, const std::string& path) {
  if (!path.empty() && path[0] == '/') return Normalise(path);
  return Normalise(Dirname(including_file) + path);
}

Result<std::string> ReadFromDisk(const std::string& path, size_t cap) {
  Result<std::vector<uint8_t>> bytes = ReadBoundedFile(path, cap, "a policy file");
  if (!bytes.ok()) {  // the reason alone: the caller names the file
    std::string why = bytes.error().message;
    for (const std::string& prefix : {"cannot open " + path + ": ", "cannot read " + path + ": "}) {
      if (why.rfind(prefix, 0) == 0) why = why.substr(prefix.size());
    }
    return MakeError("io", why);
  }
  return std::string(bytes->begin(), bytes->end());
}

}  // namespace

class PolicyParser {
 public:
  explicit PolicyParser(const ParseOptions& options) : opts_(options) {}

  Result<Policy> Run(std::string_view text, const std::string& name) {
    policy_.files.push_back(name);
    Result<bool> ok = ParseText(text, name, 1);
    if (!ok.ok()) return ok.error();
    Result<bool> checked = Check();
    if (!checked.ok()) return checked.error();
    return std::move(policy_);
  }

  Result<std::string> Read(const std::string& path) {
    Result<std::string> data = opts_.read_file ? opts_.read_file(path)
                                               : ReadFromDisk(path, opts_.max_file_bytes);
    if (!data.ok()) return data;
    if (data->size() > opts_.max_file_bytes) {
      return MakeError("io", "larger than " + std::to_string(opts_.max_file_bytes) + " bytes");
    }
    total_bytes_ += data->size();
    if (total_bytes_ > opts_.max_total_bytes) {
      return MakeError("io", "policy files together larger than " +
                                 std::to_string(opts_.max_total_bytes) + " bytes");
    }
    return data;
  }

 private:
  Result<bool> ParseText(std::string_view text, const std::string& file, int depth) {
    Result<std::vector<LogicalLine>> lines = Tokenize(text, file);
    if (!lines.ok()) return lines.error();
    for (const LogicalLine& line : *lines) {
      Result<bool> ok = ParseLine(line, file, depth);
      if (!ok.ok()) return ok;
    }
    return true;
  }

  Result<bool> ParseLine(const LogicalLine& line, const std::string& file, int depth) {
    Cursor c(line);
    Result<bool> ok = true;
    if (c.PeekIs(TokenKind::kDirective)) {
      ok = ParseDirective(c, file, depth);
    } else {
      ok = ParseStatement(c);
    }
    if (!ok.ok()) return ok;
    if (!c.AtEnd()) return c.Fail("unexpected " + c.Describe() + " after the statement");
    return true;
  }

  Result<bool> ParseDirective(Cursor& c, const std::string& file, int depth) {
    const Token& d = c.Next();
    if (d.text == "@denylist") {
      policy_.denylist = true;
      return true;
    }
    if (d.text == "@default") {
      Result<RuleAction> a = ParseAction(c);
      if (!a.ok()) return a.error();
      if (a->kind == ActionKind::kAllow || a->kind == ActionKind::kLog ||
          a->kind == ActionKind::kTrace || a->kind == ActionKind::kErrno ||
          a->kind == ActionKind::kDefault) {
        return LocatedError(d.loc, "@default must be kill, kill-process, kill-thread, trap or "
                                   "user-notify, not '" + RuleActionText(*a) + "'");
      }
      policy_.default_action = *a;
      policy_.default_loc = d.loc;
      return true;
    }
    if (d.text != "@include" && d.text != "@frequency") {
      return LocatedError(d.loc, "unknown directive '" + d.text +
                                     "' (expected @include, @frequency, @default or @denylist)");
    }
    if (!c.PeekIs(TokenKind::kPath)) return c.Fail("expected a path after " + d.text);
    const Token& p = c.Next();
    const std::string path = ResolvePath(file, p.text);
    if (d.text == "@include" && depth >= opts_.max_include_depth) {
      return LocatedError(p.loc, "@include nested too deep (more than " +
                                     std::to_string(opts_.max_include_depth) + " files open)");
    }
    Result<std::string> data = Read(path);
    if (!data.ok()) {
      return LocatedError(p.loc, "cannot read '" + p.text + "' (as " + path +
                                     "): " + data.error().message);
    }
    policy_.files.push_back(path);
    if (d.text == "@frequency") return ParseFrequency(*data, path);
    return ParseText(*data, path, depth + 1);
  }

  Result<bool> ParseFrequency(std::string_view text, const std::string& file) {
    Result<std::vector<LogicalLine>> lines = Tokenize(text, file);
    if (!lines.ok()) return lines.error();
    for (const LogicalLine& line : *lines) {
      Cursor c(line);
      if (!c.PeekIs(TokenKind::kIdent)) return c.Fail("expected a syscall name, found " + c.Describe());
      Result<Descriptor> d = ParseDescriptor(c);
      if (!d.ok()) return d.error();
      const Token& name = *d->name;
      if (!c.PeekIs(TokenKind::kColon)) return c.Fail("expected ':', found " + c.Describe());
      c.Next();
      if (!c.PeekIs(TokenKind::kNumber)) return c.Fail("expected a count, found " + c.Describe());
      const Token& n = c.Next();
      Result<uint64_t> count = ParseNumber(n.text);
      if (!count.ok() || n.text[0] == '-') {
        return LocatedError(n.loc, "invalid count '" + n.text + "'");
      }
      if (!c.AtEnd()) return c.Fail("unexpected " + c.Describe() + " after the count");
      policy_.frequencies.push_back({name.text, *count, name.loc, d->arches});
    }
    return true;
  }

  Result<bool> ParseStatement(Cursor& c) {
    std::vector<Descriptor> names;
    const bool braced = c.PeekIs(TokenKind::kLBrace);
    if (braced) c.Next();
    while (true) {
      Result<Descriptor> d = ParseDescriptor(c);
      if (!d.ok()) return d.error();
      names.push_back(std::move(*d));
      if (!braced || !c.PeekIs(TokenKind::kComma)) break;
      c.Next();
    }
    if (braced) {
      if (!c.PeekIs(TokenKind::kRBrace)) return c.Fail("expected ',' or '}', found " + c.Describe());
      c.Next();
    }
    if (!c.PeekIs(TokenKind::kColon)) {
      return c.Fail("expected ':' after the syscall name, found " + c.Describe());
    }
    c.Next();
    Result<std::vector<Filter>> filters = ParseFilters(c);
    if (!filters.ok()) return filters.error();
    for (const Descriptor& n : names) {
      if (Result<bool> added = Add(*n.name, *filters, n.arches); !added.ok()) return added;
    }
    return true;
  }

  Result<std::vector<Filter>> ParseFilters(Cursor& c) {
    std::vector<Filter> filters;
    const bool braced = c.PeekIs(TokenKind::kLBrace);
    if (braced) c.Next();
    while (true) {
      Result<Filter> f = ParseFilter(c);
      if (!f.ok()) return f.error();
      filters.push_back(*f);
      if (!braced || !c.PeekIs(TokenKind::kComma)) break;
      c.Next();
    }
    if (braced) {
      if (!c.PeekIs(TokenKind::kRBrace)) return c.Fail("expected ',' or '}', found " + c.Describe());
      c.Next();
    }
    return filters;
  }

  Result<Filter> ParseFilter(Cursor& c) {
    Filter f;
    f.loc = c.Here();
    if (c.AtEnd()) return c.Fail("expected an expression or an action, found end of line");
    if (!IsArgToken(*c.Peek())) {
      Result<RuleAction> a = ParseAction(c);
      if (!a.ok()) return a.error();
      NoteExplicitAction(*a, f.loc);
      f.if_true = *a;
      return f;
    }
    Result<std::vector<Clause>> e = ParseExpression(c);
    if (!e.ok()) return e.error();
    f.expr = std::move(*e);
    f.if_true = RuleAction{ActionKind::kAllow, 0};
    if (!c.PeekIs(TokenKind::kSemicolon)) return f;
    c.Next();
    const SourceLocation at = c.Here();
    Result<RuleAction> a = ParseAction(c);
    if (!a.ok()) return a.error();
    NoteExplicitAction(*a, at);
    if (opts_.return_semantics == ReturnSemantics::kPython) {
      f.if_true = *a;
    } else {
      f.if_false = *a;
    }
    return f;
  }

  void NoteExplicitAction(const RuleAction& a, const SourceLocation& at) {
    if (a.kind != ActionKind::kErrno && !first_non_return_) first_non_return_ = at;
  }

  // Whether `f` is minijail's plain `1` (the C parser's only statement without a label).
  static bool PlainAllow(const Filter& f) {
    return f.expr.empty() && f.if_true.kind == ActionKind::kAllow && !f.if_false;
  }
  static bool PlainAllow(const std::vector<Filter>& filters) {
    return filters.size() == 1 && PlainAllow(filters[0]);
  }

  Result<bool> Add(const Token& name, const std::vector<Filter>& filters, const ArchSet& arches) {
    auto [it, inserted] = index_.emplace(name.text, policy_.rules.size());
    if (inserted) policy_.rules.push_back({name.text, name.loc, {}});
    std::vector<Filter>& to = policy_.rules[it->second].filters;
    if (!inserted && opts_.allow_duplicate_syscalls) {
      for (const Filter& first : to) {
        if (!Overlap(first.arches, arches)) continue;
        if (!PlainAllow(filters) && !PlainAllow(first)) {
          return LocatedError(name.loc, "'" + name.text + "' is given again with a condition or "
                                        "action (first at " + first.loc.ToString() +
                                        "); minijail's C parser refuses that even with "
                                        "duplicates allowed (a duplicate label)");
        }
        policy_.warnings.push_back(name.loc.ToString() + ": '" + name.text +
                                   "' is already given at " + first.loc.ToString() +
                                   "; this statement is left out (the first one decides)");
        return true;
      }
    }
    for (Filter f : filters) {
      f.arches = arches;
      to.push_back(std::move(f));
    }
    return true;
  }

  static bool Overlap(const ArchSet& a, const ArchSet& b) {
    if (a.empty() || b.empty()) return true;
    for (const std::string& x : a) {
      if (AppliesTo(b, x)) return true;
    }
    return false;
  }

  // Rules that can never apply, and @denylist's constraints.
  Result<bool> Check() {
    for (const SyscallRule& r : policy_.rules) {
      for (size_t i = 0; i + 1 < r.filters.size(); ++i) {
        const Filter& f = r.filters[i];
        if (!f.expr.empty() && !f.if_false) continue;
        for (size_t j = i + 1; j < r.filters.size(); ++j) {  // on a shared arch
          if (!Overlap(f.arches, r.filters[j].arches)) continue;
          return LocatedError(r.filters[j].loc,
                              "'" + r.name + "' already has an unconditional action (from " +
                                  f.loc.ToString() + "); this rule would never apply");
        }
      }
    }
    if (policy_.denylist) {
      if (first_non_return_) {
        return LocatedError(*first_non_return_,
                            "a @denylist policy may only use 'return <errno>' as an action");
      }
      if (policy_.default_action) {
        return LocatedError(policy_.default_loc, "@default has no meaning in a @denylist "
                                                 "policy (calls not listed are allowed)");
      }
    }
    return true;
  }

  const ParseOptions& opts_;
  Policy policy_;
  std::map<std::string, size_t> index_;
  std::optional<SourceLocation> first_non_return_;
  size_t total_bytes_ = 0;
};

Result<Policy> ParsePolicyFile(const std::string& path, const ParseOptions& options) {
  PolicyParser parser(options);
  Result<std::string> text = parser.Read(path);
  if (!text.ok()) return MakeError("io", "cannot read " + path + ": " + text.error().message);
  return parser.Run(*text, path);
}

Result<Policy> ParsePolicyText(std::string_view text, const std::string& name,
                               const ParseOptions& options) {
  if (text.size() > options.max_file_bytes) {
    return MakeError("io", name + ": larger than " + std::to_string(options.max_file_bytes) +
                               " bytes");
  }
  PolicyParser parser(options);
  return parser.Run(text, name);
}

Result<uint64_t> ParseValueText(std::string_view text) {
  Result<std::vector<LogicalLine>> lines = Tokenize(text, "<value>");
  if (!lines.ok()) return lines.error();
  if (lines->size() != 1) return MakeError("policy", "expected one constant expression");
  Cursor c(lines->front());
  Result<uint64_t> v = ParseValue(c, 0, nullptr);
  if (!v.ok()) return v;
  if (!c.AtEnd()) return c.Fail("unexpected " + c.Describe());
  return v;
}

Result<RuleAction> ParseActionText(std::string_view text) {
  Result<std::vector<LogicalLine>> lines = Tokenize(text, "<action>");
  if (!lines.ok()) return lines.error();
  if (lines->size() != 1) return MakeError("policy", "expected one action");
  Cursor c(lines->front());
  Result<RuleAction> a = ParseAction(c);
  if (!a.ok()) return a;
  if (!c.AtEnd()) return c.Fail("unexpected " + c.Describe());
  return a;
}

const char* CompareOpText(CompareOp op) {
  switch (op) {
    case CompareOp::kEq: return "==";
    case CompareOp::kNe: return "!=";
    case CompareOp::kLt: return "<";
    case CompareOp::kLe: return "<=";
    case CompareOp::kGt: return ">";
    case CompareOp::kGe: return ">=";
    case CompareOp::kAnySet: return "&";
    case CompareOp::kIn: return "in";
  }
  return "?";
}

std::string RuleActionText(const RuleAction& a) {
  switch (a.kind) {
    case ActionKind::kAllow: return "allow";
    case ActionKind::kKill: return "kill";
    case ActionKind::kKillProcess: return "kill-process";
    case ActionKind::kKillThread: return "kill-thread";
    case ActionKind::kTrap: return "trap";
    case ActionKind::kTrace: return "trace";
    case ActionKind::kLog: return "log";
    case ActionKind::kUserNotify: return "user-notify";
    case ActionKind::kErrno: return "return " + std::to_string(a.data);
    case ActionKind::kDefault: return "return";
  }
  return "?";
}

}  // namespace sckit::policy
