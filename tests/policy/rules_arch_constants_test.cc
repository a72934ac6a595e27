// Named constants per arch in sckit compile (issue 15): the same policy compiled for x86_64,
// aarch64, arm, i386 (and mipsel, ppc64le) compares each argument with the value that arch's
// headers give the name. The expected values below are read from the Linux 6.1 UAPI headers
// named beside each (and glibc 2.36 where glibc, not the kernel, defines the name); the tables
// under test are generated from Debian's cross headers, so these are an independent check.
// Also: a name on an arch sckit has no table for is refused at file:line:col; a named errno
// whose number differs between the arches is refused; the clang-evaluated x86_64 table agrees
// with the host compiler's; syscalls newer than libseccomp 2.5.4 resolve through vm/arch.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "policy/decompile.h"
#include "policy/rules_compile.h"
#include "policy/rules_constants.h"
#include "tests/policy/rules_test_util.h"
#include "vm/arch.h"
#include "vm/bpf.h"
#include "vm/names.h"

namespace sckit::policy {
namespace {

using testing::Arches;
using testing::MustParse;

constexpr uint32_t kAllow = seccomp::kRetAllow;

struct Expect {
  const char* arch;
  uint64_t value;
};

// Compiles `policy` (one rule `syscall: argN == NAME`) for `arch`; the filter must allow the
// call exactly when the argument is `value` (checked at the value and at x86_64's value).
void CheckValue(const std::string& syscall, int arg, const std::string& name, const Expect& e,
                uint64_t x86_value) {
  SCOPED_TRACE(name + " on " + e.arch);
  const std::string text = syscall + ": arg" + std::to_string(arg) + " == " + name + "\n";
  Policy p = MustParse(text);
  const ArchInfo* arch = FindArch(e.arch);
  ASSERT_NE(arch, nullptr);
  Result<ResolvedPolicy> r = ResolvePolicy(p, ResolveOptions{{arch}, std::nullopt, false});
  ASSERT_TRUE(r.ok()) << r.error().message;
  Result<Program> prog = GenerateFilter(*r);
  ASSERT_TRUE(prog.ok()) << prog.error().ToString();
  Result<VerifiedProgram> v = Verify(*prog);
  ASSERT_TRUE(v.ok());
  std::optional<int32_t> nr = SyscallNumber(*arch, syscall);
  ASSERT_TRUE(nr.has_value());
  SeccompData d;
  d.arch = arch->audit_arch;
  d.nr = *nr;
  d.args[arg] = e.value;
  EXPECT_EQ(RunFilter(*v, d), kAllow);
  if (x86_value != e.value) {
    d.args[arg] = x86_value;
    EXPECT_NE(RunFilter(*v, d), kAllow) << "x86_64's value " << x86_value << " accepted";
  }
}

struct Case {
  const char* syscall;
  int arg;
  const char* name;
  std::vector<Expect> expect;  // the first is x86_64
};

TEST(RulesArchConstants, ValuesDifferPerArchAsTheKernelHeadersSay) {
  const std::vector<Case> cases = {
      // include/uapi/asm-generic/fcntl.h: O_DIRECTORY 00200000, O_NOFOLLOW 00400000,
      // O_DIRECT 00040000; arch/arm64 and arch/arm uapi/asm/fcntl.h: 040000, 0100000, 0200000;
      // arch/powerpc/include/uapi/asm/fcntl.h: O_DIRECTORY 040000.
      {"openat", 2, "O_DIRECTORY",
       {{"x86_64", 0200000}, {"i386", 0200000}, {"aarch64", 040000}, {"arm", 040000},
        {"ppc64le", 040000}, {"mipsel", 0200000}}},
      {"openat", 2, "O_NOFOLLOW",
       {{"x86_64", 0400000}, {"i386", 0400000}, {"aarch64", 0100000}, {"arm", 0100000}}},
      {"openat", 2, "O_DIRECT",
       {{"x86_64", 040000}, {"i386", 040000}, {"aarch64", 0200000}, {"arm", 0200000}}},
      // O_LARGEFILE on 32-bit arches: asm-generic 00100000 (i386), arch/arm 0400000; mips
      // arch/mips/include/uapi/asm/fcntl.h 0x2000. (glibc defines it 0 on 64-bit arches.)
      {"openat", 2, "O_LARGEFILE", {{"x86_64", 0}, {"i386", 0100000}, {"arm", 0400000},
                                    {"mipsel", 0x2000}}},
      // include/uapi/asm-generic/ioctls.h: TCGETS 0x5401; arch/mips/include/uapi/asm/ioctls.h:
      // 0x540d; arch/powerpc/include/uapi/asm/ioctls.h: _IOR('t', 19, struct termios) with a
      // 44-byte termios = 0x402c7413.
      {"ioctl", 1, "TCGETS",
       {{"x86_64", 0x5401}, {"i386", 0x5401}, {"aarch64", 0x5401}, {"arm", 0x5401},
        {"mipsel", 0x540d}, {"ppc64le", 0x402c7413}}},
      // include/uapi/asm-generic/socket.h: SOL_SOCKET 1, SO_REUSEADDR 2;
      // arch/mips/include/uapi/asm/socket.h: SOL_SOCKET 0xffff, SO_REUSEADDR 0x0004.
      {"setsockopt", 1, "SOL_SOCKET", {{"x86_64", 1}, {"aarch64", 1}, {"mipsel64", 0xffff}}},
      {"setsockopt", 2, "SO_REUSEADDR", {{"x86_64", 2}, {"arm", 2}, {"mipsel64", 4}}},
      // include/uapi/asm-generic/mman-common.h: MAP_ANONYMOUS 0x20;
      // arch/mips/include/uapi/asm/mman.h: 0x0800.
      {"mmap", 3, "MAP_ANONYMOUS", {{"x86_64", 0x20}, {"aarch64", 0x20}, {"mipsel64", 0x800}}},
  };
  for (const Case& c : cases) {
    const uint64_t x86 = c.expect.front().value;
    for (const Expect& e : c.expect) {
      std::string syscall = c.syscall;
      if (syscall == "mmap" && FindArch(e.arch)->bits == 32) syscall = "mmap2";
      if (syscall == "setsockopt" && std::string(e.arch) == "i386") continue;  // socketcall
      CheckValue(syscall, c.arg, c.name, e, x86);
    }
  }
}

TEST(RulesArchConstants, OnePolicyForSeveralArchesUsesEachArchsValue) {
  Policy p = MustParse("openat: arg2 & O_DIRECTORY\n");
  Result<ResolvedPolicy> r =
      ResolvePolicy(p, ResolveOptions{Arches({"x86_64", "aarch64", "arm", "i386"}), std::nullopt, false});
  ASSERT_TRUE(r.ok()) << r.error().message;
  Result<Program> prog = GenerateFilter(*r);
  ASSERT_TRUE(prog.ok());
  Result<VerifiedProgram> v = Verify(*prog);
  ASSERT_TRUE(v.ok());
  const std::map<std::string, uint64_t> want = {
      {"x86_64", 0200000}, {"i386", 0200000}, {"aarch64", 040000}, {"arm", 040000}};
  for (const auto& [name, value] : want) {
    const ArchInfo* a = FindArch(name);
    SeccompData d;
    d.arch = a->audit_arch;
    d.nr = *SyscallNumber(*a, "openat");
    d.args[2] = value;
    EXPECT_EQ(RunFilter(*v, d), kAllow) << name;
    d.args[2] = value == 040000 ? 0200000 : 040000;  // the other family's bit
    EXPECT_NE(RunFilter(*v, d), kAllow) << name;
  }
}

TEST(RulesArchConstants, ArchWithoutTableRefusesNamesButTakesNumbers) {
  Policy p = MustParse("ioctl: arg1 == TCGETS\n");
  Result<ResolvedPolicy> r =
      ResolvePolicy(p, ResolveOptions{Arches({"parisc"}), std::nullopt, false});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("t.policy:1:16: constant 'TCGETS' on parisc: sckit has no "
                                    "constant table for parisc", 0), 0u)
      << r.error().message;
  Policy n = MustParse("ioctl: arg1 == 0x5401\n");
  EXPECT_TRUE(ResolvePolicy(n, ResolveOptions{Arches({"parisc"}), std::nullopt, false}).ok());
}

TEST(RulesArchConstants, NameMissingOnOneArchIsLocated) {
  // ARCH_SET_FS (asm/prctl.h) exists only on x86.
  Policy p = MustParse("arch_prctl: arg0 == ARCH_SET_FS\n");
  EXPECT_TRUE(ResolvePolicy(p, ResolveOptions{Arches({"x86_64"}), std::nullopt, false}).ok());
  Policy q = MustParse("prctl: arg0 == ARCH_SET_FS\n");
  Result<ResolvedPolicy> r = ResolvePolicy(q, ResolveOptions{Arches({"aarch64"}), std::nullopt, false});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "t.policy:1:16: constant 'ARCH_SET_FS' on aarch64: 'ARCH_SET_FS' "
                               "is not an integer constant of the aarch64 headers");
}

TEST(RulesArchConstants, NamedErrnoMustBeOneNumberOnEveryArch) {
  // ENOSYS: include/uapi/asm-generic/errno.h 38, arch/mips/include/uapi/asm/errno.h 89.
  Policy p = MustParse("read: return ENOSYS\n");
  Result<ResolvedPolicy> r =
      ResolvePolicy(p, ResolveOptions{Arches({"x86_64", "mipsel"}), std::nullopt, false});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "t.policy:1:14: errno 'ENOSYS' is 89 on mipsel but 38 on x86_64: write the number");
  EXPECT_TRUE(ResolvePolicy(p, ResolveOptions{Arches({"x86_64", "aarch64", "arm"}), std::nullopt,
                                              false}).ok());
  Policy n = MustParse("read: return 89\n");
  EXPECT_TRUE(ResolvePolicy(n, ResolveOptions{Arches({"mipsel"}), std::nullopt, false}).ok());
  // The arches with no constant table have their errno numbering too (vm/names.h, the table
  // the printers use): parisc's ENOSYS is its own; EPERM is 1 on every arch.
  Result<ResolvedPolicy> pa =
      ResolvePolicy(p, ResolveOptions{Arches({"parisc"}), std::nullopt, false});
  ASSERT_FALSE(pa.ok());
  EXPECT_EQ(pa.error().message,
            "t.policy:1:14: errno 'ENOSYS' is " +
                std::to_string(*ErrnoByName("ENOSYS", FindArch("parisc")->audit_arch)) +
                " on parisc but 38 on x86_64: write the number");
  Policy eperm = MustParse("read: return EPERM\n");
  EXPECT_TRUE(ResolvePolicy(eperm, ResolveOptions{Arches({"parisc", "sparc64", "alpha", "mipsel"}),
                                                  std::nullopt, false}).ok());
}

// The per-arch tables come from clang (gen_arch_constants.cc), the host table from the build's
// own compiler (gen_rules_constants.cc): on x86_64 both read the same headers and must agree.
TEST(RulesArchConstants, ClangX86TableAgreesWithHostTable) {
  size_t both = 0;
  for (std::string_view name : ConstantNames()) {
    const std::optional<uint64_t> host = LookupConstant(name);
    const ArchConstant clang = LookupArchConstant("x86_64", name);
    if (!host || !clang.value) continue;
    ++both;
    EXPECT_EQ(*host, *clang.value) << name;
  }
  EXPECT_GT(both, 2000u);
  const std::vector<std::string_view> tables = ArchConstantTables();
  for (const char* a : {"x86_64", "x32", "i386", "aarch64", "arm", "riscv64"}) {
    EXPECT_NE(std::find(tables.begin(), tables.end(), a), tables.end()) << a;
  }
}

// sckit decompile names a value by what the name means on that arch, so a filter compiled for
// x86_64 and aarch64 from `arg2 & O_DIRECTORY` (0200000 and 040000) decompiles to that one
// rule, and compiling it again is proven equal; errnos are named only where they agree.
TEST(RulesArchConstants, DecompileNamesValuesPerArch) {
  Policy p = MustParse("openat: arg2 & O_DIRECTORY\nread: 1\nwrite: return ENOSYS\n");
  Result<ResolvedPolicy> r =
      ResolvePolicy(p, ResolveOptions{Arches({"x86_64", "aarch64"}), std::nullopt, false});
  ASSERT_TRUE(r.ok());
  Result<Program> prog = GenerateFilter(*r);
  ASSERT_TRUE(prog.ok());
  Result<VerifiedProgram> v = Verify(*prog);
  ASSERT_TRUE(v.ok());
  Result<Decompiled> d = Decompile({&*v});
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_NE(d->text.find("openat: arg2 & O_DIRECTORY"), std::string::npos) << d->text;
  EXPECT_NE(d->text.find("write: return ENOSYS"), std::string::npos) << d->text;
  Result<RoundTrip> rt = ProveRoundTrip({&*v}, *d);
  ASSERT_TRUE(rt.ok()) << rt.error().ToString();
  EXPECT_TRUE(rt->equivalent && rt->exact);
}

// Syscall names come from vm/arch (libseccomp, and the generated names for numbers past
// libseccomp 2.5.4 another branch adds there): mseal (462 on x86_64 and aarch64 in
// arch/x86/entry/syscalls/syscall_64.tbl and include/uapi/asm-generic/unistd.h, Linux 6.10).
TEST(RulesArchConstants, NewerSyscallsResolveThroughVmArch) {
  for (const char* arch : {"x86_64", "aarch64"}) {
    const ArchInfo* a = FindArch(arch);
    if (!SyscallNumber(*a, "mseal")) {
      GTEST_SKIP() << "vm/arch does not know mseal yet (libseccomp 2.5.4; the generated names "
                      "for numbers 451+ are another branch's)";
    }
    Policy p = MustParse("mseal: 1\n");
    Result<ResolvedPolicy> r = ResolvePolicy(p, ResolveOptions{{a}, std::nullopt, false});
    ASSERT_TRUE(r.ok()) << r.error().message;
    Result<Program> prog = GenerateFilter(*r);
    ASSERT_TRUE(prog.ok());
    Result<VerifiedProgram> v = Verify(*prog);
    ASSERT_TRUE(v.ok());
    SeccompData d;
    d.arch = a->audit_arch;
    d.nr = 462;
    EXPECT_EQ(RunFilter(*v, d), kAllow) << arch;
  }
}

}  // namespace
}  // namespace sckit::policy
