// seccomp_data records as text and as binary, the inputs of `sckit eval` and `sckit test`.
//
// Text: one record per line, whitespace-separated `key=value` tokens, `#` starts a comment:
//   arch=x86_64 nr=openat ip=0x7f0000001000 args=0xffffff9c,0x1000,0,0,0,0
//   arch   a name from vm/arch.h (x86_64, i386, x32, aarch64, ...; AUDIT_ARCH_ names too) or
//          an AUDIT_ARCH number; default x86_64. x32 sets arch to AUDIT_ARCH_X86_64: the kernel
//          has no x32 arch value, only the x32 bit in nr.
//   nr     required. A number (taken as given: `arch=x32 nr=0` is nr 0, not x32 read) or a
//          syscall name resolved for the arch with libseccomp (x32 names carry 0x40000000).
//   ip     instruction_pointer; default 0.
//   args   up to six comma-separated values for args[0..]; the rest stay 0.
//   a0..a5 one argument each; applied after args= whatever their position in the line.
// Numbers: decimal, 0x hex (either case), or negative decimal/hex meaning two's complement in
// the field's width (nr and arch 32 bits, ip and args 64 bits: a0=-100 is 0xffffffffffffff9c;
// write 0xffffff9c for a 32-bit int that the caller zero-extended). A value that does not fit
// the field is an error, as are unknown keys, repeated keys, unknown names and a missing nr;
// errors name the line and the token.
//
// Canonical form (FormatRecord), the record exactly as the filter sees it:
//   arch=0xc000003e nr=257 ip=0x7f0000001000 args=0xffffff9c,0x1000,0x0,0x0,0x0,0x0
// arch, ip and every arg in lowercase hex with a 0x prefix and no leading zeros (0 is 0x0);
// nr in signed decimal (the kernel's `int nr`, so x32 read is 1073741824 and -1 stays -1); all
// six args always present. Parsing the canonical form gives back the same record.
//
// Patterns (ParseRecordPattern, for `sckit test`): arch, nr, ip and a0..a5 may hold
// comma-separated lists; the record set is their cross product (arch outermost, then nr, ip,
// a0..a5), each nr name resolved for each arch. args= stays one positional list.
//
// Binary: raw 64-byte struct seccomp_data records in host byte order, back to back.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "vm/seccomp_data.h"
#include "vm/status.h"

namespace sckit {

// The canonical text of a record (see above).
std::string FormatRecord(const SeccompData& data);

// The most records one pattern line may expand to (ParseRecordPattern: "pattern-too-large").
inline constexpr uint64_t kMaxPatternRecords = 1u << 20;

// One text record. `line` (1-based, -1 for none) goes into errors. Errors: "empty-record",
// "bad-token" (no '='), "unknown-key", "duplicate-key", "missing-value", "bad-number",
// "number-out-of-range", "too-many-args", "unknown-arch", "unknown-syscall", "missing-nr",
// "list-not-allowed" (a comma list outside a pattern).
Result<SeccompData> ParseRecord(std::string_view text, int line = -1);

// A text record whose fields may be lists; the cross product, in the order documented above.
Result<std::vector<SeccompData>> ParseRecordPattern(std::string_view text, int line = -1);

// The text before a '#', without surrounding whitespace.
std::string_view StripComment(std::string_view line);

enum class RecordFormat { kAuto, kText, kBinary };

// "auto", "text", "binary" (also "bin", "raw").
Result<RecordFormat> ParseRecordFormatName(std::string_view name);

// Streams records from `in` in constant memory: one line (text) or 64 bytes (binary) at a time.
// kAuto looks at the first 64 bytes: any NUL byte means binary (a text record never holds one,
// and every x86 AUDIT_ARCH value has a zero byte), otherwise text.
class RecordReader {
 public:
  explicit RecordReader(std::istream& in, RecordFormat format = RecordFormat::kAuto);

  // true: *out holds the next record; false: end of input; Error: a bad text line (with its
  // number), a truncated binary record ("truncated-record") or a read error ("io-error").
  Result<bool> Next(SeccompData* out);

  // Text: the 1-based line of the last record returned. Binary: its 1-based record index.
  int position() const { return position_; }
  // The resolved format (after the first Next() for kAuto).
  RecordFormat format() const { return format_; }

 private:
  bool GetLine(std::string* line);
  void Detect();

  std::istream& in_;
  RecordFormat format_;
  std::string pending_;  // bytes read while detecting the format, not yet consumed
  size_t pending_pos_ = 0;
  std::string line_;
  int line_no_ = 0;
  int position_ = 0;
};

}  // namespace sckit
