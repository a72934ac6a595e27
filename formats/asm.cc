// The assembler works in three steps:
//   1. each line is stripped of comments, lexed (formats/asm_expr.h) and parsed into an Item: a
//      finished instruction, or a jump whose targets are still label names;
//   2. labels are resolved to item indices (forward only: classic BPF offsets are unsigned);
//   3. layout: every item gets a position; a conditional jump whose target is more than 255
//      instructions away gets one `ja` trampoline per far target right after it. Positions
//      change when trampolines are added, so this repeats until nothing new is far (a jump
//      that became far stays far, so it terminates).
// Opcodes come from the opcode table (vm/opcodes.h) by mnemonic and operand kind.
// One file (about 650 lines) because the three steps are one class sharing its items, labels
// and line state; comments (formats/asm_comments) and expressions (formats/asm_expr) are
// already their own files.
#include "formats/asm.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <map>
#include <optional>
#include <vector>

#include "vm/action.h"
#include "formats/asm_comments.h"
#include "formats/asm_expr.h"
#include "vm/bpf.h"
#include "vm/arch.h"
#include "vm/opcodes.h"

namespace sckit {
namespace {

using text::Describe;
using text::Token;

// Bounds on what a 16 MiB text may make the assembler hold: labels (several may name one
// position, but not this many) and tokens on one line (an instruction needs a handful).
constexpr size_t kMaxLabels = 65536;
constexpr size_t kMaxLineTokens = 65536;

// A jump target: a label name, or the next item (fall-through).
struct Target {
  std::string label;  // empty: fall through to the next item
  int line = 0;
  size_t index = 0;  // resolved item index
};

struct Item {
  enum class Kind : uint8_t { kPlain, kJa, kCond };
  Kind kind = Kind::kPlain;
  SockFilter insn;
  int line = 0;
  Target jt, jf;  // kCond: both; kJa: jt only
  bool far_t = false, far_f = false;
};

Error LineError(int line, std::string rule, std::string message) {
  return MakeLineError(std::move(rule), std::move(message), line);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The code of the table entry with this mnemonic and operand kind, if any.
std::optional<uint16_t> FindCode(std::string_view mnemonic, Operand operand) {
  for (const OpcodeInfo& info : AllOpcodes()) {
    if (info.mnemonic == mnemonic && info.operand == operand) return info.code;
  }
  return std::nullopt;
}

bool IsKnownMnemonic(std::string_view m) {
  for (const OpcodeInfo& info : AllOpcodes()) {
    if (info.mnemonic == m) return true;
  }
  return false;
}

// A parsed operand of a non-jump instruction.
struct Parsed {
  Operand kind = Operand::kNone;
  bool is_a = false;  // `a` / `%a` (ret a)
  uint32_t k = 0;
};

class Assembler {
 public:
  explicit Assembler(const AsmOptions& options) : options_(options) {}

  Result<Program> Run(std::string_view source) {
    if (const ArchInfo* a = FindArch(options_.arch)) {
      ctx_.arch = a;
    } else {
      return LineError(0, "bad-directive",
                       "unknown architecture '" + std::string(options_.arch) + "'");
    }
    if (source.substr(0, 3) == "\xEF\xBB\xBF") source.remove_prefix(3);  // UTF-8 BOM
    Result<std::string> stripped = text::StripBlockComments(source);
    if (!stripped.ok()) return stripped.error();
    const std::string& text = *stripped;
    size_t start = 0;
    int line = 1;
    while (start <= text.size()) {
      size_t nl = text.find('\n', start);
      if (nl == std::string::npos) nl = text.size();
      if (auto err = ParseLine(std::string_view(text).substr(start, nl - start), line)) {
        return *err;
      }
      // Each item is at least one instruction: past 4096 the kernel rejects the program, so
      // stop here rather than keep megabytes of items (the verdict, with its errno).
      if (items_.size() > bpf::kMaxInsns) {
        Error e = LineError(line, "too-many-instructions",
                            "instruction 4097 is on this line: the kernel accepts at most 4096 "
                            "(BPF_MAXINSNS)");
        e.kernel_errno = EINVAL;
        return e;
      }
      if (labels_.size() > kMaxLabels) {
        return LineError(line, "too-many-labels",
                         "more than " + std::to_string(kMaxLabels) + " labels");
      }
      start = nl + 1;
      ++line;
    }
    if (items_.empty()) {
      return LineError(line - 1, "empty-program",
                       "no instructions (a filter needs at least one, e.g. `ret ALLOW`)");
    }
    if (auto err = Resolve()) return *err;
    return Layout();
  }

 private:
  // ---- step 1: lines ----

  std::optional<Error> ParseLine(std::string_view raw, int line) {
    const std::string_view body = text::StripLineComment(raw);
    Result<std::vector<Token>> lexed = text::Lex(body, line, /*lenient=*/false, kMaxLineTokens);
    if (!lexed.ok()) return lexed.error();
    toks_ = std::move(*lexed);
    pos_ = 0;
    line_ = line;
    // Label definitions: `name:` (several allowed, an instruction may follow).
    while (Peek().kind == Token::Kind::kIdent && toks_[pos_ + 1].Is(":")) {
      const std::string& name = Peek().text;
      if (name[0] == '.' || name[0] == '$') {
        return LineError(line, "bad-operand", "bad label name " + Describe(Peek()));
      }
      if (labels_.count(name)) {
        return LineError(line, "duplicate-label",
                         "label '" + name + "' already defined on line " +
                             std::to_string(label_lines_[name]));
      }
      labels_[name] = items_.size();
      label_lines_[name] = line;
      pos_ += 2;
    }
    if (Peek().kind == Token::Kind::kEnd) return std::nullopt;
    if (Peek().kind != Token::Kind::kIdent) {
      return LineError(line, "unknown-mnemonic",
                       "expected a mnemonic, label or directive, found " + Describe(Peek()));
    }
    const Token mn = Next();
    if (mn.text[0] == '.') return Directive(mn);
    return Instruction(mn);
  }

  const Token& Peek() const { return toks_[std::min(pos_, toks_.size() - 1)]; }
  const Token& Next() {
    const Token& t = Peek();
    if (pos_ < toks_.size() - 1) ++pos_;
    return t;
  }
  bool Accept(std::string_view punct) {
    if (!Peek().Is(punct)) return false;
    Next();
    return true;
  }
  Error Expected(std::string_view what) const {
    return LineError(line_, "bad-operand",
                     "expected " + std::string(what) + ", found " + Describe(Peek()));
  }
  std::optional<Error> ExpectEnd(std::string_view after) {
    if (Peek().kind == Token::Kind::kEnd) return std::nullopt;
    return LineError(line_, "bad-operand",
                     "unexpected " + Describe(Peek()) + " after " + std::string(after) +
                         " (expected end of line)");
  }

  Result<uint32_t> Expr32(std::string_view what) {
    if (Peek().kind == Token::Kind::kEnd) {
      return Expected(std::string(what) + " (a number or symbol)");
    }
    return text::ParseExpr32(toks_, &pos_, ctx_, what);
  }

  std::optional<Error> Directive(const Token& d) {
    const std::string name = Lower(d.text);
    if (name == ".arch") {
      const Token& a = Peek();
      if (a.kind != Token::Kind::kIdent && a.kind != Token::Kind::kNumber) {
        return Expected("an architecture name after .arch");
      }
      const ArchInfo* arch = FindArch(a.text);
      if (arch == nullptr) {
        return LineError(line_, "bad-directive",
                         "unknown architecture " + Describe(a) +
                             " (expected x86_64, i386, x32, aarch64, arm, riscv64, ...)");
      }
      ctx_.arch = arch;
      Next();
      return ExpectEnd(".arch NAME");
    }
    if (name == ".insn") {
      Item item;
      item.line = line_;
      uint32_t fields[4];
      static constexpr const char* kNames[] = {"code", "jt", "jf", "k"};
      static constexpr uint32_t kMax[] = {0xffff, 0xff, 0xff, 0xffffffffu};
      for (int i = 0; i < 4; ++i) {
        if (i > 0 && !Accept(",")) return Expected(std::string("',' before ") + kNames[i]);
        const size_t at = pos_;
        Result<uint32_t> v = Expr32(kNames[i]);
        if (!v.ok()) return v.error();
        if (i < 3) {
          // Narrow fields: a negative spelling is an error, not two's complement.
          Result<int64_t> exact = [&]() {
            size_t p = at;
            return text::ParseExpr(toks_, &p, ctx_);
          }();
          if (exact.ok() && (*exact < 0 || static_cast<uint64_t>(*exact) > kMax[i])) {
            return LineError(line_, "bad-number",
                             std::string(kNames[i]) + " = " + std::to_string(*exact) +
                                 " out of range 0.." + std::to_string(kMax[i]));
          }
        }
        fields[i] = *v;
      }
      item.insn = SockFilter{static_cast<uint16_t>(fields[0]), static_cast<uint8_t>(fields[1]),
                             static_cast<uint8_t>(fields[2]), fields[3]};
      items_.push_back(item);
      return ExpectEnd(".insn code, jt, jf, k");
    }
    return LineError(line_, "bad-directive",
                     "unknown directive " + Describe(d) + " (expected .arch or .insn)");
  }

  std::optional<Error> Emit(std::string_view mnemonic, Operand operand, uint32_t k,
                            std::string_view spelled) {
    std::optional<uint16_t> code = FindCode(mnemonic, operand);
    if (!code) {
      return LineError(line_, "bad-operand",
                       "'" + std::string(spelled) + "' does not take this operand form");
    }
    Item item;
    item.line = line_;
    item.insn = Stmt(*code, k);
    items_.push_back(item);
    return ExpectEnd("the operand");
  }

  std::optional<Error> Instruction(const Token& mn) {
    std::string m = Lower(mn.text);
    // Aliases of bpf_asm.
    if (m == "jmp") m = "ja";
    if (m == "jneq") m = "jne";
    if (m == "ldi" || m == "ldxi") {
      Result<Parsed> op = Operand_(m);
      if (!op.ok()) return op.error();
      if (op->kind != Operand::kImm) return Expected("'#k' after " + m);
      return Emit(m == "ldi" ? "ld" : "ldx", Operand::kImm, op->k, m);
    }
    if (m == "ja") {
      Item item;
      item.kind = Item::Kind::kJa;
      item.line = line_;
      item.insn = Stmt(*FindCode("ja", Operand::kJumpAlways), 0);
      Result<Target> t = ParseTarget();
      if (!t.ok()) return t.error();
      item.jt = *t;
      items_.push_back(item);
      return ExpectEnd("the jump target");
    }
    if (m == "jeq" || m == "jne" || m == "jgt" || m == "jge" || m == "jlt" || m == "jle" ||
        m == "jset") {
      return CondJump(m);
    }
    if (m == "ret") return Ret();
    if (!IsKnownMnemonic(m)) {
      return LineError(line_, "unknown-mnemonic",
                       "unknown mnemonic " + Describe(mn) +
                           " (expected ld ldi ldh ldb ldx ldxi ldxb st stx add sub mul div mod "
                           "neg and or xor lsh rsh tax txa ja jmp jeq jne jneq jlt jle jgt jge "
                           "jset ret, or a directive .insn .arch)");
    }
    if (m == "tax" || m == "txa" || m == "neg") return Emit(m, Operand::kNone, 0, m);
    Result<Parsed> op = Operand_(m);
    if (!op.ok()) return op.error();
    if (op->is_a) return Expected("an operand other than 'a' for " + m);
    if (m == "ldx" && op->kind == Operand::kMsh) m = "ldxb";  // bpf_asm accepts both spellings
    return Emit(m, op->kind, op->k, m);
  }

  // Operand of a non-jump instruction: #k, #len, len, x, %x, a, %a, M[k], [k], [x + k],
  // [seccomp field], 4*([k]&0xf).
  Result<Parsed> Operand_(std::string_view m) {
    Parsed p;
    const Token& t = Peek();
    if (t.kind == Token::Kind::kEnd) {
      return Expected("an operand for " + std::string(m));
    }
    if (Accept("#")) {
      if (Peek().IsIdent("len") && toks_[pos_ + 1].kind == Token::Kind::kEnd) {
        Next();
        p.kind = Operand::kLen;
        return p;
      }
      Result<uint32_t> k = Expr32("k");
      if (!k.ok()) return k.error();
      p.kind = Operand::kImm;
      p.k = *k;
      return p;
    }
    if (Accept("%")) {
      if (Peek().kind == Token::Kind::kIdent && (Lower(Peek().text) == "x" ||
                                                 Lower(Peek().text) == "a")) {
        p.is_a = Lower(Next().text) == "a";
        p.kind = p.is_a ? Operand::kNone : Operand::kX;
        return p;
      }
      return Expected("'x' or 'a' after '%'");
    }
    if (t.kind == Token::Kind::kIdent) {
      const std::string id = Lower(t.text);
      if (id == "x" || id == "a") {
        Next();
        p.is_a = id == "a";
        p.kind = p.is_a ? Operand::kNone : Operand::kX;
        return p;
      }
      if (id == "len") {
        Next();
        p.kind = Operand::kLen;
        return p;
      }
      if (id == "m" && toks_[pos_ + 1].Is("[")) {
        Next();
        Next();
        Result<uint32_t> k = Expr32("M[] index");
        if (!k.ok()) return k.error();
        if (!Accept("]")) return Expected("']' after the M[] index");
        p.kind = Operand::kMem;
        p.k = *k;
        return p;
      }
    }
    if (Accept("[")) return Bracket();
    if (t.kind == Token::Kind::kNumber && t.text == "4" && toks_[pos_ + 1].Is("*")) {
      // 4*([k]&0xf)
      Next();
      Next();
      if (!Accept("(")) return Expected("'(' in 4*([k]&0xf)");
      if (!Accept("[")) return Expected("'[' in 4*([k]&0xf)");
      Result<uint32_t> k = Expr32("k");
      if (!k.ok()) return k.error();
      if (!Accept("]")) return Expected("']' in 4*([k]&0xf)");
      if (!Accept("&")) return Expected("'&' in 4*([k]&0xf)");
      const Token& mask = Peek();
      std::optional<uint64_t> v =
          mask.kind == Token::Kind::kNumber ? text::ParseNumber(mask.text) : std::nullopt;
      if (!v || *v != 0xf) return Expected("0xf in 4*([k]&0xf)");
      Next();
      if (!Accept(")")) return Expected("')' in 4*([k]&0xf)");
      p.kind = Operand::kMsh;
      p.k = *k;
      return p;
    }
    return Expected("an operand (#k, x, M[k], [k], [x + k], 4*([k]&0xf), len) for " +
                    std::string(m));
  }

  // After '[': x + k, a seccomp_data field, or k; consumes the closing ']'.
  Result<Parsed> Bracket() {
    Parsed p;
    const Token& t = Peek();
    const std::string id = t.kind == Token::Kind::kIdent ? Lower(t.text) : std::string();
    if (id == "x" || (t.Is("%") && Lower(toks_[pos_ + 1].text) == "x")) {
      if (t.Is("%")) Next();
      Next();
      p.kind = Operand::kInd;
      if (Accept("+")) {
        Result<uint32_t> k = Expr32("k");
        if (!k.ok()) return k.error();
        p.k = *k;
      }
      if (!Accept("]")) return Expected("']' after [x + k");
      return p;
    }
    p.kind = Operand::kAbs;
    if (id == "nr" || id == "arch" || id == "ip.lo" || id == "ip.hi" || id == "ip") {
      Next();
      const bool second_word = id == (options_.big_endian ? "ip.lo" : "ip.hi");
      p.k = id == "nr" ? 0 : id == "arch" ? 4 : second_word ? 12 : 8;
    } else if (id == "args") {
      Next();
      if (!Accept("[")) return Expected("'[' after args");
      Result<uint32_t> i = Expr32("args index");
      if (!i.ok()) return i.error();
      if (*i > 5) {
        return LineError(line_, "bad-operand",
                         "args index " + std::to_string(*i) + " not in 0..5");
      }
      if (!Accept("]")) return Expected("']' after the args index");
      p.k = 16 + 8 * *i;
      if (Peek().kind == Token::Kind::kIdent) {
        const std::string half = Lower(Peek().text);
        if (half != ".lo" && half != ".hi") return Expected("'.lo' or '.hi' after args[i]");
        if (half == (options_.big_endian ? ".lo" : ".hi")) p.k += 4;
        Next();
      }
    } else {
      Result<uint32_t> k = Expr32("k");
      if (!k.ok()) return k.error();
      p.k = *k;
    }
    if (!Accept("]")) return Expected("']'");
    return p;
  }

  Result<Target> ParseTarget() {
    const Token& t = Peek();
    if (t.kind != Token::Kind::kIdent || t.text[0] == '.') {
      return Expected("a label as jump target");
    }
    Target target;
    target.label = t.text;
    target.line = line_;
    Next();
    return target;
  }

  std::optional<Error> CondJump(const std::string& m) {
    // jne/jlt/jle are jeq/jge/jgt with the targets swapped (bpf_asm).
    std::string base = m;
    bool swap = false;
    if (m == "jne") base = "jeq", swap = true;
    if (m == "jlt") base = "jge", swap = true;
    if (m == "jle") base = "jgt", swap = true;
    Item item;
    item.kind = Item::Kind::kCond;
    item.line = line_;
    Operand kind;
    uint32_t k = 0;
    std::string lx = Peek().kind == Token::Kind::kIdent ? Lower(Peek().text) : "";
    if (lx == "x") {
      Next();
      kind = Operand::kJumpX;
    } else if (Peek().Is("%") && Lower(toks_[pos_ + 1].text) == "x") {
      Next();
      Next();
      kind = Operand::kJumpX;
    } else if (Accept("#")) {
      Result<uint32_t> v = Expr32("k");
      if (!v.ok()) return v.error();
      k = *v;
      kind = Operand::kJumpK;
    } else {
      return Expected("'#k' or 'x' as the operand of " + m);
    }
    if (!Accept(",")) return Expected("',' and a jump target after the operand of " + m);
    Result<Target> first = ParseTarget();
    if (!first.ok()) return first.error();
    Target second;  // fall through
    second.line = line_;
    if (Accept(",")) {
      Result<Target> t = ParseTarget();
      if (!t.ok()) return t.error();
      second = *t;
    }
    item.jt = swap ? second : *first;
    item.jf = swap ? *first : second;
    item.insn = Jump(*FindCode(base, kind), k, 0, 0);
    items_.push_back(item);
    return ExpectEnd("the jump targets");
  }

  std::optional<Error> Ret() {
    const Token& t = Peek();
    if (t.kind == Token::Kind::kIdent) {
      const std::string id = Lower(t.text);
      if (std::optional<Action> action = ParseActionName(t.text); action && id != "a") {
        Next();
        uint32_t data = 0;
        if (Accept("(")) {
          Result<uint32_t> v = Expr32("action data");
          if (!v.ok()) return v.error();
          if (*v > seccomp::kRetData) {
            return LineError(line_, "bad-number",
                             "action data " + std::to_string(*v) + " does not fit in 16 bits "
                             "(SECCOMP_RET_DATA)");
          }
          data = *v;
          if (!Accept(")")) return Expected("')' after the action data");
        }
        return Emit("ret", Operand::kImm, *ActionValue(*action) | data, "ret");
      }
    }
    Result<Parsed> op = Operand_("ret");
    if (!op.ok()) return op.error();
    if (op->is_a) return Emit("ret", Operand::kNone, 0, "ret");
    if (op->kind != Operand::kImm && op->kind != Operand::kX) {
      return LineError(line_, "bad-operand",
                       "ret takes #k, an action (ALLOW, ERRNO(n), ...), a or x");
    }
    return Emit("ret", op->kind, op->k, "ret");
  }

  // ---- step 2: labels ----

  std::optional<Error> ResolveOne(size_t i, Target* t, const char* which) {
    if (t->label.empty()) {
      t->index = i + 1;
      return std::nullopt;
    }
    auto it = labels_.find(t->label);
    if (it == labels_.end()) {
      return LineError(t->line, "undefined-label",
                       std::string(which) + " target '" + t->label + "' is not defined");
    }
    if (it->second <= i) {
      return LineError(t->line, "backward-jump",
                       std::string(which) + " target '" + t->label + "' (line " +
                           std::to_string(label_lines_[t->label]) +
                           ") is not after the jump: classic BPF jumps only forward");
    }
    t->index = it->second;
    return std::nullopt;
  }

  std::optional<Error> Resolve() {
    for (size_t i = 0; i < items_.size(); ++i) {
      Item& item = items_[i];
      if (item.kind == Item::Kind::kJa) {
        if (auto e = ResolveOne(i, &item.jt, "ja")) return e;
      } else if (item.kind == Item::Kind::kCond) {
        if (auto e = ResolveOne(i, &item.jt, "jt")) return e;
        if (auto e = ResolveOne(i, &item.jf, "jf")) return e;
      }
    }
    return std::nullopt;
  }

  // ---- step 3: layout with trampolines ----

  static size_t SizeOf(const Item& item) {
    return 1 + (item.far_t ? 1 : 0) + (item.far_f ? 1 : 0);
  }

  Result<Program> Layout() {
    std::vector<uint64_t> pos(items_.size() + 1);
    for (;;) {
      uint64_t p = 0;
      for (size_t i = 0; i < items_.size(); ++i) {
        pos[i] = p;
        p += SizeOf(items_[i]);
      }
      pos[items_.size()] = p;
      bool changed = false;
      for (size_t i = 0; i < items_.size(); ++i) {
        Item& item = items_[i];
        if (item.kind != Item::Kind::kCond) continue;
        const uint64_t base = pos[i] + 1;  // offsets count from the instruction after the jump
        const uint64_t dt = pos[item.jt.index] - base;
        const uint64_t df = pos[item.jf.index] - base;
        for (auto [far, dist, target] : {std::tuple{&item.far_t, dt, &item.jt},
                                         std::tuple{&item.far_f, df, &item.jf}}) {
          if (*far || dist <= 255) continue;
          if (!options_.relax) {
            return LineError(item.line, "jump-too-far",
                             "target '" + target->label + "' is " + std::to_string(dist) +
                                 " instructions away; a conditional jump reaches at most 255 "
                                 "(use ja, or let sckit insert trampolines)");
          }
          *far = true;
          changed = true;
        }
      }
      if (!changed) break;
    }
    const uint16_t ja = *FindCode("ja", Operand::kJumpAlways);
    Program program;
    program.insns.reserve(pos[items_.size()]);
    for (size_t i = 0; i < items_.size(); ++i) {
      const Item& item = items_[i];
      const uint64_t next = pos[i] + 1;
      switch (item.kind) {
        case Item::Kind::kPlain:
          program.insns.push_back(item.insn);
          break;
        case Item::Kind::kJa: {
          const uint64_t k = pos[item.jt.index] - next;
          if (k > 0xffffffffu) {
            return LineError(item.line, "jump-too-far", "ja distance does not fit in 32 bits");
          }
          program.insns.push_back(Stmt(ja, static_cast<uint32_t>(k)));
          break;
        }
        case Item::Kind::kCond: {
          // Layout: the jump, then the jt trampoline (if far), then the jf trampoline (if far).
          SockFilter insn = item.insn;
          uint64_t tramp = next;
          uint64_t jt_at = pos[item.jt.index], jf_at = pos[item.jf.index];
          std::vector<SockFilter> tramps;
          if (item.far_t) {
            tramps.push_back(Stmt(ja, static_cast<uint32_t>(jt_at - (tramp + 1))));
            jt_at = tramp++;
          }
          if (item.far_f) {
            tramps.push_back(Stmt(ja, static_cast<uint32_t>(jf_at - (tramp + 1))));
            jf_at = tramp++;
          }
          insn.jt = static_cast<uint8_t>(jt_at - next);
          insn.jf = static_cast<uint8_t>(jf_at - next);
          program.insns.push_back(insn);
          program.insns.insert(program.insns.end(), tramps.begin(), tramps.end());
          break;
        }
      }
    }
    return program;
  }

  const AsmOptions& options_;
  text::SymbolContext ctx_;
  std::vector<Item> items_;
  std::map<std::string, size_t> labels_;
  std::map<std::string, int> label_lines_;
  std::vector<Token> toks_;
  size_t pos_ = 0;
  int line_ = 0;
};

}  // namespace

Result<Program> Assemble(std::string_view source, const AsmOptions& options) {
  Assembler assembler(options);
  return assembler.Run(source);
}

}  // namespace sckit
