// The pieces of a policy statement (see rules_syntax.h).
#include "policy/rules_syntax.h"

#include <algorithm>
#include <map>

#include "policy/rules_constants.h"
#include "policy/suggest.h"
#include "vm/arch.h"

namespace sckit::policy::internal {
namespace {

constexpr int kMaxParenDepth = 32;

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

}  // namespace

bool IsArgToken(const Token& t) {
  return t.kind == TokenKind::kIdent && t.text.size() > 3 && t.text.rfind("arg", 0) == 0 &&
         t.text.find_first_not_of("0123456789", 3) == std::string::npos;
}

// term = [ '~' ] ( '(' value ')' | NUMBER | IDENT ); value = term { '|' term }. The value as
// x86_64 defines its names; `ops` (if given) receives the expression in postfix order.
Result<uint64_t> ParseValue(Cursor& c, int depth, std::vector<ValueOp>* ops);

namespace {

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

}  // namespace

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

namespace {

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

}  // namespace

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

namespace {

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

}  // namespace

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

}  // namespace sckit::policy::internal
