// The text records of formats/records.h: the canonical form (FormatRecord), and a line's
// tokens (formats/record_line.h) expanded into records: one record, or a pattern's sets and
// ranges as their cross product, counted before anything is expanded.
#include "formats/records.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <functional>
#include <optional>

#include "formats/record_dispatch.h"
#include "formats/record_line.h"
#include "vm/arch.h"

namespace sckit {
namespace {

using namespace record_line;  // NOLINT: the line's vocabulary (slots, tokens, resolvers).

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
