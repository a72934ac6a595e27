#include "formats/carray.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "formats/asm_expr.h"
#include "formats/disasm.h"
#include "vm/arch.h"
#include "vm/bpf.h"

namespace sckit {
namespace {

using text::Describe;
using text::Token;

// Far more tokens than a C file with a 4096-instruction filter needs; bounds the memory of
// lexing (~40 bytes a token) and of macro expansion.
constexpr size_t kMaxTokens = size_t{1} << 20;

// Tokens looked at while expanding macros, kept or not: macros that expand to nothing still
// cost time (20 nested `#define Mi Mi+1 Mi+1 Mi+1 Mi+1` ending in an empty macro visit 4^19
// tokens and keep none), so the work is bounded, not just what it produces.
constexpr size_t kMaxExpansionSteps = 2 * kMaxTokens;

Error TooManyInstructions(int line) {
  Error e = MakeLineError("too-many-instructions",
                          "instruction 4097 starts here: the kernel accepts at most 4096 "
                          "(BPF_MAXINSNS)",
                          line);
  e.kernel_errno = EINVAL;
  return e;
}

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Before lexing: the line of the 4097th entry (`{` then a digit, or BPF_STMT / BPF_JUMP) in
// comment-free text, if there is one. Entries hidden in macros are counted by Scan.
std::optional<int> LineOfEntryPastTheLimit(std::string_view text) {
  size_t count = 0;
  int line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      continue;
    }
    bool entry = false;
    if (c == '{') {
      const size_t j = text.find_first_not_of(" \t\r\n\f\v", i + 1);
      entry = j != std::string_view::npos && text[j] >= '0' && text[j] <= '9';
    } else if (c == 'B' && (i == 0 || !IsWordChar(text[i - 1])) &&
               (text.compare(i, 8, "BPF_STMT") == 0 || text.compare(i, 8, "BPF_JUMP") == 0) &&
               (i + 8 >= text.size() || !IsWordChar(text[i + 8]))) {
      entry = true;
    }
    if (entry && ++count > bpf::kMaxInsns) return line;
  }
  return std::nullopt;
}

// Comments become spaces; newlines stay so line numbers stay right. A `/*` without its `*/`,
// and a string or character literal without its closing quote on the same line (outside
// preprocessor lines, where `#error can't` is common), are errors naming the line they open.
Result<std::string> StripComments(std::string_view in) {
  std::string out(in);
  size_t i = 0;
  int line = 1;
  bool directive = false;  // this line is a preprocessor line
  bool line_start = true;  // nothing but blanks so far on this line
  while (i < out.size()) {
    const char c = out[i];
    if (c == '\n') {
      ++line;
      ++i;
      directive = false;
      line_start = true;
      continue;
    }
    if (line_start && c == '#') directive = true;
    if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v') line_start = false;
    if (c == '"' || c == '\'') {  // skip literals so "//" inside them survives
      size_t j = i + 1;
      while (j < out.size() && out[j] != c && out[j] != '\n') {
        j += (out[j] == '\\' && j + 1 < out.size() && out[j + 1] != '\n') ? 2 : 1;
      }
      if ((j >= out.size() || out[j] != c) && !directive) {
        return MakeLineError("unterminated-literal",
                             std::string(c == '"' ? "string" : "character") +
                                 " literal opened here is not closed on its line",
                             line);
      }
      i = j < out.size() && out[j] == c ? j + 1 : j;
      continue;
    }
    if (out.compare(i, 2, "/*") == 0) {
      const size_t end = out.find("*/", i + 2);
      if (end == std::string::npos) {
        return MakeLineError("unterminated-comment",
                             "'/*' opened here is never closed by '*/'", line);
      }
      for (size_t j = i; j < end + 2; ++j) {
        if (out[j] == '\n') {
          ++line;
          directive = false;  // a comment may end on a later line: that line is not `#`
        } else {
          out[j] = ' ';
        }
      }
      i = end + 2;
      continue;
    }
    if (out.compare(i, 2, "//") == 0) {
      while (i < out.size() && out[i] != '\n') out[i++] = ' ';
      continue;
    }
    ++i;
  }
  return out;
}

class CParser {
 public:
  explicit CParser(const CArrayOptions& options) : options_(options) {}

  Result<Program> Run(std::string_view source) {
    ctx_.arch = FindArch(options_.arch);
    if (ctx_.arch == nullptr) {
      return MakeError("bad-directive", "unknown architecture '" + std::string(options_.arch) +
                                            "'");
    }
    if (source.substr(0, 3) == "\xEF\xBB\xBF") source.remove_prefix(3);  // UTF-8 BOM
    Result<std::string> stripped = StripComments(source);
    if (!stripped.ok()) return stripped.error();
    std::string& text = *stripped;
    if (auto e = Preprocess(&text)) return *e;
    if (std::optional<int> line = LineOfEntryPastTheLimit(text)) {
      return TooManyInstructions(*line);
    }
    Result<std::vector<Token>> lexed = text::Lex(text, 1, /*lenient=*/true, kMaxTokens);
    if (!lexed.ok()) return lexed.error();
    if (auto e = Expand(*lexed)) return *e;
    if (auto e = Scan()) return *e;
    if (program_.empty()) {
      return MakeLineError("empty-program",
                           "no instructions: expected `{ code, jt, jf, k }` entries or "
                           "BPF_STMT(code, k) / BPF_JUMP(code, k, jt, jf)",
                           toks_.back().line);
    }
    return program_;
  }

 private:
  // Handles preprocessor lines (blanking them): object-like #define is remembered, everything
  // else (#include, #ifdef, function-like macros) is ignored.
  std::optional<Error> Preprocess(std::string* text) {
    size_t start = 0;
    int line = 1;
    while (start < text->size()) {
      size_t end = text->find('\n', start);
      if (end == std::string::npos) end = text->size();
      const size_t first = text->find_first_not_of(" \t\r\f\v", start);
      if (first != std::string::npos && first < end && (*text)[first] == '#') {
        // Join continuation lines; count them so later lines keep their numbers.
        const int first_line = line;
        while (end > start && end < text->size() && (*text)[end - 1] == '\\') {
          (*text)[end - 1] = ' ';
          (*text)[end] = ' ';
          ++line;
          size_t next = text->find('\n', end + 1);
          end = next == std::string::npos ? text->size() : next;
        }
        std::string directive = text->substr(first + 1, end - first - 1);
        if (auto e = Define(directive, first_line)) return e;
        for (size_t j = start; j < end; ++j) (*text)[j] = ' ';
        // Keep the joined lines' newlines so numbering below stays right.
        for (int k = first_line; k < line; ++k) (*text)[start + (k - first_line)] = '\n';
      }
      start = end + 1;
      ++line;
    }
    return std::nullopt;
  }

  std::optional<Error> Define(std::string_view directive, int line) {
    Result<std::vector<Token>> toks = text::Lex(directive, line, /*lenient=*/true);
    if (!toks.ok() || toks->size() < 2 || !(*toks)[0].IsIdent("define")) return std::nullopt;
    const Token& name = (*toks)[1];
    if (name.kind != Token::Kind::kIdent) return std::nullopt;
    // Function-like when '(' follows the name immediately.
    const size_t at = directive.find(name.text, directive.find("define") + 6);
    if (at != std::string_view::npos && at + name.text.size() < directive.size() &&
        directive[at + name.text.size()] == '(') {
      function_like_.insert(name.text);
      defines_.erase(name.text);
      return std::nullopt;
    }
    std::vector<Token> body(toks->begin() + 2, toks->end() - 1);
    defines_[name.text] = std::move(body);
    function_like_.erase(name.text);
    return std::nullopt;
  }

  // Appends t (at `line`), or what it expands to, to toks_. Tokens are copied only when kept.
  // `active`: the macros being expanded (their names in defines_), which expand no further.
  std::optional<Error> ExpandInto(const Token& t, int line,
                                  std::vector<const std::string*>* active, int depth) {
    if (++expansion_steps_ > kMaxExpansionSteps) {
      return MakeLineError("too-many-tokens",
                           "macros expand through more than " +
                               std::to_string(kMaxExpansionSteps) + " tokens at '" + t.text +
                               "' (far more than a 4096-instruction filter needs)",
                           line);
    }
    if (toks_.size() > kMaxTokens) {
      return MakeLineError("too-many-tokens",
                           "more than " + std::to_string(kMaxTokens) +
                               " tokens after expanding macros (far more than a 4096-instruction "
                               "filter needs)",
                           line);
    }
    if (t.kind == Token::Kind::kIdent) {
      auto it = defines_.find(t.text);
      if (it != defines_.end() &&
          std::find(active->begin(), active->end(), &it->first) == active->end()) {
        if (depth > 32) {
          return MakeLineError("bad-expression", "macros nested too deeply at '" + t.text + "'",
                               line);
        }
        active->push_back(&it->first);
        for (const Token& u : it->second) {
          if (auto e = ExpandInto(u, line, active, depth + 1)) return e;
        }
        active->pop_back();
        return std::nullopt;
      }
    }
    toks_.push_back(t);
    toks_.back().line = line;
    return std::nullopt;
  }

  std::optional<Error> Expand(const std::vector<Token>& in) {
    std::vector<const std::string*> active;
    for (const Token& t : in) {
      if (auto e = ExpandInto(t, t.line, &active, 0)) return e;
    }
    return std::nullopt;
  }

  const Token& At(size_t i) const { return toks_[std::min(i, toks_.size() - 1)]; }

  Error Expected(size_t i, std::string what) const {
    return MakeLineError("bad-entry", "expected " + what + ", found " + Describe(At(i)),
                         At(i).line);
  }

  // One field of an instruction: a 32-bit expression, checked against [lo, hi].
  Result<uint32_t> Field(size_t* i, std::string_view what, int64_t hi) {
    const Token& first = At(*i);
    if (first.kind == Token::Kind::kIdent && function_like_.count(first.text)) {
      return MakeLineError("unsupported-macro",
                           "function-like macro '" + first.text +
                               "' is not supported (write the value it expands to)",
                           first.line);
    }
    size_t probe = *i;
    Result<int64_t> exact = text::ParseExpr(toks_, &probe, ctx_);
    if (!exact.ok()) return exact.error();
    if (hi < 0xffffffffLL && (*exact < 0 || *exact > hi)) {
      return MakeLineError("bad-number",
                           std::string(what) + " = " + std::to_string(*exact) +
                               " out of range 0.." + std::to_string(hi),
                           first.line);
    }
    return text::ParseExpr32(toks_, i, ctx_, what);
  }

  // BPF_STMT(code, k) or BPF_JUMP(code, k, jt, jf), at the macro name.
  std::optional<Error> Macro(size_t* i) {
    const bool jump = toks_[*i].text == "BPF_JUMP";
    size_t p = *i + 1;
    if (!At(p).Is("(")) return Expected(p, "'(' after " + toks_[*i].text);
    ++p;
    static constexpr const char* kNames[] = {"code", "k", "jt", "jf"};
    static constexpr int64_t kMax[] = {0xffff, 0xffffffffLL, 0xff, 0xff};
    uint32_t v[4] = {0, 0, 0, 0};
    const int count = jump ? 4 : 2;
    for (int f = 0; f < count; ++f) {
      if (f > 0) {
        if (!At(p).Is(",")) {
          return Expected(p, std::string("',' before ") + kNames[f] + " in " +
                                 (jump ? "BPF_JUMP(code, k, jt, jf)" : "BPF_STMT(code, k)"));
        }
        ++p;
      }
      Result<uint32_t> r = Field(&p, kNames[f], kMax[f]);
      if (!r.ok()) return r.error();
      v[f] = *r;
    }
    if (!At(p).Is(")")) {
      return Expected(p, std::string("')' to close ") +
                             (jump ? "BPF_JUMP(code, k, jt, jf)" : "BPF_STMT(code, k)"));
    }
    program_.insns.push_back(SockFilter{static_cast<uint16_t>(v[0]), static_cast<uint8_t>(v[2]),
                                        static_cast<uint8_t>(v[3]), v[1]});
    *i = p + 1;
    return std::nullopt;
  }

  // A `{` with no nested braces: an instruction when it has 4 fields or starts with a number.
  std::optional<Error> Group(size_t open, size_t close) {
    int fields = 1;
    int depth = 0;
    bool designator = false;
    for (size_t j = open + 1; j < close; ++j) {
      const Token& t = toks_[j];
      if (t.Is("(") || t.Is("[")) ++depth;
      if (t.Is(")") || t.Is("]")) --depth;
      if (depth == 0 && t.Is(",") && j + 1 < close) ++fields;
      if (t.kind == Token::Kind::kIdent && t.text[0] == '.' && toks_[j + 1].Is("=")) {
        designator = true;
      }
    }
    const bool numeric = toks_[open + 1].kind == Token::Kind::kNumber;
    if (designator || (fields != 4 && !numeric) || close == open + 1) return std::nullopt;
    size_t p = open + 1;
    static constexpr const char* kNames[] = {"code", "jt", "jf", "k"};
    static constexpr int64_t kMax[] = {0xffff, 0xff, 0xff, 0xffffffffLL};
    uint32_t v[4];
    for (int f = 0; f < 4; ++f) {
      if (f > 0) {
        if (!At(p).Is(",")) {
          return Expected(p, std::string("',' before ") + kNames[f] +
                                 " in { code, jt, jf, k }");
        }
        ++p;
      }
      Result<uint32_t> r = Field(&p, kNames[f], kMax[f]);
      if (!r.ok()) return r.error();
      v[f] = *r;
    }
    if (At(p).Is(",")) ++p;
    if (p != close) return Expected(p, "'}' after the 4 fields of { code, jt, jf, k }");
    program_.insns.push_back(SockFilter{static_cast<uint16_t>(v[0]), static_cast<uint8_t>(v[1]),
                                        static_cast<uint8_t>(v[2]), v[3]});
    return std::nullopt;
  }

  // One brace level of Scan: once it holds an entry, it may hold only entries and commas
  // (commas are optional between bare top-level entries, as in notes and tests).
  struct Level {
    int open_line = 0;
    bool entries = false;       // an entry was seen at this level
    size_t garbage = SIZE_MAX;  // the first non-entry token before the first entry (depth > 0)
  };

  // Something other than an entry or a comma at the innermost level.
  std::optional<Error> NotAnEntry(std::vector<Level>* levels, size_t i) {
    Level& level = levels->back();
    if (level.entries) {
      return Expected(i, std::string("an entry (`{ code, jt, jf, k }`, BPF_STMT or BPF_JUMP), ',' ") +
                             (levels->size() > 1 ? "or '}' in the array of line " +
                                                       std::to_string(level.open_line)
                                                 : "or the end of input") +
                             " (nothing else may stand between entries)");
    }
    if (levels->size() > 1 && level.garbage == SIZE_MAX) level.garbage = i;
    return std::nullopt;
  }

  // An instruction was just parsed at the innermost level (from token i).
  std::optional<Error> AnEntry(std::vector<Level>* levels, size_t i) {
    Level& level = levels->back();
    if (!level.entries && level.garbage != SIZE_MAX) {
      return MakeLineError("bad-entry",
                           "unexpected " + Describe(toks_[level.garbage]) +
                               " in the array before its first entry",
                           toks_[level.garbage].line);
    }
    if (program_.size() > bpf::kMaxInsns) {
      return TooManyInstructions(toks_[i].line);
    }
    level.entries = true;
    return std::nullopt;
  }

  std::optional<Error> Scan() {
    std::vector<Level> levels(1);
    size_t i = 0;
    while (i < toks_.size() && toks_[i].kind != Token::Kind::kEnd) {
      const Token& t = toks_[i];
      if (t.kind == Token::Kind::kIdent && function_like_.count(t.text) &&
          At(i + 1).Is("(")) {
        return MakeLineError("unsupported-macro",
                             "function-like macro '" + t.text +
                                 "' is not supported (write the BPF_STMT/BPF_JUMP it expands to)",
                             t.line);
      }
      if (t.IsIdent("BPF_STMT") || t.IsIdent("BPF_JUMP")) {
        const size_t at = i;
        if (auto e = Macro(&i)) return e;
        if (auto e = AnEntry(&levels, at)) return e;
        continue;
      }
      if (t.Is(",") && levels.back().entries) {
        ++i;
        continue;
      }
      if (t.Is("}")) {
        if (levels.size() == 1) return Expected(i, "no '}' without a '{' before it");
        levels.pop_back();
        ++i;
        continue;
      }
      if (t.Is("{")) {
        // Find the matching '}' unless a nested '{' or a macro comes first (then it is a
        // container: step inside).
        size_t j = i + 1;
        bool leaf = true;
        while (j < toks_.size() && toks_[j].kind != Token::Kind::kEnd && !toks_[j].Is("}")) {
          if (toks_[j].Is("{") || toks_[j].IsIdent("BPF_STMT") || toks_[j].IsIdent("BPF_JUMP")) {
            leaf = false;
            break;
          }
          ++j;
        }
        if (leaf && j < toks_.size() && toks_[j].Is("}")) {
          const size_t before = program_.size();
          if (auto e = Group(i, j)) return e;
          if (auto e = program_.size() > before ? AnEntry(&levels, i) : NotAnEntry(&levels, i)) {
            return e;
          }
          i = j + 1;
          continue;
        }
        if (leaf) return Expected(j, "'}' to close the '{' of line " + std::to_string(t.line));
        if (auto e = NotAnEntry(&levels, i)) return e;
        levels.push_back(Level{t.line});
        ++i;
        continue;
      }
      if (auto e = NotAnEntry(&levels, i)) return e;
      ++i;
    }
    if (levels.size() > 1) {
      return MakeLineError("unterminated-block",
                           "the '{' opened here is never closed by '}'",
                           levels.back().open_line);
    }
    return std::nullopt;
  }

  const CArrayOptions& options_;
  text::SymbolContext ctx_;
  std::map<std::string, std::vector<Token>> defines_;
  std::set<std::string> function_like_;
  std::vector<Token> toks_;
  size_t expansion_steps_ = 0;  // ExpandInto calls so far (kMaxExpansionSteps)
  Program program_;
};

}  // namespace

Result<Program> ParseCArray(std::string_view text, const CArrayOptions& options) {
  CParser parser(options);
  return parser.Run(text);
}

std::string EmitCArray(const Program& program, bool comments) {
  std::string out = "/* sckit: " + std::to_string(program.size()) +
                    (program.size() == 1 ? " instruction" : " instructions") +
                    ", struct sock_filter { code, jt, jf, k } */\n"
                    "struct sock_filter filter[] = {\n";
  char buf[96];
  const std::vector<std::string> lines =
      comments ? DisassembleLines(program) : std::vector<std::string>();
  for (size_t pc = 0; pc < program.size(); ++pc) {
    const SockFilter& i = program.insns[pc];
    std::snprintf(buf, sizeof buf, "\t{ 0x%02x, %u, %u, 0x%08x },", i.code, i.jt, i.jf, i.k);
    const std::string entry = buf;
    out += entry;
    if (comments) {
      out.append(entry.size() < 32 ? 32 - entry.size() : 1, ' ');
      out += "/* " + std::to_string(pc) + ": " + lines[pc] + " */";
    }
    out += "\n";
  }
  out += "};\n";
  return out;
}

std::string EmitCInstaller(const Program& program, bool comments) {
  std::string array = EmitCArray(program, comments);
  const std::string decl = "struct sock_filter filter[] = {";
  const size_t at = array.find(decl);
  if (at != std::string::npos) {
    array.replace(at, decl.size(), "static struct sock_filter sckit_filter[] = {");
  }
  return "/* Generated by sckit (sckit asm --emit c-install): a seccomp filter and the code that\n"
         " * installs it. Call sckit_install_filter() early, in every thread that must be filtered\n"
         " * (filters are inherited by threads and processes created afterwards). */\n"
         "#ifndef _GNU_SOURCE\n"
         "#define _GNU_SOURCE 1 /* syscall() in strict C modes; include this file first */\n"
         "#endif\n"
         "#include <errno.h>\n"
         "#include <linux/filter.h>\n"
         "#include <linux/seccomp.h>\n"
         "#include <sys/prctl.h>\n"
         "#include <sys/syscall.h>\n"
         "#include <unistd.h>\n\n" +
         array +
         "\n"
         "#define SCKIT_FILTER_LEN (sizeof(sckit_filter) / sizeof(sckit_filter[0]))\n"
         "/* The kernel takes 1..4096 (BPF_MAXINSNS) instructions, counted in 16 bits: a longer\n"
         " * array must not compile (a count past 65535 would wrap and install another program). */\n"
         "typedef char sckit_filter_has_at_most_4096_instructions[SCKIT_FILTER_LEN <= 4096 ? 1 : -1];\n"
         "\n"
         "/* Sets no_new_privs (needed without CAP_SYS_ADMIN), then attaches the filter with\n"
         " * seccomp(SECCOMP_SET_MODE_FILTER). Returns 0, or -1 with errno set: EINVAL (rejected\n"
         " * program), EACCES, ENOMEM (too many filters), ENOSYS (no seccomp). */\n"
         "static int sckit_install_filter(void) {\n"
         "\tstruct sock_fprog prog;\n"
         "\t/* Checked again at run time: never hand the kernel a truncated count. */\n"
         "\tif (SCKIT_FILTER_LEN < 1 || SCKIT_FILTER_LEN > 4096 ||\n"
         "\t    SCKIT_FILTER_LEN > (unsigned short)-1) {\n"
         "\t\terrno = EINVAL;\n"
         "\t\treturn -1;\n"
         "\t}\n"
         "\tprog.len = (unsigned short)SCKIT_FILTER_LEN;\n"
         "\tprog.filter = sckit_filter;\n"
         "\tif (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;\n"
         "\tif (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) return -1;\n"
         "\treturn 0;\n"
         "}\n";
}

bool LooksLikeCArray(std::string_view text) {
  if (text.find("BPF_STMT") != std::string_view::npos ||
      text.find("BPF_JUMP") != std::string_view::npos) {
    return true;
  }
  for (size_t i = text.find('{'); i != std::string_view::npos; i = text.find('{', i + 1)) {
    size_t j = text.find_first_not_of(" \t\r\n", i + 1);
    if (j != std::string_view::npos && text[j] >= '0' && text[j] <= '9') return true;
  }
  return false;
}

}  // namespace sckit
