// seccomp_data records as text and as binary, the inputs of `sckit eval` and `sckit test`.
//
// Text: one record per line, whitespace-separated `key=value` tokens, `#` starts a comment:
//   arch=x86_64 nr=openat ip=0x7f0000001000 args=0xffffff9c,0x1000,0,0,0,0
//   arch   a name from vm/arch.h (x86_64, i386, x32, aarch64, ...; AUDIT_ARCH_ names too) or
//          an AUDIT_ARCH number; default x86_64. x32 sets arch to AUDIT_ARCH_X86_64: the kernel
//          has no x32 arch value, only the x32 bit in nr.
//   nr     required. A number (taken as given: `arch=x32 nr=0` is nr 0, not x32 read), a
//          syscall name resolved for the arch with libseccomp (x32 names carry 0x40000000), or
//          `name(number)` as formats/record_text.h prints it: the two must agree
//          ("nr-mismatch").
//   ip     instruction_pointer; default 0.
//   args   up to six comma-separated values for args[0..]; the rest stay 0.
//   a0..a5 one argument each, for arguments args= does not give (`args=1,2 a3=7`); aN for an
//          argument args= also gives is the error "conflicting-keys".
// Numbers: decimal, 0x hex (either case), or negative decimal/hex meaning two's complement in
// the field's width (nr and arch 32 bits, ip and args 64 bits: a0=-100 is 0xffffffffffffff9c;
// write 0xffffff9c for a 32-bit int that the caller zero-extended). A value that does not fit
// the field is an error, as are unknown keys, repeated keys, unknown names and a missing nr;
// errors name the line and the token.
//   dispatch, region, selector, vdso-sigreturn: the line's own syscall user dispatch
//          configuration (formats/record_dispatch.h), read only where the caller takes it
//          (`sckit eval`, `sckit test`: the LineDispatch* below); elsewhere an error
//          ("dispatch-not-allowed").
//
// Canonical form (FormatRecord), the record exactly as the filter sees it:
//   arch=0xc000003e nr=257 ip=0x7f0000001000 args=0xffffff9c,0x1000,0x0,0x0,0x0,0x0
// arch, ip and every arg in lowercase hex with a 0x prefix and no leading zeros (0 is 0x0);
// nr in signed decimal (the kernel's `int nr`, so x32 read is 1073741824 and -1 stays -1); all
// six args always present. Parsing the canonical form gives back the same record. What people
// read is formats/record_text.h's form, which parses back too.
//
// Patterns (ParseRecordPattern: `sckit test` cases, `sckit eval` records): arch, nr, ip and
// a0..a5 may hold comma-separated sets of items; nr, ip and a0..a5 items may be inclusive ranges
// `LO-HI` (`nr=0-3`, `a1=0x1-0x10`; each end a value as above, a name for nr; LO <= HI as the
// field's unsigned value, else "bad-range"), and nr may be `*`, every syscall the arch names
// (vm/arch.h SyscallNumbers). The record set is the cross product (arch outermost, then nr, ip,
// a0..a5, each set in the order written, each range ascending), each nr name resolved for each
// arch. args= stays one positional list. The size is known before anything is expanded: more
// than kMaxPatternRecords is "pattern-too-large".
//
// Binary: raw 64-byte struct seccomp_data records back to back, each in the byte order of the
// machine it comes from: big-endian when its arch field read big-endian is a big-endian
// AUDIT_ARCH (s390x, ppc64, mips, ...), else little-endian (vm/record_layout.h).
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "formats/record_dispatch.h"
#include "vm/seccomp_data.h"
#include "vm/status.h"

namespace sckit {

// The canonical text of a record (see above).
std::string FormatRecord(const SeccompData& data);

// The longest line of a records or cases file (a pattern line with long lists fits easily).
inline constexpr size_t kMaxRecordLineBytes = size_t{1} << 20;

// The most records one pattern line may expand to (ParseRecordPattern: "pattern-too-large").
inline constexpr uint64_t kMaxPatternRecords = 1u << 20;

// One text record. `line` (1-based, -1 for none) goes into errors. Errors: "empty-record",
// "bad-token" (no '='), "unknown-key", "duplicate-key", "conflicting-keys", "missing-value",
// "bad-number",
// "number-out-of-range", "too-many-args", "unknown-arch", "unknown-syscall", "missing-nr",
// "nr-mismatch", "list-not-allowed" (a set, range or `*` outside a pattern), "bad-dispatch",
// "dispatch-not-allowed" (dispatch keys and `dispatch` is nullptr). `dispatch`: the line's
// dispatch keys (given = 0 when none).
Result<SeccompData> ParseRecord(std::string_view text, int line = -1,
                                LineDispatch* dispatch = nullptr);

// A text record whose fields may be sets and ranges; the cross product, in the order
// documented above. Errors: ParseRecord's, "bad-range", "pattern-too-large".
// The dispatch keys hold for every record of the line.
Result<std::vector<SeccompData>> ParseRecordPattern(std::string_view text, int line = -1,
                                                    LineDispatch* dispatch = nullptr);

// How many records ParseRecordPattern would give, without expanding them (the same errors).
Result<uint64_t> CountRecordPattern(std::string_view text, int line = -1,
                                    LineDispatch* dispatch = nullptr);

// The text before a '#', without surrounding whitespace.
std::string_view StripComment(std::string_view line);

enum class RecordFormat { kAuto, kText, kBinary };

// "auto", "text", "binary" (also "bin", "raw").
Result<RecordFormat> ParseRecordFormatName(std::string_view name);

// How kAuto read a records file, from its first 64 bytes (and its size when known):
//   a NUL byte: binary (a text record never holds one; every x86 AUDIT_ARCH value has one);
//   other control bytes (not tab, newline, CR, FF, VT) and no NUL: binary, but ambiguous
//     (text when the size is known and not a multiple of 64);
//   bytes >= 0x80 and no newline, in a file of whole 64-byte records: binary, ambiguous;
//   printable only: text; ambiguous when the 64 bytes hold no newline or a byte >= 0x80 (64
//     raw bytes can be printable by chance).
struct RecordFormatGuess {
  RecordFormat format = RecordFormat::kText;
  bool ambiguous = false;
  std::string reason;  // why, for a note: "no NUL byte, but control bytes"
};
RecordFormatGuess DetectRecordFormat(std::string_view head, int64_t size = -1);

// Streams records from `in` in bounded memory: one line (text, at most kMaxRecordLineBytes, a
// pattern expanded: at most kMaxPatternRecords) or 64 bytes (binary) at a time. kAuto decides
// with DetectRecordFormat on the first 64 bytes.
class RecordReader {
 public:
  // `size`: the input's size when known (a regular file), for detection. `max_expanded`: the
  // most records the pattern lines (those giving more than one record) may give in all.
  explicit RecordReader(std::istream& in, RecordFormat format = RecordFormat::kAuto,
                        int64_t size = -1, uint64_t max_expanded = uint64_t{1} << 24);

  // true: *out holds the next record; false: end of input; Error: a bad text line (with its
  // number), a line longer than 1 MiB ("line-too-long"), pattern lines past max_expanded
  // ("too-many-records", at the line), a truncated binary record ("truncated-record") or a
  // read error ("io-error").
  // `dispatch`: the dispatch keys of the record's line (given = 0 for none and for binary
  // records); nullptr: such keys are an error ("dispatch-not-allowed").
  Result<bool> Next(SeccompData* out, LineDispatch* dispatch = nullptr);

  // Text: the 1-based line of the last record returned. Binary: its 1-based record index.
  int position() const { return position_; }
  // The resolved format (after the first Next() for kAuto).
  RecordFormat format() const { return format_; }
  // kAuto only, after the first Next(): how the format was chosen.
  const RecordFormatGuess& guess() const { return guess_; }

 private:
  void Detect();

  std::istream& in_;
  RecordFormat format_;
  int64_t size_;
  RecordFormatGuess guess_;
  std::string pending_;  // bytes read while detecting the format, not yet consumed
  size_t pending_pos_ = 0;
  std::string line_;
  int line_no_ = 0;
  int position_ = 0;
  uint64_t max_expanded_;
  uint64_t expanded_ = 0;
  std::vector<SeccompData> batch_;  // the rest of the last pattern line's records
  LineDispatch batch_dispatch_;     // and that line's dispatch keys
  size_t batch_pos_ = 0;
};

// The most records one cases file may expand to, all lines together ("too-many-cases"). The
// records are streamed, so this bounds time, not memory.
inline constexpr uint64_t kMaxCaseFileRecords = uint64_t{1} << 24;

// One line of a cases file (`sckit test`, `sckit coverage`): `RECORD-PATTERN => EXPECTED`.
struct CaseLine {
  int line = 0;
  std::string text;                  // the line as written, without surrounding blanks
  std::vector<SeccompData> records;  // the pattern, expanded
  std::string expected;              // after "=>", without comment and blanks; "" if none
  LineDispatch dispatch;             // the line's dispatch keys (formats/record_dispatch.h)
};

// Streams the lines of a cases file: at most kMaxRecordLineBytes a line, at most
// `max_records` records in all ("too-many-cases" at the line that passes it). With
// `require_expected`, a line without "=>" is the error "bad-case"; otherwise "=> ..." is
// optional (coverage reads only the records).
class CaseReader {
 public:
  // `head`: bytes already read from `in` (e.g. to tell binary records from text), read first.
  CaseReader(std::istream& in, bool require_expected, std::string head = "",
             uint64_t max_records = kMaxCaseFileRecords);
  // true: *out is the next line with records; false: end of input; or the line's error.
  Result<bool> Next(CaseLine* out);

 private:
  std::istream& in_;
  bool require_expected_;
  std::string head_;
  size_t head_pos_ = 0;
  uint64_t max_records_;
  std::string raw_;
  int line_no_ = 0;
  uint64_t total_ = 0;
};

// Reads one line (without its '\n') of at most `cap` bytes, first from head[*head_pos..]
// (bytes already taken from `in`), then from `in`: true, or false at end of input;
// "line-too-long" (with `line_no`) past the cap.
Result<bool> ReadBoundedLine(std::istream& in, const std::string& head, size_t* head_pos,
                             std::string* line, size_t cap, int line_no);

}  // namespace sckit
