// Tokenizer of the policy language (see rules_lexer.h).
#include "policy/rules_lexer.h"

#include <cctype>
#include <cstdio>

namespace sckit::policy {
namespace {

bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '@' || c == '-';
}
bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::string Printable(char c) {
  if (std::isprint(static_cast<unsigned char>(c))) return std::string("'") + c + "'";
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
  return buf;
}

// Lexes one physical line (without its newline or continuation backslash) into `out`.
Result<bool> LexPhysical(std::string_view line, const std::string& file, int line_no,
                         LogicalLine* out) {
  size_t i = 0;
  bool want_path = false;
  auto loc = [&](size_t col) { return SourceLocation{file, line_no, static_cast<int>(col) + 1}; };
  while (i < line.size()) {
    const char c = line[i];
    if (IsBlank(c)) { ++i; continue; }
    if (c == '#') break;
    const size_t start = i;
    if (want_path) {
      while (i < line.size() && !IsBlank(line[i])) ++i;
      out->push_back({TokenKind::kPath, std::string(line.substr(start, i - start)), loc(start)});
      want_path = false;
      continue;
    }
    TokenKind kind;
    size_t len = 1;
    const char n = i + 1 < line.size() ? line[i + 1] : '\0';
    if (IsIdentStart(c)) {
      while (start + len < line.size() && IsIdentChar(line[start + len])) ++len;
      kind = TokenKind::kIdent;
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '-' && std::isdigit(static_cast<unsigned char>(n)))) {
      while (start + len < line.size() &&
             (std::isalnum(static_cast<unsigned char>(line[start + len])) ||
              line[start + len] == '_')) {
        ++len;
      }
      kind = TokenKind::kNumber;
    } else if (c == '@') {
      while (start + len < line.size() && IsIdentChar(line[start + len])) ++len;
      kind = TokenKind::kDirective;
    } else if (c == ':') { kind = TokenKind::kColon;
    } else if (c == ';') { kind = TokenKind::kSemicolon;
    } else if (c == ',') { kind = TokenKind::kComma;
    } else if (c == '~') { kind = TokenKind::kTilde;
    } else if (c == '(') { kind = TokenKind::kLParen;
    } else if (c == ')') { kind = TokenKind::kRParen;
    } else if (c == '{') { kind = TokenKind::kLBrace;
    } else if (c == '}') { kind = TokenKind::kRBrace;
    } else if (c == '|') { kind = n == '|' ? TokenKind::kOrOr : TokenKind::kPipe; len = n == '|' ? 2 : 1;
    } else if (c == '&') { kind = n == '&' ? TokenKind::kAndAnd : TokenKind::kOp; len = n == '&' ? 2 : 1;
    } else if ((c == '=' || c == '!') && n == '=') { kind = TokenKind::kOp; len = 2;
    } else if (c == '=') { kind = TokenKind::kEqual;
    } else if (c == '[') { kind = TokenKind::kLBracket;
    } else if (c == ']') { kind = TokenKind::kRBracket;
    } else if (c == '<' || c == '>') { kind = TokenKind::kOp; len = n == '=' ? 2 : 1;
    } else {
      return LocatedError(loc(start), "unexpected character " + Printable(c));
    }
    out->push_back({kind, std::string(line.substr(start, len)), loc(start)});
    // Every directive but @default and @denylist takes a path (unknown ones too, so the
    // parser can name the directive rather than a character of its path).
    if (kind == TokenKind::kDirective && out->back().text != "@default" &&
        out->back().text != "@denylist") {
      want_path = true;
    }
    i = start + len;
  }
  return true;
}

}  // namespace

Result<std::vector<LogicalLine>> Tokenize(std::string_view text, const std::string& file) {
  std::vector<LogicalLine> lines;
  LogicalLine current;
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const bool continues = !line.empty() && line.back() == '\\';
    if (continues) line.remove_suffix(1);
    Result<bool> lexed = LexPhysical(line, file, line_no, &current);
    if (!lexed.ok()) return lexed.error();
    if (continues) continue;
    if (!current.empty()) lines.push_back(std::move(current));
    current.clear();
  }
  if (!current.empty()) lines.push_back(std::move(current));
  return lines;
}

Result<uint64_t> ParseNumber(std::string_view text) {
  const bool negative = !text.empty() && text[0] == '-';
  std::string_view digits = negative ? text.substr(1) : text;
  unsigned base = 10;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    base = 16;
    digits.remove_prefix(2);
  } else if (digits.size() > 1 && digits[0] == '0') {
    base = 8;
    digits.remove_prefix(1);
  }
  const Error bad = MakeError("policy", "invalid number '" + std::string(text) + "'");
  if (digits.empty()) return bad;
  unsigned __int128 value = 0;
  for (char c : digits) {
    unsigned d;
    if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') d = static_cast<unsigned>(c - 'A' + 10);
    else return bad;
    if (d >= base) return bad;
    value = value * base + d;
    if (value > (static_cast<unsigned __int128>(1) << 64)) break;
  }
  const unsigned __int128 limit = negative ? (static_cast<unsigned __int128>(1) << 63)
                                           : (static_cast<unsigned __int128>(1) << 64) - 1;
  if (value > limit) {
    return MakeError("policy", "number '" + std::string(text) + "' does not fit in 64 bits");
  }
  const uint64_t v = static_cast<uint64_t>(value);
  return negative ? static_cast<uint64_t>(0) - v : v;
}

}  // namespace sckit::policy
