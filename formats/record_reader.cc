// Streaming readers of records and cases files (declared in formats/records.h): format
// detection, bounded lines, and the cases file's total record cap.
#include <cstdio>
#include <cstring>
#include <utility>

#include "formats/records.h"
#include "vm/record_layout.h"

namespace sckit {
namespace {

bool IsControl(unsigned char c) {
  return c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v';
}

}  // namespace

RecordFormatGuess DetectRecordFormat(std::string_view head, int64_t size) {
  RecordFormatGuess g;
  if (head.find('\0') != std::string_view::npos) {
    g.format = RecordFormat::kBinary;
    g.reason = "a NUL byte in the first 64 bytes";
    return g;
  }
  bool control = false, high = false;
  for (char c : head) {
    control |= IsControl(static_cast<unsigned char>(c));
    high |= static_cast<unsigned char>(c) >= 0x80;
  }
  if (control) {
    if (size >= 0 && size % static_cast<int64_t>(sizeof(SeccompData)) != 0) {
      g.reason = "control bytes, but the size is not a multiple of 64";
      g.ambiguous = true;
      return g;
    }
    g.format = RecordFormat::kBinary;
    g.reason = "control bytes but no NUL byte in the first 64 bytes";
    g.ambiguous = true;
    return g;
  }
  if (high && size >= 0 && size % static_cast<int64_t>(sizeof(SeccompData)) == 0 &&
      head.find('\n') == std::string_view::npos) {
    // Records are ASCII (names, numbers; only a comment could hold UTF-8), and a comment sits
    // on a line: bytes >= 0x80 with no line break in whole 64-byte records are binary.
    g.format = RecordFormat::kBinary;
    g.ambiguous = true;
    g.reason = "bytes >= 0x80 and no line break in the first 64 bytes of a file of whole "
               "64-byte records";
    return g;
  }
  if (high || (head.size() == sizeof(SeccompData) && head.find('\n') == std::string_view::npos)) {
    g.ambiguous = true;
    g.reason = high ? "printable, but with bytes >= 0x80 in the first 64 bytes"
                    : "printable, but no newline in the first 64 bytes";
    return g;
  }
  g.reason = "printable text";
  return g;
}

Result<bool> ReadBoundedLine(std::istream& in, const std::string& head, size_t* head_pos,
                             std::string* line, size_t cap, int line_no) {
  line->clear();
  bool any = false;
  auto too_long = [&] {
    return MakeLineError("line-too-long",
                         "longer than " + std::to_string(cap) +
                             " bytes (the most a line of records may have)",
                         line_no);
  };
  while (*head_pos < head.size()) {
    const char c = head[(*head_pos)++];
    any = true;
    if (c == '\n') return true;
    if (line->size() >= cap) return too_long();
    line->push_back(c);
  }
  std::streambuf* sb = in.rdbuf();
  if (sb == nullptr) return any;
  for (;;) {
    const int c = sb->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      in.setstate(std::ios::eofbit);
      return any;
    }
    any = true;
    if (c == '\n') return true;
    if (line->size() >= cap) return too_long();
    line->push_back(static_cast<char>(c));
  }
}

RecordReader::RecordReader(std::istream& in, RecordFormat format, int64_t size,
                           uint64_t max_expanded)
    : in_(in), format_(format), size_(size), max_expanded_(max_expanded) {}

void RecordReader::Detect() {
  pending_.resize(sizeof(SeccompData));
  in_.read(pending_.data(), static_cast<std::streamsize>(pending_.size()));
  pending_.resize(static_cast<size_t>(in_.gcount()));
  in_.clear(in_.rdstate() & ~std::ios::failbit);  // a short first read is not an error
  pending_pos_ = 0;
  if (format_ == RecordFormat::kAuto) {
    guess_ = DetectRecordFormat(pending_, size_);
    format_ = guess_.format;
  }
}

Result<bool> RecordReader::Next(SeccompData* out, LineDispatch* dispatch) {
  if (format_ == RecordFormat::kAuto) Detect();
  if (dispatch != nullptr) dispatch->given = 0;
  if (format_ == RecordFormat::kBinary) {
    unsigned char buf[sizeof(SeccompData)];
    size_t have = 0;
    while (have < sizeof buf && pending_pos_ < pending_.size()) {
      buf[have++] = static_cast<unsigned char>(pending_[pending_pos_++]);
    }
    if (have < sizeof buf) {
      in_.read(reinterpret_cast<char*>(buf) + have, static_cast<std::streamsize>(sizeof buf - have));
      have += static_cast<size_t>(in_.gcount());
    }
    if (have == 0) {
      if (in_.bad()) return MakeError("io-error", "read error");
      return false;
    }
    ++position_;
    if (have < sizeof buf) {
      return MakeError("truncated-record",
                       "record " + std::to_string(position_) + " has " + std::to_string(have) +
                           " of 64 bytes");
    }
    *out = DecodeRecordBytes(buf);  // in the order of the machine it names (vm/record_layout.h)
    return true;
  }
  if (batch_pos_ < batch_.size()) {
    *out = batch_[batch_pos_++];
    if (dispatch != nullptr) *dispatch = batch_dispatch_;
    return true;
  }
  for (;;) {
    Result<bool> got =
        ReadBoundedLine(in_, pending_, &pending_pos_, &line_, kMaxRecordLineBytes, line_no_ + 1);
    if (!got.ok()) return got.error();
    if (!*got) break;
    ++line_no_;
    const std::string_view text = StripComment(line_);
    if (text.empty()) continue;
    position_ = line_no_;
    // One record per line is the common case: parsed without a batch (nothing allocated).
    Result<SeccompData> one = ParseRecord(text, line_no_, dispatch);
    if (one.ok() || one.error().rule != "list-not-allowed") {
      if (!one.ok()) return one.error();
      *out = *one;
      return true;
    }
    Result<std::vector<SeccompData>> r = ParseRecordPattern(text, line_no_, dispatch);
    if (!r.ok()) return r.error();
    if (dispatch != nullptr) batch_dispatch_ = *dispatch;
    if (r->size() > 1) {
      expanded_ += r->size();
      if (expanded_ > max_expanded_) {
        return MakeLineError("too-many-records",
                             "the sets and ranges of the lines so far expand to more than " +
                                 std::to_string(max_expanded_) + " records",
                             line_no_);
      }
    }
    batch_ = std::move(*r);
    batch_pos_ = 1;
    *out = batch_[0];
    return true;
  }
  if (in_.bad()) return MakeError("io-error", "read error");
  return false;
}

CaseReader::CaseReader(std::istream& in, bool require_expected, std::string head,
                       uint64_t max_records)
    : in_(in), require_expected_(require_expected), head_(std::move(head)),
      max_records_(max_records) {}

Result<bool> CaseReader::Next(CaseLine* out) {
  for (;;) {
    Result<bool> got =
        ReadBoundedLine(in_, head_, &head_pos_, &raw_, kMaxRecordLineBytes, line_no_ + 1);
    if (!got.ok()) return got.error();
    if (!*got) return in_.bad() ? Result<bool>(MakeError("io-error", "read error")) : false;
    ++line_no_;
    std::string_view line = StripComment(raw_);
    if (line.empty()) continue;
    const size_t arrow = line.find("=>");
    if (arrow == std::string_view::npos && require_expected_) {
      return MakeLineError("bad-case", "expected 'RECORD => EXPECTED'", line_no_);
    }
    out->line = line_no_;
    {
      const std::string_view raw = raw_;
      const size_t first = raw.find_first_not_of(" \t\r\f\v");
      const size_t last = raw.find_last_not_of(" \t\r\f\v");
      out->text = std::string(raw.substr(first, last - first + 1));
    }
    out->expected = arrow == std::string_view::npos
                        ? std::string()
                        : std::string(StripComment(line.substr(arrow + 2)));
    std::string_view pattern = line.substr(0, arrow);
    while (!pattern.empty() && (pattern.back() == ' ' || pattern.back() == '\t')) {
      pattern.remove_suffix(1);
    }
    if (pattern.empty() && !require_expected_) continue;
    Result<std::vector<SeccompData>> records = ParseRecordPattern(pattern, line_no_, &out->dispatch);
    if (!records.ok()) return records.error();
    total_ += records->size();
    if (total_ > max_records_) {
      return MakeLineError("too-many-cases",
                           "the file's lines expand to more than " +
                               std::to_string(max_records_) +
                               " records in all; split it into several files",
                           line_no_);
    }
    out->records = std::move(*records);
    return true;
  }
}

std::string_view StripComment(std::string_view line) {
  constexpr std::string_view kWhitespace = " \t\r\n\f\v";
  const size_t hash = line.find('#');
  if (hash != std::string_view::npos) line = line.substr(0, hash);
  const size_t first = line.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  const size_t last = line.find_last_not_of(kWhitespace);
  return line.substr(first, last - first + 1);
}

Result<RecordFormat> ParseRecordFormatName(std::string_view name) {
  if (name == "auto") return RecordFormat::kAuto;
  if (name == "text") return RecordFormat::kText;
  if (name == "binary" || name == "bin" || name == "raw") return RecordFormat::kBinary;
  return MakeError("bad-format", "unknown record format '" + std::string(name) +
                                     "' (expected auto, text or binary)");
}

}  // namespace sckit
