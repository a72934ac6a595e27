// One text record line before expansion (see record_line.h): tokens by field slot, numbers of
// a field's width, arch and syscall names.
#include "formats/record_line.h"

#include <optional>

#include "vm/text.h"

namespace sckit::record_line {
namespace {

constexpr std::string_view kWhitespace = " \t\r\n\f\v";

// A number of `bits` width (32 or 64): decimal or 0x hex, optionally negative (two's
// complement). Empty optional with *why set when it is not a number or does not fit.
std::optional<uint64_t> ParseNumber(std::string_view s, int bits, std::string* why) {
  bool negative = false;
  std::string_view body = s;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  int base = 10;
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) {
    base = 16;
    body.remove_prefix(2);
  }
  if (body.empty()) {
    *why = "not a number";
    return std::nullopt;
  }
  uint64_t v = 0;
  bool overflow = false;
  for (char c : body) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (base == 16 && c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (base == 16 && c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      *why = "not a number";
      return std::nullopt;
    }
    if (v > (UINT64_MAX - static_cast<uint64_t>(digit)) / static_cast<uint64_t>(base)) {
      overflow = true;
    }
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(digit);
  }
  const uint64_t max = bits == 64 ? UINT64_MAX : (uint64_t{1} << bits) - 1;
  const uint64_t min_magnitude = uint64_t{1} << (bits - 1);  // |most negative value|
  if (overflow || (!negative && v > max) || (negative && v > min_magnitude)) {
    *why = "out of range for a " + std::to_string(bits) + "-bit field";
    return std::nullopt;
  }
  if (negative) v = (0 - v) & max;
  return v;
}

// The tokens of one line, checked for keys, duplicates and conflicts, and nr present.
Result<Parsed> TokenizeLine(std::string_view text, int line) {
  Parsed p;
  size_t pos = 0;
  bool any = false;
  while (true) {
    pos = text.find_first_not_of(kWhitespace, pos);
    if (pos == std::string_view::npos) break;
    size_t end = text.find_first_of(kWhitespace, pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view tok = text.substr(pos, end - pos);
    pos = end;
    any = true;
    const size_t eq = tok.find('=');
    if (eq == std::string_view::npos) {
      return TokenError("bad-token", tok, "expected key=value", line);
    }
    const std::string_view key = tok.substr(0, eq);
    const std::string_view value = tok.substr(eq + 1);
    Token* slot = nullptr;
    if (key == "arch") {
      slot = &p.slots[kArch];
    } else if (key == "nr") {
      slot = &p.slots[kNr];
    } else if (key == "ip") {
      slot = &p.slots[kIp];
    } else if (key == "args") {
      slot = &p.args;
    } else if (key.size() == 2 && key[0] == 'a' && key[1] >= '0' && key[1] <= '5') {
      slot = &p.slots[kA0 + (key[1] - '0')];
    } else if (IsLineDispatchKey(key)) {
      if (value.empty()) return TokenError("missing-value", tok, "no value after '='", line);
      Result<bool> d = ParseLineDispatchToken(key, value, tok, line, &p.dispatch);
      if (!d.ok()) return d.error();
      continue;
    } else {
      return TokenError("unknown-key", tok,
                        "unknown key '" + std::string(key) +
                            "' (expected arch, nr, ip, args, a0..a5, or dispatch, region, "
                            "selector, vdso-sigreturn)",
                        line);
    }
    if (slot->present) return TokenError("duplicate-key", tok, "key given twice", line);
    if (value.empty()) return TokenError("missing-value", tok, "no value after '='", line);
    *slot = Token{tok, value, true};
  }
  if (!any) return MakeLineError("empty-record", "no key=value tokens", line);
  // args= and aN may both appear when they name different arguments; the same argument twice
  // is a conflict, like a key given twice (it once kept aN silently).
  if (p.args.present) {
    const size_t given = SplitList(p.args.value).size();
    for (size_t n = 0; n < 6 && n < given; ++n) {
      const Token& a = p.slots[kA0 + n];
      if (a.present) {
        return TokenError("conflicting-keys", a.text,
                          "argument " + std::to_string(n) + " is also given by '" +
                              std::string(p.args.text) + "'",
                          line);
      }
    }
  }
  if (!p.slots[kNr].present) return MakeLineError("missing-nr", "every record needs nr=", line);
  return p;
}

}  // namespace

Error TokenError(std::string rule, std::string_view token, const std::string& what, int line) {
  return MakeLineError(std::move(rule), "'" + std::string(token) + "': " + what, line);
}


std::vector<std::string_view> SplitList(std::string_view value) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    const size_t comma = value.find(',', start);
    out.push_back(value.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

Result<Parsed> Tokenize(std::string_view text, int line, LineDispatch* dispatch) {
  Result<Parsed> p = TokenizeLine(text, line);
  if (!p.ok()) return p.error();
  if (dispatch != nullptr) {
    *dispatch = p->dispatch;
  } else if (p->dispatch.any()) {
    return TokenError("dispatch-not-allowed", p->dispatch.FirstToken(),
                      "a syscall user dispatch configuration is only read by sckit eval and "
                      "sckit test",
                      line);
  }
  return p;
}


Result<const ArchInfo*> ResolveArch(std::string_view value, std::string_view token,
                                    uint32_t* audit, int line) {
  if (const ArchInfo* a = FindArch(value)) {
    *audit = a->audit_arch;
    return a;
  }
  if (!value.empty() && (value[0] == '-' || (value[0] >= '0' && value[0] <= '9'))) {
    std::string why;
    if (auto v = ParseNumber(value, 32, &why)) {
      *audit = static_cast<uint32_t>(*v);
      return FindArchByAudit(*audit);  // may be nullptr: no names for that arch
    }
    return TokenError(why == "not a number" ? "bad-number" : "number-out-of-range", token,
                      "'" + std::string(value) + "' " + why, line);
  }
  return TokenError("unknown-arch", token, "unknown architecture '" + std::string(value) + "'",
                    line);
}

Result<uint64_t> ResolveNumber(std::string_view value, std::string_view token, int bits,
                               int line) {
  std::string why;
  if (auto v = ParseNumber(value, bits, &why)) return *v;
  return TokenError(why == "not a number" ? "bad-number" : "number-out-of-range", token,
                    "'" + std::string(value) + "' " + why, line);
}

Result<int32_t> ResolveNr(std::string_view value, std::string_view token, const ArchInfo* arch,
                          uint32_t audit, int line) {
  if (value.empty()) return TokenError("bad-number", token, "an empty syscall", line);
  const char c = value[0];
  if (c == '-' || c == '+' || (c >= '0' && c <= '9')) {
    Result<uint64_t> v = ResolveNumber(value, token, 32, line);
    if (!v.ok()) return v.error();
    return static_cast<int32_t>(static_cast<uint32_t>(*v));
  }
  std::string_view name = value;
  std::optional<int32_t> given;
  if (const size_t open = value.find('('); open != std::string_view::npos && value.back() == ')') {
    name = value.substr(0, open);
    Result<uint64_t> v =
        ResolveNumber(value.substr(open + 1, value.size() - open - 2), token, 32, line);
    if (!v.ok()) return v.error();
    given = static_cast<int32_t>(static_cast<uint32_t>(*v));
  }
  if (arch == nullptr) {
    return TokenError("unknown-syscall", token,
                      "no syscall names for arch " + Hex(audit) + "; give nr as a number", line);
  }
  // `name(number)`: the number's name must be `name` (libseccomp names i386's socket 359, but
  // resolves "socket" to socketcall's pseudo number, so the number decides).
  if (given && SyscallName(audit, *given) == name) return *given;
  const std::optional<int32_t> nr = SyscallNumber(*arch, name);
  if (!nr) {
    return TokenError("unknown-syscall", token,
                      "'" + std::string(name) + "' is not a syscall on " + std::string(arch->name),
                      line);
  }
  if (given && *given != *nr) {
    return TokenError("nr-mismatch", token,
                      std::string(name) + " is " + std::to_string(*nr) + " on " +
                          std::string(arch->name) + ", not " + std::to_string(*given),
                      line);
  }
  return *nr;
}

}  // namespace sckit::record_line
