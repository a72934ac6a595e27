#include "vm/arch.h"

#include <seccomp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <string>

namespace sckit {
namespace {

// AUDIT_ARCH bits: __AUDIT_ARCH_64BIT 0x80000000, __AUDIT_ARCH_LE 0x40000000,
// __AUDIT_ARCH_CONVENTION_MIPS64_N32 0x20000000; low bits are the ELF machine (elf-em.h).
constexpr std::array kArches = {
    ArchInfo{"x86_64", "X86_64", 0xC000003Eu, 0xC000003Eu, 0},
    ArchInfo{"i386", "I386", 0x40000003u, 0x40000003u, 0},
    ArchInfo{"x32", "X86_64", 0xC000003Eu, 0x4000003Eu, kX32SyscallBit},
    ArchInfo{"aarch64", "AARCH64", 0xC00000B7u, 0xC00000B7u, 0},
    ArchInfo{"arm", "ARM", 0x40000028u, 0x40000028u, 0},
    ArchInfo{"riscv64", "RISCV64", 0xC00000F3u, 0xC00000F3u, 0},
    ArchInfo{"s390x", "S390X", 0x80000016u, 0x80000016u, 0},
    ArchInfo{"s390", "S390", 0x00000016u, 0x00000016u, 0},
    ArchInfo{"ppc64le", "PPC64LE", 0xC0000015u, 0xC0000015u, 0},
    ArchInfo{"ppc64", "PPC64", 0x80000015u, 0x80000015u, 0},
    ArchInfo{"ppc", "PPC", 0x00000014u, 0x00000014u, 0},
    ArchInfo{"mips", "MIPS", 0x00000008u, 0x00000008u, 0},
    ArchInfo{"mipsel", "MIPSEL", 0x40000008u, 0x40000008u, 0},
    ArchInfo{"mips64", "MIPS64", 0x80000008u, 0x80000008u, 0},
    ArchInfo{"mipsel64", "MIPSEL64", 0xC0000008u, 0xC0000008u, 0},
    ArchInfo{"mips64n32", "MIPS64N32", 0xA0000008u, 0xA0000008u, 0},
    ArchInfo{"mipsel64n32", "MIPSEL64N32", 0xE0000008u, 0xE0000008u, 0},
    ArchInfo{"parisc", "PARISC", 0x0000000Fu, 0x0000000Fu, 0},
    ArchInfo{"parisc64", "PARISC64", 0x8000000Fu, 0x8000000Fu, 0},
    ArchInfo{"loongarch64", "LOONGARCH64", 0xC0000102u, 0xC0000102u, 0},
};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::span<const ArchInfo> AllArches() { return {kArches.data(), kArches.size()}; }

const ArchInfo* FindArch(std::string_view name) {
  std::string n = Lower(name);
  if (n.rfind("audit_arch_", 0) == 0) n = n.substr(11);
  if (n == "x86" || n == "ia32" || n == "i686") n = "i386";
  if (n == "amd64") n = "x86_64";
  if (n == "arm64") n = "aarch64";
  for (const ArchInfo& a : kArches) {
    if (n == a.name) return &a;
  }
  for (const ArchInfo& a : kArches) {
    if (n == Lower(a.audit_name) && a.nr_bit == 0) return &a;
  }
  return nullptr;
}

const ArchInfo* FindArchByAudit(uint32_t audit_arch) {
  for (const ArchInfo& a : kArches) {
    if (a.audit_arch == audit_arch && a.nr_bit == 0) return &a;
  }
  return nullptr;
}

std::optional<int32_t> SyscallNumber(const ArchInfo& arch, std::string_view name) {
  const std::string n(name);
  const int nr = seccomp_syscall_resolve_name_arch(arch.libseccomp_token, n.c_str());
  if (nr < 0) return std::nullopt;  // __NR_SCMP_ERROR or a pseudo-syscall number
  return static_cast<int32_t>(static_cast<uint32_t>(nr) | arch.nr_bit);
}

std::optional<std::string> SyscallName(uint32_t audit_arch, int32_t nr) {
  uint32_t token = audit_arch;
  if (audit_arch == kAuditArchX86_64 && nr >= 0 && (static_cast<uint32_t>(nr) & kX32SyscallBit)) {
    token = 0x4000003Eu;  // SCMP_ARCH_X32; libseccomp's x32 numbers include the bit
  }
  if (nr < 0) return std::nullopt;
  char* s = seccomp_syscall_resolve_num_arch(token, nr);
  if (s == nullptr) return std::nullopt;
  std::string out(s);
  std::free(s);
  return out;
}

}  // namespace sckit
