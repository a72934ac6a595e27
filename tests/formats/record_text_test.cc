// The record printer for people (formats/record_text.h) and the patterns it shares the parser
// with (formats/records.h): names and numbers, what is left out, the round trip through
// ParseRecord for every arch, `name(number)`, sets, ranges and `*`, and their bounds.
#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "formats/record_text.h"
#include "formats/records.h"
#include "vm/arch.h"
#include "vm/names.h"

namespace sckit {
namespace {

SeccompData Record(uint32_t arch, int32_t nr) {
  SeccompData d;
  d.arch = arch;
  d.nr = nr;
  return d;
}

std::vector<SeccompData> Pattern(const std::string& text) {
  Result<std::vector<SeccompData>> r = ParseRecordPattern(text, 7);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().ToString());
  return r.ok() ? *r : std::vector<SeccompData>{};
}

Error PatternError(const std::string& text) {
  Result<std::vector<SeccompData>> r = ParseRecordPattern(text, 7);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? Error{} : r.error();
}

TEST(RecordText, NamesPlusNumbersAndOnlyWhatIsNotZero) {
  SeccompData d = Record(kAuditArchX86_64, 101);
  EXPECT_EQ(FormatRecordText(d), "arch=x86_64 nr=ptrace(101)");
  d.args[0] = 0x10;
  d.args[3] = 7;
  d.instruction_pointer = 0x7f0000001000;
  EXPECT_EQ(FormatRecordText(d), "arch=x86_64 nr=ptrace(101) ip=0x7f0000001000 a0=0x10 a3=0x7");
  EXPECT_EQ(FormatRecordText(d, /*full=*/true),
            "arch=x86_64 nr=ptrace(101) ip=0x7f0000001000 args=0x10,0x0,0x0,0x7,0x0,0x0");
  EXPECT_EQ(FormatRecordText(Record(kAuditArchI386, 3)), "arch=i386 nr=read(3)");
  EXPECT_EQ(FormatRecordText(Record(kAuditArchAarch64, 63)), "arch=aarch64 nr=read(63)");
  // libseccomp names i386's 359 socket but resolves "socket" to socketcall's pseudo number:
  // the name is still printed, and name(number) reads back by the number's name.
  EXPECT_EQ(FormatRecordText(Record(kAuditArchI386, 359)), "arch=i386 nr=socket(359)");
  EXPECT_EQ(Pattern("arch=i386 nr=socket(359)").at(0).nr, 359);
  EXPECT_EQ(PatternError("arch=i386 nr=socket").rule, "unknown-syscall");
}

TEST(RecordText, TheNumberAloneWhereThereIsNoName) {
  EXPECT_EQ(FormatRecordText(Record(kAuditArchX86_64, -1)), "arch=x86_64 nr=-1");
  EXPECT_EQ(FormatRecordText(Record(kAuditArchX86_64, 100000)), "arch=x86_64 nr=100000");
  // An AUDIT_ARCH sckit has no name for: its number, and nr as a number.
  EXPECT_EQ(FormatRecordText(Record(0x1234, 5)), "arch=0x1234 nr=5");
  // x32 calls are x86_64 records with bit 30: printed as arch=x32 with x32's name.
  EXPECT_EQ(FormatRecordText(Record(kAuditArchX86_64, 0x40000000)),
            "arch=x32 nr=read(1073741824)");
  EXPECT_EQ(FormatRecordText(Record(kAuditArchX86_64, 0x40000000 | 5000)),
            "arch=x86_64 nr=1073746824");
}

// Every printed record parses back to itself: named syscalls of every arch, numbers around
// them, and random words.
TEST(RecordText, RoundTripsThroughTheParserOnEveryArch) {
  std::mt19937_64 rng(18);
  size_t named = 0;
  for (const ArchInfo& a : AllArches()) {
    std::vector<int32_t> nrs = SyscallNumbers(a);
    named += nrs.size();
    for (int32_t extra : {-1, 0, 1, 999, 0x40000000, INT32_MIN, INT32_MAX}) nrs.push_back(extra);
    for (int32_t nr : nrs) {
      for (bool full : {false, true}) {
        SeccompData d = Record(a.audit_arch, nr);
        d.instruction_pointer = rng() % 3 == 0 ? 0 : rng();
        for (uint64_t& arg : d.args) arg = rng() % 2 == 0 ? 0 : rng();
        const std::string text = FormatRecordText(d, full);
        Result<SeccompData> back = ParseRecord(text, 1);
        ASSERT_TRUE(back.ok()) << text << ": " << back.error().ToString();
        EXPECT_EQ(FormatRecord(*back), FormatRecord(d)) << text;
      }
    }
  }
  EXPECT_GT(named, 5000u);  // libseccomp's tables for many arches
}

TEST(RecordText, NameAndNumberMustAgree) {
  EXPECT_EQ(Pattern("nr=ptrace(101)").at(0).nr, 101);
  EXPECT_EQ(Pattern("arch=i386 nr=read(3)").at(0).nr, 3);
  EXPECT_EQ(Pattern("arch=x32 nr=read(0x40000000)").at(0).nr, 0x40000000);
  const Error e = PatternError("nr=ptrace(102)");
  EXPECT_EQ(e.rule, "nr-mismatch");
  EXPECT_EQ(e.line, 7);
  EXPECT_NE(e.message.find("ptrace is 101 on x86_64, not 102"), std::string::npos) << e.message;
  EXPECT_EQ(PatternError("nr=ptrace(x)").rule, "bad-number");
  EXPECT_EQ(PatternError("nr=nosuch(1)").rule, "unknown-syscall");
}

TEST(RecordText, ErrnoAndSignalNames) {
  EXPECT_EQ(VerdictText(Verdict::Of(Verdict::Kind::kErrno, 1), kAuditArchX86_64), "ERRNO(1) EPERM");
  EXPECT_EQ(VerdictText(Verdict::Of(Verdict::Kind::kErrno, 38), kAuditArchX86_64), "ERRNO(38) ENOSYS");
  EXPECT_EQ(VerdictText(Verdict::Of(Verdict::Kind::kErrno, 0), kAuditArchX86_64), "ERRNO(0)");
  EXPECT_EQ(VerdictText(Verdict::Of(Verdict::Kind::kErrno, 4095), kAuditArchX86_64), "ERRNO(4095)");
  EXPECT_EQ(VerdictText(Verdict::Of(Verdict::Kind::kTrap, 1), kAuditArchX86_64), "TRAP(1)");
  EXPECT_EQ(VerdictText(Verdict::Of(Verdict::Kind::kKillProcess), kAuditArchX86_64), "KILL_PROCESS");
  EXPECT_EQ(SignalText(31, kAuditArchX86_64), "SIGSYS");
  EXPECT_EQ(SignalText(9, kAuditArchX86_64), "SIGKILL");
  EXPECT_EQ(SignalText(200, kAuditArchX86_64), "200");
  EXPECT_EQ(VerdictNameJson(Verdict::Of(Verdict::Kind::kErrno, 13), kAuditArchX86_64), "\"errno_name\": \"EACCES\"");
  EXPECT_EQ(VerdictNameJson(Verdict::Of(Verdict::Kind::kAllow), kAuditArchX86_64), "\"errno_name\": null");
  // What is printed reads back as an expectation, and a wrong name is refused.
  Result<Expectation> e = ParseExpectation("ERRNO(1) EPERM", 3);
  ASSERT_TRUE(e.ok()) << e.error().ToString();
  EXPECT_TRUE(e->Matches(Verdict::Of(Verdict::Kind::kErrno, 1)));
  EXPECT_FALSE(e->Matches(Verdict::Of(Verdict::Kind::kErrno, 13)));
  Result<Expectation> wrong = ParseExpectation("ERRNO(1) EACCES", 3);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("errno 1 is EPERM, not EACCES"), std::string::npos);
  EXPECT_EQ(wrong.error().line, 3);
  EXPECT_FALSE(ParseExpectation("TRAP(1) EPERM").ok());
  EXPECT_FALSE(ParseExpectation("ERRNO(0) EPERM").ok());
}

// Errnos and signals in the numbering of the record's arch (vm/names.h): mips's ENOSYS is
// printed as ENOSYS only for a mips record, and what is printed reads back for that arch.
TEST(RecordText, NamesInTheRecordsArch) {
  const uint32_t mips = FindArch("mipsel")->audit_arch;
  const uint32_t x86 = kAuditArchX86_64;
  const int mips_enosys = *ErrnoByName("ENOSYS", mips);
  EXPECT_EQ(mips_enosys, 89);
  EXPECT_EQ(VerdictText(Verdict::Of(Verdict::Kind::kErrno, 89), mips), "ERRNO(89) ENOSYS");
  EXPECT_EQ(VerdictText(Verdict::Of(Verdict::Kind::kErrno, 89), x86).find("ENOSYS"),
            std::string::npos);
  EXPECT_EQ(VerdictText(Verdict::Of(Verdict::Kind::kErrno, 38), mips).find("ENOSYS"),
            std::string::npos);
  EXPECT_EQ(VerdictNameJson(Verdict::Of(Verdict::Kind::kErrno, 89), mips),
            "\"errno_name\": \"ENOSYS\"");
  EXPECT_EQ(SignalText(*SignalByName("SIGSYS", mips), mips), "SIGSYS");
  EXPECT_NE(SignalText(31, mips), "SIGSYS");
  // An arch with no known numbering: numbers alone, never a generic name that may be wrong.
  EXPECT_EQ(VerdictText(Verdict::Of(Verdict::Kind::kErrno, 1), 0x12345678u), "ERRNO(1)");
  EXPECT_EQ(SignalText(31, 0x12345678u), "31");
  // Read back: by name for the record's arch, and the printed `ERRNO(n) NAME` checked there.
  Result<Expectation> by_name = ParseExpectation("ERRNO(ENOSYS)", 4, mips);
  ASSERT_TRUE(by_name.ok()) << by_name.error().ToString();
  EXPECT_TRUE(by_name->Matches(Verdict::Of(Verdict::Kind::kErrno, 89)));
  EXPECT_FALSE(by_name->Matches(Verdict::Of(Verdict::Kind::kErrno, 38)));
  EXPECT_TRUE(ParseExpectation("ERRNO(89) ENOSYS", 4, mips).ok());
  Result<Expectation> x86_89 = ParseExpectation("ERRNO(89) ENOSYS", 4, x86);
  ASSERT_FALSE(x86_89.ok());
  EXPECT_NE(x86_89.error().message.find("on x86_64, not ENOSYS"), std::string::npos)
      << x86_89.error().message;
  Result<Expectation> unknown = ParseExpectation("ERRNO(EPERM)", 4, 0x12345678u);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("errno name on 0x12345678"), std::string::npos)
      << unknown.error().message;
}

// Every record and outcome of every arch, printed with names, parses back to the same record
// and an expectation the outcome meets (and no other errno does).
TEST(RecordText, NamedOutcomesRoundTripOnEveryArch) {
  int named = 0;
  for (const ArchInfo& arch : AllArches()) {
    const std::vector<int32_t>& nrs = SyscallNumbers(arch);
    SeccompData d = Record(arch.audit_arch, nrs.empty() ? 0 : nrs.front());
    if (arch.nr_bit != 0) continue;  // x32 shares x86_64's AUDIT_ARCH
    Result<SeccompData> back = ParseRecord(FormatRecordText(d), 1);
    ASSERT_TRUE(back.ok()) << arch.name << ": " << back.error().ToString();
    EXPECT_EQ(back->arch, d.arch);
    for (uint32_t e = 1; e < 1200; ++e) {
      const Verdict v = Verdict::Of(Verdict::Kind::kErrno, e);
      const std::string text = VerdictText(v, d.arch);
      if (text == v.Text()) continue;  // no name here
      ++named;
      Result<Expectation> x = ParseExpectation(text, 1, d.arch);
      ASSERT_TRUE(x.ok()) << arch.name << " " << text << ": " << x.error().ToString();
      EXPECT_TRUE(x->Matches(v)) << arch.name << " " << text;
      EXPECT_FALSE(x->Matches(Verdict::Of(Verdict::Kind::kErrno, e + 1))) << arch.name;
      // By name alone too.
      Result<Expectation> n = ParseExpectation("ERRNO(" + text.substr(text.find(' ') + 1) + ")",
                                               1, d.arch);
      ASSERT_TRUE(n.ok()) << arch.name << " " << text;
      EXPECT_TRUE(n->Matches(v)) << arch.name << " " << text;
    }
  }
  EXPECT_GT(named, 1000);
}

TEST(RecordText, JsonKeepsTheNumbersAndAddsNames) {
  SeccompData d = Record(kAuditArchX86_64, 101);
  d.args[1] = 2;
  EXPECT_EQ(RecordJsonMembers(d),
            "\"record\": \"arch=0xc000003e nr=101 ip=0x0 args=0x0,0x2,0x0,0x0,0x0,0x0\", "
            "\"text\": \"arch=x86_64 nr=ptrace(101) a1=0x2\", \"arch_name\": \"x86_64\", "
            "\"syscall\": \"ptrace\"");
  EXPECT_EQ(RecordJsonMembers(Record(0x1234, 5)),
            "\"record\": \"arch=0x1234 nr=5 ip=0x0 args=0x0,0x0,0x0,0x0,0x0,0x0\", "
            "\"text\": \"arch=0x1234 nr=5\", \"arch_name\": null, \"syscall\": null");
}

TEST(RecordPatterns, RangesSetsAndEverySyscall) {
  std::vector<SeccompData> r = Pattern("nr=0-3");
  ASSERT_EQ(r.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(r[static_cast<size_t>(i)].nr, i);
  r = Pattern("nr=read,write a1=0x1-0x10");
  ASSERT_EQ(r.size(), 32u);
  EXPECT_EQ(r[0].nr, 0);
  EXPECT_EQ(r[0].args[1], 1u);
  EXPECT_EQ(r[15].args[1], 0x10u);
  EXPECT_EQ(r[16].nr, 1);
  EXPECT_EQ(r[16].args[1], 1u);
  // Ranges of names, negative ends (two's complement), sets of ranges, several slots.
  EXPECT_EQ(Pattern("nr=read-close").size(), 4u);
  r = Pattern("nr=1 a0=-2--1");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].args[0], 0xfffffffffffffffeu);
  EXPECT_EQ(r[1].args[0], 0xffffffffffffffffu);
  EXPECT_EQ(Pattern("nr=1 a0=0-1,5,7-9 ip=1-2").size(), 12u);
  // `*`: every syscall the arch names, in order, per arch.
  r = Pattern("arch=x86_64,i386 nr=*");
  const std::vector<int32_t>& x86 = SyscallNumbers(*FindArch("x86_64"));
  const std::vector<int32_t>& i386 = SyscallNumbers(*FindArch("i386"));
  ASSERT_EQ(r.size(), x86.size() + i386.size());
  EXPECT_GT(x86.size(), 300u);
  for (size_t i = 0; i < r.size(); ++i) {
    const bool first = i < x86.size();
    EXPECT_EQ(r[i].arch, first ? kAuditArchX86_64 : kAuditArchI386);
    EXPECT_EQ(r[i].nr, first ? x86[i] : i386[i - x86.size()]);
    EXPECT_TRUE(SyscallName(r[i].arch, r[i].nr).has_value());
  }
  r = Pattern("arch=x32 nr=*");
  ASSERT_FALSE(r.empty());
  for (const SeccompData& d : r) EXPECT_NE(static_cast<uint32_t>(d.nr) & kX32SyscallBit, 0u);
}

TEST(RecordPatterns, BadRangesAndTheCapAreLocatedErrors) {
  Error e = PatternError("nr=5-3");
  EXPECT_EQ(e.rule, "bad-range");
  EXPECT_EQ(e.line, 7);
  EXPECT_NE(e.message.find("nr=5-3"), std::string::npos);
  EXPECT_EQ(PatternError("nr=1 a0=*").rule, "bad-range");
  EXPECT_EQ(PatternError("arch=0x1234 nr=*").rule, "unknown-syscall");
  EXPECT_EQ(PatternError("nr=1 a0=1-").rule, "bad-range");
  // A range without its end, for nr too (the fuzzer found `nr=1-` read past the value).
  EXPECT_EQ(PatternError("arch=x32,i386 nr=1-").rule, "bad-range");
  EXPECT_EQ(PatternError("nr=read,").rule.empty(), false);
  EXPECT_EQ(PatternError("nr=-1-").rule, "bad-range");
  // The size is computed before expanding: the whole 64-bit range, and products of ranges.
  e = PatternError("nr=1 a1=0-0xffffffffffffffff");
  EXPECT_EQ(e.rule, "pattern-too-large");
  EXPECT_EQ(e.line, 7);
  EXPECT_EQ(PatternError("nr=0-1023 a0=0-1023 a1=0-1").rule, "pattern-too-large");
  EXPECT_EQ(Pattern("nr=0-1023 a0=0-1023").size(), kMaxPatternRecords);
  EXPECT_EQ(PatternError("arch=x86_64,i386,x32,aarch64 nr=* a0=0-1023").rule,
            "pattern-too-large");
  // A single record has none of it.
  Result<SeccompData> one = ParseRecord("nr=0-3", 2);
  ASSERT_FALSE(one.ok());
  EXPECT_EQ(one.error().rule, "list-not-allowed");
  EXPECT_EQ(ParseRecord("nr=*", 2).error().rule, "list-not-allowed");
  EXPECT_EQ(ParseRecord("nr=-5", 2)->nr, -5);  // a sign, not a range
}

TEST(RecordPatterns, TheRecordReaderExpandsLinesWithinItsCap) {
  std::istringstream in("nr=read\nnr=0-2 a0=1\n# c\nnr=ptrace(101)\n");
  RecordReader reader(in, RecordFormat::kText);
  std::vector<std::pair<int32_t, int>> seen;  // nr, line
  SeccompData d;
  for (;;) {
    Result<bool> more = reader.Next(&d);
    ASSERT_TRUE(more.ok()) << more.error().ToString();
    if (!*more) break;
    seen.emplace_back(d.nr, reader.position());
  }
  const std::vector<std::pair<int32_t, int>> want = {{0, 1}, {0, 2}, {1, 2}, {2, 2}, {101, 4}};
  EXPECT_EQ(seen, want);

  std::istringstream big("nr=1\nnr=0-9\nnr=0-9\n");
  RecordReader capped(big, RecordFormat::kText, -1, /*max_expanded=*/15);
  int records = 0;
  Result<bool> more = true;
  while ((more = capped.Next(&d)).ok() && *more) ++records;
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.error().rule, "too-many-records");
  EXPECT_EQ(more.error().line, 3);
  EXPECT_EQ(records, 11);
}

TEST(RecordPatterns, CaseLinesKeepTheirText) {
  std::istringstream in("  nr=read,write => ALLOW   # io\n");
  CaseReader reader(in, true);
  CaseLine line;
  Result<bool> more = reader.Next(&line);
  ASSERT_TRUE(more.ok() && *more);
  EXPECT_EQ(line.text, "nr=read,write => ALLOW   # io");
  EXPECT_EQ(line.records.size(), 2u);
  EXPECT_EQ(line.expected, "ALLOW");
}

}  // namespace
}  // namespace sckit
