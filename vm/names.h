// Names of errno values and signals, for printing outcomes the way a person reads them
// (`ERRNO(1) EPERM`, `SIGSYS`) and for reading them back (`ERRNO(EPERM)`), in the numbering of
// the arch the record or filter belongs to. The tables are generated at build time
// (vm/gen_names_table.sh) from each numbering's kernel UAPI headers: the generic one
// (<asm-generic/errno*.h>, x86's <asm/signal.h>: x86, arm, arm64, riscv, s390, loongarch and
// every other arch) and the families that number their own way, from Debian's cross headers:
// powerpc (adds EDEADLOCK = 58), mips (ENOSYS = 89, EDQUOT = 1133, SIGSYS = 12), parisc,
// sparc and alpha. The family is the AUDIT_ARCH's ELF machine (EM_MIPS, EM_PARISC, EM_SPARC /
// EM_SPARC32PLUS / EM_SPARCV9, EM_ALPHA, EM_PPC / EM_PPC64). An AUDIT_ARCH that
// <linux/audit.h> does not define has no known numbering: its numbers have no names.
//
// Of two names with one number the first the header defines is printed (SIGABRT before SIGIOT
// on x86; SIGIOT on mips, where SIGABRT is defined as SIGIOT); aliases defined by name
// (EWOULDBLOCK = EAGAIN) and SIGUNUSED are read but never printed.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sckit {

enum class Numbering { kGeneric, kPowerpc, kMips, kParisc, kSparc, kAlpha, kUnknown };

// The numbering of errnos and signals on the arch with this AUDIT_ARCH value; kUnknown when
// <linux/audit.h> defines no such arch.
Numbering NumberingOf(uint32_t audit_arch);
// "generic", "powerpc", "mips", "parisc", "sparc", "alpha", "unknown".
std::string_view NumberingName(Numbering numbering);

// "EPERM" for 1 in `numbering`; "" when the number has no name there (0, beyond the table,
// kUnknown).
std::string_view ErrnoNameOf(int value, Numbering numbering);
// 1 for "EPERM" (exact spelling, upper case; aliases such as EWOULDBLOCK too); nullopt when
// the name is not an errno of `numbering`.
std::optional<int> ErrnoByName(std::string_view name, Numbering numbering);
// "SIGSYS" for 31 (generic), for 12 (mips, sparc, alpha); "" when the number has no name.
std::string_view SignalNameOf(int value, Numbering numbering);
// 31 for "SIGSYS" (generic), 12 (mips); nullopt when unknown.
std::optional<int> SignalByName(std::string_view name, Numbering numbering);

// The same by AUDIT_ARCH value: the arch's numbering (NumberingOf).
inline std::string_view ErrnoNameOf(int value, uint32_t audit_arch) {
  return ErrnoNameOf(value, NumberingOf(audit_arch));
}
inline std::optional<int> ErrnoByName(std::string_view name, uint32_t audit_arch) {
  return ErrnoByName(name, NumberingOf(audit_arch));
}
inline std::string_view SignalNameOf(int value, uint32_t audit_arch) {
  return SignalNameOf(value, NumberingOf(audit_arch));
}
inline std::optional<int> SignalByName(std::string_view name, uint32_t audit_arch) {
  return SignalByName(name, NumberingOf(audit_arch));
}

// Without an arch (a filter whose arch is not known: disasm, `ERRNO(EPERM)` in a context with
// no record): the generic numbering.
inline std::string_view ErrnoNameOf(int value) { return ErrnoNameOf(value, Numbering::kGeneric); }
inline std::optional<int> ErrnoByName(std::string_view name) {
  return ErrnoByName(name, Numbering::kGeneric);
}
inline std::string_view SignalNameOf(int value) {
  return SignalNameOf(value, Numbering::kGeneric);
}
inline std::optional<int> SignalByName(std::string_view name) {
  return SignalByName(name, Numbering::kGeneric);
}

// The number of SIGSYS on the arch (31 generic, 12 on mips, sparc and alpha): the signal the
// kernel sends for TRAP, KILL_PROCESS and syscall user dispatch there; by the AUDIT_ARCH's
// ELF machine alone (an arch <linux/audit.h> lacks gets its machine's family, generic when the
// machine is none of the five). No allocation, no search: the kernel model calls it.
int SigsysOf(uint32_t audit_arch);
// The number of ENOSYS on the arch (38 generic, 89 on mips, 90 on sparc): what a skipped TRACE
// or USER_NOTIF returns there; by the ELF machine, as SigsysOf. No allocation.
int EnosysOf(uint32_t audit_arch);

}  // namespace sckit
