// Architecture and system-call names. AUDIT_ARCH values are the kernel's
// (include/uapi/linux/audit.h); syscall numbers and names come from Debian's libseccomp
// (seccomp_syscall_resolve_name_arch / seccomp_syscall_resolve_num_arch), and where it has
// none from tables generated at build time (vm/syscall_extra.h: loongarch64 from
// <asm-generic/unistd.h>, calls newer than the installed headers from vm/syscalls_newer.tbl). x32 has no AUDIT_ARCH of its own: its tasks report AUDIT_ARCH_X86_64 and their
// syscall numbers carry __X32_SYSCALL_BIT (0x40000000).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sckit {

inline constexpr uint32_t kAuditArchX86_64 = 0xC000003Eu;
inline constexpr uint32_t kAuditArchI386 = 0x40000003u;
inline constexpr uint32_t kAuditArchAarch64 = 0xC00000B7u;
inline constexpr uint32_t kX32SyscallBit = 0x40000000u;

struct ArchInfo {
  std::string_view name;        // sckit's name: "x86_64", "i386", "x32", "aarch64", ...
  std::string_view audit_name;  // AUDIT_ARCH_ suffix: "X86_64", "I386", "AARCH64", ...
  uint32_t audit_arch;          // the value seccomp_data.arch carries
  uint32_t libseccomp_token;    // SCMP_ARCH_* for name resolution (differs only for x32)
  uint32_t nr_bit;              // OR-ed into every syscall number (x32: 0x40000000)
  bool big_endian;              // word order of seccomp_data on it (no __AUDIT_ARCH_LE)
  int bits;                     // 64 with __AUDIT_ARCH_64BIT, else 32 (args are 64-bit slots
                                // either way; a 32-bit arch fills only their low words)
};

// Every architecture sckit knows: each AUDIT_ARCH_* of the system's <linux/audit.h> (the table
// is generated at build time), plus x32; libseccomp's arches first. Syscall names exist where
// libseccomp has a table for the arch.
std::span<const ArchInfo> AllArches();

// By sckit name, libseccomp name ("x86" = i386), or AUDIT_ARCH name with or without the
// "AUDIT_ARCH_" prefix, case-insensitive.
const ArchInfo* FindArch(std::string_view name);

// The canonical arch for an AUDIT_ARCH value (x86_64, not x32, for 0xC000003E); nullptr if none.
const ArchInfo* FindArchByAudit(uint32_t audit_arch);

// The number of syscall `name` on `arch` (with the x32 bit for x32); nullopt when libseccomp
// does not know the name or it has no number of its own there (libseccomp's negative pseudo
// numbers, e.g. open on aarch64, socket via socketcall on i386).
std::optional<int32_t> SyscallNumber(const ArchInfo& arch, std::string_view name);

// The name of syscall `nr` on the arch with AUDIT_ARCH value `audit_arch`; x32 numbers (bit 30
// set on x86_64) resolve through the x32 table. nullopt when unknown.
std::optional<std::string> SyscallName(uint32_t audit_arch, int32_t nr);

// Every syscall number libseccomp names on `arch`, ascending, with the arch's nr bit (x32's
// 0x40000000): the numbers below 6600 (every table's range, mips's 4000/5000/6000 bases
// included; ARM's private 0xf0000 calls are not). Computed once per arch.
const std::vector<int32_t>& SyscallNumbers(const ArchInfo& arch);

}  // namespace sckit
