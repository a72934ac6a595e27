// The arch table: every AUDIT_ARCH the kernel headers define has a name, a word order and a
// word size; names resolve both ways; libseccomp's spellings (sh = SHEL, sheb = SH) win over
// the lower-cased AUDIT_ARCH name, while an explicit AUDIT_ARCH_ prefix never means an alias.
#include <linux/audit.h>

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "vm/arch.h"

namespace sckit {
namespace {

TEST(Arch, EveryAuditArchOfTheHeaderIsKnown) {
  const uint32_t from_header[] = {
      AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM,      AUDIT_ARCH_I386,       AUDIT_ARCH_M68K,
      AUDIT_ARCH_MIPS64N32, AUDIT_ARCH_PARISC64, AUDIT_ARCH_PPC64LE,  AUDIT_ARCH_RISCV32,
      AUDIT_ARCH_S390,    AUDIT_ARCH_SH,       AUDIT_ARCH_SHEL64,     AUDIT_ARCH_SPARC64,
      AUDIT_ARCH_X86_64,  AUDIT_ARCH_XTENSA,   AUDIT_ARCH_LOONGARCH64, AUDIT_ARCH_CSKY};
  for (uint32_t v : from_header) {
    const ArchInfo* a = FindArchByAudit(v);
    ASSERT_NE(a, nullptr) << std::hex << v;
    EXPECT_EQ(a->audit_arch, v);
    EXPECT_EQ(FindArch(a->name), a) << a->name;
    EXPECT_EQ(FindArch("AUDIT_ARCH_" + std::string(a->audit_name)), a) << a->audit_name;
  }
  std::set<uint32_t> values;
  for (const ArchInfo& a : AllArches()) {
    if (a.nr_bit == 0) {
      EXPECT_TRUE(values.insert(a.audit_arch).second) << a.name;
    }
  }
  EXPECT_GE(values.size(), 50u);  // linux/audit.h of 6.1 defines 53
}

TEST(Arch, WordOrderAndSizeComeFromTheAuditBits) {
  struct Want {
    const char* name;
    bool big_endian;
    int bits;
  } const wants[] = {{"x86_64", false, 64}, {"i386", false, 32}, {"x32", false, 64},
                     {"s390x", true, 64},   {"s390", true, 32},  {"ppc64", true, 64},
                     {"ppc64le", false, 64}, {"mips", true, 32}, {"mipsel64", false, 64},
                     {"m68k", true, 32},    {"sh", false, 32},  {"sheb", true, 32},
                     {"parisc64", true, 64}, {"loongarch64", false, 64}};
  for (const Want& w : wants) {
    const ArchInfo* a = FindArch(w.name);
    ASSERT_NE(a, nullptr) << w.name;
    EXPECT_EQ(a->big_endian, w.big_endian) << w.name;
    EXPECT_EQ(a->bits, w.bits) << w.name;
  }
}

TEST(Arch, LibseccompSpellingsAndAuditNames) {
  EXPECT_EQ(FindArch("sh")->audit_arch, static_cast<uint32_t>(AUDIT_ARCH_SHEL));
  EXPECT_EQ(FindArch("sheb")->audit_arch, static_cast<uint32_t>(AUDIT_ARCH_SH));
  EXPECT_EQ(FindArch("AUDIT_ARCH_SH")->audit_arch, static_cast<uint32_t>(AUDIT_ARCH_SH));
  EXPECT_EQ(FindArch("shel")->audit_arch, static_cast<uint32_t>(AUDIT_ARCH_SHEL));
  EXPECT_EQ(FindArch("x86")->audit_arch, static_cast<uint32_t>(AUDIT_ARCH_I386));
  EXPECT_EQ(FindArch("arm64")->audit_arch, static_cast<uint32_t>(AUDIT_ARCH_AARCH64));
  EXPECT_EQ(FindArch("x32")->nr_bit, kX32SyscallBit);
  EXPECT_EQ(FindArchByAudit(AUDIT_ARCH_X86_64)->name, "x86_64");  // not x32
  EXPECT_EQ(FindArch("nonsense"), nullptr);
  EXPECT_EQ(FindArch("AUDIT_ARCH_x86"), nullptr);  // the prefix means the AUDIT name only
}

TEST(Arch, SyscallNamesWhereLibseccompHasATable) {
  EXPECT_EQ(SyscallNumber(*FindArch("x86_64"), "read"), 0);
  EXPECT_EQ(SyscallNumber(*FindArch("s390"), "read"), 3);
  EXPECT_EQ(SyscallNumber(*FindArch("riscv64"), "read"), 63);
  EXPECT_EQ(SyscallName(AUDIT_ARCH_PARISC, 3), "read");
  EXPECT_EQ(SyscallNumber(*FindArch("x32"), "read"), static_cast<int32_t>(kX32SyscallBit));
}

}  // namespace
}  // namespace sckit

namespace sckit {
namespace {

// Calls newer than libseccomp 2.5.4 and the 6.1 headers: numbers by hand from Linux 6.18's
// scripts/syscall.tbl and arch/x86/entry/syscalls/syscall_64.tbl, with each arch's offset.
TEST(ArchNewerSyscalls, NumbersAndNamesBothWays) {
  struct Want {
    const char* arch;
    const char* name;
    int32_t nr;
  } const wants[] = {
      {"x86_64", "mseal", 462},         {"x86_64", "uretprobe", 335},
      {"x86_64", "uprobe", 336},        {"x86_64", "statmount", 457},
      {"x86_64", "file_setattr", 469},  {"i386", "mseal", 462},
      {"aarch64", "mseal", 462},        {"s390x", "listmount", 458},
      {"ppc64", "setxattrat", 463},     {"arm", "removexattrat", 466},
      {"riscv64", "lsm_list_modules", 461},
      {"mips", "mseal", 4462},          {"mips64", "mseal", 5462},
      {"mips64n32", "mseal", 6462},     {"mipsel", "statmount", 4457},
      {"alpha", "mseal", 572},          {"m68k", "mseal", 462},
      {"sh", "mseal", 462},             {"sheb", "getxattrat", 464},
      {"sparc64", "open_tree_attr", 467}, {"parisc", "mseal", 462},
      {"x32", "mseal", static_cast<int32_t>(462 | kX32SyscallBit)},
  };
  for (const Want& w : wants) {
    const ArchInfo* a = FindArch(w.arch);
    ASSERT_NE(a, nullptr) << w.arch;
    EXPECT_EQ(SyscallNumber(*a, w.name), w.nr) << w.arch << " " << w.name;
    EXPECT_EQ(SyscallName(a->audit_arch, w.nr), w.name) << w.arch << " " << w.nr;
  }
  // uretprobe and uprobe are x86_64's alone.
  EXPECT_EQ(SyscallNumber(*FindArch("aarch64"), "uretprobe"), std::nullopt);
  EXPECT_EQ(SyscallName(AUDIT_ARCH_AARCH64, 335), std::nullopt);
  // ia64 left Linux before these calls.
  EXPECT_EQ(SyscallNumber(*FindArch("ia64"), "mseal"), std::nullopt);
  // libseccomp's answers still come first: 456 is its futex_requeue everywhere.
  EXPECT_EQ(SyscallName(AUDIT_ARCH_X86_64, 456), "futex_requeue");
  EXPECT_EQ(SyscallName(AUDIT_ARCH_X86_64, 470), std::nullopt);
}

// loongarch64 (unknown to libseccomp 2.5.4) from <asm-generic/unistd.h> with its switches; the
// numbers by hand from the generic table: read 63, openat 56, clone 220, clone3 435.
TEST(ArchNewerSyscalls, Loongarch64FromTheGenericTable) {
  const ArchInfo& la = *FindArch("loongarch64");
  EXPECT_EQ(SyscallNumber(la, "read"), 63);
  EXPECT_EQ(SyscallNumber(la, "openat"), 56);
  EXPECT_EQ(SyscallNumber(la, "clone"), 220);
  EXPECT_EQ(SyscallNumber(la, "clone3"), 435);
  EXPECT_EQ(SyscallNumber(la, "fcntl"), 25);  // the 64-bit name of __NR3264_fcntl
  EXPECT_EQ(SyscallNumber(la, "mseal"), 462);
  EXPECT_EQ(SyscallName(AUDIT_ARCH_LOONGARCH64, 63), "read");
  EXPECT_EQ(SyscallName(AUDIT_ARCH_LOONGARCH64, 435), "clone3");
  // Not in loongarch64's 6.1 table: open (never generic), fcntl64 (32-bit name).
  EXPECT_EQ(SyscallNumber(la, "open"), std::nullopt);
  EXPECT_EQ(SyscallNumber(la, "fcntl64"), std::nullopt);
}

}  // namespace
}  // namespace sckit
