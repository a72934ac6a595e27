#include "eval/vector_sink.h"

#include <charconv>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include "formats/record_text.h"


namespace sckit::eval {
namespace {

// Distinct outcomes kept; past this, new ones are formatted the slow way every time (a stack
// has few distinct outcomes: actions times data values times matched filters).
constexpr size_t kMaxPieces = 4096;

// The eight hex digits of v as eight ASCII bytes, most significant first in memory: the
// nibbles spread one to a byte, then '0' added, and 'a' - '0' - 10 more where a nibble is > 9
// (nibble + 6 carries into bit 4 exactly then). No table, no loop, no branch.
[[gnu::always_inline]] inline uint64_t HexDigits8(uint32_t v) {
  uint64_t x = v;
  x = ((x & 0xffff0000ull) << 16) | (x & 0xffffull);
  x = ((x & 0x0000ff000000ff00ull) << 8) | (x & 0x000000ff000000ffull);
  x = ((x & 0x00f000f000f000f0ull) << 4) | (x & 0x000f000f000f000full);
  const uint64_t letters = ((x + 0x0606060606060606ull) >> 4) & 0x0101010101010101ull;
  return __builtin_bswap64(x + 0x3030303030303030ull + letters * ('a' - '0' - 10));
}

// "0x" and the lowercase hex digits of v, no leading zeros (printf's "0x%llx"), at p; returns
// the end. Branch-free (a record's values are a random mix of widths): the two halves' digits
// are shifted into place in registers and stored 8 bytes at a time, the high half's first
// (garbage when v < 2^32, then overwritten by the low half's), so up to 7 bytes past the end
// are written too: the buffer must have them (overwritten by what follows or never read).
[[gnu::always_inline]] inline char* PutHex(uint64_t v, char* p) {
  const int n = (64 - __builtin_clzll(v | 1) + 3) / 4;  // digits, 1 for 0
  const int in_high = n > 8 ? n - 8 : 0;
  const uint64_t high = HexDigits8(static_cast<uint32_t>(v >> 32)) >> ((8 * (8 - in_high)) & 63);
  const uint64_t low = HexDigits8(static_cast<uint32_t>(v)) >> (8 * (8 - n + in_high));
  *p++ = '0';
  *p++ = 'x';
  std::memcpy(p, &high, 8);
  std::memcpy(p + in_high, &low, 8);
  return p + n;
}

char* Put(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// The names cache: slots, and the longest cached text it keeps (longer ones are not cached).
constexpr size_t kNameSlots = 4096;
constexpr size_t kMaxNamesText = 200;

void AppendHex(uint64_t v, std::string* out) {
  char buf[2 + 16 + 7];
  out->append(buf, static_cast<size_t>(PutHex(v, buf) - buf));
}

template <typename Int>
void AppendDecimal(Int v, std::string* out) {
  char buf[24];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, static_cast<size_t>(r.ptr - buf));
}

// SiginfoJson of eval/report.cc for `o`: `, "siginfo": {...}`.
void AppendSiginfo(const Outcome& o, std::string* out) {
  *out += ", \"siginfo\": {\"si_signo\": ";
  AppendDecimal(o.sigsys.signo, out);
  *out += ", \"si_code\": ";
  AppendDecimal(o.sigsys.code, out);
  *out += ", \"si_errno\": ";
  AppendDecimal(o.sigsys.error, out);
  *out += ", \"si_syscall\": ";
  AppendDecimal(o.sigsys.syscall_nr, out);
  *out += ", \"si_arch\": \"";
  AppendHex(o.sigsys.arch, out);
  *out += "\", \"si_call_addr\": \"";
  AppendHex(o.sigsys.call_addr, out);
  *out += "\"}";
}

// Records with common and odd arches, numbers and values: what a line's record text could
// print differently from the canonical form (names, signs, widths).
std::vector<SeccompData> SampleRecords() {
  const uint32_t arches[] = {0xc000003eu, 0x40000003u, 0xc00000b7u, 0x40000028u, 0x80000016u,
                             0xffffffffu, 0};
  const int32_t nrs[] = {0, 1, 2, 3, 39, 59, 257, 335, 0x40000000, -1, 0x7fffffff};
  std::vector<SeccompData> out;
  for (uint32_t arch : arches) {
    for (int32_t nr : nrs) {
      SeccompData d;
      d.arch = arch;
      d.nr = nr;
      d.instruction_pointer = nr < 0 ? ~uint64_t{0} : 0x7f0000001000u;
      d.args[0] = 0xffffffffffffff9cu;
      d.args[1] = static_cast<uint64_t>(nr);
      d.args[5] = ~uint64_t{0};
      out.push_back(d);
    }
  }
  return out;
}

// A record's ip and args as "0x..." text, formatted once and copied wherever a line shows
// them (a JSON line shows them twice: the canonical record and the named text).
struct Hexes {
  char text[7][24];  // ip, args[0..5]; PutHex writes at most 18 bytes
  uint8_t len[7];

  explicit Hexes(const SeccompData& d) {
    for (int i = 0; i < 7; ++i) {
      const uint64_t v = i == 0 ? d.instruction_pointer : d.args[i - 1];
      len[i] = static_cast<uint8_t>(PutHex(v, text[i]) - text[i]);
    }
  }
  // Copies value i to p (24 bytes: up to 22 past the returned end, which the buffer must have).
  char* Put(int i, char* p) const {
    std::memcpy(p, text[i], 24);
    return p + len[i];
  }
};

// The slack every line buffer keeps past its text for the fixed-size copies above.
constexpr size_t kSlack = 24;

// The canonical record (FormatRecord) at p; at most 172 bytes. Returns the end.
char* PutRecord(const SeccompData& d, const Hexes& h, char* p) {
  p = Put(p, "arch=");
  p = PutHex(d.arch, p);
  p = Put(p, " nr=");
  p = std::to_chars(p, p + 11, d.nr).ptr;
  p = Put(p, " ip=");
  p = h.Put(0, p);
  p = Put(p, " args=");
  for (int i = 0; i < 6; ++i) {
    if (i) *p++ = ',';
    p = h.Put(i + 1, p);
  }
  return p;
}

// What FormatRecordText prints after the names (formats/record_text.h): ` ip=` and ` args=`
// with every value when `full`, else ` ip=` and ` aN=` for the values that are not zero; at
// most 154 bytes. Returns the end.
char* PutTextTail(const SeccompData& d, const Hexes& h, bool full, char* p) {
  if (full) {
    p = Put(p, " ip=");
    p = h.Put(0, p);
    p = Put(p, " args=");
    for (int i = 0; i < 6; ++i) {
      if (i) *p++ = ',';
      p = h.Put(i + 1, p);
    }
    return p;
  }
  if (d.instruction_pointer != 0) {
    p = Put(p, " ip=");
    p = h.Put(0, p);
  }
  for (int i = 0; i < 6; ++i) {
    if (d.args[i] == 0) continue;
    p = Put(p, " a");
    *p++ = static_cast<char>('0' + i);
    *p++ = '=';
    p = h.Put(i + 1, p);
  }
  return p;
}

}  // namespace

void AppendRecord(const SeccompData& d, std::string* out) {
  char buf[172 + kSlack];
  out->append(buf, static_cast<size_t>(PutRecord(d, Hexes(d), buf) - buf));
}

// What a line starts with for `data`: the record as EvaluateRecord prints it (text with names,
// formats/record_text.h), or for JSON the object's opening and the record's members.
void AppendRecordPrefix(const SeccompData& d, const EvalOptions& options, std::string* out) {
  if (options.json) {
    *out += "{" + RecordJsonMembers(d, options.full);
  } else {
    *out += FormatRecordText(d, options.full);
  }
}

bool VectorSink::Supports(const Session& session, const EvalOptions& options) {
  return !options.trace && !session.uses_kernel();
}

VectorSink::VectorSink(Session& session, const EvalOptions& options)
    : session_(session), options_(options) {
  rets_.resize(session.stack.size());
  names_.resize(kNameSlots);
  // The record is formatted here only if EvaluateRecord's lines start with exactly this text on
  // every sample; otherwise (another record format) every line is EvaluateRecord's own.
  fast_record_ = true;
  std::string mine;
  for (const SeccompData& d : SampleRecords()) {
    if (!EvaluateRecord(session_, d, options_, &scratch_).ok()) {
      fast_record_ = false;
      break;
    }
    mine.clear();
    AppendPrefix(d, &mine);
    mine += options_.json ? ", " : " -> ";
    if (scratch_.out.compare(0, mine.size(), mine) != 0) {
      fast_record_ = false;
      break;
    }
  }
}

const VectorSink::Names& VectorSink::NamesFor(const SeccompData& data) {
  const uint32_t mix = static_cast<uint32_t>(data.nr) * 0x9e3779b1u ^ data.arch * 0x85ebca6bu;
  Names& n = names_[(mix ^ (mix >> 15)) % kNameSlots];
  if (n.filled && n.arch == data.arch && n.nr == data.nr) return n;
  n.filled = true;
  n.usable = false;
  n.arch = data.arch;
  n.nr = data.nr;
  n.json_names.clear();
  // The record with only this arch and nr: its text is the names alone (nothing else is set),
  // and FormatRecordText names a record by its arch and nr only.
  SeccompData bare;
  bare.arch = data.arch;
  bare.nr = data.nr;
  n.text_head = FormatRecordText(bare, false);
  if (options_.json) {
    // `"record": "<canonical>", "text": "<text_head>"` and then the names' members.
    std::string expected = "\"record\": \"";
    AppendRecord(bare, &expected);
    expected += "\", \"text\": \"" + n.text_head + "\"";
    const std::string members = RecordJsonMembers(bare, false);
    if (members.compare(0, expected.size(), expected) != 0) return n;
    n.json_names = members.substr(expected.size());
  }
  n.usable = n.text_head.size() <= kMaxNamesText && n.json_names.size() <= kMaxNamesText;
  return n;
}

// The line's start for `data` (AppendRecordPrefix's text), in one stack buffer: at most 30 bytes
// of keys, 172 of canonical record, 2 x kMaxNamesText of names, 154 of values, and kSlack.
void VectorSink::AppendPrefix(const SeccompData& data, std::string* out) {
  const Names& n = NamesFor(data);
  if (!n.usable) {
    AppendRecordPrefix(data, options_, out);
    return;
  }
  char buf[30 + 172 + 2 * kMaxNamesText + 154 + kSlack];
  char* p = buf;
  const Hexes hexes(data);
  if (options_.json) {
    p = Put(p, "{\"record\": \"");
    p = PutRecord(data, hexes, p);
    p = Put(p, "\", \"text\": \"");
  }
  p = Put(p, n.text_head);
  p = PutTextTail(data, hexes, options_.full, p);
  if (options_.json) {
    *p++ = '"';
    p = Put(p, n.json_names);
  }
  out->append(buf, static_cast<size_t>(p - buf));
}

// Everything of the outcome the text after the record can depend on, but the siginfo (which is
// formatted per record): a new field in Outcome must be added here (the assert says so).
void VectorSink::OutcomeKey(const Outcome& o, std::string* key) const {
  static_assert(sizeof(Outcome) == 72 && sizeof(SigsysInfo) == 32,
                "Outcome changed: add its new fields to VectorSink::OutcomeKey");
  char buf[64];  // the fields' bytes, at most 4+4+2+4+4+4+1+4+8+4+1+1+1+1 (the enums are ints)
  char* p = buf;
  auto put = [&p](const auto& v) {
    static_assert(sizeof v <= 8);
    std::memcpy(p, &v, sizeof v);
    p += sizeof v;
  };
  put(o.ret);
  put(o.action);
  put(o.data);
  put(o.matched);
  put(o.dispatch);
  put(o.passthrough);
  put(o.strict);
  put(o.effect);
  put(o.return_value);
  put(o.signal);
  put(o.has_siginfo);
  put(o.logged);
  put(o.unavailable);
  const bool ran = o.filters_ran(session_.stack.size());
  put(ran);
  key->assign(buf, static_cast<size_t>(p - buf));
  if (ran) key->append(reinterpret_cast<const char*>(rets_.data()), 4 * rets_.size());
}

Result<bool> VectorSink::Slow(const SeccompData& data, std::string* out) {
  ++slow_;
  Result<bool> r = EvaluateRecord(session_, data, options_, &scratch_);
  if (r.ok()) *out += scratch_.out;
  return r;
}

// EvaluateRecord's `line` for `data` cut into what any record with the same outcome shares:
// text `RECORD -> ...`; JSON `{"record": "RECORD"...` with the siginfo member cut out. Not
// reusable when the line does not have that shape.
VectorSink::Piece VectorSink::Split(const SeccompData& data, const Outcome& o,
                                    const std::string& line) const {
  Piece p;
  std::string prefix;
  AppendRecordPrefix(data, options_, &prefix);
  prefix += options_.json ? ", " : " -> ";
  if (line.compare(0, prefix.size(), prefix) != 0) return p;
  std::string_view rest(line);
  rest.remove_prefix(prefix.size());
  if (!options_.json) {  // the text line names no field of the siginfo
    p.head = " -> " + std::string(rest);
    p.reusable = true;
    return p;
  }
  if (o.has_siginfo) {
    std::string siginfo;
    AppendSiginfo(o, &siginfo);
    const size_t at = rest.find(siginfo);
    if (at == std::string_view::npos || rest.find(siginfo, at + 1) != std::string_view::npos) {
      return p;  // not where, or not as, expected: never reused
    }
    p.head = ", " + std::string(rest.substr(0, at));
    p.tail = std::string(rest.substr(at + siginfo.size()));
  } else {
    p.head = ", " + std::string(rest);
  }
  p.reusable = true;
  return p;
}

Result<bool> VectorSink::Append(const SeccompData& data, std::string* out) {
  if (!fast_record_) return Slow(data, out);
  const Outcome o = Decide(session_.stack, data, session_.ctx, rets_);
  OutcomeKey(o, &key_);
  auto it = pieces_.find(key_);
  if (it == pieces_.end()) {
    Result<bool> r = Slow(data, out);
    if (!r.ok() || pieces_.size() >= kMaxPieces) return r;
    pieces_.emplace(key_, Split(data, o, scratch_.out));
    return r;
  }
  const Piece& p = it->second;
  if (!p.reusable) return Slow(data, out);
  ++fast_;
  AppendPrefix(data, out);
  out->append(p.head);
  if (options_.json && o.has_siginfo) {
    AppendSiginfo(o, out);
    *out += p.tail;
  }
  return true;
}

}  // namespace sckit::eval
