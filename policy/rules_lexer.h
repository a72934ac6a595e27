// Tokens of minijail's seccomp policy language (issue 15), with file:line:col. A logical line
// is a physical line plus those joined to it by a `\` at the end; `#` starts a comment that
// runs to the end of the physical line (as in both of minijail's parsers, a comment ending in
// `\` still continues the line). After `@include` and `@frequency` the next run of non-blank
// characters is one kPath token.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "policy/rules_ast.h"
#include "vm/status.h"

namespace sckit::policy {

enum class TokenKind {
  kIdent,      // [A-Za-z_][A-Za-z0-9_@-]*: names, argN, `in`, action words, `return`
  kNumber,     // -?[0-9][0-9A-Za-z_]*: validated by ParseNumber
  kDirective,  // @include, @frequency, @default, @denylist (any @word)
  kPath,
  kColon,
  kSemicolon,
  kComma,
  kTilde,
  kLParen,
  kRParen,
  kLBrace,
  kRBrace,
  kOrOr,    // ||
  kAndAnd,  // &&
  kPipe,    // |
  kOp,      // == != < <= > >= &
  kLBracket,  // [   metadata: read[arch=x86_64,arm64]: 1
  kRBracket,  // ]
  kEqual,     // =   (alone; == is kOp)
};

struct Token {
  TokenKind kind;
  std::string text;
  SourceLocation loc;
};

using LogicalLine = std::vector<Token>;  // never empty

// Every logical line with at least one token. Errors: characters outside the language.
Result<std::vector<LogicalLine>> Tokenize(std::string_view text, const std::string& file);

// A number as C's strtoull(s, 0) reads it, with minijail's optional leading '-' (two's
// complement over 64 bits): 0x hex, 0 octal, else decimal. Error message on bad digits or a
// value outside [-2^63, 2^64).
Result<uint64_t> ParseNumber(std::string_view text);

}  // namespace sckit::policy
