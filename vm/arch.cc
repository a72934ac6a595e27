// Architecture and syscall names and numbers (vm/arch.h).
#include "vm/arch.h"

#include <linux/audit.h>
#include <seccomp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "vm/syscall_extra.h"

namespace sckit {
namespace {

// AUDIT_ARCH bits (linux/audit.h): __AUDIT_ARCH_64BIT 0x80000000, __AUDIT_ARCH_LE 0x40000000,
// __AUDIT_ARCH_CONVENTION_MIPS64_N32 0x20000000; the low bits are the ELF machine.
constexpr uint32_t kAudit64Bit = 0x80000000u;
constexpr uint32_t kAuditLittleEndian = 0x40000000u;

struct AuditEntry {
  std::string_view audit_name;
  uint32_t value;
};

// Every AUDIT_ARCH_* of the system's <linux/audit.h>, generated at build time.
constexpr AuditEntry kAuditArches[] = {
#define SCKIT_AUDIT_ARCH(n) {#n, AUDIT_ARCH_##n},
#include "vm/arch_table.inc"
#undef SCKIT_AUDIT_ARCH
};

// sckit's name where it is not the AUDIT_ARCH name in lower case: libseccomp's names.
constexpr std::pair<std::string_view, std::string_view> kNames[] = {
    {"SH", "sheb"}, {"SHEL", "sh"}, {"SH64", "sh64eb"}, {"SHEL64", "sh64"},
};

// Listed first, in this order (the arches libseccomp has tables for); the rest follow by name.
constexpr std::string_view kFirst[] = {
    "X86_64", "I386", "AARCH64", "ARM", "RISCV64", "S390X", "S390", "PPC64LE", "PPC64", "PPC",
    "MIPS", "MIPSEL", "MIPS64", "MIPSEL64", "MIPS64N32", "MIPSEL64N32", "PARISC", "PARISC64",
    "LOONGARCH64", "M68K", "SHEL", "SH"};

std::string Lower(std::string_view s);

// The one AUDIT_ARCH value whose missing __AUDIT_ARCH_LE does not mean big-endian: Hexagon is a
// little-endian machine (its kernel byteorder.h is the little-endian one), but <linux/audit.h>
// defines AUDIT_ARCH_HEXAGON as plain EM_HEXAGON.
bool BigEndian(const AuditEntry& e) {
  return (e.value & kAuditLittleEndian) == 0 && e.audit_name != "HEXAGON";
}

ArchInfo MakeArch(const AuditEntry& e, std::string_view name, uint32_t token, uint32_t nr_bit) {
  return ArchInfo{name, e.audit_name, e.value, token, nr_bit, BigEndian(e),
                  (e.value & kAudit64Bit) ? 64 : 32};
}

const std::vector<ArchInfo>& Table() {
  static const std::vector<ArchInfo> table = [] {
    static std::vector<std::string> names;  // storage behind the string_views
    names.reserve(std::size(kAuditArches) + 1);
    auto rank = [](std::string_view audit) {
      const auto it = std::find(std::begin(kFirst), std::end(kFirst), audit);
      return static_cast<size_t>(it - std::begin(kFirst));
    };
    std::vector<AuditEntry> sorted(std::begin(kAuditArches), std::end(kAuditArches));
    std::stable_sort(sorted.begin(), sorted.end(), [&](const AuditEntry& a, const AuditEntry& b) {
      return rank(a.audit_name) != rank(b.audit_name) ? rank(a.audit_name) < rank(b.audit_name)
                                                      : a.audit_name < b.audit_name;
    });
    std::vector<ArchInfo> out;
    for (const AuditEntry& e : sorted) {
      std::string name = Lower(e.audit_name);
      for (const auto& [audit, n] : kNames) {
        if (audit == e.audit_name) name = std::string(n);
      }
      names.push_back(std::move(name));
      out.push_back(MakeArch(e, names.back(), e.value, 0));
      if (e.audit_name == "X86_64") {  // x32: X86_64's AUDIT_ARCH, its own numbers
        names.push_back("x32");
        out.push_back(MakeArch(e, names.back(), 0x4000003Eu, kX32SyscallBit));
      }
    }
    return out;
  }();
  return table;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Whether `lower` (already lower case) is `name` in any case; no copy (record readers call
// FindArch for every arch= value).
bool EqualsIgnoringCase(std::string_view lower, std::string_view name) {
  return lower.size() == name.size() &&
         std::equal(lower.begin(), lower.end(), name.begin(), [](char a, char b) {
           return a == static_cast<char>(std::tolower(static_cast<unsigned char>(b)));
         });
}

}  // namespace

std::span<const ArchInfo> AllArches() { return Table(); }

const ArchInfo* FindArch(std::string_view name) {
  std::string n = Lower(name);
  const bool audit = n.rfind("audit_arch_", 0) == 0;  // an AUDIT_ARCH name, never an alias
  if (audit) n = n.substr(11);
  if (!audit) {
    if (n == "x86" || n == "ia32" || n == "i686") n = "i386";
    if (n == "amd64") n = "x86_64";
    if (n == "arm64") n = "aarch64";
    for (const ArchInfo& a : Table()) {
      if (n == a.name) return &a;
    }
  }
  for (const ArchInfo& a : Table()) {
    if (a.nr_bit == 0 && EqualsIgnoringCase(n, a.audit_name)) return &a;
  }
  return nullptr;
}

const ArchInfo* FindArchByAudit(uint32_t audit_arch) {
  for (const ArchInfo& a : Table()) {
    if (a.audit_arch == audit_arch && a.nr_bit == 0) return &a;
  }
  return nullptr;
}

std::optional<int32_t> SyscallNumber(const ArchInfo& arch, std::string_view name) {
  const std::string n(name);
  const int nr = seccomp_syscall_resolve_name_arch(arch.libseccomp_token, n.c_str());
  if (nr == __NR_SCMP_ERROR) return ExtraSyscallNumber(arch, name);  // a name newer than it
  if (nr < 0) return std::nullopt;  // a pseudo-syscall number: no number of its own there
  return static_cast<int32_t>(static_cast<uint32_t>(nr) | arch.nr_bit);
}

std::optional<std::string> SyscallName(uint32_t audit_arch, int32_t nr) {
  uint32_t token = audit_arch;
  if (audit_arch == kAuditArchX86_64 && nr >= 0 && (static_cast<uint32_t>(nr) & kX32SyscallBit)) {
    token = 0x4000003Eu;  // SCMP_ARCH_X32; libseccomp's x32 numbers include the bit
  }
  if (nr < 0) return std::nullopt;
  char* s = seccomp_syscall_resolve_num_arch(token, nr);
  if (s == nullptr) {  // not in libseccomp's tables: the generated ones (vm/syscall_extra.h)
    const bool x32 = token != audit_arch;
    const ArchInfo* arch = x32 ? FindArch("x32") : FindArchByAudit(audit_arch);
    return arch != nullptr ? ExtraSyscallName(*arch, nr) : std::nullopt;
  }
  std::string out(s);
  std::free(s);
  return out;
}

const std::vector<int32_t>& SyscallNumbers(const ArchInfo& arch) {
  constexpr int32_t kScanLimit = 6600;
  static std::mutex mu;
  static auto* cache = new std::map<std::string_view, std::vector<int32_t>>;  // never freed
  std::lock_guard<std::mutex> lock(mu);
  auto [it, fresh] = cache->try_emplace(arch.name);
  if (fresh) {
    for (int32_t nr = 0; nr < kScanLimit; ++nr) {
      const int32_t full = static_cast<int32_t>(static_cast<uint32_t>(nr) | arch.nr_bit);
      if (SyscallName(arch.audit_arch, full)) it->second.push_back(full);
    }
  }
  return it->second;
}

}  // namespace sckit
