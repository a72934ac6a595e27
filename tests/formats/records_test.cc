// Text and binary seccomp_data records (formats/records.h): parsing, the canonical form, patterns
// and the streaming reader.
#include <gtest/gtest.h>

#include <cstring>
#include <sstream>
#include <string>

#include "vm/arch.h"
#include "formats/records.h"

namespace sckit {
namespace {

SeccompData Parse(const std::string& text) {
  Result<SeccompData> r = ParseRecord(text, 1);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().ToString());
  return r.ok() ? *r : SeccompData{};
}

Error ParseError(const std::string& text, int line = 3) {
  Result<SeccompData> r = ParseRecord(text, line);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? Error{} : r.error();
}

TEST(Records, ParsesTheIssueExample) {
  const SeccompData d =
      Parse("arch=x86_64 nr=openat ip=0x7f0000001000 args=0xffffff9c,0x1000,0,0,0,0");
  EXPECT_EQ(d.arch, 0xc000003eu);
  EXPECT_EQ(d.nr, 257);
  EXPECT_EQ(d.instruction_pointer, 0x7f0000001000u);
  EXPECT_EQ(d.args[0], 0xffffff9cu);
  EXPECT_EQ(d.args[1], 0x1000u);
  EXPECT_EQ(FormatRecord(d),
            "arch=0xc000003e nr=257 ip=0x7f0000001000 args=0xffffff9c,0x1000,0x0,0x0,0x0,0x0");
}

TEST(Records, DefaultsAreX86_64AndZeros) {
  const SeccompData d = Parse("nr=0");
  EXPECT_EQ(FormatRecord(d), "arch=0xc000003e nr=0 ip=0x0 args=0x0,0x0,0x0,0x0,0x0,0x0");
}

TEST(Records, ShortArgsAndSingleArguments) {
  SeccompData d = Parse("nr=1 args=1,2");
  EXPECT_EQ(d.args[0], 1u);
  EXPECT_EQ(d.args[1], 2u);
  EXPECT_EQ(d.args[2], 0u);
  d = Parse("a5=0xffffffffffffffff nr=1 a0=7");
  EXPECT_EQ(d.args[0], 7u);
  EXPECT_EQ(d.args[5], 0xffffffffffffffffu);
  // aN for an argument args= leaves out, whatever the order on the line.
  d = Parse("a3=9 nr=1 args=1,2,3");
  EXPECT_EQ(d.args[0], 1u);
  EXPECT_EQ(d.args[2], 3u);
  EXPECT_EQ(d.args[3], 9u);
}

// `args=1 a0=2` once kept a0=2 silently while `a0=1 a0=2` was an error: the same argument
// given twice is an error however it is spelled, in records and in patterns.
TEST(Records, ArgsAndANConflict) {
  EXPECT_EQ(ParseError("nr=1 args=1 a0=2").rule, "conflicting-keys");
  EXPECT_EQ(ParseError("nr=1 a2=5 args=1,2,3").rule, "conflicting-keys");
  EXPECT_NE(ParseError("nr=1 args=1 a0=2").message.find("a0=2"), std::string::npos);
  EXPECT_EQ(ParseError("nr=1 args=1 args=2").rule, "duplicate-key");
  EXPECT_EQ(ParseError("nr=1 nr=2").rule, "duplicate-key");
  EXPECT_EQ(ParseError("nr=1 arch=x86_64 arch=i386").rule, "duplicate-key");
  EXPECT_EQ(ParseError("nr=1 ip=1 ip=2").rule, "duplicate-key");
  Result<std::vector<SeccompData>> p = ParseRecordPattern("nr=1 args=1,2 a1=3,4", 4);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().rule, "conflicting-keys");
  EXPECT_EQ(p.error().line, 4);
}

TEST(Records, NumbersDecimalHexNegative) {
  EXPECT_EQ(Parse("nr=-1").nr, -1);
  EXPECT_EQ(Parse("nr=0xffffffff").nr, -1);
  EXPECT_EQ(Parse("nr=4294967295").nr, -1);
  EXPECT_EQ(Parse("nr=-2147483648").nr, INT32_MIN);
  EXPECT_EQ(Parse("nr=0X1F").nr, 31);
  EXPECT_EQ(Parse("nr=1 a0=-100").args[0], 0xffffffffffffff9cu);
  EXPECT_EQ(Parse("nr=1 a0=-0x1").args[0], 0xffffffffffffffffu);
  EXPECT_EQ(Parse("nr=1 a0=18446744073709551615").args[0], 0xffffffffffffffffu);
  EXPECT_EQ(Parse("nr=1 ip=-9223372036854775808").instruction_pointer, 0x8000000000000000u);
  EXPECT_EQ(FormatRecord(Parse("nr=-1")), "arch=0xc000003e nr=-1 ip=0x0 args=0x0,0x0,0x0,0x0,0x0,0x0");
}

TEST(Records, SyscallNamesPerArch) {
  EXPECT_EQ(Parse("arch=x86_64 nr=read").nr, 0);
  EXPECT_EQ(Parse("arch=i386 nr=read").nr, 3);
  EXPECT_EQ(Parse("arch=i386 nr=read").arch, 0x40000003u);
  EXPECT_EQ(Parse("arch=x32 nr=read").nr, 0x40000000);
  EXPECT_EQ(Parse("arch=x32 nr=read").arch, 0xc000003eu);  // x32 reports AUDIT_ARCH_X86_64
  EXPECT_EQ(Parse("arch=x32 nr=5").nr, 5);                 // numbers are taken as given
  EXPECT_EQ(Parse("arch=aarch64 nr=openat").nr, 56);
  EXPECT_EQ(Parse("arch=aarch64 nr=openat").arch, 0xc00000b7u);
  EXPECT_EQ(Parse("nr=openat arch=aarch64").nr, 56);  // arch may come after nr
  EXPECT_EQ(Parse("arch=riscv64 nr=write").nr, 64);
  EXPECT_EQ(Parse("arch=s390x nr=read").arch, 0x80000016u);
  EXPECT_EQ(Parse("arch=ppc64le nr=read").arch, 0xc0000015u);
  EXPECT_EQ(Parse("arch=mips nr=read").nr, 4003);
  EXPECT_EQ(Parse("arch=arm nr=read").arch, 0x40000028u);
}

TEST(Records, EveryKnownArchParsesByName) {
  for (const ArchInfo& a : AllArches()) {
    Result<SeccompData> r = ParseRecord("arch=" + std::string(a.name) + " nr=0");
    ASSERT_TRUE(r.ok()) << a.name << ": " << r.error().ToString();
    EXPECT_EQ(r->arch, a.audit_arch) << a.name;
  }
}

TEST(Records, ArchByAuditNumberAndAuditName) {
  EXPECT_EQ(Parse("arch=0x40000003 nr=read").nr, 3);
  EXPECT_EQ(Parse("arch=AUDIT_ARCH_I386 nr=read").nr, 3);
  EXPECT_EQ(Parse("arch=3221225534 nr=read").arch, 0xc000003eu);
  // A number no arch has: fine with numeric nr, names are an error.
  EXPECT_EQ(Parse("arch=0x12345678 nr=7").arch, 0x12345678u);
  const Error e = ParseError("arch=0x12345678 nr=read");
  EXPECT_EQ(e.rule, "unknown-syscall");
}

TEST(Records, CanonicalFormRoundTrips) {
  const char* texts[] = {
      "arch=0xc000003e nr=257 ip=0x7f0000001000 args=0xffffff9c,0x1000,0x0,0x0,0x0,0x0",
      "arch=0x40000003 nr=-1 ip=0xffffffffffffffff args=0x1,0x2,0x3,0x4,0x5,0x6",
      "arch=0xc000003e nr=1073741824 ip=0x0 args=0x0,0x0,0x0,0x0,0x0,0xffffffffffffffff",
  };
  for (const char* t : texts) EXPECT_EQ(FormatRecord(Parse(t)), t);
}

TEST(Records, ErrorsNameTheLineAndTheToken) {
  Error e = ParseError("nr=read bogus=1", 12);
  EXPECT_EQ(e.rule, "unknown-key");
  EXPECT_EQ(e.line, 12);
  EXPECT_NE(e.ToString().find("line 12"), std::string::npos);
  EXPECT_NE(e.message.find("bogus=1"), std::string::npos);

  e = ParseError("nr=12x");
  EXPECT_EQ(e.rule, "bad-number");
  EXPECT_NE(e.message.find("nr=12x"), std::string::npos);
  EXPECT_EQ(ParseError("nr=0x").rule, "bad-number");
  EXPECT_EQ(ParseError("nr=1 a0=0xfg").rule, "bad-number");
  EXPECT_EQ(ParseError("nr=0x100000000").rule, "number-out-of-range");
  EXPECT_EQ(ParseError("nr=-2147483649").rule, "number-out-of-range");
  EXPECT_EQ(ParseError("nr=1 a0=18446744073709551616").rule, "number-out-of-range");
  EXPECT_EQ(ParseError("nr=1 a0=-9223372036854775809").rule, "number-out-of-range");
  EXPECT_EQ(ParseError("arch=0x100000000 nr=1").rule, "number-out-of-range");
  EXPECT_EQ(ParseError("nr=1 args=1,2,3,4,5,6,7").rule, "too-many-args");
  EXPECT_EQ(ParseError("nr=1 args=1,,3").rule, "bad-number");
  EXPECT_EQ(ParseError("nr=notacall").rule, "unknown-syscall");
  EXPECT_EQ(ParseError("arch=vax nr=1").rule, "unknown-arch");
  EXPECT_EQ(ParseError("arch=x86_64").rule, "missing-nr");
  EXPECT_EQ(ParseError("nr=1 nr=2").rule, "duplicate-key");
  EXPECT_EQ(ParseError("nr=").rule, "missing-value");
  EXPECT_EQ(ParseError("nr").rule, "bad-token");
  EXPECT_EQ(ParseError("nr=1 a6=1").rule, "unknown-key");
  EXPECT_EQ(ParseError("  ").rule, "empty-record");
  EXPECT_EQ(ParseError("nr=read,write").rule, "list-not-allowed");
}

TEST(Records, PatternsExpandToTheCrossProduct) {
  Result<std::vector<SeccompData>> r =
      ParseRecordPattern("arch=x86_64,i386 nr=read,write a0=1,2,3", 1);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->size(), 12u);
  // arch outermost, then nr, then the arguments; names resolved per arch.
  EXPECT_EQ((*r)[0].arch, 0xc000003eu);
  EXPECT_EQ((*r)[0].nr, 0);
  EXPECT_EQ((*r)[0].args[0], 1u);
  EXPECT_EQ((*r)[2].args[0], 3u);
  EXPECT_EQ((*r)[3].nr, 1);
  EXPECT_EQ((*r)[6].arch, 0x40000003u);
  EXPECT_EQ((*r)[6].nr, 3);
  EXPECT_EQ((*r)[9].nr, 4);
  EXPECT_EQ((*r)[11].args[0], 3u);
  // args= stays positional.
  r = ParseRecordPattern("nr=1 args=1,2", 1);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].args[1], 2u);
  // A name missing on one arch of the list is an error naming the token.
  r = ParseRecordPattern("arch=x86_64,aarch64 nr=open", 4);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().line, 4);
  EXPECT_EQ(r.error().rule, "unknown-syscall");
}

TEST(Records, StripComment) {
  EXPECT_EQ(StripComment("  nr=1  # read"), "nr=1");
  EXPECT_EQ(StripComment("# only"), "");
  EXPECT_EQ(StripComment(""), "");
}

TEST(RecordReader, TextWithCommentsAndBlankLines) {
  std::istringstream in("# header\n\nnr=read\n  nr=write # two\n\nnr=2\n");
  RecordReader reader(in);
  SeccompData d;
  std::vector<int> nrs;
  std::vector<int> lines;
  for (;;) {
    Result<bool> next = reader.Next(&d);
    ASSERT_TRUE(next.ok()) << next.error().ToString();
    if (!*next) break;
    nrs.push_back(d.nr);
    lines.push_back(reader.position());
  }
  EXPECT_EQ(reader.format(), RecordFormat::kText);
  EXPECT_EQ(nrs, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(lines, (std::vector<int>{3, 4, 6}));
}

TEST(RecordReader, LongFirstLineSpansTheDetectionBuffer) {
  std::string first = "nr=1 ip=0x1234 args=0xffffffffffffffff,0xffffffffffffffff,2,3,4,5";
  ASSERT_GT(first.size(), 64u);
  std::istringstream in(first + "\nnr=9");  // no final newline
  RecordReader reader(in);
  SeccompData d;
  ASSERT_TRUE(*reader.Next(&d));
  EXPECT_EQ(d.args[5], 5u);
  ASSERT_TRUE(*reader.Next(&d));
  EXPECT_EQ(d.nr, 9);
  EXPECT_FALSE(*reader.Next(&d));
}

TEST(RecordReader, BadLineReportsItsNumber) {
  std::istringstream in("nr=1\n\nnr=1 foo=2\n");
  RecordReader reader(in);
  SeccompData d;
  ASSERT_TRUE(*reader.Next(&d));
  Result<bool> bad = reader.Next(&d);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().line, 3);
  EXPECT_EQ(bad.error().rule, "unknown-key");
}

std::string Binary(const std::vector<SeccompData>& records) {
  std::string out(records.size() * sizeof(SeccompData), '\0');
  if (!records.empty()) std::memcpy(out.data(), records.data(), out.size());
  return out;
}

TEST(RecordReader, BinaryRecordsAutoDetected) {
  SeccompData a;
  a.nr = 257;
  a.arch = 0xc000003e;
  a.args[0] = 0xffffff9c;
  SeccompData b;
  b.nr = 3;
  b.arch = 0x40000003;
  std::istringstream in(Binary({a, b}));
  RecordReader reader(in);
  SeccompData d;
  ASSERT_TRUE(*reader.Next(&d));
  EXPECT_EQ(reader.format(), RecordFormat::kBinary);
  EXPECT_EQ(FormatRecord(d), FormatRecord(a));
  ASSERT_TRUE(*reader.Next(&d));
  EXPECT_EQ(FormatRecord(d), FormatRecord(b));
  EXPECT_EQ(reader.position(), 2);
  EXPECT_FALSE(*reader.Next(&d));
}

TEST(RecordReader, TruncatedBinaryRecordIsAnError) {
  SeccompData a;
  a.arch = 0xc000003e;
  std::string bytes = Binary({a, a});
  bytes.resize(64 + 10);
  std::istringstream in(bytes);
  RecordReader reader(in, RecordFormat::kBinary);
  SeccompData d;
  ASSERT_TRUE(*reader.Next(&d));
  Result<bool> bad = reader.Next(&d);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().rule, "truncated-record");
}

TEST(RecordReader, ExplicitTextFormatAndEmptyInput) {
  std::istringstream empty("");
  RecordReader r1(empty);
  SeccompData d;
  EXPECT_FALSE(*r1.Next(&d));
  std::istringstream in("nr=1\n");
  RecordReader r2(in, RecordFormat::kText);
  EXPECT_TRUE(*r2.Next(&d));
}

// Streams many records through one reader: a smoke test of the constant-memory loop.
TEST(RecordReader, StreamsManyRecords) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "nr=" + std::to_string(i) + " a0=" + std::to_string(i) + "\n";
  std::istringstream in(text);
  RecordReader reader(in);
  SeccompData d;
  int n = 0;
  while (*reader.Next(&d)) {
    ASSERT_EQ(d.nr, n);
    ++n;
  }
  EXPECT_EQ(n, 20000);
}

TEST(RecordFormatName, Parses) {
  EXPECT_EQ(*ParseRecordFormatName("auto"), RecordFormat::kAuto);
  EXPECT_EQ(*ParseRecordFormatName("text"), RecordFormat::kText);
  EXPECT_EQ(*ParseRecordFormatName("binary"), RecordFormat::kBinary);
  EXPECT_FALSE(ParseRecordFormatName("json").ok());
}

// A binary record with no zero byte was read as text. Control bytes now mean binary, and the
// reader says when its choice was a guess.
TEST(RecordFormatDetection, NoNulByteButControlBytesIsBinaryAndAmbiguous) {
  SeccompData d;
  std::memset(static_cast<void*>(&d), 0x01, sizeof d);
  const std::string bytes(reinterpret_cast<const char*>(&d), sizeof d);
  ASSERT_EQ(bytes.find('\0'), std::string::npos);
  RecordFormatGuess g = DetectRecordFormat(bytes);
  EXPECT_EQ(g.format, RecordFormat::kBinary);
  EXPECT_TRUE(g.ambiguous);
  std::istringstream in(bytes);
  RecordReader reader(in);
  SeccompData out;
  Result<bool> r = reader.Next(&out);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(reader.format(), RecordFormat::kBinary);
  EXPECT_TRUE(reader.guess().ambiguous);
  EXPECT_EQ(std::memcmp(&out, &d, sizeof d), 0);
  // Known size not a multiple of 64: text after all.
  EXPECT_EQ(DetectRecordFormat(bytes, 65).format, RecordFormat::kText);
  // A NUL byte is certain; an ordinary text file is certain.
  EXPECT_FALSE(DetectRecordFormat(std::string("\x3e\0\0\xc0", 4)).ambiguous);
  g = DetectRecordFormat("# vectors\nnr=1\n");
  EXPECT_EQ(g.format, RecordFormat::kText);
  EXPECT_FALSE(g.ambiguous);
  // 64 printable bytes without a newline could be a record: text, but said to be a guess.
  g = DetectRecordFormat(std::string(64, 'A'));
  EXPECT_EQ(g.format, RecordFormat::kText);
  EXPECT_TRUE(g.ambiguous);
  // Bytes >= 0x80 with no line break: binary in a file of whole records, text otherwise.
  const std::string high(64, '\xff');
  g = DetectRecordFormat(high, 128);
  EXPECT_EQ(g.format, RecordFormat::kBinary);
  EXPECT_TRUE(g.ambiguous);
  EXPECT_EQ(DetectRecordFormat(high, 100).format, RecordFormat::kText);
  EXPECT_EQ(DetectRecordFormat(high).format, RecordFormat::kText);  // size unknown: a pipe
}

// Lines are bounded: a 2 MiB line stops at the cap with its line number.
TEST(RecordReader, LineLongerThanTheCapIsAnError) {
  std::istringstream in("nr=1\n" + std::string(2u << 20, 'x') + "\nnr=2\n");
  RecordReader reader(in, RecordFormat::kText);
  SeccompData d;
  ASSERT_TRUE(*reader.Next(&d));
  Result<bool> r = reader.Next(&d);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rule, "line-too-long");
  EXPECT_EQ(r.error().line, 2);
  // It stopped reading at the cap: the rest of that line is still in the stream.
  EXPECT_EQ(static_cast<size_t>(in.tellg()), 5 + kMaxRecordLineBytes + 1);
}

// `sckit test` capped a line at 2^20 records but not the file: 30 such lines reached 3.9 GB.
// The records are streamed now (memory: one line); the file's total caps the time.
TEST(CaseReader, TotalRecordsOfAFileAreCapped) {
  // 1024 x 1024 = 2^20 records a line: the second line passes the file's cap.
  std::string list;
  for (int i = 0; i < 1024; ++i) list += (i ? "," : "") + std::to_string(i);
  const std::string line = "nr=" + list + " a0=" + list + " => ALLOW\n";
  std::istringstream in("# cases\n" + line + line + line);
  CaseReader cases(in, true, "", (uint64_t{1} << 20) + 5);
  CaseLine c;
  Result<bool> r = cases.Next(&c);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(c.records.size(), size_t{1} << 20);
  EXPECT_EQ(c.line, 2);
  EXPECT_EQ(c.expected, "ALLOW");
  r = cases.Next(&c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rule, "too-many-cases");
  EXPECT_EQ(r.error().line, 3);
  EXPECT_EQ(kMaxCaseFileRecords, uint64_t{1} << 24);  // the default: streamed, so time only
}

TEST(CaseReader, LinesAndArrows) {
  std::istringstream in("nr=1 => ALLOW # c\n\nnr=2\n");
  CaseReader strict(in, true);
  CaseLine c;
  ASSERT_TRUE(*strict.Next(&c));
  EXPECT_EQ(c.expected, "ALLOW");
  Result<bool> r = strict.Next(&c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rule, "bad-case");
  EXPECT_EQ(r.error().line, 3);
  std::istringstream in2("nr=1 => ALLOW\nnr=2\n");
  CaseReader loose(in2, false, "");
  ASSERT_TRUE(*loose.Next(&c));
  ASSERT_TRUE(*loose.Next(&c));
  EXPECT_EQ(c.records.at(0).nr, 2);
  EXPECT_FALSE(*loose.Next(&c));
}

}  // namespace
}  // namespace sckit
