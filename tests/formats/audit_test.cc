// Kernel audit records of seccomp decisions -> calls (formats/audit.h): audit.log, the kernel
// log as dmesg and journalctl print it, ausearch -i, ENRICHED fields, and bad records.
#include "formats/audit.h"

#include <gtest/gtest.h>
#include <sys/syscall.h>

#include <sstream>
#include <string>

#include "vm/arch.h"

namespace sckit {
namespace {

TraceCall One(const std::string& line, uint32_t* code = nullptr) {
  TraceCall c;
  Result<bool> r = ParseAuditLine(line, 3, &c, code);
  EXPECT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r.ok() && *r) << line;
  return c;
}

// As this machine's kernel log has it (dmesg): an i386 call in compat mode, killed.
TEST(Audit, KernelLogLine) {
  uint32_t code = 0;
  const TraceCall c = One(
      "[ 7860.352143] audit: type=1326 audit(1796625262.981:232598): auid=4294967295 uid=65534 "
      "gid=65534 ses=4294967295 pid=20063 comm=\"live_test\" exe=\"/root/x/live test\" sig=31 "
      "arch=40000003 syscall=276 compat=1 ip=0x0 code=0x80000000",
      &code);
  EXPECT_EQ(c.record.arch, FindArch("i386")->audit_arch);
  EXPECT_EQ(c.record.nr, 276);
  EXPECT_EQ(c.pid, 20063);
  EXPECT_EQ(c.process, "live_test");
  EXPECT_EQ(c.line, 3);
  EXPECT_EQ(code, 0x80000000u);
  EXPECT_EQ(c.known_args, 0);
}

TEST(Audit, AuditLogAndJournal) {
  uint32_t code = 0;
  const TraceCall a = One(
      "type=SECCOMP msg=audit(1700000000.123:45): auid=1000 uid=1000 gid=1000 ses=2 "
      "subj=unconfined pid=1234 comm=\"curl\" exe=\"/usr/bin/curl\" sig=0 arch=c000003e "
      "syscall=41 compat=0 ip=0x7f3a1c2b code=0x7ffc0000",
      &code);
  EXPECT_EQ(a.record.arch, kAuditArchX86_64);
  EXPECT_EQ(a.record.nr, SYS_socket);
  EXPECT_EQ(a.name, "socket");
  EXPECT_EQ(a.record.instruction_pointer, 0x7f3a1c2bu);
  EXPECT_EQ(code, 0x7ffc0000u);
  const TraceCall j = One(
      "Dec 07 07:00:00 host kernel: audit: type=1326 audit(1700000000.123:46): auid=0 uid=0 "
      "gid=0 ses=1 pid=9 comm=\"sh\" exe=\"/usr/bin/dash\" sig=0 arch=c000003e syscall=39 "
      "compat=0 ip=0x7f00 code=0x7ffc0000");
  EXPECT_EQ(j.record.nr, SYS_getpid);
  EXPECT_EQ(j.pid, 9);
}

// ENRICHED format: interpreted fields after a 0x1d byte are not read (ARCH=x86_64 there
// would otherwise be a second arch).
TEST(Audit, EnrichedAndInterpreted) {
  const TraceCall e = One(
      "type=SECCOMP msg=audit(1700000000.1:7): pid=5 comm=\"a\" sig=0 arch=c000003e syscall=0 "
      "compat=0 ip=0x1 code=0x7ffc0000\x1d" "ARCH=x86_64 SYSCALL=read AUID=\"unset\"");
  EXPECT_EQ(e.record.nr, 0);
  uint32_t code = 0;
  const TraceCall i = One(
      "type=SECCOMP msg=audit(12/07/2026 07:00:00.123:45) : auid=user uid=root pid=1234 "
      "comm=curl exe=/usr/bin/curl sig=SIGSYS arch=x86_64 syscall=socket compat=no "
      "ip=0x7f3a1c2b code=log",
      &code);
  EXPECT_EQ(i.record.nr, SYS_socket);
  EXPECT_EQ(i.process, "curl");
  EXPECT_EQ(code, 0x7ffc0000u);
}

// The kernel prints the number as a signed int: a record for nr 0x9d777859 says -1653114791.
TEST(Audit, NegativeNumbers) {
  const TraceCall c = One(
      "[ 9.1] audit: type=1326 audit(1.2:3): pid=1 comm=\"t\" sig=0 arch=c000003e "
      "syscall=-1653114791 compat=0 ip=0x0 code=0x7ffc0000");
  EXPECT_EQ(static_cast<uint32_t>(c.record.nr), 0x9d777859u);
}

// A word without '=' before a quoted field: the field is still read (a stray word once took
// the next field's quote as its own, and comm="a b" and what it hid were lost silently).
TEST(Audit, StrayWordBeforeAQuotedField) {
  const TraceCall c = One(
      "type=SECCOMP msg=audit(1.2:3): pid=7 stray comm=\"a b\" arch=40000003 syscall=20");
  EXPECT_EQ(c.process, "a b");
  EXPECT_EQ(c.record.arch, FindArch("i386")->audit_arch);
  const TraceCall d = One(
      "type=SECCOMP msg=audit(1.2:3): pid=7 stray exe=\"/x arch=c000003e\" arch=40000003 "
      "syscall=20");
  EXPECT_EQ(d.record.arch, FindArch("i386")->audit_arch);  // not the text inside the quotes
}

TEST(Audit, OtherLinesAndBadRecords) {
  TraceCall c;
  Result<bool> r = ParseAuditLine("type=SYSCALL msg=audit(1.2:3): arch=c000003e syscall=1", 1, &c);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  for (const char* bad : {
           "type=SECCOMP msg=audit(1.2:3): pid=1 syscall=1",              // no arch
           "type=SECCOMP msg=audit(1.2:3): arch=c000003e pid=1",          // no syscall
           "type=SECCOMP msg=audit(1.2:3): arch=deadbeef syscall=1",      // unknown arch
           "type=SECCOMP msg=audit(1.2:3): arch=c000003e syscall=frob",   // unknown name
           "type=SECCOMP msg=audit(1.2:3): arch=c000003e syscall=1 ip=zz",
           "type=SECCOMP msg=audit(1.2:3): arch=c000003e syscall=99999999999999999999999",
           "type=SECCOMP msg=audit(1.2:3): arch=c000003e syscall=-2147483649",
           "type=SECCOMP arch=c000003e syscall=1",                        // no stamp
       }) {
    r = ParseAuditLine(bad, 7, &c);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().rule, "bad-audit-record") << bad;
    EXPECT_EQ(r.error().line, 7);
  }
}

TEST(Audit, WholeLog) {
  std::istringstream in(
      "type=SYSCALL msg=audit(1.2:3): arch=c000003e syscall=1 success=yes\n"
      "type=SECCOMP msg=audit(1.2:4): pid=7 comm=\"x\" arch=c000003e syscall=1 code=0x7ffc0000\n"
      "\n"
      "type=SECCOMP msg=audit(1.2:5): pid=7 comm=\"x\" arch=c000003e syscall=3 code=0x7ffc0000\n");
  AuditStats stats;
  Result<std::vector<TraceCall>> r = ReadAuditCalls(in, &stats);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].line, 2);
  EXPECT_EQ((*r)[1].record.nr, SYS_close);
  EXPECT_EQ(stats.records, 2);
  EXPECT_EQ(stats.other, 2);
  std::istringstream none("hello\n");
  EXPECT_EQ(ReadAuditCalls(none).error().rule, "empty-trace");
  std::istringstream bad("x\ntype=1326 audit(1.2:3): arch=c000003e\n");
  EXPECT_EQ(ReadAuditCalls(bad).error().line, 2);
}

}  // namespace
}  // namespace sckit
