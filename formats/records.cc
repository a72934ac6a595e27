#include "formats/records.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>

#include "formats/record_dispatch.h"
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
  LineDispatch dispatch;  // dispatch=, region=, selector=, vdso-sigreturn= (record_dispatch.h)
};

Error TokenError(std::string rule, std::string_view token, const std::string& what, int line) {
  return MakeLineError(std::move(rule), "'" + std::string(token) + "': " + what, line);
}

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

// The line's tokens; its dispatch keys go to *dispatch, and are an error where the caller takes
// none (nullptr): a record whose configuration would be ignored must not pass silently.
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

// One nr value: a number (taken as given), a name resolved for the arch, or `name(number)` as
// FormatRecordText prints it, where the two must agree: the number is the name's, or the name
// is the number's.
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

// A list item's closed range of values: `V`, `LO-HI` (inclusive, LO <= HI as unsigned values of
// the field) or, for nr, `*` (every named syscall of the arch, one range each).
struct Range {
  uint64_t lo = 0;
  uint64_t hi = 0;
  uint64_t size() const { return hi - lo + 1; }  // 0 for the whole 64-bit space (wraps)
};

// Where `item` splits into LO-HI: the first '-' that is not a sign.
size_t RangeDash(std::string_view item) { return item.empty() ? 0 : item.find('-', 1); }

using ValueParser = std::function<Result<uint64_t>(std::string_view)>;

// The ranges of one slot's list. `star`: what `*` stands for (nr only; nullptr elsewhere).
std::optional<Error> SlotRanges(const std::vector<std::string_view>& items, std::string_view token,
                                const ValueParser& parse, const std::vector<int32_t>* star,
                                int line, std::vector<Range>* out) {
  out->clear();
  for (std::string_view item : items) {
    if (item == "*") {
      if (star == nullptr) {
        return TokenError("bad-range", token, "'*' stands for every syscall: nr only", line);
      }
      if (star->empty()) {
        return TokenError("unknown-syscall", token, "'*': no syscall names for this arch", line);
      }
      for (int32_t nr : *star) out->push_back({static_cast<uint32_t>(nr), static_cast<uint32_t>(nr)});
      continue;
    }
    const size_t dash = RangeDash(item);
    if (item.empty() || dash == 0 || (dash != std::string_view::npos && dash + 1 == item.size())) {
      return TokenError("bad-range", token,
                        "'" + std::string(item) + "': a value or range LO-HI needs both ends",
                        line);
    }
    Result<uint64_t> lo = parse(item.substr(0, dash));
    if (!lo.ok()) return lo.error();
    Range r{*lo, *lo};
    if (dash != std::string_view::npos) {
      Result<uint64_t> hi = parse(item.substr(dash + 1));
      if (!hi.ok()) return hi.error();
      if (*hi < *lo) {
        return TokenError("bad-range", token,
                          "'" + std::string(item) + "': the range ends below its start", line);
      }
      r.hi = *hi;
    }
    out->push_back(r);
  }
  return std::nullopt;
}

// The number of values in `ranges`, saturating at UINT64_MAX.
uint64_t CountOf(const std::vector<Range>& ranges) {
  uint64_t n = 0;
  for (const Range& r : ranges) {
    const uint64_t size = r.size();
    if (size == 0 || n > UINT64_MAX - size) return UINT64_MAX;
    n += size;
  }
  return std::max<uint64_t>(n, 1);
}

// a * b, saturating at UINT64_MAX.
uint64_t Times(uint64_t a, uint64_t b) { return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b; }

// Odometer position in one slot: which range, and how far into it.
struct Wheel {
  size_t range = 0;
  uint64_t offset = 0;
};

// Calls emit(record) for every record of the cross product of `slots` (ip, a0..a5 from
// kIp; empty ones keep `base`'s value) and the arch's nr ranges, nr before ip, a0..a5.
template <typename Emit>
void EmitProduct(const SeccompData& base, const std::vector<Range>& nrs,
                 const std::array<std::vector<Range>, kSlots>& slots, Emit emit) {
  for (const Range& nr_range : nrs) {
    for (uint64_t nr = nr_range.lo;; ++nr) {
      std::array<Wheel, kSlots> wheel{};
      for (;;) {
        SeccompData out = base;
        out.nr = static_cast<int32_t>(static_cast<uint32_t>(nr));
        for (int s = kIp; s < kSlots; ++s) {
          if (slots[s].empty()) continue;
          const uint64_t v = slots[s][wheel[s].range].lo + wheel[s].offset;
          (s == kIp ? out.instruction_pointer : out.args[s - kA0]) = v;
        }
        emit(out);
        int s = kSlots - 1;
        for (; s >= kIp; --s) {
          if (slots[s].empty()) continue;
          Wheel& w = wheel[s];
          const Range& r = slots[s][w.range];
          if (r.lo + w.offset < r.hi) {
            ++w.offset;
            break;
          }
          w.offset = 0;
          if (++w.range < slots[s].size()) break;
          w.range = 0;
        }
        if (s < kIp) break;
      }
      if (nr == nr_range.hi) break;
    }
  }
}

// A line of single values (checked by the caller) to its one record, with no allocation: the
// path of every record that is not a pattern.
template <typename Emit>
std::optional<Error> ExpandOne(const Parsed& p,
                               const std::array<std::vector<std::string_view>, kSlots>& values,
                               int line, Emit emit) {
  SeccompData d;
  if (p.args.present) {
    size_t i = 0;
    for (std::string_view item : SplitList(p.args.value)) {
      if (i == 6) {
        return TokenError("too-many-args", p.args.text,
                          std::to_string(SplitList(p.args.value).size()) + " values, at most 6",
                          line);
      }
      Result<uint64_t> v = ResolveNumber(item, p.args.text, 64, line);
      if (!v.ok()) return v.error();
      d.args[i++] = *v;
    }
  }
  for (int s = kIp; s < kSlots; ++s) {
    if (values[s].empty()) continue;
    Result<uint64_t> v = ResolveNumber(values[s][0], p.slots[s].text, 64, line);
    if (!v.ok()) return v.error();
    (s == kIp ? d.instruction_pointer : d.args[s - kA0]) = *v;
  }
  Result<const ArchInfo*> arch = ResolveArch(
      values[kArch][0], p.slots[kArch].present ? p.slots[kArch].text : "arch=x86_64", &d.arch,
      line);
  if (!arch.ok()) return arch.error();
  Result<int32_t> nr = ResolveNr(values[kNr][0], p.slots[kNr].text, *arch, d.arch, line);
  if (!nr.ok()) return nr.error();
  d.nr = *nr;
  emit(d);
  return std::nullopt;
}

// Expands the parsed tokens into records, calling emit(record) for each; lists, ranges and `*`
// only when `allow_lists`. Nothing is emitted unless the whole line is valid and within
// kMaxPatternRecords.
// With `count`, only *count = the number of records (nothing emitted).
template <typename Emit>
std::optional<Error> Expand(const Parsed& p, bool allow_lists, int line, Emit emit,
                            uint64_t* count = nullptr) {
  std::array<std::vector<std::string_view>, kSlots> values;
  for (int s = 0; s < kSlots; ++s) {
    if (!p.slots[s].present) continue;
    values[s] = SplitList(p.slots[s].value);
    for (std::string_view v : values[s]) {
      if (v.empty()) return TokenError("missing-value", p.slots[s].text, "empty list item", line);
      const bool range = v == "*" || (s != kArch && RangeDash(v) != std::string_view::npos);
      if ((values[s].size() > 1 || range) && !allow_lists) {
        return TokenError("list-not-allowed", p.slots[s].text,
                          "lists, ranges and '*' are only allowed in patterns (test cases)",
                          line);
      }
    }
  }
  if (values[kArch].empty()) values[kArch].push_back("x86_64");

  // Fixed fields: args= then the ranges of ip and a0..a5.
  SeccompData base;
  if (!allow_lists) return ExpandOne(p, values, line, emit);  // (never counted)
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
  std::array<std::vector<Range>, kSlots> slots;
  uint64_t per_nr = 1;  // records per syscall number: the product of ip's and a0..a5's counts
  for (int s = kIp; s < kSlots; ++s) {
    const std::string_view token = p.slots[s].text;
    const ValueParser parse = [&](std::string_view v) { return ResolveNumber(v, token, 64, line); };
    if (auto e = SlotRanges(values[s], token, parse, nullptr, line, &slots[s])) return e;
    if (!slots[s].empty()) per_nr = Times(per_nr, CountOf(slots[s]));
  }
  // Per arch its audit value and nr ranges (names resolve per arch); the total is known before
  // anything is emitted, so a short line cannot ask for billions of records.
  std::vector<std::pair<uint32_t, std::vector<Range>>> arches;
  uint64_t total = 0;
  for (std::string_view arch_value : values[kArch]) {
    uint32_t audit = 0;
    Result<const ArchInfo*> arch = ResolveArch(
        arch_value, p.slots[kArch].present ? p.slots[kArch].text : "arch=x86_64", &audit, line);
    if (!arch.ok()) return arch.error();
    const std::string_view token = p.slots[kNr].text;
    const ValueParser parse = [&](std::string_view v) -> Result<uint64_t> {
      Result<int32_t> nr = ResolveNr(v, token, *arch, audit, line);
      if (!nr.ok()) return nr.error();
      return static_cast<uint64_t>(static_cast<uint32_t>(*nr));
    };
    static const std::vector<int32_t> kNone;
    const std::vector<int32_t>* star = *arch ? &SyscallNumbers(**arch) : &kNone;
    arches.emplace_back(audit, std::vector<Range>{});
    if (auto e = SlotRanges(values[kNr], token, parse, star, line, &arches.back().second)) {
      return e;
    }
    total = Times(CountOf(arches.back().second), per_nr) > UINT64_MAX - total
                ? UINT64_MAX
                : total + Times(CountOf(arches.back().second), per_nr);
    if (total > kMaxPatternRecords) {
      return MakeLineError("pattern-too-large",
                           "the lists and ranges in this line expand to more than " +
                               std::to_string(kMaxPatternRecords) +
                               " records; split it into several lines",
                           line);
    }
  }
  if (count != nullptr) {
    *count = total;
    return std::nullopt;
  }
  for (const auto& [audit, nrs] : arches) {
    base.arch = audit;
    EmitProduct(base, nrs, slots, emit);
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

Result<SeccompData> ParseRecord(std::string_view text, int line, LineDispatch* dispatch) {
  Result<Parsed> p = Tokenize(text, line, dispatch);
  if (!p.ok()) return p.error();
  SeccompData out;
  if (auto e = Expand(*p, false, line, [&](const SeccompData& d) { out = d; })) return *e;
  return out;
}

Result<std::vector<SeccompData>> ParseRecordPattern(std::string_view text, int line,
                                                    LineDispatch* dispatch) {
  Result<Parsed> p = Tokenize(text, line, dispatch);
  if (!p.ok()) return p.error();
  std::vector<SeccompData> out;
  if (auto e = Expand(*p, true, line, [&](const SeccompData& d) { out.push_back(d); })) {
    return *e;
  }
  return out;
}

Result<uint64_t> CountRecordPattern(std::string_view text, int line, LineDispatch* dispatch) {
  Result<Parsed> p = Tokenize(text, line, dispatch);
  if (!p.ok()) return p.error();
  uint64_t count = 0;
  if (auto e = Expand(*p, true, line, [](const SeccompData&) {}, &count)) return *e;
  return count;
}

}  // namespace sckit
