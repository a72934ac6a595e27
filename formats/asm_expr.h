// What the two text formats (assembly, formats/asm.h; C arrays, formats/carray.h) share: a small C-like
// lexer and a constant-expression evaluator that knows the kernel's symbolic names.
//
// Symbols (case-sensitive, as the kernel headers spell them):
//   BPF_LD ... BPF_MISC, BPF_W/H/B, BPF_IMM/ABS/IND/MEM/LEN/MSH, BPF_ADD ... BPF_XOR, BPF_JA ...
//   BPF_JSET, BPF_K/X/A, BPF_TAX/TXA, BPF_MAXINSNS, BPF_MEMWORDS   (include/uapi/linux/filter.h)
//   SECCOMP_RET_KILL_PROCESS ... SECCOMP_RET_ALLOW, SECCOMP_RET_KILL, SECCOMP_RET_ACTION_FULL,
//   SECCOMP_RET_ACTION, SECCOMP_RET_DATA                          (include/uapi/linux/seccomp.h)
//   AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, ... (every arch of vm/arch.h)
//   SYS_name and __NR_name: syscall numbers of the current arch (libseccomp's tables)
//   EPERM, EACCES, ...: errno values (glibc's names)
//   offsetof(struct seccomp_data, nr | arch | instruction_pointer | args[i])
// Operators, C precedence: unary - ~ +, * / %, + -, << >>, &, ^, |, parentheses. Arithmetic is
// 64-bit signed with overflow checks; the caller narrows to 32 bits (-2^31 .. 2^32-1 accepted).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vm/arch.h"
#include "vm/status.h"

namespace sckit::text {

struct Token {
  enum class Kind : uint8_t { kIdent, kNumber, kPunct, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;  // identifier, number spelling, or punctuation ("<<", ">>", one char)
  int line = 0;

  bool Is(std::string_view punct) const { return kind == Kind::kPunct && text == punct; }
  bool IsIdent(std::string_view name) const { return kind == Kind::kIdent && text == name; }
};

// "'foo'" for a token, "end of line" / "end of input" for kEnd.
std::string Describe(const Token& token);

// Printable rendering of a byte for error messages ('a' or \x01).
std::string DescribeChar(char c);

// Splits `text` into tokens; `line` is the number of its first line (newlines advance it).
// Identifiers: [A-Za-z_.$][A-Za-z0-9_.$]*. Numbers: a digit then [A-Za-z0-9_]* (validated by
// ParseNumber). Always ends with one kEnd token. Error "bad-character" on anything else, unless
// `lenient` (C text): then other characters are one-character kPunct tokens and string or
// character literals one kPunct token each. More than `max_tokens` tokens (kEnd aside) is the
// error "too-many-tokens".
Result<std::vector<Token>> Lex(std::string_view text, int line, bool lenient = false,
                               size_t max_tokens = SIZE_MAX);

// A C integer literal: decimal, 0x hex, 0b binary, leading-0 octal, optional u/l suffixes.
std::optional<uint64_t> ParseNumber(std::string_view spelling);

// Resolves names for expressions. `arch` selects the syscall table for SYS_/__NR_ names.
struct SymbolContext {
  const ArchInfo* arch = nullptr;  // nullptr: x86_64
};

// The value of a plain symbol (no offsetof), or nullopt.
std::optional<int64_t> LookupSymbol(const SymbolContext& ctx, std::string_view name);

// Parses one expression starting at tokens[*pos]; stops before the first token that cannot
// continue it (',', ')', ']', '}' or end). Errors carry the token's line.
Result<int64_t> ParseExpr(const std::vector<Token>& tokens, size_t* pos, const SymbolContext& ctx);

// ParseExpr narrowed to 32 bits: values -2^31 .. 2^32-1, negatives as two's complement.
// `what` names the operand in errors ("k", "jt", ...).
Result<uint32_t> ParseExpr32(const std::vector<Token>& tokens, size_t* pos,
                             const SymbolContext& ctx, std::string_view what);

}  // namespace sckit::text
