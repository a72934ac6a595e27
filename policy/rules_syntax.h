// The pieces of a policy statement (rules_parser.h has the grammar), for the parser: a Cursor
// over one logical line's tokens whose every error names the token it stopped at (or the end
// of the line), and the parsers of values, argument expressions, actions and syscall names
// with their metadata. Internal to the parser.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "policy/rules_ast.h"
#include "policy/rules_lexer.h"
#include "vm/status.h"

namespace sckit::policy::internal {

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

bool IsArgToken(const Token& t);

// value = term { '|' term }; term = [ '~' ] ( '(' value ')' | NUMBER | IDENT ). The value as
// x86_64 defines its names; `ops` (if given) receives the expression in postfix order.
Result<uint64_t> ParseValue(Cursor& c, int depth, std::vector<ValueOp>* ops);

// expr = clause { '||' clause }; clause = atom { '&&' atom }.
Result<std::vector<Clause>> ParseExpression(Cursor& c);

// An action word, `1`, or `return [errno]`.
Result<RuleAction> ParseAction(Cursor& c);

// A syscall name as a statement or a frequency file gives it, with its metadata.
struct Descriptor {
  const Token* name = nullptr;
  ArchSet arches;
  bool other_keys = false;
};

// name [ '[' key '=' IDENT { ',' IDENT } { ';' ... } ']' ]; a decimal number is a syscall
// number; a name with '@' (a syscall group) is refused.
Result<Descriptor> ParseDescriptor(Cursor& c);

}  // namespace sckit::policy::internal
