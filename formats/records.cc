#include "formats/records.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <optional>

#include "vm/arch.h"
#include "vm/text.h"

namespace sckit {
namespace {

constexpr std::string_view kWhitespace = " \t\r\n\f\v";

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

// Field slots in cross-product order.
enum Slot { kArch, kNr, kIp, kA0, kSlots = kA0 + 6 };

struct Token {
  std::string_view text;   // the whole key=value
  std::string_view value;
  bool present = false;
};

struct Parsed {
  std::array<Token, kSlots> slots;
  Token args;
};

Error TokenError(std::string rule, std::string_view token, const std::string& what, int line) {
  return MakeLineError(std::move(rule), "'" + std::string(token) + "': " + what, line);
}

Result<Parsed> Tokenize(std::string_view text, int line) {
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
    } else {
      return TokenError("unknown-key", tok,
                        "unknown key '" + std::string(key) +
                            "' (expected arch, nr, ip, args, a0..a5)",
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
  const char c = value[0];
  if (c == '-' || c == '+' || (c >= '0' && c <= '9')) {
    Result<uint64_t> v = ResolveNumber(value, token, 32, line);
    if (!v.ok()) return v.error();
    return static_cast<int32_t>(static_cast<uint32_t>(*v));
  }
  if (arch == nullptr) {
    return TokenError("unknown-syscall", token,
                      "no syscall names for arch " + Hex(audit) + "; give nr as a number", line);
  }
  if (auto nr = SyscallNumber(*arch, value)) return *nr;
  return TokenError("unknown-syscall", token,
                    "'" + std::string(value) + "' is not a syscall on " + std::string(arch->name),
                    line);
}

// Expands the parsed tokens into records, calling emit(record) for each; lists only when
// `allow_lists`.
template <typename Emit>
std::optional<Error> Expand(const Parsed& p, bool allow_lists, int line, Emit emit) {
  std::array<std::vector<std::string_view>, kSlots> values;
  for (int s = 0; s < kSlots; ++s) {
    if (!p.slots[s].present) continue;
    values[s] = SplitList(p.slots[s].value);
    if (values[s].size() > 1 && !allow_lists) {
      return TokenError("list-not-allowed", p.slots[s].text,
                        "a list of values is only allowed in test cases", line);
    }
    for (std::string_view v : values[s]) {
      if (v.empty()) return TokenError("missing-value", p.slots[s].text, "empty list item", line);
    }
  }
  if (values[kArch].empty()) values[kArch].push_back("x86_64");
  // The cross product is the product of the list lengths: refuse it before expanding when it
  // would pass kMaxPatternRecords (a short line can otherwise ask for billions of records).
  uint64_t product = 1;
  for (int s = 0; s < kSlots; ++s) {
    product *= std::max<uint64_t>(1, values[s].size());
    if (product > kMaxPatternRecords) {
      return MakeLineError("pattern-too-large",
                           "the lists in this line expand to more than " +
                               std::to_string(kMaxPatternRecords) +
                               " records; split it into several lines",
                           line);
    }
  }

  // Fixed fields: args= then the scalar slots other than arch and nr.
  SeccompData base;
  if (p.args.present) {
    const std::vector<std::string_view> items = SplitList(p.args.value);
    if (items.size() > 6) {
      return TokenError("too-many-args", p.args.text,
                        std::to_string(items.size()) + " values, at most 6", line);
    }
    for (size_t i = 0; i < items.size(); ++i) {
      Result<uint64_t> v = ResolveNumber(items[i], p.args.text, 64, line);
      if (!v.ok()) return v.error();
      base.args[i] = *v;
    }
  }
  // Pre-resolve ip and a0..a5 lists once.
  std::array<std::vector<uint64_t>, kSlots> numbers;
  for (int s = kIp; s < kSlots; ++s) {
    for (std::string_view v : values[s]) {
      Result<uint64_t> n = ResolveNumber(v, p.slots[s].text, 64, line);
      if (!n.ok()) return n.error();
      numbers[s].push_back(*n);
    }
  }
  for (std::string_view arch_value : values[kArch]) {
    SeccompData rec = base;
    Result<const ArchInfo*> arch =
        ResolveArch(arch_value, p.slots[kArch].present ? p.slots[kArch].text : "arch=x86_64",
                    &rec.arch, line);
    if (!arch.ok()) return arch.error();
    for (std::string_view nr_value : values[kNr]) {
      Result<int32_t> nr = ResolveNr(nr_value, p.slots[kNr].text, *arch, rec.arch, line);
      if (!nr.ok()) return nr.error();
      rec.nr = *nr;
      // Odometer over ip and a0..a5 (an absent slot contributes one "keep" choice).
      std::array<size_t, kSlots> idx{};
      for (;;) {
        SeccompData out = rec;
        for (int s = kIp; s < kSlots; ++s) {
          if (numbers[s].empty()) continue;
          const uint64_t v = numbers[s][idx[s]];
          if (s == kIp) {
            out.instruction_pointer = v;
          } else {
            out.args[s - kA0] = v;
          }
        }
        emit(out);
        int s = kSlots - 1;
        for (; s >= kIp; --s) {
          if (numbers[s].empty()) continue;
          if (++idx[s] < numbers[s].size()) break;
          idx[s] = 0;
        }
        if (s < kIp) break;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::string FormatRecord(const SeccompData& data) {
  char buf[320];
  int n = std::snprintf(buf, sizeof buf, "arch=0x%x nr=%d ip=0x%llx args=", data.arch, data.nr,
                        static_cast<unsigned long long>(data.instruction_pointer));
  for (int i = 0; i < 6; ++i) {
    n += std::snprintf(buf + n, sizeof buf - static_cast<size_t>(n), i ? ",0x%llx" : "0x%llx",
                       static_cast<unsigned long long>(data.args[i]));
  }
  return std::string(buf, static_cast<size_t>(n));
}

std::string_view StripComment(std::string_view line) {
  const size_t hash = line.find('#');
  if (hash != std::string_view::npos) line = line.substr(0, hash);
  const size_t first = line.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  const size_t last = line.find_last_not_of(kWhitespace);
  return line.substr(first, last - first + 1);
}

Result<SeccompData> ParseRecord(std::string_view text, int line) {
  Result<Parsed> p = Tokenize(text, line);
  if (!p.ok()) return p.error();
  SeccompData out;
  if (auto e = Expand(*p, false, line, [&](const SeccompData& d) { out = d; })) return *e;
  return out;
}

Result<std::vector<SeccompData>> ParseRecordPattern(std::string_view text, int line) {
  Result<Parsed> p = Tokenize(text, line);
  if (!p.ok()) return p.error();
  std::vector<SeccompData> out;
  if (auto e = Expand(*p, true, line, [&](const SeccompData& d) { out.push_back(d); })) {
    return *e;
  }
  return out;
}

Result<RecordFormat> ParseRecordFormatName(std::string_view name) {
  if (name == "auto") return RecordFormat::kAuto;
  if (name == "text") return RecordFormat::kText;
  if (name == "binary" || name == "bin" || name == "raw") return RecordFormat::kBinary;
  return MakeError("bad-format", "unknown record format '" + std::string(name) +
                                     "' (expected auto, text or binary)");
}

}  // namespace sckit
