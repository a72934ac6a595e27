#include "eval/vector_sink.h"

#include <charconv>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include "formats/record_text.h"
#include "vm/names.h"


namespace sckit::eval {
namespace {

// Distinct outcomes kept; past this, new ones are formatted the slow way every time (a stack
// has few distinct outcomes: actions times data values times matched filters).
constexpr size_t kMaxPieces = 4096;

// "0x" and the lowercase hex digits of v, no leading zeros (printf's "0x%llx"), at p; returns
// the end. Digits from a table, right to left: no division, no locale.
char* PutHex(uint64_t v, char* p) {
  static constexpr char kDigits[] = "0123456789abcdef";
  *p++ = '0';
  *p++ = 'x';
  const int n = v == 0 ? 1 : (64 - __builtin_clzll(v) + 3) / 4;
  for (int i = n - 1; i >= 0; --i) {
    p[i] = kDigits[v & 15];
    v >>= 4;
  }
  return p + n;
}

void AppendHex(uint64_t v, std::string* out) {
  char buf[18];
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

template <typename T>
void AppendBytes(const T& v, std::string* key) {
  key->append(reinterpret_cast<const char*>(&v), sizeof v);
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

}  // namespace

void AppendRecord(const SeccompData& d, std::string* out) {
  // At most 5 + 10 + 4 + 11 + 4 + 18 + 6 + 6 * 19 bytes; formatted in place, appended once.
  char buf[192];
  char* p = buf;
  auto put = [&p](std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  put("arch=");
  p = PutHex(d.arch, p);
  put(" nr=");
  p = std::to_chars(p, buf + sizeof buf, d.nr).ptr;
  put(" ip=");
  p = PutHex(d.instruction_pointer, p);
  put(" args=");
  for (int i = 0; i < 6; ++i) {
    if (i) *p++ = ',';
    p = PutHex(d.args[i], p);
  }
  out->append(buf, static_cast<size_t>(p - buf));
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
    AppendRecordPrefix(d, options_, &mine);
    mine += options_.json ? ", " : " -> ";
    if (scratch_.out.compare(0, mine.size(), mine) != 0) {
      fast_record_ = false;
      break;
    }
  }
}

// Everything of the outcome the text after the record can depend on, but the siginfo (which is
// formatted per record): a new field in Outcome must be added here (the assert says so).
void VectorSink::OutcomeKey(const Outcome& o, std::string* key) const {
  static_assert(sizeof(Outcome) == 72 && sizeof(SigsysInfo) == 32,
                "Outcome changed: add its new fields to VectorSink::OutcomeKey");
  key->clear();
  AppendBytes(o.ret, key);
  AppendBytes(o.action, key);
  AppendBytes(o.data, key);
  AppendBytes(o.matched, key);
  AppendBytes(o.dispatch, key);
  AppendBytes(o.passthrough, key);
  AppendBytes(o.strict, key);
  AppendBytes(o.effect, key);
  AppendBytes(o.return_value, key);
  AppendBytes(o.signal, key);
  AppendBytes(o.has_siginfo, key);
  AppendBytes(o.logged, key);
  AppendBytes(o.unavailable, key);
  const bool ran = o.filters_ran(session_.stack.size());
  AppendBytes(ran, key);
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
  AppendBytes(NumberingOf(data.arch), &key_);  // errno and signal names are the arch's
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
  AppendRecordPrefix(data, options_, out);
  out->append(p.head);
  if (options_.json && o.has_siginfo) {
    AppendSiginfo(o, out);
    *out += p.tail;
  }
  return true;
}

}  // namespace sckit::eval
