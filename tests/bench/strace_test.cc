// strace output -> records (bench/strace.h) and the generated workloads (workload.h).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/syscall.h>

#include <sstream>

#include "bench/strace.h"
#include "bench/workload.h"
#include "vm/arch.h"

namespace sckit::bench {
namespace {

const ArchInfo& X86() { return *FindArch("x86_64"); }

TEST(StraceLine, PidPrefixedOpenat) {
  const StraceLine l =
      ParseStraceLine("1234  openat(AT_FDCWD, \"/etc/x\", O_RDONLY|O_CLOEXEC) = 3", X86());
  ASSERT_EQ(l.kind, StraceLineKind::kSyscall);
  EXPECT_EQ(l.name, "openat");
  EXPECT_EQ(l.record.nr, SYS_openat);
  EXPECT_EQ(l.record.arch, kAuditArchX86_64);
  EXPECT_EQ(l.record.args[0], static_cast<uint64_t>(-100));  // AT_FDCWD, sign-extended
  EXPECT_EQ(l.record.args[1], 0u);                          // the path: a pointer, unknown
  EXPECT_EQ(l.record.args[2], static_cast<uint64_t>(O_RDONLY | O_CLOEXEC));
  EXPECT_EQ(l.approximated_args, 1);
}

TEST(StraceLine, BracketPidTimestampsAndNumbers) {
  const StraceLine l =
      ParseStraceLine("[pid  77] 12:00:01.123456 mmap(NULL, 8192, PROT_READ|PROT_WRITE, "
                      "MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000",
                      X86());
  ASSERT_EQ(l.kind, StraceLineKind::kSyscall);
  EXPECT_EQ(l.record.nr, SYS_mmap);
  EXPECT_EQ(l.record.args[0], 0u);
  EXPECT_EQ(l.record.args[1], 8192u);
  EXPECT_EQ(l.record.args[2], 3u);
  EXPECT_EQ(l.record.args[3], 0x22u);
  EXPECT_EQ(l.record.args[4], ~uint64_t{0});
  EXPECT_EQ(l.approximated_args, 0);
}

TEST(StraceLine, NoPrefixOctalHexAndStructs) {
  const StraceLine a = ParseStraceLine("chmod(\"/tmp/a\", 0644) = 0", X86());
  ASSERT_EQ(a.kind, StraceLineKind::kSyscall);
  EXPECT_EQ(a.record.args[1], 0644u);
  const StraceLine b = ParseStraceLine(
      "1 ioctl(1, TCGETS, {c_iflag=ICRNL|IXON, c_oflag=NL0}) = 0", X86());
  ASSERT_EQ(b.kind, StraceLineKind::kSyscall);
  EXPECT_EQ(b.record.args[0], 1u);
  EXPECT_EQ(b.approximated_args, 2);  // TCGETS is not in the table; the struct is a pointer
  const StraceLine c = ParseStraceLine("5 futex(0x7f00, FUTEX_WAKE_PRIVATE, 1) = 0", X86());
  EXPECT_EQ(c.record.args[0], 0x7f00u);
  EXPECT_EQ(c.record.args[1], 0x81u);
  const StraceLine d = ParseStraceLine("5 read(3</etc/passwd>, \"ab, (c\"..., 4096) = 4", X86());
  ASSERT_EQ(d.kind, StraceLineKind::kSyscall);
  EXPECT_EQ(d.record.args[0], 3u);
  EXPECT_EQ(d.record.args[2], 4096u);  // the comma inside the string does not split
}

TEST(StraceLine, UnfinishedResumedAndNoise) {
  const StraceLine u = ParseStraceLine("1234  wait4(-1,  <unfinished ...>", X86());
  ASSERT_EQ(u.kind, StraceLineKind::kSyscall);
  EXPECT_EQ(u.record.nr, SYS_wait4);
  EXPECT_EQ(u.record.args[0], ~uint64_t{0});
  EXPECT_EQ(ParseStraceLine("1234  <... wait4 resumed>NULL, 0, NULL) = 42", X86()).kind,
            StraceLineKind::kResumed);
  EXPECT_EQ(ParseStraceLine("1234  --- SIGCHLD {si_signo=SIGCHLD} ---", X86()).kind,
            StraceLineKind::kOther);
  EXPECT_EQ(ParseStraceLine("1234  +++ exited with 0 +++", X86()).kind, StraceLineKind::kOther);
  EXPECT_EQ(ParseStraceLine("", X86()).kind, StraceLineKind::kOther);
  EXPECT_EQ(ParseStraceLine("1 not_a_syscall(1) = 0", X86()).kind,
            StraceLineKind::kUnknownSyscall);
  EXPECT_EQ(ParseStraceLine("1 getpid() = 1", X86()).record.nr, SYS_getpid);
}

TEST(StraceArg, Values) {
  uint64_t v = 0;
  EXPECT_TRUE(StraceArgValue("NULL", &v));
  EXPECT_EQ(v, 0u);
  EXPECT_TRUE(StraceArgValue("0x10|O_CLOEXEC", &v));
  EXPECT_EQ(v, 0x10u | O_CLOEXEC);
  EXPECT_TRUE(StraceArgValue("-100", &v));
  EXPECT_EQ(v, static_cast<uint64_t>(-100));
  EXPECT_TRUE(StraceArgValue("1 /* comment */", &v));
  EXPECT_EQ(v, 1u);
  EXPECT_FALSE(StraceArgValue("\"str\"", &v));
  EXPECT_FALSE(StraceArgValue("[1, 2]", &v));
  EXPECT_FALSE(StraceArgValue("UNKNOWN_FLAG", &v));
  EXPECT_FALSE(StraceArgValue("09", &v));  // not octal
}

TEST(Strace, WholeTraceCounts) {
  std::istringstream in(
      "100 execve(\"/bin/true\", [\"true\"], 0x7ffd /* 10 vars */) = 0\n"
      "100 brk(NULL) = 0x55\n"
      "100 wait4(-1,  <unfinished ...>\n"
      "101 getpid() = 101\n"
      "100 <... wait4 resumed>NULL, 0, NULL) = 101\n"
      "100 frobnicate(1) = 0\n"
      "100 +++ exited with 0 +++\n");
  StraceStats stats;
  Result<std::vector<SeccompData>> r = ParseStrace(in, X86(), &stats);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].nr, SYS_execve);
  EXPECT_EQ((*r)[3].nr, SYS_getpid);
  EXPECT_EQ(stats.lines, 7);
  EXPECT_EQ(stats.syscalls, 4);
  EXPECT_EQ(stats.resumed, 1);
  EXPECT_EQ(stats.unknown, 1);
  EXPECT_EQ(stats.other, 1);
  std::istringstream empty("+++ exited with 0 +++\n");
  EXPECT_FALSE(ParseStrace(empty, X86()).ok());
}

TEST(Workload, UniformCoversTheArch) {
  const Workload w = UniformWorkload(X86());
  EXPECT_GT(w.records.size(), 300u);
  EXPECT_EQ(w.records.front().nr, 0);
  for (const SeccompData& d : w.records) EXPECT_EQ(d.arch, kAuditArchX86_64);
  const Workload x32 = UniformWorkload(*FindArch("x32"));
  ASSERT_FALSE(x32.records.empty());
  EXPECT_NE(static_cast<uint32_t>(x32.records.front().nr) & kX32SyscallBit, 0u);
}

TEST(Workload, HotIsDeterministicAndWeighted) {
  const Workload a = HotWorkload(X86());
  const Workload b = HotWorkload(X86());
  ASSERT_EQ(a.records.size(), 1000u);
  int reads = 0;
  for (size_t i = 0; i < a.records.size(); ++i) {
    EXPECT_EQ(a.records[i].nr, b.records[i].nr);
    reads += a.records[i].nr == SYS_read;
  }
  EXPECT_EQ(reads, 140);
  int same_as_previous = 0;  // interleaved, not in runs
  for (size_t i = 1; i < a.records.size(); ++i) {
    same_as_previous += a.records[i].nr == a.records[i - 1].nr;
  }
  EXPECT_LT(same_as_previous, 200);
  EXPECT_TRUE(LoadWorkload("hot", X86()).ok());
  EXPECT_FALSE(LoadWorkload("/nonexistent/trace", X86()).ok());
}

}  // namespace
}  // namespace sckit::bench
