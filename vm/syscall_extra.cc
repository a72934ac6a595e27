// The generated syscall tables (vm/syscall_extra.h). This file includes <asm-generic/unistd.h>
// with loongarch64's switches (its uapi <asm/unistd.h> of 6.1: __ARCH_WANT_SYS_CLONE and
// __ARCH_WANT_SYS_CLONE3 on the generic table, 64-bit), so it must not include the host's
// <asm/unistd.h> (nor <seccomp.h>, which does).
#define __ARCH_WANT_SYS_CLONE
#define __ARCH_WANT_SYS_CLONE3
#include <asm-generic/unistd.h>

#include "vm/syscall_extra.h"

namespace sckit {
namespace {

struct Entry {
  int32_t nr;
  std::string_view name;
};

// loongarch64: every __NR_ of the generic table under its switches.
constexpr Entry kGenericHeader[] = {
#define SCKIT_GENERIC_NR(n) {__NR_##n, #n},
#include "vm/syscall_generic.inc"
#undef SCKIT_GENERIC_NR
};

enum class Table { generic, x86_64 };

struct NewerEntry {
  Table table;
  int32_t nr;
  std::string_view name;
};

constexpr NewerEntry kNewer[] = {
#define SCKIT_NEWER(t, nr, name) {Table::t, nr, name},
#include "vm/syscall_newer.inc"
#undef SCKIT_NEWER
};

// Where `arch` takes its numbers from: the x86_64 table (x86_64, x32) or the unified numbers
// plus an offset; false for arches with no numbers here (ia64: removed from Linux).
bool TableOf(const ArchInfo& arch, Table* table, int32_t* offset) {
  const std::string_view a = arch.audit_name;
  *table = a == "X86_64" ? Table::x86_64 : Table::generic;
  *offset = 0;
  if (a == "MIPS" || a == "MIPSEL") *offset = 4000;
  if (a == "MIPS64" || a == "MIPSEL64") *offset = 5000;
  if (a == "MIPS64N32" || a == "MIPSEL64N32") *offset = 6000;
  if (a == "ALPHA") *offset = 110;
  return a != "IA64";
}

}  // namespace

std::optional<int32_t> ExtraSyscallNumber(const ArchInfo& arch, std::string_view name) {
  const auto with_bit = [&](int32_t nr) {
    return static_cast<int32_t>(static_cast<uint32_t>(nr) | arch.nr_bit);
  };
  if (arch.audit_name == "LOONGARCH64") {
    for (const Entry& e : kGenericHeader) {
      if (e.name == name) return e.nr;
    }
  }
  Table table;
  int32_t offset;
  if (!TableOf(arch, &table, &offset)) return std::nullopt;
  for (const NewerEntry& e : kNewer) {
    if (e.table == table && e.name == name) return with_bit(e.nr + offset);
  }
  return std::nullopt;
}

std::optional<std::string> ExtraSyscallName(const ArchInfo& arch, int32_t nr) {
  if (nr < 0 || (static_cast<uint32_t>(nr) & arch.nr_bit) != arch.nr_bit) return std::nullopt;
  const int32_t bare = static_cast<int32_t>(static_cast<uint32_t>(nr) & ~arch.nr_bit);
  if (arch.audit_name == "LOONGARCH64") {
    for (const Entry& e : kGenericHeader) {
      if (e.nr == bare) return std::string(e.name);
    }
  }
  Table table;
  int32_t offset;
  if (!TableOf(arch, &table, &offset)) return std::nullopt;
  for (const NewerEntry& e : kNewer) {
    if (e.table == table && e.nr + offset == bare) return std::string(e.name);
  }
  return std::nullopt;
}

}  // namespace sckit
