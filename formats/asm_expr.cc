// The lexer and constant-expression evaluator the assembly and C-array formats share
// (formats/asm_expr.h).
#include "formats/asm_expr.h"

#include <cstring>
#include <map>

#include "vm/bpf.h"
#include "vm/names.h"

namespace sckit::text {
namespace {

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' || c == '$';
}
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Error ErrorAt(const Token& t, std::string rule, std::string message) {
  return MakeLineError(std::move(rule), std::move(message), t.line);
}

struct NamedValue {
  const char* name;
  uint32_t value;
};

// include/uapi/linux/bpf_common.h, filter.h and seccomp.h, by name.
constexpr NamedValue kFixedSymbols[] = {
    {"BPF_LD", bpf::kLD},       {"BPF_LDX", bpf::kLDX},     {"BPF_ST", bpf::kST},
    {"BPF_STX", bpf::kSTX},     {"BPF_ALU", bpf::kALU},     {"BPF_JMP", bpf::kJMP},
    {"BPF_RET", bpf::kRET},     {"BPF_MISC", bpf::kMISC},   {"BPF_W", bpf::kW},
    {"BPF_H", bpf::kH},         {"BPF_B", bpf::kB},         {"BPF_IMM", bpf::kIMM},
    {"BPF_ABS", bpf::kABS},     {"BPF_IND", bpf::kIND},     {"BPF_MEM", bpf::kMEM},
    {"BPF_LEN", bpf::kLEN},     {"BPF_MSH", bpf::kMSH},     {"BPF_ADD", bpf::kADD},
    {"BPF_SUB", bpf::kSUB},     {"BPF_MUL", bpf::kMUL},     {"BPF_DIV", bpf::kDIV},
    {"BPF_OR", bpf::kOR},       {"BPF_AND", bpf::kAND},     {"BPF_LSH", bpf::kLSH},
    {"BPF_RSH", bpf::kRSH},     {"BPF_NEG", bpf::kNEG},     {"BPF_MOD", bpf::kMOD},
    {"BPF_XOR", bpf::kXOR},     {"BPF_JA", bpf::kJA},       {"BPF_JEQ", bpf::kJEQ},
    {"BPF_JGT", bpf::kJGT},     {"BPF_JGE", bpf::kJGE},     {"BPF_JSET", bpf::kJSET},
    {"BPF_K", bpf::kK},         {"BPF_X", bpf::kX},         {"BPF_A", bpf::kRetA},
    {"BPF_TAX", bpf::kTAX},     {"BPF_TXA", bpf::kTXA},     {"BPF_MAXINSNS", bpf::kMaxInsns},
    {"BPF_MEMWORDS", bpf::kMemWords},
    {"SECCOMP_RET_KILL_PROCESS", seccomp::kRetKillProcess},
    {"SECCOMP_RET_KILL_THREAD", seccomp::kRetKillThread},
    {"SECCOMP_RET_KILL", seccomp::kRetKillThread},
    {"SECCOMP_RET_TRAP", seccomp::kRetTrap},
    {"SECCOMP_RET_ERRNO", seccomp::kRetErrno},
    {"SECCOMP_RET_USER_NOTIF", seccomp::kRetUserNotif},
    {"SECCOMP_RET_TRACE", seccomp::kRetTrace},
    {"SECCOMP_RET_LOG", seccomp::kRetLog},
    {"SECCOMP_RET_ALLOW", seccomp::kRetAllow},
    {"SECCOMP_RET_ACTION_FULL", seccomp::kRetActionFull},
    {"SECCOMP_RET_ACTION", seccomp::kRetAction},
    {"SECCOMP_RET_DATA", seccomp::kRetData},
};

class ExprParser {
 public:
  ExprParser(const std::vector<Token>& tokens, size_t* pos, const SymbolContext& ctx)
      : t_(tokens), pos_(*pos), ctx_(ctx) {}

  Result<int64_t> Parse() { return Binary(0); }

 private:
  const Token& Peek() const { return t_[pos_ < t_.size() ? pos_ : t_.size() - 1]; }
  const Token& Next() {
    const Token& t = Peek();
    if (pos_ < t_.size() - 1) ++pos_;
    return t;
  }

  // Binary operator precedence levels, loosest first.
  static int Level(const Token& t) {
    if (t.kind != Token::Kind::kPunct) return -1;
    if (t.text == "|") return 0;
    if (t.text == "^") return 1;
    if (t.text == "&") return 2;
    if (t.text == "<<" || t.text == ">>") return 3;
    if (t.text == "+" || t.text == "-") return 4;
    if (t.text == "*" || t.text == "/" || t.text == "%") return 5;
    return -1;
  }

  Result<int64_t> Binary(int min_level) {
    if (++depth_ > 64) return ErrorAt(Peek(), "bad-expression", "expression nested too deeply");
    Result<int64_t> lhs = Unary();
    if (!lhs.ok()) return lhs;
    int64_t value = *lhs;
    while (Level(Peek()) >= min_level) {
      const Token op = Next();
      Result<int64_t> rhs = Binary(Level(op) + 1);
      if (!rhs.ok()) return rhs;
      Result<int64_t> r = Apply(op, value, *rhs);
      if (!r.ok()) return r;
      value = *r;
    }
    --depth_;
    return value;
  }

  static Result<int64_t> Apply(const Token& op, int64_t a, int64_t b) {
    int64_t r = 0;
    bool overflow = false;
    const std::string& o = op.text;
    if (o == "|") r = a | b;
    else if (o == "^") r = a ^ b;
    else if (o == "&") r = a & b;
    else if (o == "+") overflow = __builtin_add_overflow(a, b, &r);
    else if (o == "-") overflow = __builtin_sub_overflow(a, b, &r);
    else if (o == "*") overflow = __builtin_mul_overflow(a, b, &r);
    else if (o == "/" || o == "%") {
      if (b == 0) return ErrorAt(op, "bad-expression", "division by zero in a constant");
      if (a == INT64_MIN && b == -1) overflow = true;
      else r = o == "/" ? a / b : a % b;
    } else if (o == "<<" || o == ">>") {
      if (b < 0 || b > 63) {
        return ErrorAt(op, "bad-expression",
                       "shift count " + std::to_string(b) + " out of range 0..63");
      }
      if (o == ">>") {
        r = a >> b;
      } else {
        if (a < 0 || (b > 0 && (static_cast<uint64_t>(a) >> (63 - b)) != 0)) overflow = true;
        else r = a << b;
      }
    }
    if (overflow) return ErrorAt(op, "bad-number", "constant expression overflows 64 bits");
    return r;
  }

  Result<int64_t> Unary() {
    const Token& t = Peek();
    if (t.Is("-") || t.Is("~") || t.Is("+") || t.Is("!")) {
      const Token op = Next();
      if (++depth_ > 64) return ErrorAt(op, "bad-expression", "expression nested too deeply");
      Result<int64_t> v = Unary();
      --depth_;
      if (!v.ok()) return v;
      if (op.text == "-") {
        if (*v == INT64_MIN) return ErrorAt(op, "bad-number", "constant overflows 64 bits");
        return -*v;
      }
      if (op.text == "~") return ~*v;
      if (op.text == "!") return static_cast<int64_t>(*v == 0);
      return *v;
    }
    return Primary();
  }

  Result<int64_t> Expect(std::string_view punct, std::string_view context) {
    const Token& t = Peek();
    if (!t.Is(punct)) {
      return ErrorAt(t, "bad-expression",
                     "expected '" + std::string(punct) + "' " + std::string(context) +
                         ", found " + Describe(t));
    }
    Next();
    return int64_t{0};
  }

  Result<int64_t> Primary() {
    const Token& t = Peek();
    switch (t.kind) {
      case Token::Kind::kNumber: {
        Next();
        std::optional<uint64_t> n = ParseNumber(t.text);
        if (!n || *n > static_cast<uint64_t>(INT64_MAX)) {
          return ErrorAt(t, "bad-number", "bad number '" + t.text + "'");
        }
        return static_cast<int64_t>(*n);
      }
      case Token::Kind::kIdent: {
        const Token id = Next();
        if (id.text == "offsetof") return OffsetOf(id);
        if (id.text == "sizeof") return SizeOf(id);
        if (std::optional<int64_t> v = LookupSymbol(ctx_, id.text)) return *v;
        std::string hint;
        if (id.text.rfind("SYS_", 0) == 0 || id.text.rfind("__NR_", 0) == 0) {
          hint = " (no such syscall on " +
                 std::string(ctx_.arch ? ctx_.arch->name : std::string_view("x86_64")) + ")";
        }
        return ErrorAt(id, "unknown-symbol", "unknown symbol '" + id.text + "'" + hint);
      }
      case Token::Kind::kPunct:
        if (t.Is("(") && StartsType(pos_ + 1)) return Cast();
        if (t.Is("(")) {
          Next();
          Result<int64_t> v = Binary(0);
          if (!v.ok()) return v;
          if (auto e = Expect(")", "to close '('"); !e.ok()) return e;
          return v;
        }
        break;
      case Token::Kind::kEnd:
        break;
    }
    return ErrorAt(t, "bad-expression", "expected a number or symbol, found " + Describe(t));
  }

  // offsetof(struct seccomp_data, nr | arch | instruction_pointer | args[i]).
  Result<int64_t> OffsetOf(const Token& id) {
    if (auto e = Expect("(", "after offsetof"); !e.ok()) return e;
    if (Peek().IsIdent("struct")) Next();
    if (!Peek().IsIdent("seccomp_data")) {
      return ErrorAt(Peek(), "unknown-symbol",
                     "offsetof: only struct seccomp_data is known, found " + Describe(Peek()));
    }
    Next();
    if (auto e = Expect(",", "in offsetof"); !e.ok()) return e;
    const Token field = Next();
    int64_t off = -1;
    if (field.IsIdent("nr")) off = 0;
    else if (field.IsIdent("arch")) off = 4;
    else if (field.IsIdent("instruction_pointer")) off = 8;
    else if (field.IsIdent("args")) {
      if (auto e = Expect("[", "after args"); !e.ok()) return e;
      Result<int64_t> i = Binary(0);
      if (!i.ok()) return i;
      if (*i < 0 || *i > 5) {
        return ErrorAt(field, "bad-operand", "args index " + std::to_string(*i) + " not in 0..5");
      }
      if (auto e = Expect("]", "after args index"); !e.ok()) return e;
      off = 16 + 8 * *i;
    }
    if (off < 0) {
      return ErrorAt(field, "unknown-symbol",
                     "struct seccomp_data has no field " + Describe(field) +
                         " (expected nr, arch, instruction_pointer or args[i])");
    }
    if (auto e = Expect(")", "to close offsetof"); !e.ok()) return e;
    (void)id;
    return off;
  }

  // A C integer type of fixed size, as casts and sizeof in real filters' sources name them
  // (OpenSSH's `(uint32_t)((uint64_t)(v) >> 32)`, `sizeof(uint32_t)`; linux/filter.h's
  // `(unsigned short)(code)`). `long` is left out: its size is the arch's.
  struct CType {
    int bytes = 0;
    bool is_signed = false;
  };
  static std::optional<CType> TypedefSize(std::string_view n) {
    static const std::map<std::string_view, CType> kTypedefs = {
        {"uint8_t", {1, false}},  {"uint16_t", {2, false}}, {"uint32_t", {4, false}},
        {"uint64_t", {8, false}}, {"int8_t", {1, true}},    {"int16_t", {2, true}},
        {"int32_t", {4, true}},   {"int64_t", {8, true}},   {"__u8", {1, false}},
        {"__u16", {2, false}},    {"__u32", {4, false}},    {"__u64", {8, false}},
        {"__s8", {1, true}},      {"__s16", {2, true}},     {"__s32", {4, true}},
        {"__s64", {8, true}}};
    auto it = kTypedefs.find(n);
    return it == kTypedefs.end() ? std::nullopt : std::optional<CType>(it->second);
  }
  static bool IsTypeWord(const Token& t) {
    return t.IsIdent("unsigned") || t.IsIdent("signed") || t.IsIdent("char") ||
           t.IsIdent("short") || t.IsIdent("int") || t.IsIdent("const") ||
           (t.kind == Token::Kind::kIdent && TypedefSize(t.text));
  }
  bool StartsType(size_t at) const { return at < t_.size() && IsTypeWord(t_[at]); }

  // The type at the current token: a fixed-size typedef, or `[const] [un]signed char|short|int`.
  Result<CType> Type() {
    const Token first = Peek();
    if (Peek().IsIdent("const")) Next();
    if (Peek().kind == Token::Kind::kIdent) {
      if (std::optional<CType> t = TypedefSize(Peek().text)) {
        Next();
        return *t;
      }
    }
    CType t{4, true};
    bool any = false;
    if (Peek().IsIdent("unsigned") || Peek().IsIdent("signed")) {
      t.is_signed = Next().text == "signed";
      any = true;
    }
    if (Peek().IsIdent("char") && !any) {
      return Result<CType>(ErrorAt(first, "unknown-symbol",
                                   "plain char is signed on some arches and unsigned on others: "
                                   "write signed char or unsigned char"));
    }
    if (Peek().IsIdent("char")) t.bytes = 1;
    else if (Peek().IsIdent("short")) t.bytes = 2;
    else if (!Peek().IsIdent("int") && any) return t;  // `unsigned` alone is unsigned int
    else if (!Peek().IsIdent("int")) {
      return Result<CType>(ErrorAt(first, "unknown-symbol",
                                   "unknown type " + Describe(first) +
                                       " (known: [un]signed char/short/int, uintN_t, __uN)"));
    }
    Next();
    if (t.bytes == 2 && Peek().IsIdent("int")) Next();  // short int
    return t;
  }

  // (TYPE) operand: the operand converted to TYPE, as C does (truncated, then sign- or
  // zero-extended).
  Result<int64_t> Cast() {
    const Token open = Next();
    Result<CType> type = Type();
    if (!type.ok()) return type.error();
    if (auto e = Expect(")", "to close the cast"); !e.ok()) return e;
    if (++depth_ > 64) return ErrorAt(open, "bad-expression", "expression nested too deeply");
    Result<int64_t> v = Unary();
    --depth_;
    if (!v.ok()) return v;
    if (type->bytes == 8) return *v;
    const int bits = 8 * type->bytes;
    const uint64_t low = static_cast<uint64_t>(*v) & ((uint64_t{1} << bits) - 1);
    if (type->is_signed && (low >> (bits - 1)) != 0) {
      return static_cast<int64_t>(low | ~((uint64_t{1} << bits) - 1));
    }
    return static_cast<int64_t>(low);
  }

  // sizeof(struct seccomp_data) = 64; sizeof(TYPE) for the integer types of Type().
  Result<int64_t> SizeOf(const Token& id) {
    (void)id;
    if (auto e = Expect("(", "after sizeof"); !e.ok()) return e;
    if (IsTypeWord(Peek())) {
      Result<CType> type = Type();
      if (!type.ok()) return type.error();
      if (auto e = Expect(")", "to close sizeof"); !e.ok()) return e;
      return int64_t{type->bytes};
    }
    if (Peek().IsIdent("struct")) Next();
    if (!Peek().IsIdent("seccomp_data")) {
      return ErrorAt(Peek(), "unknown-symbol",
                     "sizeof: only struct seccomp_data and integer types are known, found " +
                         Describe(Peek()));
    }
    Next();
    if (auto e = Expect(")", "to close sizeof"); !e.ok()) return e;
    return int64_t{seccomp::kDataSize};
  }

  const std::vector<Token>& t_;
  size_t& pos_;
  const SymbolContext& ctx_;
  int depth_ = 0;
};

}  // namespace

std::string DescribeChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", u);
  return buf;
}

std::string Describe(const Token& token) {
  if (token.kind == Token::Kind::kEnd) return "end of line";
  std::string s = token.text;
  if (s.size() > 40) s = s.substr(0, 40) + "...";
  return "'" + s + "'";
}

Result<std::vector<Token>> Lex(std::string_view text, int line, bool lenient,
                               size_t max_tokens) {
  std::vector<Token> out;
  out.reserve(8);
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
      continue;
    }
    Token t;
    t.line = line;
    if (IsDigit(c)) {
      size_t j = i;
      while (j < text.size() && (IsIdentChar(text[j]) && text[j] != '.' && text[j] != '$')) ++j;
      t.kind = Token::Kind::kNumber;
      t.text = std::string(text.substr(i, j - i));
      i = j;
    } else if (IsIdentStart(c)) {
      size_t j = i;
      while (j < text.size() && IsIdentChar(text[j])) ++j;
      t.kind = Token::Kind::kIdent;
      t.text = std::string(text.substr(i, j - i));
      i = j;
    } else if ((c == '<' || c == '>') && i + 1 < text.size() && text[i + 1] == c) {
      t.kind = Token::Kind::kPunct;
      t.text = std::string(2, c);
      i += 2;
    } else if (std::strchr("#%[](){},:+-*/&|^~!=;", c) != nullptr && c != '\0') {
      t.kind = Token::Kind::kPunct;
      t.text = std::string(1, c);
      ++i;
    } else if (lenient && (c == '"' || c == '\'')) {
      size_t j = i + 1;
      while (j < text.size() && text[j] != c && text[j] != '\n') {
        j += (text[j] == '\\' && j + 1 < text.size() && text[j + 1] != '\n') ? 2 : 1;
      }
      t.kind = Token::Kind::kPunct;
      t.text = std::string(1, c);
      i = j < text.size() && text[j] == c ? j + 1 : j;
    } else if (lenient) {
      t.kind = Token::Kind::kPunct;
      t.text = std::string(1, c);
      ++i;
    } else {
      return MakeLineError("bad-character", "unexpected character " + DescribeChar(c), line);
    }
    if (out.size() >= max_tokens) {
      return MakeLineError("too-many-tokens",
                           "more than " + std::to_string(max_tokens) +
                               " tokens (far more than a 4096-instruction filter needs)",
                           line);
    }
    out.push_back(std::move(t));
  }
  Token end;
  end.line = line;
  out.push_back(end);
  return out;
}

std::optional<uint64_t> ParseNumber(std::string_view s) {
  // Strip C suffixes (u, l, ul, ull, ...), case-insensitive.
  while (!s.empty() && (s.back() == 'u' || s.back() == 'U' || s.back() == 'l' || s.back() == 'L')) {
    s.remove_suffix(1);
  }
  if (s.empty()) return std::nullopt;
  unsigned base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
    base = 2;
    s.remove_prefix(2);
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    s.remove_prefix(1);
  }
  uint64_t v = 0;
  for (char c : s) {
    unsigned d;
    if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') d = static_cast<unsigned>(c - 'A' + 10);
    else return std::nullopt;
    if (d >= base) return std::nullopt;
    if (v > (UINT64_MAX - d) / base) return std::nullopt;
    v = v * base + d;
  }
  return v;
}

std::optional<int64_t> LookupSymbol(const SymbolContext& ctx, std::string_view name) {
  for (const NamedValue& s : kFixedSymbols) {
    if (name == s.name) return s.value;
  }
  if (name.rfind("AUDIT_ARCH_", 0) == 0) {
    const std::string_view rest = name.substr(11);
    for (const ArchInfo& a : AllArches()) {
      if (a.nr_bit == 0 && rest == a.audit_name) return a.audit_arch;
    }
    return std::nullopt;
  }
  std::string_view sys;
  if (name.rfind("SYS_", 0) == 0) sys = name.substr(4);
  else if (name.rfind("__NR_", 0) == 0) sys = name.substr(5);
  if (!sys.empty()) {
    const ArchInfo* arch = ctx.arch ? ctx.arch : FindArch("x86_64");
    if (arch == nullptr) return std::nullopt;
    if (std::optional<int32_t> nr = SyscallNumber(*arch, sys)) return *nr;
    return std::nullopt;
  }
  if (!name.empty() && name[0] == 'E') {
    // The errno numbering of the context's arch (vm/names.h: ENOSYS is 89 on mips).
    const std::optional<int> e =
        ErrnoByName(name, ctx.arch ? ctx.arch->audit_arch : kAuditArchX86_64);
    if (e) return *e;
  }
  return std::nullopt;
}

Result<int64_t> ParseExpr(const std::vector<Token>& tokens, size_t* pos,
                          const SymbolContext& ctx) {
  ExprParser p(tokens, pos, ctx);
  return p.Parse();
}

Result<uint32_t> ParseExpr32(const std::vector<Token>& tokens, size_t* pos,
                             const SymbolContext& ctx, std::string_view what) {
  const Token& first = tokens[*pos < tokens.size() ? *pos : tokens.size() - 1];
  Result<int64_t> v = ParseExpr(tokens, pos, ctx);
  if (!v.ok()) return v.error();
  if (*v < INT32_MIN || *v > static_cast<int64_t>(UINT32_MAX)) {
    return MakeLineError("bad-number",
                         std::string(what) + " = " + std::to_string(*v) +
                             " does not fit in 32 bits (-2147483648 .. 4294967295)",
                         first.line);
  }
  return static_cast<uint32_t>(static_cast<uint64_t>(*v) & 0xffffffffu);
}

}  // namespace sckit::text
