// `sckit eval` and `sckit test` as the user sees them: CmdEval / CmdTest called in-process
// with their arguments, stdout and stderr captured.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/cli_capture.h"
#include "tools/command.h"
#include "vm/bpf.h"
#include "formats/codec.h"
#include "vm/program.h"
#include "vm/seccomp_data.h"

namespace sckit {
namespace {

using namespace bpf;  // NOLINT

using testing::CaptureCli;
using testing::CliRun;

using tools::CmdEval;
using tools::CmdTest;

std::string TmpPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

std::string WriteFile(const std::string& name, const std::string& bytes) {
  const std::string path = TmpPath(name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string WriteFilter(const std::string& name, std::vector<SockFilter> insns) {
  const std::vector<uint8_t> raw = EncodeRaw(Program{std::move(insns)});
  return WriteFile(name, std::string(raw.begin(), raw.end()));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// nr == 39 (getpid) -> ERRNO(1); nr == 1 -> TRAP(7); else ALLOW.
std::string GetpidErrno() {
  return WriteFilter("getpid_errno.bpf",
                     {Stmt(kLD | kW | kABS, 0), Jump(kJMP | kJEQ | kK, 39, 0, 1),
                      Stmt(kRET | kK, 0x00050001), Jump(kJMP | kJEQ | kK, 1, 0, 1),
                      Stmt(kRET | kK, 0x00030007), Stmt(kRET | kK, 0x7fff0000)});
}
std::string Constant(const std::string& name, uint32_t ret) {
  return WriteFilter(name, {Stmt(kRET | kK, ret)});
}

TEST(EvalCli, OneLinePerRecordInOrder) {
  const std::string f = GetpidErrno();
  const CliRun r = CaptureCli(CmdEval, {"--filter", f, "--data", "nr=getpid", "--data", "nr=read",
                                        "--data", "nr=1 ip=0x401000 a0=-1"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "arch=x86_64 nr=getpid(39) -> ERRNO(1) EPERM\n"
            "arch=x86_64 nr=read(0) -> ALLOW\n"
            "arch=x86_64 nr=write(1) ip=0x401000 a0=0xffffffffffffffff "
            "-> TRAP(7)\n");
}

TEST(EvalCli, EveryOutcomeSpelling) {
  struct Case {
    uint32_t ret;
    const char* outcome;
  };
  const Case cases[] = {
      {0x80000000, "KILL_PROCESS"}, {0x00000000, "KILL_THREAD"}, {0x00030002, "TRAP(2)"},
      {0x00051388, "ERRNO(4095)"},  {0x7fc00000, "ERRNO(38) ENOSYS"},
      {0x7ff00005, "ERRNO(38) ENOSYS"},
      {0x7ffc0000, "LOG"},          {0x7fff0000, "ALLOW"},       {0x10000000, "KILL_PROCESS"},
  };
  for (const Case& c : cases) {
    const CliRun r = CaptureCli(CmdEval, {"-f", Constant("c.bpf", c.ret), "-d", "nr=0"});
    EXPECT_EQ(r.out, std::string("arch=x86_64 nr=read(0) -> ") + c.outcome + "\n")
        << std::hex << c.ret;
  }
  // Context options.
  EXPECT_NE(CaptureCli(CmdEval, {"-f", Constant("t.bpf", 0x7ff00005), "-d", "nr=0", "--tracer"})
                .out.find("-> TRACE(5)"),
            std::string::npos);
  EXPECT_NE(CaptureCli(CmdEval, {"-f", Constant("n.bpf", 0x7fc00000), "-d", "nr=0", "--listener"})
                .out.find("-> USER_NOTIF"),
            std::string::npos);
  EXPECT_NE(CaptureCli(CmdEval, {"-f", Constant("n.bpf", 0x7fc00000), "--flags", "new_listener",
                                 "-d", "nr=0"})
                .out.find("-> USER_NOTIF"),
            std::string::npos);
}

TEST(EvalCli, JsonLines) {
  const std::string older = Constant("older.bpf", 0x00050002);
  const std::string newer = GetpidErrno();
  const CliRun r =
      CaptureCli(CmdEval, {"-f", older, "-f", newer, "-d", "nr=getpid", "-d", "nr=read", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const size_t nl = r.out.find('\n');
  ASSERT_NE(nl, std::string::npos);
  const std::string first = r.out.substr(0, nl);
  // ERRNO tie: the newest filter (index 1) wins with its data.
  EXPECT_EQ(first.rfind("{\"record\": \"arch=0xc000003e nr=39 ip=0x0 "
                        "args=0x0,0x0,0x0,0x0,0x0,0x0\", \"text\": \"arch=x86_64 nr=getpid(39)\", "
                        "\"arch_name\": \"x86_64\", \"syscall\": \"getpid\", \"engine\": "
                        "\"interp\", \"outcome\": \"ERRNO(1)\", \"errno_name\": \"EPERM\", "
                        "\"ret\": \"0x00050001\", \"action\": \"ERRNO\", \"data\": 1, "
                        "\"matched\": 1, \"filters\": [\"0x00050002\", \"0x00050001\"]",
                        0),
            0u)
      << first;
  const std::string second = r.out.substr(nl + 1);
  EXPECT_NE(second.find("\"outcome\": \"ERRNO(2)\", \"errno_name\": \"ENOENT\""),
            std::string::npos)
      << second;
  EXPECT_NE(second.find("\"data\": 2, \"matched\": 0"), std::string::npos) << second;

  // Allowed: the kernel has no match.
  const CliRun allowed = CaptureCli(CmdEval, {"-f", newer, "-d", "nr=read", "--json"});
  EXPECT_NE(allowed.out.find("\"outcome\": \"ALLOW\", \"errno_name\": null, \"ret\": "
                             "\"0x7fff0000\", \"action\": \"ALLOW\", \"data\": 0, "
                             "\"matched\": null, \"filters\": [\"0x7fff0000\"]"),
            std::string::npos)
      << allowed.out;
  // Passthrough: no filter ran.
  const CliRun pass =
      CaptureCli(CmdEval, {"-f", Constant("k.bpf", 0x80000000), "-d", "nr=335", "--json"});
  EXPECT_NE(pass.out.find("\"filters\": null"), std::string::npos) << pass.out;
  EXPECT_NE(pass.out.find("\"passthrough\": \"uretprobe\""), std::string::npos) << pass.out;
  // TRAP carries the SIGSYS fields.
  const CliRun trap = CaptureCli(CmdEval, {"-f", newer, "-d", "nr=1 ip=0x401002", "--json"});
  EXPECT_NE(trap.out.find("\"siginfo\": {\"si_signo\": 31, \"si_code\": 1, \"si_errno\": 7, "
                          "\"si_syscall\": 1, \"si_arch\": \"0xc000003e\", "
                          "\"si_call_addr\": \"0x401002\"}"),
            std::string::npos)
      << trap.out;
  EXPECT_NE(trap.out.find("\"signal\": 31, \"signal_name\": \"SIGSYS\""), std::string::npos)
      << trap.out;
}

TEST(EvalCli, TraceListsExecutedInstructions) {
  const CliRun r = CaptureCli(CmdEval, {"-f", GetpidErrno(), "-d", "nr=getpid", "--trace"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("-> ERRNO(1) EPERM\n"), std::string::npos);
  EXPECT_NE(r.out.find("-> 0x00050001 ERRNO"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("   0  ld [nr]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("A=0x00000027 X=0x00000000"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("   1  jeq #39 jt 2 jf 3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("   2  ret ERRNO(1)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("   3  "), std::string::npos) << r.out;  // not executed

  const CliRun div = CaptureCli(
      CmdEval,
      {"-f", WriteFilter("div.bpf", {Stmt(kALU | kDIV | kX, 0), Stmt(kRET | kK, 0x7fff0000)}), "-d",
       "nr=0", "--trace"});
  EXPECT_NE(div.out.find("-> KILL_THREAD"), std::string::npos) << div.out;
  EXPECT_NE(div.out.find("division by X == 0"), std::string::npos) << div.out;

  const CliRun json =
      CaptureCli(CmdEval, {"-f", GetpidErrno(), "-d", "nr=getpid", "--trace", "--json"});
  EXPECT_NE(json.out.find("\"trace\": [{\"filter\": 0, \"ret\": \"0x00050001\", \"steps\": "
                          "[{\"pc\": 0, \"insn\": \"ld [nr]\", \"A\": \"0x00000027\""),
            std::string::npos)
      << json.out;
}

TEST(EvalCli, VectorsTextAndBinaryStream) {
  const std::string f = GetpidErrno();
  const std::string text = WriteFile("v.txt", "# calls\nnr=getpid\n\nnr=read # comment\n");
  CliRun r = CaptureCli(CmdEval, {"-f", f, "--vectors", text});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "arch=x86_64 nr=getpid(39) -> ERRNO(1) EPERM\narch=x86_64 nr=read(0) -> ALLOW\n");

  SeccompData recs[3];
  for (int i = 0; i < 3; ++i) {
    recs[i].arch = 0xc000003e;
    recs[i].nr = i == 1 ? 39 : 0;
    recs[i].args[2] = 0x1122334455667788ull;
  }
  const std::string bin =
      WriteFile("v.bin", std::string(reinterpret_cast<const char*>(recs), sizeof recs));
  r = CaptureCli(CmdEval, {"-f", f, "--vectors", bin});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "arch=x86_64 nr=read(0) a2=0x1122334455667788 -> ALLOW\n"
            "arch=x86_64 nr=getpid(39) a2=0x1122334455667788 -> ERRNO(1) EPERM\n"
            "arch=x86_64 nr=read(0) a2=0x1122334455667788 -> ALLOW\n");
  // --full: the canonical fields, zeros included.
  r = CaptureCli(CmdEval, {"-f", f, "--vectors", bin, "--full"});
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')),
            "arch=x86_64 nr=read(0) ip=0x0 args=0x0,0x0,0x1122334455667788,0x0,0x0,0x0 -> ALLOW");
}

TEST(EvalCli, BadRecordsExit2WithLineAndToken) {
  const std::string f = GetpidErrno();
  const std::string text = WriteFile("bad.txt", "nr=1\n\nnr=2 frob=3\nnr=4\n");
  CliRun r = CaptureCli(CmdEval, {"-f", f, "--vectors", text});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("line 3"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("frob=3"), std::string::npos) << r.err;
  // Records before the bad line were already printed (streaming), none after it.
  EXPECT_NE(r.out.find("nr=write(1) "), std::string::npos);
  EXPECT_EQ(r.out.find("nr=stat(4) "), std::string::npos);

  r = CaptureCli(CmdEval, {"-f", f, "--data", "nr=bogus"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("nr=bogus"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  // --data patterns are counted before anything runs: past the cap nothing is printed.
  std::vector<std::string> big = {"-f", f};
  for (int i = 0; i < 5; ++i) {
    big.push_back("-d");
    big.push_back("nr=0-1023 a0=0-1023");  // 2^20 each, 5 * 2^20 > 2^22
  }
  r = CaptureCli(CmdEval, big);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("too-many-records"), std::string::npos) << r.err;
  r = CaptureCli(CmdEval,
                 {"-f", f, "-d", "nr=1-2 a0=5,6", "-d", "nr=getpid", "-d", "nr=0-1 a1=1-300"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 4 + 1 + 600) << r.err;
  EXPECT_EQ(r.out.rfind("arch=x86_64 nr=write(1) a0=0x5 -> TRAP(7)\n", 0), 0u) << r.out;

  const std::string trunc = WriteFile("t.bin", std::string(70, '\0'));
  r = CaptureCli(CmdEval, {"-f", f, "--vectors", trunc});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("truncated-record"), std::string::npos) << r.err;
}

TEST(EvalCli, RejectedFilterIsReportedLikeVerifyAndExits1) {
  const std::string bad = WriteFilter("bad.bpf", {Stmt(kLD | kW | kABS, 64),  // past seccomp_data
                                                  Stmt(kRET | kK, 0x7fff0000)});
  const CliRun r = CaptureCli(CmdEval, {"-f", bad, "-d", "nr=0"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find(bad + ": rejected: pc 0"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("EINVAL"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

// A file the loader already knows the kernel rejects (past BPF_MAXINSNS) is a verdict, exit 1,
// for eval and test as for verify.
TEST(EvalCli, OversizedFilterIsRejectedNotAUsageError) {
  std::string text;
  for (int i = 0; i < 4097; ++i) text += "ret ALLOW\n";
  const std::string big = WriteFile("big.s", text);
  for (const char* command : {"eval", "test"}) {
    const CliRun r =
        std::string(command) == "eval"
            ? CaptureCli(CmdEval, {"-f", big, "-d", "nr=0"})
            : CaptureCli(CmdTest, {"-f", big, WriteFile("one.cases", "nr=0 => ALLOW\n")});
    EXPECT_EQ(r.code, 1) << command << ": " << r.err;
    EXPECT_NE(r.err.find(big + ": rejected:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("too-many-instructions"), std::string::npos) << r.err;
  }
}

TEST(EvalCli, UsageErrors) {
  const std::string f = GetpidErrno();
  EXPECT_EQ(CaptureCli(CmdEval, {"-d", "nr=0"}).code, 2);  // no filter
  EXPECT_EQ(CaptureCli(CmdEval, {"-f", f}).code, 2);       // no input
  EXPECT_EQ(CaptureCli(CmdEval, {"-f", f, "-d", "nr=0", "--vectors", "-"}).code, 2);
  EXPECT_EQ(CaptureCli(CmdEval, {"-f", f, "-d", "nr=0", "--engine", "bogus"}).code, 2);
  EXPECT_EQ(CaptureCli(CmdEval, {"-f", f, "-d", "nr=0", "--kernel-version", "x"}).code, 2);
  EXPECT_EQ(CaptureCli(CmdEval, {"-f", TmpPath("missing.bpf"), "-d", "nr=0"}).code, 2);
  EXPECT_EQ(CaptureCli(CmdEval, {"--strict", "-f", f, "-d", "nr=0"}).code, 2);
  EXPECT_EQ(CaptureCli(CmdEval, {"--frobnicate"}).code, 2);
}

TEST(EvalCli, KernelVersionAndStrictMode) {
  const std::string kill = Constant("kill.bpf", 0x80000000);
  EXPECT_NE(CaptureCli(CmdEval, {"-f", kill, "-d", "nr=336"}).out.find("-> ALLOW"),
            std::string::npos);
  EXPECT_NE(CaptureCli(CmdEval, {"-f", kill, "-d", "nr=336", "--kernel-version", "6.17"})
                .out.find("-> KILL_PROCESS"),
            std::string::npos);
  const CliRun strict = CaptureCli(CmdEval, {"--strict", "-d", "nr=read", "-d", "nr=exit_group"});
  EXPECT_EQ(strict.out,
            "arch=x86_64 nr=read(0) -> ALLOW\narch=x86_64 nr=exit_group(231) -> KILL_THREAD\n");
}

TEST(TestCli, PassesFailuresAndSummary) {
  const std::string f = GetpidErrno();
  const std::string cases = WriteFile(
      "c.cases",
      "# comment\n"
      "nr=getpid => ERRNO(1)\n"
      "nr=getpid => ERRNO(EPERM)\n"
      "nr=read,2,3 => ALLOW\n"
      "arch=x86_64 nr=getpid => ALLOW\n"  // fails
      "nr=write => TRAP\n"
      "\n"
      "nr=write => KILL   # fails: it is TRAP(7)\n");
  const CliRun r = CaptureCli(CmdTest, {"-f", f, cases});
  EXPECT_EQ(r.code, 1);
  // The line as written, the record of it that failed, what was expected and what came.
  EXPECT_NE(r.out.find(cases + ":5: FAIL: arch=x86_64 nr=getpid => ALLOW\n"
                               "  record:   arch=x86_64 nr=getpid(39)\n"
                               "  expected: ALLOW\n"
                               "  got:      ERRNO(1) EPERM\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(cases + ":8: FAIL: nr=write => KILL   # fails: it is TRAP(7)\n"
                               "  record:   arch=x86_64 nr=write(1)\n"
                               "  expected: KILL\n"
                               "  got:      TRAP(7)\n"),
            std::string::npos)
      << r.out;
  EXPECT_TRUE(r.out.size() > 20 &&
              r.out.substr(r.out.size() - 20) == "\n6 passed, 2 failed\n")
      << r.out;
}

TEST(TestCli, AllPassingExitsZeroAndWritesJunit) {
  const std::string f = GetpidErrno();
  const std::string cases =
      WriteFile("ok.cases", "arch=x86_64,i386 nr=0,1 => !ERRNO\nnr=39 => ERRNO\n");
  const std::string junit = TmpPath("junit.xml");
  const CliRun r = CaptureCli(CmdTest, {"-f", f, cases, "--junit", junit});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "5 passed, 0 failed\n");
  const std::string xml = ReadFile(junit);
  EXPECT_NE(xml.find("<testsuites name=\"sckit test\" tests=\"5\" failures=\"0\">"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("name=\"line 2: arch=x86_64 nr=getpid(39) =&gt; ERRNO\""), std::string::npos)
      << xml;

  const std::string failing = WriteFile("bad.cases", "nr=39 => ALLOW\n");
  const CliRun f2 = CaptureCli(CmdTest, {"-f", f, failing, "--junit", junit});
  EXPECT_EQ(f2.code, 1);
  EXPECT_NE(ReadFile(junit).find("<failure message=\"expected ALLOW, got ERRNO(1) EPERM\"/>"),
            std::string::npos);
}

TEST(TestCli, MalformedCasesExit2) {
  const std::string f = GetpidErrno();
  CliRun r = CaptureCli(CmdTest, {"-f", f, WriteFile("m1.cases", "nr=1 => ALLOW\nnr=1 ALLOW\n")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("line 2"), std::string::npos) << r.err;
  r = CaptureCli(CmdTest, {"-f", f, WriteFile("m2.cases", "nr=1 => MAYBE\n")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("MAYBE"), std::string::npos) << r.err;
  r = CaptureCli(CmdTest, {"-f", f, WriteFile("m3.cases", "nr=1 zz=2 => ALLOW\n")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("zz=2"), std::string::npos) << r.err;
  EXPECT_EQ(CaptureCli(CmdTest, {"-f", f}).code, 2);  // no cases file
}

TEST(EvalCli, SyscallUserDispatchDecidesBeforeTheFilters) {
  const std::string f = GetpidErrno();
  const std::vector<std::string> base = {"-f", f, "--dispatch", "on", "--dispatch-region",
                                         "0x7f0000000000,0x1000"};
  auto with = [&](std::vector<std::string> more) {
    std::vector<std::string> a = base;
    a.insert(a.end(), more.begin(), more.end());
    return a;
  };
  CliRun r = CaptureCli(CmdEval,
                        with({"-d", "nr=getpid ip=0x7f0000000800", "-d", "nr=getpid ip=0x401000"}));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "arch=x86_64 nr=getpid(39) ip=0x7f0000000800 -> ERRNO(1) EPERM\n"
            "arch=x86_64 nr=getpid(39) ip=0x401000 -> DISPATCH_SIGSYS\n");
  r = CaptureCli(CmdEval, with({"--json", "-d", "nr=1 ip=0x401000"}));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"outcome\": \"DISPATCH_SIGSYS\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"ret\": null, \"action\": null"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"filters\": null"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"si_code\": 2, \"si_errno\": 0, \"si_syscall\": 1"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"dispatch\": \"dispatched\""), std::string::npos) << r.out;
  r = CaptureCli(CmdEval, with({"--dispatch-selector", "allow", "-d", "nr=getpid ip=0x401000"}));
  EXPECT_NE(r.out.find("-> ERRNO(1)"), std::string::npos) << r.out;
  r = CaptureCli(CmdEval, with({"--dispatch-selector", "2", "-d", "nr=getpid ip=0x401000"}));
  EXPECT_NE(r.out.find("-> KILL_PROCESS (syscall user dispatch: invalid-selector, signal SIGSYS)"),
            std::string::npos) << r.out;
}

TEST(EvalCli, BadDispatchConfigurationIsAUsageError) {
  const std::string f = GetpidErrno();
  for (const std::vector<std::string>& bad :
       std::vector<std::vector<std::string>>{
           {"--dispatch", "on", "--dispatch-region", "0x10,0xfffffffffffffff0"},
           {"--dispatch", "on", "--dispatch-region", "0x1000,0"},
           {"--dispatch", "inclusive", "--dispatch-region", "0,0"},
           {"--dispatch", "on", "--dispatch-region", "12"},
           {"--dispatch", "maybe"},
           {"--dispatch", "on", "--dispatch-selector", "300"},
           {"--dispatch-region", "0,4096"},
           {"--dispatch", "on", "--kernel-version", "5.10"},
           {"--dispatch", "on", "--dispatch-selector", "fault", "--engine", "kernel"},
           {"--dispatch", "on", "--dispatch-selector", "fault", "--engine", "all"}}) {
    std::vector<std::string> args = {"-f", f, "-d", "nr=read"};
    args.insert(args.end(), bad.begin(), bad.end());
    const CliRun r = CaptureCli(CmdEval, args);
    EXPECT_EQ(r.code, 2) << bad[1] << " " << r.out;
    EXPECT_NE(r.err.find("sckit eval:"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  const CliRun wrap = CaptureCli(CmdEval, {"-f", f, "-d", "nr=read", "--dispatch", "on",
                                           "--dispatch-region", "0x10,0xfffffffffffffff0"});
  EXPECT_NE(wrap.err.find("overflows"), std::string::npos) << wrap.err;
  EXPECT_NE(wrap.err.find("EINVAL"), std::string::npos) << wrap.err;
}

TEST(TestCli, CasesExpectDispatchSigsys) {
  const std::string f = GetpidErrno();
  const std::string cases = WriteFile("dispatch.cases",
                                      "nr=getpid ip=0x401000 => DISPATCH_SIGSYS\n"
                                      "nr=getpid ip=0x7f0000000010 => ERRNO(1)\n"
                                      "nr=read ip=0x401000 => !ALLOW\n"
                                      "nr=read ip=0x401000 => TRAP\n");
  const CliRun r = CaptureCli(
      CmdTest, {"-f", f, "--dispatch", "on", "--dispatch-region", "0x7f0000000000,0x1000", cases});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.out.find(":4: FAIL: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("got:      DISPATCH_SIGSYS"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3 passed, 1 failed"), std::string::npos) << r.out;
}

TEST(EvalCli, ActionsLoggedAndAvailModelAnotherKernel) {
  const std::string f = Constant("log.bpf", 0x7ffc0000);  // LOG for everything
  auto logged = [&](std::vector<std::string> more) {
    std::vector<std::string> a = {"-f", f, "-d", "nr=read", "--json"};
    a.insert(a.end(), more.begin(), more.end());
    const CliRun r = CaptureCli(CmdEval, a);
    EXPECT_EQ(r.code, 0) << r.err;
    return r.out;
  };
  EXPECT_NE(logged({"--actions-logged", "default"}).find("\"logged\": true"), std::string::npos);
  EXPECT_NE(logged({"--actions-logged", "kill_process errno"}).find("\"logged\": false"),
            std::string::npos);
  EXPECT_NE(logged({"--actions-logged", ""}).find("\"logged\": false"), std::string::npos);
  const std::string old_kernel = "kill_process kill_thread trap errno trace allow";
  const std::string out = logged({"--actions-avail", old_kernel});
  EXPECT_NE(out.find("\"outcome\": \"KILL_PROCESS\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"unavailable_action\": true"), std::string::npos) << out;
  const CliRun text =
      CaptureCli(CmdEval, {"-f", f, "-d", "nr=read", "--actions-avail", old_kernel});
  EXPECT_NE(text.out.find("-> KILL_PROCESS (log is not in actions_avail"), std::string::npos)
      << text.out;
  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
           {"--actions-logged", "log allow"}, {"--actions-logged", "logg"},
           {"--actions-avail", "kill"}}) {
    std::vector<std::string> a = {"-f", f, "-d", "nr=read"};
    a.insert(a.end(), bad.begin(), bad.end());
    const CliRun r = CaptureCli(CmdEval, a);
    EXPECT_EQ(r.code, 2) << bad[1];
    EXPECT_NE(r.err.find("--" + bad[0].substr(2) + ": "), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
}

}  // namespace
}  // namespace sckit

namespace sckit {
namespace {

// The JIT engine gives the same lines as the interpreter, record for record.
TEST(EvalCli, JitEngineAgreesWithTheInterpreter) {
  const std::string f = GetpidErrno();
  const std::vector<std::string> data = {"-d", "nr=getpid",    "-d", "nr=read",
                                         "-d", "nr=1 a0=5",    "-d", "arch=i386 nr=3",
                                         "-d", "nr=-1",        "-d", "nr=335"};
  std::vector<std::string> interp = {"-f", f};
  interp.insert(interp.end(), data.begin(), data.end());
  std::vector<std::string> jit = interp;
  jit.push_back("--engine");
  jit.push_back("jit");
  interp.push_back("--json");
  jit.push_back("--json");
  const CliRun a = CaptureCli(CmdEval, interp);
  const CliRun b = CaptureCli(CmdEval, jit);
  ASSERT_EQ(a.code, 0) << a.err;
  ASSERT_EQ(b.code, 0) << b.err;
  // The same shape and answers; only "engine" says which ran.
  std::string jit_as_interp = b.out;
  const std::string jit_engine = "\"engine\": \"jit\"";
  for (size_t at; (at = jit_as_interp.find(jit_engine)) != std::string::npos;) {
    jit_as_interp.replace(at, jit_engine.size(), "\"engine\": \"interp\"");
  }
  EXPECT_NE(jit_as_interp, b.out);
  EXPECT_EQ(a.out, jit_as_interp);
  EXPECT_NE(b.out.find("\"outcome\": \"ERRNO(1)\""), std::string::npos);
}

}  // namespace
}  // namespace sckit
