// libFuzzer target: the seccomp_data record parser (formats/records.h) on arbitrary text. Never
// crashes; errors carry a rule; a parsed record formats canonically, and with names
// (formats/record_text.h, short and --full), and each parses back to the same bytes; patterns
// (sets, ranges, `*`) expand to as many records as CountRecordPattern says, each doing the same;
// the streaming reader survives any bytes in both formats; expectations parse or fail with a
// rule. A line's syscall user dispatch keys (formats/record_dispatch.h) are refused where they
// are not taken, or parse beside the same record; an applied configuration passes the prctl's
// checks and, printed after the record, parses back to the same record and configuration over
// any command line's.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "formats/record_dispatch.h"
#include "formats/record_text.h"
#include "formats/records.h"
#include "vm/record_layout.h"

namespace {

using namespace sckit;  // NOLINT

void CheckCanonical(const SeccompData& d) {
  const std::string text = FormatRecord(d);
  Result<SeccompData> back = ParseRecord(text);
  fuzz::Check(back.ok(), "the canonical form parses");
  fuzz::Check(back.ok() && std::memcmp(&*back, &d, sizeof d) == 0,
              "the canonical form gives back the same record");
  fuzz::Check(back.ok() && FormatRecord(*back) == text, "the canonical form is a fixed point");
  for (bool full : {false, true}) {
    Result<SeccompData> named = ParseRecord(FormatRecordText(d, full));
    fuzz::Check(named.ok() && std::memcmp(&*named, &d, sizeof d) == 0,
                "the text with names gives back the same record");
  }
}

// The records a line's pattern (before any "=>") expands to, without expanding it; a huge
// number when it is an error (the readers then stop at it without expanding either).
uint64_t PatternBound(std::string_view line) {
  line = StripComment(line);
  line = line.substr(0, line.find("=>"));
  Result<uint64_t> n = CountRecordPattern(line);
  return n.ok() ? *n : 0;
}

// A line read with its dispatch keys: the same record (or error) as without them when it has
// none; a configuration that applies is one the prctl accepts and prints back to itself.
void CheckDispatchKeys(std::string_view line, int line_no, const Result<SeccompData>& plain) {
  LineDispatch keys;
  Result<SeccompData> record = ParseRecord(line, line_no, &keys);
  if (!record.ok()) {
    fuzz::Check(!record.error().rule.empty() && record.error().line == line_no,
                "dispatch errors carry a rule and the line");
    fuzz::Check(!plain.ok(), "a line without dispatch keys parses with or without them");
    return;
  }
  fuzz::Check(plain.ok() == !keys.any(), "dispatch keys are refused only where not taken");
  if (plain.ok()) {
    fuzz::Check(std::memcmp(&*plain, &*record, sizeof(SeccompData)) == 0, "the same record");
  }
  if (!keys.any()) return;
  DispatchConfig cli;
  cli.mode = DispatchMode::kInclusive;
  cli.offset = 0x1000;
  cli.len = 0x10;
  cli.selector = 9;
  for (const DispatchConfig& base : {DispatchConfig{}, cli}) {
    Result<DispatchConfig> c = ApplyLineDispatch(base, keys);
    if (!c.ok()) {
      fuzz::Check(!c.error().rule.empty() && c.error().line == line_no, "located apply errors");
      continue;
    }
    fuzz::Check(CheckDispatchConfig(*c).ok(), "an applied configuration is one the prctl takes");
    const std::string printed = FormatRecordText(*record) + " " + LineDispatchText(*c);
    for (const DispatchConfig& other : {DispatchConfig{}, cli}) {
      LineDispatch again;
      Result<SeccompData> back = ParseRecord(printed, line_no, &again);
      fuzz::Check(back.ok() && std::memcmp(&*back, &*record, sizeof(SeccompData)) == 0,
                  "a printed line with its configuration gives back the record");
      if (!back.ok()) return;
      Result<DispatchConfig> same = ApplyLineDispatch(other, again);
      fuzz::Check(same.ok() && LineDispatchText(*same) == LineDispatchText(*c) &&
                      same->vdso_sigreturn[1] == c->vdso_sigreturn[1],
                  "a printed configuration parses back to itself over any command line");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Line by line, as `sckit eval` and `sckit test` read them.
  size_t start = 0;
  int line_no = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    ++line_no;
    (void)StripComment(line);
    Result<Expectation> expected = ParseExpectation(line, line_no);
    fuzz::Check(expected.ok() || !expected.error().rule.empty(), "expectation errors carry a rule");
    Result<SeccompData> record = ParseRecord(line, line_no);
    if (record.ok()) {
      CheckCanonical(*record);
      // Errno names in the record's arch's numbering (none for an unknown arch).
      Result<Expectation> on_arch = ParseExpectation(line, line_no, record->arch);
      fuzz::Check(on_arch.ok() || !on_arch.error().rule.empty(), "expectation errors carry a rule");
    } else {
      fuzz::Check(!record.error().rule.empty(), "errors carry a rule");
    }
    CheckDispatchKeys(line, line_no, record);
    const Result<uint64_t> count = CountRecordPattern(line, line_no);
    if (!count.ok() || *count <= 4096) {
      Result<std::vector<SeccompData>> records = ParseRecordPattern(line, line_no);
      fuzz::Check(records.ok() == count.ok(), "counting and expanding agree on errors");
      if (records.ok()) {
        fuzz::Check(!records->empty(), "a pattern yields at least one record");
        fuzz::Check(records->size() == *count, "a pattern yields as many records as counted");
        // Both ends of the expansion (each check parses three times: the whole of a 4096-record
        // line made the target crawl at a few runs a second).
        for (size_t i = 0; i < records->size(); ++i) {
          if (i < 8 || i + 8 >= records->size()) CheckCanonical((*records)[i]);
        }
        // A pattern without lists is a record.
        if (record.ok()) {
          fuzz::Check(records->size() == 1 &&
                          std::memcmp(&records->front(), &*record, sizeof(SeccompData)) == 0,
                      "a plain record parses the same as a pattern");
        }
      } else {
        fuzz::Check(!records.error().rule.empty(), "pattern errors carry a rule");
      }
    }
    start = end + 1;
  }
  // The cases reader (`sckit test`, `sckit coverage`), when no line can expand far.
  bool small = true;
  for (size_t at = 0; at <= text.size();) {
    size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos) nl = text.size();
    small = small && PatternBound(text.substr(at, nl - at)) <= 4096;
    at = nl + 1;
  }
  for (bool require_expected : {false, true}) {
    if (!small) break;
    std::istringstream stream{std::string(text)};
    CaseReader cases(stream, require_expected);
    CaseLine line;
    for (int i = 0; i < 10000; ++i) {
      Result<bool> next = cases.Next(&line);
      if (!next.ok()) {
        fuzz::Check(!next.error().rule.empty() && next.error().line >= 1,
                    "cases errors carry a rule and a line");
        break;
      }
      if (!*next) break;
      fuzz::Check(!line.records.empty(), "a cases line yields records");
    }
  }
  // Detection never throws away the choice silently: a guess is marked as one.
  const RecordFormatGuess guess = DetectRecordFormat(text.substr(0, sizeof(SeccompData)));
  fuzz::Check(!guess.reason.empty(), "detection says why");
  // The streaming reader, auto-detected and forced to each format; text (which expands
  // patterns) only when no line can expand far.
  for (RecordFormat format : {RecordFormat::kAuto, RecordFormat::kText, RecordFormat::kBinary}) {
    if (format != RecordFormat::kBinary && !small) continue;
    std::istringstream stream{std::string(text)};
    RecordReader reader(stream, format);
    SeccompData d;
    for (int i = 0; i < 10000; ++i) {
      Result<bool> next = reader.Next(&d);
      if (!next.ok() || !*next) break;
      if (i < 64) CheckCanonical(d);  // any record, text or binary, has a canonical form
    }
  }
  // Binary records in the order of the machine they name: decoding and encoding in the order
  // chosen give back the bytes, and the arch field decides the order.
  if (text.size() >= sizeof(SeccompData)) {
    unsigned char in[64];
    unsigned char out[64];
    std::memcpy(in, text.data(), sizeof in);
    bool big = false;
    const SeccompData d = DecodeRecordBytes(in, &big);
    EncodeRecordBytes(d, big, out);
    fuzz::Check(std::memcmp(in, out, sizeof in) == 0, "binary record round trip");
    // Big-endian only for a big-endian arch; the reverse need not hold: bytes whose arch reads
    // as s390x only little-endian are a little-endian writer's s390x record, decoded as such.
    fuzz::Check(!big || HasBigEndianLayout(d.arch), "big-endian only for a big-endian arch");
  }
  return 0;
}
