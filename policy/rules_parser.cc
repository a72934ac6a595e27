// Parser of the policy language (see rules_parser.h for the grammar). One logical line is one
// statement; a Cursor walks its tokens and every error names the token it stopped at, or the
// end of the line when tokens ran out.
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
#include "policy/suggest.h"
#include "vm/arch.h"

namespace sckit::policy {
namespace {

constexpr int kMaxParenDepth = 32;

class Cursor {
 public:
  explicit Cursor(const LogicalLine& tokens) : t_(tokens) {}
  bool AtEnd() const { return i_ >= t_.size(); }
  const Token* Peek() const { return AtEnd() ? nullptr : &t_[i_]; }
  bool PeekIs(TokenKind kind) const { return !AtEnd() && t_[i_].kind == kind; }
  bool PeekIs(TokenKind kind, std::string_view text) const {
    return PeekIs(kind) && t_[i_].text == text;
  }
  const Token& Next() { return t_[i_++]; }
  // Where the next token is, or just past the last one.
  SourceLocation Here() const {
    if (!AtEnd()) return t_[i_].loc;
    SourceLocation end = t_.back().loc;
    end.col += static_cast<int>(t_.back().text.size());
    return end;
  }
  // "'foo'" for the next token, "end of line" when there is none.
  std::string Describe() const { return AtEnd() ? "end of line" : "'" + t_[i_].text + "'"; }
  Error Fail(const std::string& what) const { return LocatedError(Here(), what); }

 private:
  const LogicalLine& t_;
  size_t i_ = 0;
};

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
    for (const std::string prefix : {"cannot open " + path + ": ", "cannot read " + path + ": "}) {
      if (why.rfind(prefix, 0) == 0) why = why.substr(prefix.size());
    }
    return MakeError("io", why);
  }
  return std::string(bytes->begin(), bytes->end());
}

const std::map<std::string_view, ActionKind>& ActionWords() {
  static const std::map<std::string_view, ActionKind> kWords = {
      {"allow", ActionKind::kAllow},
      {"kill", ActionKind::kKill},
      {"kill-process", ActionKind::kKillProcess},
      {"kill-thread", ActionKind::kKillThread},
      {"trap", ActionKind::kTrap},
      {"trace", ActionKind::kTrace},
      {"log", ActionKind::kLog},
      {"user-notify", ActionKind::kUserNotify},
  };
  return kWords;
}

bool IsArgToken(const Token& t) {
  return t.kind == TokenKind::kIdent && t.text.size() > 3 && t.text.rfind("arg", 0) == 0 &&
         t.text.find_first_not_of("0123456789", 3) == std::string::npos;
}

// term = [ '~' ] ( '(' value ')' | NUMBER | IDENT ); value = term { '|' term }. The value as
// x86_64 defines its names; `ops` (if given) receives the expression in postfix order.
Result<uint64_t> ParseValue(Cursor& c, int depth, std::vector<ValueOp>* ops);

Result<uint64_t> ParseTerm(Cursor& c, int depth, std::vector<ValueOp>* ops) {
  bool complement = false;
  if (c.PeekIs(TokenKind::kTilde)) {
    c.Next();
    complement = true;
    if (c.PeekIs(TokenKind::kTilde)) return c.Fail("double complement '~~' is not allowed");
  }
  if (c.AtEnd()) return c.Fail("expected a constant, found end of line");
  const Token& t = c.Next();
  uint64_t v = 0;
  if (t.kind == TokenKind::kLParen) {
    if (depth >= kMaxParenDepth) return LocatedError(t.loc, "parentheses nested too deep");
    Result<uint64_t> inner = ParseValue(c, depth + 1, ops);
    if (!inner.ok()) return inner;
    if (!c.PeekIs(TokenKind::kRParen)) {
      return c.Fail("expected ')' to close the '(' at column " + std::to_string(t.loc.col) +
                    ", found " + c.Describe());
    }
    c.Next();
    v = *inner;
  } else if (t.kind == TokenKind::kNumber) {
    Result<uint64_t> n = ParseNumber(t.text);
    if (!n.ok()) return LocatedError(t.loc, n.error().message);
    v = *n;
    if (ops) ops->push_back({ValueOp::Kind::kNumber, v, "", t.loc});
  } else if (t.kind == TokenKind::kIdent) {
    std::optional<uint64_t> k = LookupConstant(t.text);
    const std::vector<std::string_view>& all = ConstantNames();
    if (!k && !std::binary_search(all.begin(), all.end(), std::string_view(t.text))) {
      return LocatedError(t.loc, "unknown constant '" + t.text + "'" + DidYouMean(t.text, all));
    }
    v = k.value_or(0);  // a name of other arches only: the resolver decides per arch
    if (ops) ops->push_back({ValueOp::Kind::kName, 0, t.text, t.loc});
  } else {
    return LocatedError(t.loc, "expected a constant, found '" + t.text + "'");
  }
  if (complement && ops) ops->push_back({ValueOp::Kind::kComplement, 0, "", t.loc});
  return complement ? ~v : v;
}

Result<uint64_t> ParseValue(Cursor& c, int depth, std::vector<ValueOp>* ops) {
  uint64_t v = 0;
  bool first = true;
  while (true) {
    Result<uint64_t> term = ParseTerm(c, depth, ops);
    if (!term.ok()) return term;
    if (!first && ops) ops->push_back({ValueOp::Kind::kOr, 0, "", {}});
    first = false;
    v |= *term;
    if (!c.PeekIs(TokenKind::kPipe)) return v;
    c.Next();
  }
}

Result<Atom> ParseAtom(Cursor& c) {
  if (c.AtEnd()) return c.Fail("expected an argument (arg0..arg5), found end of line");
  const Token& arg = c.Next();
  if (!IsArgToken(arg)) {
    return LocatedError(arg.loc, "expected an argument (arg0..arg5), found '" + arg.text + "'");
  }
  const std::string index = arg.text.substr(3);
  if (index.size() > 1 || index[0] > '5') {
    return LocatedError(arg.loc, "argument index " + index + " out of range (arg0..arg5)");
  }
  Atom atom;
  atom.arg = index[0] - '0';
  atom.loc = arg.loc;
  static const std::map<std::string_view, CompareOp> kOps = {
      {"==", CompareOp::kEq}, {"!=", CompareOp::kNe},     {"<", CompareOp::kLt},
      {"<=", CompareOp::kLe}, {">", CompareOp::kGt},      {">=", CompareOp::kGe},
      {"&", CompareOp::kAnySet}, {"in", CompareOp::kIn}};
  const Token* op = c.Peek();
  auto it = op == nullptr ? kOps.end() : kOps.find(op->text);
  if (it == kOps.end() || (op->kind != TokenKind::kOp && op->kind != TokenKind::kIdent)) {
    return c.Fail("expected an operator (== != < <= > >= & in) after '" + arg.text +
                  "', found " + c.Describe());
  }
  c.Next();
  atom.op = it->second;
  Result<uint64_t> v = ParseValue(c, 0, &atom.expr);
  if (!v.ok()) return v.error();
  atom.value = *v;
  return atom;
}

Result<std::vector<Clause>> ParseExpression(Cursor& c) {
  std::vector<Clause> clauses(1);
  while (true) {
    Result<Atom> atom = ParseAtom(c);
    if (!atom.ok()) return atom.error();
    clauses.back().push_back(*atom);
    if (c.PeekIs(TokenKind::kAndAnd)) {
      c.Next();
    } else if (c.PeekIs(TokenKind::kOrOr)) {
      c.Next();
      clauses.emplace_back();
    } else {
      return clauses;
    }
  }
}

Result<RuleAction> ParseAction(Cursor& c) {
  if (c.AtEnd()) return c.Fail("expected an action, found end of line");
  const Token& t = c.Next();
  if (t.kind == TokenKind::kNumber && t.text == "1") return RuleAction{ActionKind::kAllow, 0};
  if (t.kind == TokenKind::kIdent) {
    auto it = ActionWords().find(t.text);
    if (it != ActionWords().end()) return RuleAction{it->second, 0};
    if (t.text == "return") {
      // minijail's C parser: a bare `return` is the filter's kill action (our default action).
      if (c.AtEnd() || c.PeekIs(TokenKind::kComma) || c.PeekIs(TokenKind::kRBrace)) {
        return RuleAction{ActionKind::kDefault, 0};
      }
      const SourceLocation at = c.Here();
      if (!c.PeekIs(TokenKind::kNumber) && !c.PeekIs(TokenKind::kIdent)) {
        return c.Fail("expected an errno (a number or a name such as EPERM) after 'return', "
                      "found " + c.Describe());
      }
      const std::string name = c.PeekIs(TokenKind::kIdent) ? c.Peek()->text : "";
      if (!name.empty() && !LookupConstant(name) &&
          std::binary_search(ConstantNames().begin(), ConstantNames().end(), name)) {
        return c.Fail("'" + name + "' is not defined on x86_64: write the errno as a number");
      }
      Result<uint64_t> v = ParseTerm(c, 0, nullptr);
      if (!v.ok()) return v.error();
      if (*v > 0xffff) {
        return LocatedError(at, "errno " + std::to_string(*v) + " out of range (0..65535)");
      }
      RuleAction a{ActionKind::kErrno, static_cast<uint16_t>(*v)};
      a.data_name = name;
      a.data_loc = at;
      return a;
    }
  }
  return LocatedError(t.loc, "expected an action (allow, 1, kill, kill-process, kill-thread, "
                             "trap, trace, log, user-notify, return <errno>), found '" +
                                 t.text + "'");
}

// A syscall name as a statement or a frequency file gives it, with its metadata.
struct Descriptor {
  const Token* name = nullptr;
  ArchSet arches;
  bool other_keys = false;
};

// minijail's arch names (its constants.json arch_name) and sckit's (vm/arch.h).
const ArchInfo* MetadataArch(const std::string& name) {
  if (name == "loong64") return FindArch("loongarch64");
  return FindArch(name);  // x86_64, x86 (i386), arm64 (aarch64), arm, riscv64, ...
}

// metadata = '[' key '=' IDENT { ',' IDENT } { ';' key '=' ... } ']'. Only `arch` means
// something (minijail's compiler drops the statement on other arches); other keys are read
// and ignored, as minijail's compiler does; a key given twice is an error.
Result<bool> ParseMetadata(Cursor& c, Descriptor* d) {
  const Token& open = c.Next();
  std::map<std::string, SourceLocation> seen;
  while (true) {
    if (!c.PeekIs(TokenKind::kIdent)) return c.Fail("expected a metadata key, found " + c.Describe());
    const Token& key = c.Next();
    if (!seen.emplace(key.text, key.loc).second) {
      return LocatedError(key.loc, "metadata key '" + key.text + "' given twice");
    }
    if (!c.PeekIs(TokenKind::kEqual)) return c.Fail("expected '=' after '" + key.text + "', found " + c.Describe());
    c.Next();
    while (true) {
      if (!c.PeekIs(TokenKind::kIdent)) return c.Fail("expected a value, found " + c.Describe());
      const Token& v = c.Next();
      if (key.text == "arch") {
        const ArchInfo* a = MetadataArch(v.text);
        if (a == nullptr) {
          std::vector<std::string_view> names = {"x86", "arm64", "loong64"};
          for (const ArchInfo& k : AllArches()) names.push_back(k.name);
          return LocatedError(v.loc, "unknown arch '" + v.text + "'" + DidYouMean(v.text, names));
        }
        d->arches.emplace_back(a->name);
        if (a->name == "x86_64") d->arches.emplace_back("x32");  // one AUDIT_ARCH, as minijail
      } else {
        d->other_keys = true;
      }
      if (!c.PeekIs(TokenKind::kComma)) break;
      c.Next();
    }
    if (!c.PeekIs(TokenKind::kSemicolon)) break;
    c.Next();
  }
  if (!c.PeekIs(TokenKind::kRBracket)) {
    return c.Fail("expected ']' to close the '[' at column " + std::to_string(open.loc.col) +
                  ", found " + c.Describe());
  }
  c.Next();
  return true;
}

// name [ metadata ]; a decimal number is a syscall number.
Result<Descriptor> ParseDescriptor(Cursor& c) {
  const Token* t = c.Peek();
  if (t == nullptr || (t->kind != TokenKind::kIdent && t->kind != TokenKind::kNumber)) {
    return c.Fail("expected a syscall name, found " + c.Describe());
  }
  if (t->kind == TokenKind::kNumber && t->text.find_first_not_of("0123456789") != std::string::npos) {
    return c.Fail("a syscall number must be a decimal number, found " + c.Describe());
  }
  if (t->kind == TokenKind::kIdent && t->text.find('@') != std::string::npos) {
    return c.Fail("'" + t->text + "' is a syscall group (name@namespace): minijail's compiler "
                  "reads groups from a syscall_groups table in its constants.json, which its "
                  "generator leaves empty; sckit has no groups: list the syscalls");
  }
  Descriptor d;
  d.name = &c.Next();
  if (c.PeekIs(TokenKind::kLBracket)) {
    Result<bool> ok = ParseMetadata(c, &d);
    if (!ok.ok()) return ok.error();
  }
  return d;
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
    for (const Descriptor& n : names) Add(*n.name, *filters, n.arches);
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

  void Add(const Token& name, const std::vector<Filter>& filters, const ArchSet& arches) {
    auto [it, inserted] = index_.emplace(name.text, policy_.rules.size());
    if (inserted) policy_.rules.push_back({name.text, name.loc, {}});
    std::vector<Filter>& to = policy_.rules[it->second].filters;
    for (Filter f : filters) {
      f.arches = arches;
      to.push_back(std::move(f));
    }
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
