// The bundled Docker and Podman default profiles, compiled with libseccomp as runc/crun do and
// run through sckit's interpreter, against the OCI semantics modelled in policy_test_util.h:
// every syscall the profile names, on x86_64, i386 and x32, plus argument samples around
// every condition; then the behaviours people ask about (ptrace, personality, clone, socket),
// and golden facts of the generated filter (size, arch checks, x32).
#include <gtest/gtest.h>
#include <seccomp.h>

#include <algorithm>
#include <set>
#include <string>

#include "policy/compile.h"
#include "policy/oci.h"
#include "tests/policy_test_util.h"
#include "vm/bpf.h"
#include "vm/arch.h"

namespace sckit::policy {
namespace {

using testing::Filter;
using testing::ModelOutcome;
using testing::ReadText;
using testing::SampleValues;

constexpr uint32_t kAllow = 0x7fff0000u;
constexpr uint32_t kEperm = 0x00050001u;
constexpr uint32_t kEnosys = 0x00050026u;
constexpr uint32_t kKillThread = 0x00000000u;

const std::string kDocker = "examples/profiles/docker-default.json";
const std::string kPodman = "examples/profiles/podman-default.json";

ImportOptions Options(std::vector<std::string> caps, std::string kernel = "6.1",
                      std::vector<std::string> arches = {"x86_64"}) {
  ImportOptions o;
  o.arches = std::move(arches);
  o.caps = std::move(caps);
  o.kernel_version = std::move(kernel);
  return o;
}

std::vector<std::string> DefaultCaps() {
  std::vector<std::string> caps;
  for (std::string_view c : DockerDefaultCaps()) caps.emplace_back(c);
  return caps;
}

// Every capability any entry mentions: the "privileged" end of the range.
std::vector<std::string> AllCapsOf(const Profile& p) {
  std::set<std::string> caps;
  for (const SyscallEntry& e : p.syscalls) {
    caps.insert(e.includes.caps.begin(), e.includes.caps.end());
    caps.insert(e.excludes.caps.begin(), e.excludes.caps.end());
  }
  return {caps.begin(), caps.end()};
}

// Checks every name of the profile on `arch_name` against the model; with args samples for
// the names that have conditional entries (64-bit arches only: the model compares 64 bits).
// Returns how many records were checked; `conflicts` counts records where entries disagreed.
int CheckEveryName(const Filter& f, const std::string& arch_name, bool with_args,
                   int* conflicts = nullptr) {
  const ArchInfo* arch = FindArch(arch_name);
  const ResolvedProfile& r = f.compiled().resolved;
  std::set<std::string> names, conditional;
  for (const SyscallEntry& e : f.profile().syscalls) names.insert(e.names.begin(), e.names.end());
  for (const SyscallEntry& e : r.entries) {
    if (!e.args.empty()) conditional.insert(e.names.begin(), e.names.end());
  }
  int checked = 0;
  for (const std::string& name : names) {
    std::optional<int32_t> nr = SyscallNumber(*arch, name);
    if (!nr) continue;  // not a syscall of this arch
    // A name libseccomp 2.5.4 does not know (mseal: sckit names it from its own table) is
    // left out of the filter by libseccomp, as runc does: the model cannot predict that.
    if (seccomp_syscall_resolve_name_arch(arch->libseccomp_token, name.c_str()) < 0) continue;
    if (conditional.count(name) && !with_args) continue;
    std::vector<std::array<uint64_t, 6>> records = {{}};
    if (conditional.count(name)) {
      for (const SyscallEntry& e : r.entries) {
        if (std::find(e.names.begin(), e.names.end(), name) == e.names.end()) continue;
        for (const ArgCondition& c : e.args) {
          for (uint64_t v : SampleValues(c)) {
            std::array<uint64_t, 6> a{};
            a[c.index] = v;
            records.push_back(a);
            // Every other condition of the entry satisfied where it can be, this one varied.
            std::array<uint64_t, 6> b{};
            for (const ArgCondition& o : e.args) {
              b[o.index] = o.op == CmpOp::kMaskedEq ? o.value_two : o.value;
            }
            b[c.index] = v;
            records.push_back(b);
          }
        }
      }
    }
    for (const auto& args : records) {
      const uint32_t want = ModelOutcome(r, name, args, conflicts);
      const uint32_t got = f.Run(arch->audit_arch, *nr, args);
      EXPECT_EQ(got, want) << arch_name << " " << name << " a0=0x" << std::hex << args[0]
                           << " a1=0x" << args[1] << " a2=0x" << args[2];
      ++checked;
    }
  }
  return checked;
}

TEST(DockerProfile, EveryNamedSyscallMatchesOciSemanticsOnX86_64) {
  const std::string json = ReadText(kDocker);
  Result<Profile> p = ParseProfile(json);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  const std::vector<std::vector<std::string>> cap_sets = {
      DefaultCaps(), {}, {"CAP_SYS_ADMIN"}, AllCapsOf(*p)};
  for (const auto& caps : cap_sets) {
    for (const char* kernel : {"6.1", "4.7"}) {
      SCOPED_TRACE(std::to_string(caps.size()) + " caps, kernel " + kernel);
      Filter f(json, Options(caps, kernel, {"x86_64"}));
      ASSERT_TRUE(f.ok());
      EXPECT_GT(CheckEveryName(f, "x86_64", true), 700);
    }
  }
}

TEST(DockerProfile, EveryNamedSyscallMatchesOciSemanticsOnI386AndX32) {
  const std::string json = ReadText(kDocker);
  for (const auto& caps : {DefaultCaps(), std::vector<std::string>{"CAP_SYS_ADMIN"}}) {
    Filter f(json, Options(caps));
    ASSERT_TRUE(f.ok());
    EXPECT_GT(CheckEveryName(f, "i386", false), 300);
    EXPECT_GT(CheckEveryName(f, "x32", false), 250);
  }
}

TEST(DockerProfile, UnknownSyscallNamesAreSkippedWithAWarning) {
  Filter f(ReadText(kDocker), Options(DefaultCaps()));
  ASSERT_TRUE(f.ok());
  // Names newer than libseccomp 2.5.4 (mseal, statmount, ...): one warning each, with its path.
  ASSERT_FALSE(f.compiled().warnings.empty());
  bool mseal = false;
  for (const std::string& w : f.compiled().warnings) {
    EXPECT_NE(w.find("syscalls["), std::string::npos) << w;
    mseal = mseal || w.find("\"mseal\"") != std::string::npos;
  }
  EXPECT_TRUE(mseal);
}

TEST(DockerProfile, PtraceNeedsKernel48AsMinKernelSays) {
  const std::string json = ReadText(kDocker);
  Filter new_kernel(json, Options(DefaultCaps(), "4.8"));
  Filter old_kernel(json, Options(DefaultCaps(), "4.7.10"));
  ASSERT_TRUE(new_kernel.ok() && old_kernel.ok());
  EXPECT_EQ(new_kernel.RunName("ptrace"), kAllow);
  EXPECT_EQ(old_kernel.RunName("ptrace"), kEperm);
  EXPECT_EQ(old_kernel.RunName("process_vm_readv"), kEperm);
  // CAP_SYS_PTRACE brings process_vm_readv back on old kernels, not ptrace.
  Filter ptrace_cap(json, Options({"CAP_SYS_PTRACE"}, "4.7"));
  EXPECT_EQ(ptrace_cap.RunName("process_vm_readv"), kAllow);
  EXPECT_EQ(ptrace_cap.RunName("ptrace"), kAllow);
  EXPECT_EQ(ptrace_cap.RunName("kcmp"), kAllow);
  EXPECT_EQ(new_kernel.RunName("kcmp"), kEperm);
}

TEST(DockerProfile, PersonalityAllowsOnlyTheListedPersonas) {
  Filter f(ReadText(kDocker), Options(DefaultCaps()));
  ASSERT_TRUE(f.ok());
  for (uint64_t ok : {0x0ull, 0x8ull, 0x20000ull, 0x20008ull, 0xffffffffull}) {
    EXPECT_EQ(f.RunName("personality", {ok}), kAllow) << std::hex << ok;
  }
  // READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE; and 0xffffffff with a high half set: libseccomp
  // compares all 64 bits on x86_64.
  for (uint64_t bad : {0x400000ull, 0x40000ull, 0x1ull, 0xffffffffffffffffull, 0x100000000ull,
                       0x100000008ull}) {
    EXPECT_EQ(f.RunName("personality", {bad}), kEperm) << std::hex << bad;
  }
}

TEST(DockerProfile, CloneRefusesNamespaceFlagsWithoutCapSysAdmin) {
  const std::string json = ReadText(kDocker);
  Filter f(json, Options(DefaultCaps()));
  Filter admin(json, Options({"CAP_SYS_ADMIN"}));
  ASSERT_TRUE(f.ok() && admin.ok());
  constexpr uint64_t kThreadFlags = 0x3d0f00;  // what pthread_create passes
  constexpr uint64_t kForkFlags = 0x01200011;  // CLONE_CHILD_SETTID|CHILD_CLEARTID|SIGCHLD
  constexpr uint64_t kNamespaceFlags[] = {0x00020000 /* NEWNS */,  0x02000000 /* NEWCGROUP */,
                                          0x04000000 /* NEWUTS */, 0x08000000 /* NEWIPC */,
                                          0x10000000 /* NEWUSER */, 0x20000000 /* NEWPID */,
                                          0x40000000 /* NEWNET */};
  EXPECT_EQ(f.RunName("clone", {kThreadFlags}), kAllow);
  EXPECT_EQ(f.RunName("clone", {kForkFlags}), kAllow);
  // Flags with the namespace bits only in the high half are not namespace flags.
  EXPECT_EQ(f.RunName("clone", {0x10000000ull << 32}), kAllow);
  for (uint64_t ns : kNamespaceFlags) {
    EXPECT_EQ(f.RunName("clone", {kForkFlags | ns}), kEperm) << std::hex << ns;
    EXPECT_EQ(admin.RunName("clone", {kForkFlags | ns}), kAllow) << std::hex << ns;
  }
  // clone3 cannot be argument-checked (its flags are in memory): ENOSYS so libc falls back.
  EXPECT_EQ(f.RunName("clone3"), kEnosys);
  EXPECT_EQ(admin.RunName("clone3"), kAllow);
  EXPECT_EQ(f.RunName("unshare"), kEperm);
  EXPECT_EQ(admin.RunName("unshare"), kAllow);
  EXPECT_EQ(f.RunName("setns"), kEperm);
  EXPECT_EQ(f.RunName("mount"), kEperm);
  EXPECT_EQ(admin.RunName("mount"), kAllow);
}

TEST(DockerProfile, SocketRefusesAfAlgAndAfVsock) {
  Filter f(ReadText(kDocker), Options(DefaultCaps()));
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f.RunName("socket", {2, 1, 0}), kAllow);    // AF_INET, SOCK_STREAM
  EXPECT_EQ(f.RunName("socket", {1, 1, 0}), kAllow);    // AF_UNIX
  EXPECT_EQ(f.RunName("socket", {16, 3, 9}), kAllow);   // AF_NETLINK, NETLINK_AUDIT
  EXPECT_EQ(f.RunName("socket", {37, 1, 0}), kAllow);
  EXPECT_EQ(f.RunName("socket", {38, 5, 0}), kEperm);   // AF_ALG
  EXPECT_EQ(f.RunName("socket", {39, 1, 0}), kAllow);
  EXPECT_EQ(f.RunName("socket", {40, 1, 0}), kEperm);   // AF_VSOCK
  EXPECT_EQ(f.RunName("socket", {41, 1, 0}), kAllow);
  EXPECT_EQ(f.RunName("socket", {40ull | (1ull << 32), 1, 0}), kAllow);  // GT on 64 bits
}

TEST(DockerProfile, CapabilityAndArchEntries) {
  const std::string json = ReadText(kDocker);
  Filter f(json, Options(DefaultCaps()));
  Filter none(json, Options({}));
  ASSERT_TRUE(f.ok() && none.ok());
  EXPECT_EQ(f.RunName("chroot"), kAllow);     // CAP_SYS_CHROOT is a Docker default cap
  EXPECT_EQ(none.RunName("chroot"), kEperm);
  EXPECT_EQ(f.RunName("arch_prctl"), kAllow);  // includes.arches amd64
  EXPECT_EQ(f.RunName("modify_ldt"), kAllow);
  EXPECT_EQ(f.RunName("reboot"), kEperm);
  EXPECT_EQ(f.RunName("bpf"), kEperm);
  EXPECT_EQ(f.RunName("open_by_handle_at"), kEperm);
  EXPECT_EQ(f.RunName("read"), kAllow);
  // Numbers nobody named: the default action. Another arch: libseccomp's bad-arch KILL.
  EXPECT_EQ(f.Run(kAuditArchX86_64, 999), kEperm);
  EXPECT_EQ(f.Run(kAuditArchAarch64, 63), kKillThread);
  // On an aarch64 runtime, arch_prctl's entry is dropped (includes.arches lacks arm64).
  Filter arm(json, Options(DefaultCaps(), "6.1", {"aarch64"}));
  ASSERT_TRUE(arm.ok());
  EXPECT_EQ(arm.compiled().resolved.docker_arch, "arm64");
  EXPECT_EQ(arm.Run(kAuditArchAarch64, 63 /* read */), kAllow);
  EXPECT_EQ(arm.Run(kAuditArchX86_64, 0), kKillThread);
}

TEST(DockerProfile, GoldenFilterShapeOnX86_64) {
  Filter f(ReadText(kDocker), Options(DefaultCaps()));
  ASSERT_TRUE(f.ok());
  const Program& p = f.program();
  const ResolvedProfile& r = f.compiled().resolved;
  // archMap for amd64: x86_64 with its subArchitectures x86 and x32.
  ASSERT_EQ(r.arches.size(), 3u);
  EXPECT_EQ(r.arches[0].libseccomp_name, "x86_64");
  EXPECT_EQ(r.arches[1].libseccomp_name, "x86");
  EXPECT_EQ(r.arches[2].libseccomp_name, "x32");
  // libseccomp 2.5.4, linear (no binary tree): the exact size, as a regression guard.
  EXPECT_EQ(p.size(), 1001u);
  // The first instructions check the arch: ld [arch]; jeq AUDIT_ARCH_X86_64. x32 shares that
  // AUDIT_ARCH, so there is one check for both; x32 numbers (bit 30) are matched in the same
  // block, not rejected.
  EXPECT_EQ(p.insns[0], (SockFilter{0x20, 0, 0, 4}));
  EXPECT_EQ(p.insns[1].code, 0x15);
  EXPECT_EQ(p.insns[1].k, kAuditArchX86_64);
  EXPECT_EQ(p.insns[3], (SockFilter{0x20, 0, 0, 0}));  // ld [nr]
  // Not x86_64: ja to the i386 block, which checks its arch and otherwise kills.
  ASSERT_EQ(p.insns[2].code, 0x05);  // ja
  const size_t i386_block = 3 + p.insns[2].k;
  ASSERT_LT(i386_block, p.size());
  EXPECT_EQ(p.insns[i386_block].code, 0x15);
  EXPECT_EQ(p.insns[i386_block].k, kAuditArchI386);
  const size_t bad_arch = i386_block + 1 + p.insns[i386_block].jf;
  EXPECT_EQ(p.insns[bad_arch], (SockFilter{0x06, 0, 0, kKillThread}));
  int x86_64_checks = 0;
  for (const SockFilter& s : p.insns) x86_64_checks += s.code == 0x15 && s.k == kAuditArchX86_64;
  EXPECT_EQ(x86_64_checks, 1);
  // Anything else: RET KILL_THREAD, libseccomp's default bad-arch action.
  EXPECT_EQ(p.insns.back(), (SockFilter{0x06, 0, 0, kKillThread}));
  const ArchInfo* x32 = FindArch("x32");
  EXPECT_EQ(f.Run(x32->audit_arch, *SyscallNumber(*x32, "read")), kAllow);
  EXPECT_EQ(f.Run(kAuditArchX86_64, static_cast<int32_t>(kX32SyscallBit | 999)), kEperm);
}

TEST(ImportedFilter, WithoutX32TheX32NumbersAreKilled) {
  const std::string json = R"({"defaultAction": "SCMP_ACT_ERRNO",
      "architectures": ["SCMP_ARCH_X86_64"],
      "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"}]})";
  Filter f(json, Options({}));
  ASSERT_TRUE(f.ok());
  const Program& p = f.program();
  EXPECT_EQ(p.insns[0], (SockFilter{0x20, 0, 0, 4}));
  EXPECT_EQ(p.insns[1].k, kAuditArchX86_64);
  // libseccomp guards the x86_64 block against x32 numbers: jge #0x40000000 -> bad arch.
  bool guard = false;
  for (const SockFilter& s : p.insns) guard = guard || (s.code == 0x35 && s.k == kX32SyscallBit);
  EXPECT_TRUE(guard);
  EXPECT_EQ(f.Run(kAuditArchX86_64, 0), kAllow);
  EXPECT_EQ(f.Run(kAuditArchX86_64, 2), kEperm);
  EXPECT_EQ(f.Run(kAuditArchX86_64, static_cast<int32_t>(kX32SyscallBit | 0)), kKillThread);
  EXPECT_EQ(f.Run(kAuditArchI386, 3), kKillThread);
  EXPECT_LT(p.size(), 16u);
}

TEST(ImportedFilter, BinaryTreeKeepsOutcomesAndChangesShape) {
  const std::string json = ReadText(kDocker);
  ImportOptions tree = Options(DefaultCaps());
  tree.binary_tree = true;
  Filter linear(json, Options(DefaultCaps()));
  Filter f(json, tree);
  ASSERT_TRUE(f.ok() && linear.ok());
  EXPECT_NE(f.program(), linear.program());
  EXPECT_EQ(f.program().insns[0], (SockFilter{0x20, 0, 0, 4}));
  bool has_jge_or_jgt = false;
  for (const SockFilter& s : f.program().insns) {
    has_jge_or_jgt = has_jge_or_jgt || ((s.code == 0x35 || s.code == 0x25) && s.k < 0x1000);
  }
  EXPECT_TRUE(has_jge_or_jgt) << "a binary tree compares nr with jge/jgt";
  EXPECT_GT(CheckEveryName(f, "x86_64", true), 700);
  EXPECT_GT(CheckEveryName(f, "i386", false), 300);
}

TEST(PodmanProfile, EveryNamedSyscallMatchesOciSemantics) {
  const std::string json = ReadText(kPodman);
  Result<Profile> p = ParseProfile(json);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  for (const auto& caps : {DefaultCaps(), std::vector<std::string>{}, AllCapsOf(*p)}) {
    Filter f(json, Options(caps));
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f.compiled().resolved.default_ret, kEnosys);
    int conflicts = 0;
    EXPECT_GT(CheckEveryName(f, "x86_64", true, &conflicts), 400);
    // setns is both in the big ALLOW entry and in the ERRNO entry for containers without
    // CAP_SYS_ADMIN: the first (ALLOW) wins, so that second entry is dead for setns.
    const bool admin = std::find(caps.begin(), caps.end(), "CAP_SYS_ADMIN") != caps.end();
    EXPECT_EQ(conflicts, admin ? 0 : 1);
    EXPECT_GT(CheckEveryName(f, "i386", false), 300);
  }
  // Without CAP_AUDIT_WRITE, Podman refuses audit netlink sockets with EINVAL.
  Filter no_audit(json, Options({}));
  EXPECT_EQ(no_audit.RunName("socket", {16, 3, 9}), 0x00050016u);
  EXPECT_EQ(no_audit.RunName("socket", {16, 3, 0}), kAllow);
  EXPECT_EQ(no_audit.RunName("kexec_load"), kEperm);     // explicit ERRNO(1)
  EXPECT_EQ(no_audit.RunName("mount"), kAllow);          // Podman allows mount
  EXPECT_EQ(no_audit.Run(kAuditArchX86_64, 999), kEnosys);
  EXPECT_EQ(no_audit.RunName("setns"), kAllow);
  EXPECT_EQ(no_audit.RunName("bpf"), kEperm);
}

}  // namespace
}  // namespace sckit::policy
