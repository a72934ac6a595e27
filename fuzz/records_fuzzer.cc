// libFuzzer target: the seccomp_data record parser (formats/records.h) on arbitrary text. Never
// crashes; errors carry a rule; a parsed record formats canonically, and with names
// (formats/record_text.h, short and --full), and each parses back to the same bytes; patterns
// (sets, ranges, `*`) expand to as many records as CountRecordPattern says, their ends doing the
// same; the streaming readers (records: auto and text; cases) give exactly the records of each
// line's pattern, in order, stopping with a located error at the first bad line or where the
// expansion passes their limit; binary records round-trip. Expectations parse or fail with a
// rule. A line's syscall user dispatch keys (formats/record_dispatch.h) are refused where they
// are not taken, or parse beside the same record; an applied configuration passes the prctl's
// checks and, printed after the record, parses back to the same record and configuration over
// any command line's.
// Speed: what an input may expand is capped (kInputRecords in all, the readers through their own
// limits), so an input costs time linear in its size, not in the records its patterns name
// (docs/fuzzing.md: ~200 exec/s before, when every line could expand 4,096 records five times).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

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

// What one input may expand in all: in the line checks, and in each reader (through the
// readers' own limits, RecordReader's max_expanded and CaseReader's max_records). A line whose
// pattern alone names more is counted, never expanded (the readers expand a line before their
// limit stops them, so they are not run on such an input).
constexpr uint64_t kInputRecords = 4096;
// Records of an expanded pattern put through CheckCanonical at each end, and binary records.
constexpr size_t kEnds = 1;
constexpr size_t kBinaryCanonical = 4;

// The input's lines split at '\n' (a last line without one counts; so does the empty one after
// a final '\n', which the readers skip as blank).
std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  for (size_t start = 0; start <= text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// What CheckLine found of a line's pattern, for the readers' checks to reuse.
struct LinePattern {
  Result<uint64_t> count = uint64_t{0};
  std::optional<std::vector<SeccompData>> records;  // expanded within the budget
};

// One line as `sckit eval` and `sckit test` read it: a record, an expectation, dispatch keys,
// and its pattern counted and (within *budget) expanded.
LinePattern CheckLine(std::string_view line, int line_no, uint64_t* budget) {
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
  LinePattern out;
  out.count = CountRecordPattern(line, line_no);
  if (out.count.ok() && *out.count > *budget) return out;  // counted only
  Result<std::vector<SeccompData>> records = ParseRecordPattern(line, line_no);
  fuzz::Check(records.ok() == out.count.ok(), "counting and expanding agree on errors");
  if (!records.ok()) {
    fuzz::Check(!records.error().rule.empty(), "pattern errors carry a rule");
    fuzz::Check(!record.ok(), "a record is a pattern");
    return out;
  }
  *budget -= records->size();
  fuzz::Check(!records->empty(), "a pattern yields at least one record");
  fuzz::Check(records->size() == *out.count, "a pattern yields as many records as counted");
  if (record.ok()) {
    // A pattern without lists is a record (whose canonical form is checked above).
    fuzz::Check(records->size() == 1 &&
                    std::memcmp(&records->front(), &*record, sizeof(SeccompData)) == 0,
                "a plain record parses the same as a pattern");
  } else {
    for (size_t i = 0; i < records->size(); ++i) {
      if (i < kEnds || i + kEnds >= records->size()) CheckCanonical((*records)[i]);
    }
  }
  out.records = std::move(*records);
  return out;
}

// The records of `text` (a line's pattern as a reader cuts it) at `line_no`: the line's own
// expansion when `text` is the whole line, else parsed again (with `keys` when not nullptr).
Result<std::vector<SeccompData>> Want(std::string_view text, std::string_view line,
                                      const LinePattern& known, int line_no,
                                      LineDispatch* keys) {
  if (known.records && text.data() == line.data() && text.size() == line.size()) {
    return *known.records;
  }
  return ParseRecordPattern(text, line_no, keys);
}

// The reader stopped where it must: an error at `line_no` (with `rule` when given).
void CheckStop(const Result<bool>& next, int line_no, const char* rule, const char* what) {
  fuzz::Check(!next.ok(), what);
  if (next.ok()) return;
  fuzz::Check(!next.error().rule.empty() && next.error().line == line_no,
              "a reader's error carries a rule and the line");
  fuzz::Check(rule == nullptr || next.error().rule == rule, what);
}

// The records reader on text: each non-blank line's pattern (comment stripped) in order; at a
// bad line its error, at the line; "too-many-records" at the line whose lists pass the limit.
// kAuto reads the first 64 bytes to detect the format and then the lines from them and the
// stream: checked up to the first line past those bytes (from there it reads as kText does).
void CheckTextReader(std::string_view text, const std::vector<std::string_view>& lines,
                     const std::vector<LinePattern>& known, RecordFormat format) {
  std::istringstream stream{std::string(text)};
  RecordReader reader(stream, format, -1, kInputRecords);
  uint64_t expanded = 0;
  SeccompData got;
  for (size_t i = 0; i < lines.size(); ++i) {
    const int line_no = static_cast<int>(i) + 1;
    if (format == RecordFormat::kAuto &&
        static_cast<size_t>(lines[i].data() - text.data()) > sizeof(SeccompData)) {
      return;
    }
    const std::string_view pattern = StripComment(lines[i]);
    if (pattern.empty()) continue;
    Result<std::vector<SeccompData>> want = Want(pattern, lines[i], known[i], line_no, nullptr);
    if (!want.ok()) {
      return CheckStop(reader.Next(&got), line_no, nullptr, "the reader stops at a bad line");
    }
    if (want->size() > 1 && (expanded += want->size()) > kInputRecords) {
      return CheckStop(reader.Next(&got), line_no, "too-many-records",
                       "the reader stops where its limit is passed");
    }
    for (const SeccompData& d : *want) {
      Result<bool> next = reader.Next(&got);
      fuzz::Check(next.ok() && *next && std::memcmp(&got, &d, sizeof d) == 0,
                  "the reader gives each line's records in order");
      if (!next.ok() || !*next) return;
      fuzz::Check(reader.position() == line_no, "the reader's position is the record's line");
    }
  }
  Result<bool> end = reader.Next(&got);
  fuzz::Check(end.ok() && !*end, "the reader ends with the input");
  fuzz::Check(reader.format() == RecordFormat::kText, "text read as text");
}

// The cases reader: each non-blank line's pattern (before "=>") with its expectation; "bad-case"
// for a line without one where it is required; "too-many-cases" past the limit.
void CheckCaseReader(std::string_view text, const std::vector<std::string_view>& lines,
                     const std::vector<LinePattern>& known, bool require_expected) {
  std::istringstream stream{std::string(text)};
  CaseReader cases(stream, require_expected, "", kInputRecords);
  uint64_t total = 0;
  CaseLine got;
  for (size_t i = 0; i < lines.size(); ++i) {
    const int line_no = static_cast<int>(i) + 1;
    const std::string_view line = StripComment(lines[i]);
    if (line.empty()) continue;
    const size_t arrow = line.find("=>");
    if (arrow == std::string_view::npos && require_expected) {
      return CheckStop(cases.Next(&got), line_no, "bad-case", "a case needs an expectation");
    }
    std::string_view pattern = line.substr(0, arrow);
    while (!pattern.empty() && (pattern.back() == ' ' || pattern.back() == '\t')) {
      pattern.remove_suffix(1);
    }
    if (pattern.empty() && !require_expected) continue;
    LineDispatch keys;
    Result<std::vector<SeccompData>> want = Want(pattern, lines[i], known[i], line_no, &keys);
    if (!want.ok()) {
      return CheckStop(cases.Next(&got), line_no, nullptr, "the cases reader stops at a bad line");
    }
    if ((total += want->size()) > kInputRecords) {
      return CheckStop(cases.Next(&got), line_no, "too-many-cases",
                       "the cases reader stops where its limit is passed");
    }
    Result<bool> next = cases.Next(&got);
    fuzz::Check(next.ok() && *next && got.line == line_no &&
                    got.records.size() == want->size() &&
                    std::memcmp(got.records.data(), want->data(),
                                want->size() * sizeof(SeccompData)) == 0,
                "the cases reader gives each line's records");
    if (!next.ok() || !*next) return;
    const std::string_view after =
        arrow == std::string_view::npos ? std::string_view() : StripComment(line.substr(arrow + 2));
    fuzz::Check(got.expected == after, "the cases reader gives each line's expectation");
  }
  Result<bool> end = cases.Next(&got);
  fuzz::Check(end.ok() && !*end, "the cases reader ends with the input");
}

// The records reader on binary: record i is bytes [64i, 64i + 64) in their machine's order; a
// short tail is "truncated-record".
void CheckBinaryReader(std::string_view text, RecordFormat format) {
  std::istringstream stream{std::string(text)};
  RecordReader reader(stream, format);
  const size_t whole = text.size() / sizeof(SeccompData);
  SeccompData got;
  for (size_t i = 0;; ++i) {
    Result<bool> next = reader.Next(&got);
    if (!next.ok()) {
      fuzz::Check(next.error().rule == "truncated-record" && i == whole &&
                      text.size() % sizeof(SeccompData) != 0,
                  "only a short last record is an error");
      return;
    }
    if (!*next) {
      fuzz::Check(i == whole && text.size() % sizeof(SeccompData) == 0, "binary ends with input");
      return;
    }
    unsigned char bytes[sizeof(SeccompData)];
    std::memcpy(bytes, text.data() + i * sizeof bytes, sizeof bytes);
    const SeccompData want = DecodeRecordBytes(bytes);
    fuzz::Check(std::memcmp(&got, &want, sizeof got) == 0, "a binary record is its 64 bytes");
    if (i < kBinaryCanonical) CheckCanonical(got);  // any record has a canonical form
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string_view> lines = Lines(text);
  uint64_t budget = kInputRecords;
  bool readers = true;  // no line names more than a reader's limit
  std::vector<LinePattern> known;
  known.reserve(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    known.push_back(CheckLine(lines[i], static_cast<int>(i) + 1, &budget));
    std::string_view pattern = StripComment(lines[i]);
    pattern = pattern.substr(0, pattern.find("=>"));
    const Result<uint64_t> count =
        pattern.size() == lines[i].size() ? known.back().count : CountRecordPattern(pattern);
    readers = readers && (!count.ok() || *count <= kInputRecords);
  }
  // Detection never throws away the choice silently: a guess is marked as one.
  const RecordFormatGuess guess = DetectRecordFormat(text.substr(0, sizeof(SeccompData)));
  fuzz::Check(!guess.reason.empty(), "detection says why");
  if (readers) {
    for (bool require_expected : {false, true}) {
      CheckCaseReader(text, lines, known, require_expected);
    }
    CheckTextReader(text, lines, known, RecordFormat::kText);
    if (guess.format == RecordFormat::kText) {
      CheckTextReader(text, lines, known, RecordFormat::kAuto);
    }
  }
  if (guess.format == RecordFormat::kBinary) CheckBinaryReader(text, RecordFormat::kAuto);
  CheckBinaryReader(text, RecordFormat::kBinary);
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
