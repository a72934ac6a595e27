// minijail's statement metadata in sckit compile (issue 15): `name[arch=a,b; key=v]` (its
// Python compiler's parser.py: a statement whose names' arch lists leave out the arch being
// compiled is dropped there; other keys are read and ignored; a key twice is an error), with
// minijail's arch names (x86_64, x86, arm64, arm, riscv64, loong64) and sckit's. One policy
// compiled for several arches applies each statement on its arches only, as the compiler and
// the reference evaluator agree on records. Syscall groups (`name@namespace`) are refused at
// their location: minijail has no group data.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "policy/rules_compile.h"
#include "tests/policy/rules_test_util.h"
#include "vm/bpf.h"

namespace sckit::policy {
namespace {

using testing::Arches;
using testing::CompareWithReference;
using testing::Describe;
using testing::MustParse;
using testing::ParseErrorOf;

constexpr uint32_t kAllow = seccomp::kRetAllow;
constexpr uint32_t kKillThread = seccomp::kRetKillThread;

struct Compiled {
  Policy policy;
  ResolvedPolicy resolved;
  std::optional<VerifiedProgram> program;
};

std::unique_ptr<Compiled> Compile(const std::string& text, std::vector<const ArchInfo*> arches) {
  auto c = std::make_unique<Compiled>();
  c->policy = MustParse(text);
  Result<ResolvedPolicy> r = ResolvePolicy(c->policy, ResolveOptions{arches, std::nullopt, false});
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  if (!r.ok()) return nullptr;
  c->resolved = *r;
  Result<Program> p = GenerateFilter(c->resolved);
  EXPECT_TRUE(p.ok());
  if (!p.ok()) return nullptr;
  Result<VerifiedProgram> v = Verify(*p);
  EXPECT_TRUE(v.ok());
  c->program = *v;
  return c;
}

uint32_t Outcome(const Compiled& c, const char* arch, const char* syscall, uint64_t arg0 = 0) {
  const ArchInfo* a = FindArch(arch);
  SeccompData d;
  d.arch = a->audit_arch;
  d.nr = *SyscallNumber(*a, syscall);
  d.args[0] = arg0;
  return RunFilter(*c.program, d);
}

const char kPolicy[] =
    "read: 1\n"
    "ioctl[arch=x86_64]: return 2\n"
    "ioctl[arch=arm64,arm]: return 3\n"
    "ioctl[arch=x86]: arg0 == 1\n"
    "{close[arch=x86], write}: 1\n"
    "getpid[arch=riscv64; owner=someone]: 1\n";

TEST(RulesMetadata, StatementsApplyOnTheirArchesOnly) {
  auto c = Compile(kPolicy, Arches({"x86_64", "aarch64", "arm", "i386"}));
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Outcome(*c, "x86_64", "ioctl"), seccomp::kRetErrno | 2);
  EXPECT_EQ(Outcome(*c, "aarch64", "ioctl"), seccomp::kRetErrno | 3);
  EXPECT_EQ(Outcome(*c, "arm", "ioctl"), seccomp::kRetErrno | 3);
  EXPECT_EQ(Outcome(*c, "i386", "ioctl", 1), kAllow);
  EXPECT_EQ(Outcome(*c, "i386", "ioctl", 2), kKillThread);  // no other ioctl statement on x86
  // close only on x86 (i386); write everywhere; getpid only on riscv64 (not compiled here).
  EXPECT_EQ(Outcome(*c, "i386", "close"), kAllow);
  EXPECT_EQ(Outcome(*c, "x86_64", "close"), kKillThread);
  EXPECT_EQ(Outcome(*c, "aarch64", "close"), kKillThread);
  for (const char* a : {"x86_64", "aarch64", "arm", "i386"}) {
    EXPECT_EQ(Outcome(*c, a, "write"), kAllow) << a;
    EXPECT_EQ(Outcome(*c, a, "getpid"), kKillThread) << a;
    EXPECT_EQ(Outcome(*c, a, "read"), kAllow) << a;
  }
  EXPECT_TRUE(CompareWithReference(c->resolved, c->program->original(), 20, 1).empty());
}

TEST(RulesMetadata, MinijailAndSckitArchNamesAndX32) {
  // x86_64 takes x32 along (one AUDIT_ARCH: minijail compiles them as one arch).
  auto c = Compile("ioctl[arch=x86_64]: return 2\nioctl[arch=aarch64]: return 3\n",
                   Arches({"x86_64", "x32", "aarch64"}));
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Outcome(*c, "x32", "ioctl"), seccomp::kRetErrno | 2);
  EXPECT_EQ(Outcome(*c, "aarch64", "ioctl"), seccomp::kRetErrno | 3);
  auto l = Compile("getpid[arch=riscv64]: 1\ngetppid[arch=x86]: 1\n",
                   Arches({"i386", "riscv64"}));
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(Outcome(*l, "riscv64", "getpid"), kAllow);
  EXPECT_EQ(Outcome(*l, "riscv64", "getppid"), kKillThread);
  EXPECT_EQ(Outcome(*l, "i386", "getppid"), kAllow);
  EXPECT_EQ(Outcome(*l, "i386", "getpid"), kKillThread);
  // loong64 is minijail's name of loongarch64 (libseccomp 2.5.4 has no table to compile it).
  Policy p = MustParse("getpid[arch=loong64,arm64,x86]: 1\n");
  EXPECT_EQ(p.rules[0].filters[0].arches, (ArchSet{"loongarch64", "aarch64", "i386"}));
}

TEST(RulesMetadata, ANameOfOtherArchesOnlyIsNoError) {
  // mmap2 does not exist on x86_64; for arm only, it is never looked up there.
  auto c = Compile("mmap2[arch=arm]: 1\nread: 1\n", Arches({"x86_64"}));
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Outcome(*c, "x86_64", "read"), kAllow);
  // Disjoint unconditional statements for one name are fine; overlapping ones are not.
  EXPECT_EQ(ParseErrorOf("read[arch=arm64]: 1\nread[arch=x86_64]: arg0 == 1\n"), "");
  EXPECT_EQ(ParseErrorOf("read[arch=x86_64]: 1\nread: arg0 == 1\n"),
            "t.policy:2:7: 'read' already has an unconditional action (from t.policy:1:20); "
            "this rule would never apply");
}

TEST(RulesMetadata, Errors) {
  EXPECT_EQ(ParseErrorOf("read[arch=vax]: 1\n"), "t.policy:1:11: unknown arch 'vax'");
  EXPECT_EQ(ParseErrorOf("read[arch=x86_64; arch=arm]: 1\n"),
            "t.policy:1:19: metadata key 'arch' given twice");
  EXPECT_EQ(ParseErrorOf("read[arch=x86_64: 1\n"),
            "t.policy:1:17: expected ']' to close the '[' at column 5, found ':'");
  EXPECT_EQ(ParseErrorOf("read[arch]: 1\n"), "t.policy:1:10: expected '=' after 'arch', found ']'");
  EXPECT_EQ(ParseErrorOf("read[=x86_64]: 1\n"), "t.policy:1:6: expected a metadata key, found '='");
  EXPECT_EQ(ParseErrorOf("read[arch=]: 1\n"), "t.policy:1:11: expected a value, found ']'");
  const std::string group = ParseErrorOf("file@libc: 1\n");
  EXPECT_EQ(group.rfind("t.policy:1:1: 'file@libc' is a syscall group (name@namespace)", 0), 0u)
      << group;
}

TEST(RulesMetadata, FrequencyFilesTakeMetadataToo) {
  ParseOptions o;
  o.read_file = [](const std::string& path) -> Result<std::string> {
    if (path == "f.frequency") return std::string("read[arch=arm64]: 100\nwrite: 5\n");
    return MakeError("io", "no such file");
  };
  Result<Policy> p = ParsePolicyText("@frequency ./f.frequency\nread: 1\nwrite: 1\n", "t.policy", o);
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_EQ(p->frequencies.size(), 2u);
  EXPECT_EQ(p->frequencies[0].arches, (ArchSet{"aarch64"}));
  Result<ResolvedPolicy> r = ResolvePolicy(*p, ResolveOptions{Arches({"x86_64", "aarch64"}),
                                                              std::nullopt, false});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->groups[0].frequency.count(0), 0u);  // read on x86_64: no count
  EXPECT_EQ(r->groups[1].frequency.at(63), 100u);  // read on aarch64
}

}  // namespace
}  // namespace sckit::policy
