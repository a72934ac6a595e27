// Regression tests from running real policies (Chrome OS platform2, Android) through
// `sckit compile`: constructs those policies use that minijail accepts and sckit refused. Each
// expected value is a fact of the kernel headers (read again here where the system has them),
// never what sckit printed.
#include <gtest/gtest.h>

#include <linux/fd.h>

#include <fstream>
#include <map>
#include <regex>
#include <string>

#include "policy/decompile.h"
#include "tests/policy/rules_test_util.h"

namespace sckit::policy {
namespace {

using testing::Arches;
using testing::MustParse;

// The action the compiled policy gives (arch, nr) with zero arguments.
uint32_t RetFor(const std::string& text, const char* arch, uint32_t audit, uint32_t nr,
                uint64_t arg1 = 0, uint64_t arg2 = 0) {
  Policy p = MustParse(text);
  Result<CompiledPolicy> c = CompilePolicy(p, ResolveOptions{Arches({arch}), std::nullopt, false});
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
  if (!c.ok()) return 0;
  Result<VerifiedProgram> v = Verify(c->program);
  EXPECT_TRUE(v.ok());
  if (!v.ok()) return 0;
  SeccompData d;
  d.arch = audit;
  d.nr = static_cast<int32_t>(nr);
  d.args[1] = arg1;
  d.args[2] = arg2;
  return RunFilter(*v, d);
}

std::string ResolveError(const std::string& text, const char* arch) {
  Result<ResolvedPolicy> r =
      ResolvePolicy(MustParse(text), ResolveOptions{Arches({arch}), std::nullopt, false});
  return r.ok() ? "" : r.error().message;
}

// `#define __NR_name number` lines of a kernel unistd header (plain decimal numbers only).
std::map<std::string, int32_t> HeaderNumbers(const std::string& path) {
  std::map<std::string, int32_t> out;
  std::ifstream in(path);
  const std::regex define(R"(^#define __NR_([a-z0-9_]+)\s+([0-9]+)\s*$)");
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, define)) out[m[1]] = std::stoi(m[2]);
  }
  return out;
}

// minijail's syscall table comes from the kernel headers, so `recvmsg: 1` on i386 is 372, the
// direct call, although libseccomp resolves the name to socketcall's pseudo number. Every name
// libseccomp multiplexes must get the header's number (Android's crash_dump.x86.policy, which
// every x86 media policy includes, has `recvmsg: 1`).
TEST(RulesRealWorld, MultiplexedCallsTakeTheKernelsOwnNumber) {
  struct Case {
    const char* arch;
    const char* header;
  };
  const Case cases[] = {{"i386", "/usr/include/x86_64-linux-gnu/asm/unistd_32.h"},
                        {"s390x", "/usr/s390x-linux-gnu/include/asm/unistd_64.h"},
                        {"ppc64le", "/usr/powerpc64le-linux-gnu/include/asm/unistd_64.h"}};
  int checked = 0;
  for (const Case& c : cases) {
    const std::map<std::string, int32_t> header = HeaderNumbers(c.header);
    if (header.empty()) {
      ASSERT_STRNE(c.arch, "i386") << "no " << c.header;  // the host's own headers must be there
      continue;
    }
    const ArchInfo& arch = *FindArch(c.arch);
    int multiplexed = 0;
    for (const auto& [name, nr] : header) {
      if (SyscallNumber(arch, name)) continue;  // libseccomp has the number itself
      std::optional<int32_t> got = PolicySyscallNumber(arch, name);
      ASSERT_TRUE(got) << c.arch << " " << name;
      EXPECT_EQ(*got, nr) << c.arch << " " << name;
      ++multiplexed;
    }
    EXPECT_GE(multiplexed, 20) << c.arch;  // socket, bind, ..., recvmsg, shmget, msgrcv, ...
    ++checked;
  }
  EXPECT_GE(checked, 1);
  // Compiled: the direct call is allowed; socketcall (102) is not covered, as in minijail.
  EXPECT_EQ(RetFor("recvmsg: 1\n", "i386", kAuditArchI386, 372), seccomp::kRetAllow);
  EXPECT_EQ(RetFor("recvmsg: 1\n", "i386", kAuditArchI386, 102), seccomp::kRetKillThread);
  // A name with no number of its own on the arch stays unknown (open on aarch64).
  EXPECT_FALSE(PolicySyscallNumber(*FindArch("aarch64"), "open"));
}

// minijail's gen_syscalls.sh names the ARM-private calls __ARM_NR_x "ARM_x"; Chrome OS's arm
// policies say `ARM_set_tls: 1`. arch/arm/include/uapi/asm/unistd.h: __ARM_NR_BASE 0x0f0000,
// set_tls BASE+5, cacheflush BASE+2.
TEST(RulesRealWorld, ArmPrivateCallsByMinijailsNames) {
  constexpr uint32_t kAuditArchArm = 0x40000028u;
  EXPECT_EQ(RetFor("ARM_set_tls: 1\n", "arm", kAuditArchArm, 0x0f0005), seccomp::kRetAllow);
  EXPECT_EQ(RetFor("ARM_cacheflush: 1\n", "arm", kAuditArchArm, 0x0f0002), seccomp::kRetAllow);
  EXPECT_EQ(RetFor("ARM_set_tls: 1\n", "arm", kAuditArchArm, 0x0f0002), seccomp::kRetKillThread);
  // Only arm has them, and only the private ones take the prefix.
  EXPECT_NE(ResolveError("ARM_set_tls: 1\n", "aarch64").find("unknown syscall 'ARM_set_tls'"),
            std::string::npos);
  EXPECT_NE(ResolveError("ARM_read: 1\n", "arm").find("unknown syscall 'ARM_read'"),
            std::string::npos);
}

// Docker's and Podman's profiles allow arm's cacheflush and set_tls: decompiling such a filter
// states them (by libseccomp's names, which the compiler reads back), so the round trip is
// proven, not left inexact.
TEST(RulesRealWorld, ArmPrivateCallsRoundTripThroughDecompile) {
  Result<CompiledPolicy> c = CompilePolicy(MustParse("ARM_set_tls: 1\nARM_cacheflush: 1\n"
                                                     "read: 1\n"),
                                           ResolveOptions{Arches({"arm"}), std::nullopt, false});
  ASSERT_TRUE(c.ok()) << c.error().message;
  Result<VerifiedProgram> v = Verify(c->program);
  ASSERT_TRUE(v.ok());
  const std::vector<const VerifiedProgram*> stack{&*v};
  Result<Decompiled> d = Decompile(stack);
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_NE(d->text.find("set_tls"), std::string::npos) << d->text;
  Result<RoundTrip> r = ProveRoundTrip(stack, *d);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->exact);
  EXPECT_TRUE(r->equivalent) << d->text;
}

// OpenSSH's sandbox filter tests a 64-bit argument low word first, then the high word: the
// allowed values are statable (arg2 == 67) while the killed ones are not (a low word alone).
// The decompiler states the one and leaves the other to the rest, and the round trip is proven.
TEST(RulesRealWorld, DecompileStatesAllowedWhenOnlyTheRestIsInexpressible) {
  Program p;
  p.insns = {Stmt(0x20, 4),                     // ld [arch]
             Jump(0x15, kAuditArchX86_64, 0, 7),  // jeq x86_64, else kill
             Stmt(0x20, 0),                     // ld [nr]
             Jump(0x15, 54, 0, 4),              // setsockopt? else allow
             Stmt(0x20, 16 + 2 * 8),            // ld [args[2].lo]
             Jump(0x15, 67, 0, 3),
             Stmt(0x20, 16 + 2 * 8 + 4),        // ld [args[2].hi]
             Jump(0x15, 0, 0, 1),
             Stmt(0x06, seccomp::kRetAllow),
             Stmt(0x06, seccomp::kRetKillProcess)};
  Result<VerifiedProgram> v = Verify(p);
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  const std::vector<const VerifiedProgram*> stack{&*v};
  Result<Decompiled> d = Decompile(stack);
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_NE(d->text.find("setsockopt: arg2 == 67"), std::string::npos) << d->text;
  Result<RoundTrip> r = ProveRoundTrip(stack, *d);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->exact);
  EXPECT_TRUE(r->equivalent) << d->text;
}

// Chrome OS's cros_healthd allows ioctl for a list of 83 request values: the decompiler states
// such a list (each value its own clause) and the round trip is proven.
TEST(RulesRealWorld, DecompileStatesLongValueLists) {
  std::string text = "ioctl: ";
  for (int i = 0; i < 100; ++i) {
    text += (i ? " || " : "") + std::string("arg1 == ") + std::to_string(3 * i + 1);
  }
  Result<CompiledPolicy> c = CompilePolicy(MustParse(text + "\n"),
                                           ResolveOptions{Arches({"x86_64"}), std::nullopt, false});
  ASSERT_TRUE(c.ok()) << c.error().message;
  Result<VerifiedProgram> v = Verify(c->program);
  ASSERT_TRUE(v.ok());
  const std::vector<const VerifiedProgram*> stack{&*v};
  Result<Decompiled> d = Decompile(stack);
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_TRUE(d->inexpressible.empty()) << d->inexpressible.front().reason;
  Result<RoundTrip> r = ProveRoundTrip(stack, *d);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->exact);
  EXPECT_TRUE(r->equivalent) << d->text;
}

// Chrome OS policies allow `madvise: arg2 == MADV_GUARD_INSTALL` (Linux 6.13, newer than
// Debian 12's headers): include/uapi/asm-generic/mman-common.h defines it as 102,
// MADV_GUARD_REMOVE as 103, on every arch.
TEST(RulesRealWorld, ConstantsNewerThanTheHeaders) {
  const std::string text = "madvise: arg2 == MADV_GUARD_INSTALL || arg2 == MADV_GUARD_REMOVE\n";
  const struct {
    const char* arch;
    uint32_t audit;
  } arches[] = {{"x86_64", kAuditArchX86_64}, {"aarch64", kAuditArchAarch64}};
  for (const auto& a : arches) {
    const int32_t madvise = *SyscallNumber(*FindArch(a.arch), "madvise");
    EXPECT_EQ(RetFor(text, a.arch, a.audit, madvise, 0, 102), seccomp::kRetAllow) << a.arch;
    EXPECT_EQ(RetFor(text, a.arch, a.audit, madvise, 0, 103), seccomp::kRetAllow) << a.arch;
    EXPECT_EQ(RetFor(text, a.arch, a.audit, madvise, 0, 101), seccomp::kRetKillThread) << a.arch;
  }
}

// minijail's constant table includes <linux/fd.h> (Chrome OS's os_install_service policy
// allows `ioctl: arg1 == FDGETFDCSTAT`); the value is the compiler's, from the same header.
TEST(RulesRealWorld, FloppyIoctlsFromLinuxFdH) {
  const std::string text = "ioctl: arg1 == FDGETFDCSTAT\n";
  const int32_t ioctl = *SyscallNumber(*FindArch("x86_64"), "ioctl");
  EXPECT_EQ(RetFor(text, "x86_64", kAuditArchX86_64, ioctl, FDGETFDCSTAT), seccomp::kRetAllow);
  EXPECT_EQ(RetFor(text, "x86_64", kAuditArchX86_64, ioctl, FDGETFDCSTAT + 1),
            seccomp::kRetKillThread);
}

// Android's media policies name a call twice (`futex: 1` in the policy and in the crash_dump
// policy it includes); Android's libminijail is built with ALLOW_DUPLICATE_SYSCALLS, whose C
// parser emits a linear program where the first statement for a call decides it.
TEST(RulesRealWorld, DuplicateStatementsAsAndroidsMinijail) {
  const std::string text = "read: arg0 == 0\nwrite: 1\nread: 1\nwrite: arg0 == 1\n";
  // Default (minijail's Python compiler): a statement after an unconditional one is an error.
  EXPECT_NE(testing::ParseErrorOf(text).find("already has an unconditional action"),
            std::string::npos);
  ParseOptions dup;
  dup.allow_duplicate_syscalls = true;
  Policy p = MustParse(text, dup);
  ASSERT_EQ(p.warnings.size(), 2u);
  EXPECT_EQ(p.warnings[0].rfind("t.policy:3:1: 'read' is already given at t.policy:1:", 0), 0u)
      << p.warnings[0];
  Result<CompiledPolicy> c = CompilePolicy(p, ResolveOptions{Arches({"x86_64"}), std::nullopt,
                                                             false});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->warnings.size(), 2u);  // passed on to the command's warnings
  Result<VerifiedProgram> v = Verify(c->program);
  ASSERT_TRUE(v.ok());
  auto ret = [&](const char* name, uint64_t arg0) {
    SeccompData d;
    d.arch = kAuditArchX86_64;
    d.nr = *SyscallNumber(*FindArch("x86_64"), name);
    d.args[0] = arg0;
    return RunFilter(*v, d);
  };
  // The first statement decides: read with arg0 != 0 is killed although `read: 1` follows.
  EXPECT_EQ(ret("read", 0), seccomp::kRetAllow);
  EXPECT_EQ(ret("read", 5), seccomp::kRetKillThread);
  EXPECT_EQ(ret("write", 7), seccomp::kRetAllow);
  // Two statements with conditions: the C parser's duplicate label, refused at the second.
  const std::string err = testing::ParseErrorOf("read: arg0 == 0\nread: arg0 == 1\n", dup);
  EXPECT_EQ(err.rfind("t.policy:2:1: 'read' is given again with a condition", 0), 0u) << err;
}

}  // namespace
}  // namespace sckit::policy
