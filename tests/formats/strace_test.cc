// strace output -> calls and records (formats/strace.h): every syntax strace writes.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/syscall.h>

#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "formats/strace.h"
#include "vm/arch.h"

namespace sckit {
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
  // 64 bits at most, both ways: past them a number once wrapped silently into a wrong value.
  EXPECT_TRUE(StraceArgValue("18446744073709551615", &v));
  EXPECT_EQ(v, UINT64_MAX);
  EXPECT_TRUE(StraceArgValue("0xffffffffffffffff", &v));
  EXPECT_EQ(v, UINT64_MAX);
  EXPECT_TRUE(StraceArgValue("-9223372036854775808", &v));
  EXPECT_EQ(v, uint64_t{1} << 63);
  EXPECT_FALSE(StraceArgValue("18446744073709551616", &v));
  EXPECT_FALSE(StraceArgValue("0x10000000000000001", &v));
  EXPECT_FALSE(StraceArgValue("02000000000000000000001", &v));
  EXPECT_FALSE(StraceArgValue("-9223372036854775809", &v));
  EXPECT_FALSE(StraceArgValue("1|0x10000000000000000", &v));
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


std::vector<TraceCall> Calls(const std::string& text, StraceStats* stats = nullptr,
                             const ConstantLookup& lookup = nullptr) {
  std::istringstream in(text);
  Result<std::vector<TraceCall>> r = ReadStraceCalls(in, X86(), stats, lookup);
  EXPECT_TRUE(r.ok()) << r.error().ToString();
  return r.ok() ? *r : std::vector<TraceCall>{};
}

// strace -f -o: a resumed call is one call at its first line, with the arguments of both
// halves; pids are kept; another pid's line in between stays in line order.
TEST(StraceReader, ResumedCallsAreJoinedPerPid) {
  StraceStats stats;
  const std::vector<TraceCall> c = Calls(
      "24245 close(3 <unfinished ...>\n"
      "24247 dup2(3, 0 <unfinished ...>\n"
      "24245 <... close resumed>)              = 0\n"
      "24247 <... dup2 resumed>)               = 0\n"
      "24245 wait4(-1,  <unfinished ...>\n"
      "24247 read(0,  <unfinished ...>\n"
      "24247 <... read resumed>\"a\\nb\"..., 16320) = 2109\n"
      "24245 <... wait4 resumed>NULL, WNOHANG, NULL) = 24247\n",
      &stats);
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0].name, "close");
  EXPECT_EQ(c[0].line, 1);
  EXPECT_EQ(c[0].pid, 24245);
  EXPECT_EQ(c[0].known_args, 0x1);
  EXPECT_EQ(c[1].name, "dup2");
  EXPECT_EQ(c[1].pid, 24247);
  EXPECT_EQ(c[1].record.args[1], 0u);
  EXPECT_EQ(c[1].known_args, 0x3);
  EXPECT_EQ(c[2].name, "wait4");
  EXPECT_EQ(c[2].line, 5);
  EXPECT_EQ(c[2].record.args[2], static_cast<uint64_t>(WNOHANG));  // from the resumed half
  EXPECT_EQ(c[2].known_args, 0xf);
  EXPECT_EQ(c[3].name, "read");
  EXPECT_EQ(c[3].line, 6);
  EXPECT_EQ(c[3].record.args[2], 16320u);
  EXPECT_EQ(c[3].pointer_args, 0x2);  // the buffer
  EXPECT_EQ(stats.resumed, 4);
  EXPECT_EQ(c[0].text, "24245 close(3 <unfinished ...>");
}

// A call never resumed (the process died in it) is still a call.
TEST(StraceReader, UnfinishedAtTheEnd) {
  const std::vector<TraceCall> c = Calls("7 exit_group(0 <unfinished ...>\n");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].record.nr, SYS_exit_group);
  EXPECT_EQ(c[0].known_args, 0x1);
}

// -e raw=all / -X raw: every argument is the register, printed in hex.
TEST(StraceReader, RawArguments) {
  const std::vector<TraceCall> c =
      Calls("mmap(0, 0x2000, 0x3, 0x22, 0xffffffff, 0) = 0x7ff72249d000\n"
            "24254 mmap(NULL, 8192, 0x3, 0x22, -1, 0) = 0x7f9be7a87000\n"
            "socket(0x2, 0x80801, 0) = 0x3\n");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].record.args[1], 0x2000u);
  EXPECT_EQ(c[0].record.args[2], 3u);
  EXPECT_EQ(c[0].record.args[4], 0xffffffffu);
  EXPECT_EQ(c[0].known_args, 0x3f);
  EXPECT_EQ(c[1].record.args[4], ~uint64_t{0});
  EXPECT_EQ(c[2].record.nr, SYS_socket);
  EXPECT_EQ(c[2].record.args[1], 0x80801u);
}

// -k: stack frames after each call are skipped; -ttt / -tt / -r stamps before it too.
TEST(StraceReader, StackLinesAndTimestamps) {
  StraceStats stats;
  const std::vector<TraceCall> c = Calls(
      "24254 brk(NULL)                         = 0x561cdf8e7000\n"
      " > /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2(_dl_catch_error+0x77c7) [0x1fc47]\n"
      " > /usr/lib/x86_64-linux-gnu/libc.so.6(__brk+0xb) [0xfc0eb]\n"
      "1796628061.441934 getpid() = 1\n"
      "12 07:00:01.123456 getuid() = 0\n"
      "     0.000123 geteuid() = 0\n",
      &stats);
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(stats.stack, 2);
  EXPECT_EQ(c[1].record.nr, SYS_getpid);
  EXPECT_EQ(c[1].pid, 0);
  EXPECT_EQ(c[2].record.nr, SYS_getuid);
  EXPECT_EQ(c[2].pid, 12);
  EXPECT_EQ(c[3].record.nr, SYS_geteuid);
}

// strace's personality notes (as strace 5.x/6.x prints them for a 32-bit program run from a
// 64-bit trace): that pid's calls are i386 (or x32) calls from then on, by i386's numbers.
TEST(StraceReader, PersonalityNotesChangeThePidsArch) {
  StraceStats stats;
  const std::vector<TraceCall> c = Calls(
      "500 execve(\"/tmp/s32\", [\"/tmp/s32\"], 0x7ffcbb089828 /* 37 vars */) = 0\n"
      "[ Process PID=500 runs in 32 bit mode. ]\n"
      "500 getpid()                                = 500\n"
      "501 getpid() = 501\n"
      "500 exit(0)                                 = ?\n"
      "501 [ Process PID=501 runs in x32 mode. ]\n"
      "501 read(0, \"\", 1) = 0\n",
      &stats);
  ASSERT_EQ(c.size(), 5u);
  EXPECT_EQ(stats.personality, 2);
  EXPECT_EQ(c[0].record.arch, kAuditArchX86_64);
  EXPECT_EQ(c[0].record.nr, SYS_execve);
  EXPECT_EQ(c[1].record.arch, FindArch("i386")->audit_arch);
  EXPECT_EQ(c[1].record.nr, 20);  // i386 getpid
  EXPECT_EQ(c[2].record.arch, kAuditArchX86_64);
  EXPECT_EQ(c[2].record.nr, SYS_getpid);
  EXPECT_EQ(c[3].record.nr, 1);  // i386 exit
  EXPECT_EQ(c[4].record.arch, kAuditArchX86_64);
  EXPECT_EQ(static_cast<uint32_t>(c[4].record.nr), kX32SyscallBit | 0u);  // x32 read
}

// clone's named arguments go to their registers (x86-64: flags, stack, parent, child, tls).
TEST(StraceReader, CloneNamedArguments) {
  const std::vector<TraceCall> c = Calls(
      "24245 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, "
      "child_tidptr=0x7fb5aa137a10) = 24246\n");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].record.args[0],
            static_cast<uint64_t>(CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | SIGCHLD));
  EXPECT_EQ(c[0].record.args[3], 0x7fb5aa137a10u);
  EXPECT_EQ(c[0].known_args, 0x0b);
  EXPECT_EQ(c[0].pointer_args, 0x08);
}

// Names the built-in table lacks come from the caller's lookup (sckit generate passes the
// rules language's table); without it they are unknown.
TEST(StraceReader, ConstantLookup) {
  const std::string line = "ioctl(1, TCGETS, {c_iflag=ICRNL}) = 0\n";
  EXPECT_EQ(Calls(line)[0].known_args, 0x1);
  const std::vector<TraceCall> c =
      Calls(line, nullptr, [](std::string_view n) -> std::optional<uint64_t> {
        if (n == "TCGETS") return 0x5401;
        return std::nullopt;
      });
  EXPECT_EQ(c[0].record.args[1], 0x5401u);
  EXPECT_EQ(c[0].known_args, 0x3);
}

// syscall_0x1c2: a number strace has no name for is taken as the number.
TEST(StraceReader, UnnamedNumbers) {
  const std::vector<TraceCall> c = Calls("syscall_0x1c2(0x1, 0x2) = -1 ENOSYS (Function not implemented)\n");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].record.nr, 0x1c2);
  EXPECT_EQ(c[0].record.args[1], 2u);
}

TEST(StraceReader, Errors) {
  std::istringstream none("+++ exited with 0 +++\n");
  Result<std::vector<TraceCall>> r = ReadStraceCalls(none, X86());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rule, "empty-trace");
  std::istringstream huge("getpid(" + std::string(kMaxTraceLine + 10, 'x') + ") = 1\n");
  r = ReadStraceCalls(huge, X86());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rule, "line-too-long");
  EXPECT_EQ(r.error().line, 1);
}

}  // namespace
}  // namespace sckit
