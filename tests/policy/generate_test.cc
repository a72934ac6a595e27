// sckit generate's library (policy/generate.h) on hand-made calls and on a recorded strace
// trace: the rules and constant names it writes, what the compiled filter then allows and
// denies (compiled here with the rules compiler, independently of the library's own check),
// argument modes, added rules, findings, arches, and the sourced tables' names.
#include "policy/generate.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "formats/strace.h"
#include "policy/rules_compile.h"
#include "policy/rules_constants.h"
#include "policy/rules_parser.h"
#include "policy/syscall_notes.h"
#include "verifier/verifier.h"
#include "vm/arch.h"
#include "vm/bpf.h"
#include "vm/interpreter.h"

namespace sckit::policy {
namespace {

TraceCall Call(const char* arch, const char* name, std::vector<uint64_t> args = {},
               uint8_t known = 0x3f, int64_t pid = 10) {
  TraceCall c;
  const ArchInfo& a = *FindArch(arch);
  c.record.arch = a.audit_arch;
  c.record.nr = *SyscallNumber(a, name);
  for (size_t i = 0; i < args.size(); ++i) c.record.args[i] = args[i];
  c.known_args = known;
  c.pid = pid;
  c.name = name;
  c.line = 1;
  return c;
}

// The policy compiled as its header says, by the rules compiler.
VerifiedProgram Compile(const GeneratedPolicy& g) {
  Result<Policy> p = ParsePolicyText(g.text, "test");
  EXPECT_TRUE(p.ok()) << p.error().ToString() << "\n" << g.text;
  ResolveOptions ro;
  for (const std::string& a : g.arches) ro.arches.push_back(FindArch(a));
  ro.kill_process = true;
  if (!g.default_action.empty()) ro.default_action = *ParseActionText(g.default_action);
  Result<CompiledPolicy> c = CompilePolicy(*p, ro);
  EXPECT_TRUE(c.ok()) << c.error().ToString();
  return *Verify(c->program);
}

uint32_t Ret(const VerifiedProgram& f, const TraceCall& c) { return RunFilter(f, c.record); }

GeneratedPolicy Generate(const std::vector<TraceCall>& calls, GenerateOptions o = {}) {
  Result<GeneratedPolicy> g = GeneratePolicy(calls, o);
  EXPECT_TRUE(g.ok()) << g.error().ToString();
  return g.ok() ? *g : GeneratedPolicy{};
}

bool Has(const GeneratedPolicy& g, const std::string& line) {
  return g.text.find("\n" + line + "\n") != std::string::npos;
}

TEST(Generate, FamiliesAreCheckedByName) {
  const std::vector<TraceCall> calls = {
      Call("x86_64", "socket", {AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0}),
      Call("x86_64", "socket", {AF_INET, SOCK_DGRAM, 0}),
      Call("x86_64", "socket", {AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0}),
      Call("x86_64", "ioctl", {1, TCGETS, 0x7ffd0000}),
      Call("x86_64", "mmap", {0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS}),
      Call("x86_64", "mprotect", {0x7f0000, 4096, PROT_READ}),
      Call("x86_64", "prctl", {PR_SET_NAME, 0x7ffd0000}),
      Call("x86_64", "read", {3, 0x7ffd0000, 10}),
  };
  const GeneratedPolicy g = Generate(calls);
  EXPECT_TRUE(Has(g, "socket: arg0 == AF_UNIX && arg1 == SOCK_STREAM|SOCK_CLOEXEC || \\\n"
                     "    arg0 == AF_INET && arg1 == SOCK_DGRAM")) << g.text;
  EXPECT_TRUE(Has(g, "ioctl: arg1 == TCGETS")) << g.text;
  EXPECT_TRUE(Has(g, "mmap: arg2 in PROT_READ|PROT_WRITE")) << g.text;
  EXPECT_TRUE(Has(g, "mprotect: arg2 in PROT_READ")) << g.text;
  EXPECT_TRUE(Has(g, "prctl: arg0 == PR_SET_NAME")) << g.text;
  EXPECT_TRUE(Has(g, "read: 1")) << g.text;  // fd, buffer, count: no family
  EXPECT_EQ(g.constrained, 5u);
  EXPECT_NE(g.text.find("# socket: 3 calls, pid 10"), std::string::npos);
  const VerifiedProgram f = Compile(g);
  for (const TraceCall& c : calls) EXPECT_EQ(Ret(f, c), seccomp::kRetAllow) << c.name;
  // What the trace did not justify is the default action.
  const uint32_t kill = seccomp::kRetKillProcess;
  EXPECT_EQ(Ret(f, Call("x86_64", "socket", {AF_PACKET, SOCK_RAW, 0})), kill);
  EXPECT_EQ(Ret(f, Call("x86_64", "socket", {AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0})), kill);
  EXPECT_EQ(Ret(f, Call("x86_64", "mprotect", {0, 4096, PROT_READ | PROT_EXEC})), kill);
  EXPECT_EQ(Ret(f, Call("x86_64", "mmap", {0, 4096, PROT_READ})), seccomp::kRetAllow);
  EXPECT_EQ(Ret(f, Call("x86_64", "ioctl", {1, TIOCSTI})), kill);
  EXPECT_EQ(Ret(f, Call("x86_64", "prctl", {PR_SET_SECCOMP})), kill);
  EXPECT_EQ(Ret(f, Call("x86_64", "getppid")), kill);
}

// An argument the trace does not show in every call is not checked (audit records, pointers
// strace decoded, unknown names).
TEST(Generate, UnknownValuesAreNotChecked) {
  const GeneratedPolicy g = Generate({Call("x86_64", "socket", {AF_INET, SOCK_DGRAM}, 0x3),
                                      Call("x86_64", "socket", {0, 0}, 0x0)});
  EXPECT_TRUE(Has(g, "socket: 1")) << g.text;
}

TEST(Generate, ArgsNoneAndAll) {
  const std::vector<TraceCall> calls = {Call("x86_64", "socket", {AF_INET, SOCK_DGRAM, 0}),
                                        Call("x86_64", "dup2", {3, 0})};
  GenerateOptions none;
  none.args = ArgMode::kNone;
  const GeneratedPolicy n = Generate(calls, none);
  EXPECT_TRUE(Has(n, "socket: 1")) << n.text;
  EXPECT_EQ(n.constrained, 0u);
  GenerateOptions all;
  all.args = ArgMode::kAll;
  const GeneratedPolicy a = Generate(calls, all);
  EXPECT_TRUE(Has(a, "dup2: arg0 == 3 && arg1 == 0 && arg2 == 0 && arg3 == 0 && arg4 == 0 && "
                     "arg5 == 0")) << a.text;
  const VerifiedProgram f = Compile(a);
  EXPECT_EQ(Ret(f, Call("x86_64", "dup2", {3, 0})), seccomp::kRetAllow);
  EXPECT_NE(Ret(f, Call("x86_64", "dup2", {3, 1})), seccomp::kRetAllow);
  // Addresses (pointer_args) are never checked, even with --args all.
  TraceCall w = Call("x86_64", "write", {1, 0x7ffd0000, 5});
  w.pointer_args = 0x2;
  const GeneratedPolicy p = Generate({w}, all);
  EXPECT_NE(p.text.find("write: arg0 == 1 && arg2 == 5 && arg3 == 0"), std::string::npos) << p.text;
}

TEST(Generate, CloneFlagsAndEscapeHatches) {
  const uint64_t fork_flags = CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | SIGCHLD;
  const GeneratedPolicy g = Generate({
      Call("x86_64", "clone", {fork_flags, 0, 0, 0x7f00, 0}),
      Call("x86_64", "unshare", {CLONE_NEWUSER | CLONE_NEWNS}),
      Call("x86_64", "ptrace", {0, 0}, 0x0),
  });
  EXPECT_TRUE(Has(g, "clone: arg0 in CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID|SIGCHLD")) << g.text;
  EXPECT_TRUE(Has(g, "unshare: arg0 in CLONE_NEWNS|CLONE_NEWUSER")) << g.text;
  std::vector<std::string> hatches;
  for (const Finding& f : g.findings) {
    if (f.kind == "escape-hatch") hatches.push_back(f.syscall);
  }
  EXPECT_EQ(hatches, (std::vector<std::string>{"ptrace", "unshare"}));
  EXPECT_NE(g.text.find("#   escape-hatch: ptrace is allowed without argument checks"),
            std::string::npos);
  const VerifiedProgram f = Compile(g);
  EXPECT_NE(Ret(f, Call("x86_64", "clone", {fork_flags | CLONE_NEWPID})), seccomp::kRetAllow);
  // A clone without CLONE_NEWUSER seen: no finding for it.
  const GeneratedPolicy plain = Generate({Call("x86_64", "clone", {fork_flags})});
  for (const Finding& f : plain.findings) EXPECT_NE(f.kind, "escape-hatch") << f.message;
}

// Runtime calls and ENOSYS for a newer call whose fallback the trace shows; the newer call's
// kernel version when it was used.
TEST(Generate, AddedRulesAndNewerSyscalls) {
  const GeneratedPolicy g = Generate({Call("x86_64", "clone", {SIGCHLD}),
                                      Call("x86_64", "openat2", {0, 0, 0, 24}, 0x9)});
  EXPECT_NE(g.text.find("\nrt_sigreturn: 1  # "), std::string::npos) << g.text;
  EXPECT_NE(g.text.find("\nexit_group: 1  # "), std::string::npos);
  EXPECT_NE(g.text.find("\nclone3: return ENOSYS  # Linux 5.3"), std::string::npos);
  bool newer = false;
  for (const Finding& f : g.findings) {
    newer |= f.kind == "newer-syscall" && f.syscall == "openat2" &&
             f.message.find("Linux 5.6") != std::string::npos &&
             f.message.find("openat, which this trace did not show") != std::string::npos;
  }
  EXPECT_TRUE(newer);
  const VerifiedProgram f = Compile(g);
  EXPECT_EQ(Ret(f, Call("x86_64", "clone3")), seccomp::kRetErrno | 38u);
  EXPECT_EQ(Ret(f, Call("x86_64", "rt_sigreturn")), seccomp::kRetAllow);
  GenerateOptions bare;
  bare.runtime_calls = false;
  bare.enosys_stubs = false;
  const GeneratedPolicy b = Generate({Call("x86_64", "clone", {SIGCHLD})}, bare);
  EXPECT_EQ(b.added, 0u);
  EXPECT_EQ(Ret(Compile(b), Call("x86_64", "clone3")), seccomp::kRetKillProcess);
}

// i386 and x32 calls in an x86_64 trace: the arches are compiled for, and each call allowed
// on its own arch only where a rule names it.
TEST(Generate, SeveralArches) {
  const std::vector<TraceCall> calls = {Call("x86_64", "getpid"), Call("i386", "getuid32"),
                                        Call("x32", "read", {0, 0, 1}, 0x5)};
  const GeneratedPolicy g = Generate(calls);
  EXPECT_EQ(g.arches, (std::vector<std::string>{"x86_64", "i386", "x32"}));
  EXPECT_NE(CompileArguments(g).find("--arch x86_64 --arch i386 --arch x32"), std::string::npos);
  const VerifiedProgram f = Compile(g);
  for (const TraceCall& c : calls) EXPECT_EQ(Ret(f, c), seccomp::kRetAllow) << c.name;
  EXPECT_NE(Ret(f, Call("i386", "getppid")), seccomp::kRetAllow);
  GenerateOptions only64;
  only64.arches = {FindArch("x86_64")};
  Result<GeneratedPolicy> r = GeneratePolicy(calls, only64);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rule, "unknown-arch");
}

// Comments never carry a line break: a command line or a process name with one would end the
// comment and start a rule.
TEST(Generate, CommentsStayComments) {
  TraceCall c = Call("x86_64", "getpid");
  c.process = "evil\nptrace: 1";
  GenerateOptions o;
  o.source = "command `python3 -c 'a\nmount: 1'`";
  const GeneratedPolicy g = Generate({c}, o);
  EXPECT_EQ(g.text.find("\nptrace"), std::string::npos) << g.text;
  EXPECT_EQ(g.text.find("\nmount"), std::string::npos) << g.text;
  EXPECT_NE(Ret(Compile(g), Call("x86_64", "ptrace")), seccomp::kRetAllow);
}

TEST(Generate, DefaultActionAndErrors) {
  GenerateOptions eperm;
  eperm.default_action = "return EPERM";
  const GeneratedPolicy g = Generate({Call("x86_64", "getpid")}, eperm);
  EXPECT_EQ(g.default_action, "return EPERM");
  EXPECT_EQ(g.text.find("@default"), std::string::npos);
  EXPECT_NE(CompileArguments(g).find("--default-action 'return EPERM'"), std::string::npos);
  EXPECT_EQ(Ret(Compile(g), Call("x86_64", "getppid")), seccomp::kRetErrno | 1u);
  GenerateOptions bad;
  bad.default_action = "explode";
  EXPECT_EQ(GeneratePolicy(std::vector<TraceCall>{Call("x86_64", "getpid")}, bad).error().rule,
            "bad-default-action");
  EXPECT_EQ(GeneratePolicy({}, {}).error().rule, "no-calls");
}

// Many combinations of values: the enumeration with the most values stops being checked.
TEST(Generate, TooManyCombinations) {
  std::vector<TraceCall> calls;
  for (uint64_t req = 0; req < 40; ++req) calls.push_back(Call("x86_64", "ioctl", {1, 0x5400 + req}));
  const GeneratedPolicy g = Generate(calls);
  EXPECT_TRUE(Has(g, "ioctl: 1")) << g.text;
  EXPECT_NE(g.text.find("arg1 (request) not checked: 40 different values"), std::string::npos);
}

// A trace recorded with strace 6.1 (sh -c 'ls | wc -l'): every call is allowed by the
// compiled policy, and the families strace decoded are checked.
TEST(Generate, RecordedStraceTrace) {
  std::ifstream in("fuzz/corpus/strace/sh-pipeline.txt");
  ASSERT_TRUE(in) << "seed trace missing";
  Result<std::vector<TraceCall>> calls =
      ReadStraceCalls(in, *FindArch("x86_64"), nullptr, LookupConstant);
  ASSERT_TRUE(calls.ok()) << calls.error().ToString();
  const GeneratedPolicy g = Generate(*calls);
  EXPECT_NE(g.text.find("\nmmap: arg2 in "), std::string::npos) << g.text;
  const VerifiedProgram f = Compile(g);
  for (const TraceCall& c : *calls) {
    EXPECT_EQ(Ret(f, c), seccomp::kRetAllow) << "line " << c.line << ": " << c.text;
  }
}

// The tables name calls libseccomp knows (a typo would silently never match).
TEST(SyscallNotes, NamesAreSyscalls) {
  auto known = [](std::string_view n) {
    for (const char* a : {"x86_64", "i386", "aarch64"}) {
      if (SyscallNumber(*FindArch(a), n)) return true;
    }
    return false;
  };
  for (const ArgFamily& f : ArgFamilies()) EXPECT_TRUE(known(f.syscall)) << f.syscall;
  for (const RuntimeCall& c : RuntimeCalls()) EXPECT_TRUE(known(c.syscall)) << c.syscall;
  for (const EscapeHatch& e : EscapeHatches()) EXPECT_TRUE(known(e.syscall)) << e.syscall;
  for (const NewerSyscall& n : NewerSyscalls()) {
    if (n.syscall != "fchmodat2") {  // named after libseccomp 2.5.4
      EXPECT_TRUE(known(n.syscall)) << n.syscall;
    }
    if (!n.fallback.empty()) {
      EXPECT_TRUE(known(n.fallback)) << n.fallback;
    }
  }
}

}  // namespace
}  // namespace sckit::policy
