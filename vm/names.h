// Names of errno values and signals, for printing outcomes the way a person reads them
// (`ERRNO(1) EPERM`, `SIGSYS`) and for reading them back (`ERRNO(EPERM)`). The table is
// generated at build time from the system's kernel headers (vm/gen_names_table.sh): the names
// of <asm-generic/errno*.h> and <asm/signal.h>, the values as <errno.h> and <signal.h> define
// them. Those are the generic numbers (x86, arm, arm64, riscv, s390, powerpc mostly); alpha,
// mips, parisc and sparc number some errnos and signals differently, which this table does not
// model (an ERRNO(n) is printed with the generic name of n).
#pragma once

#include <optional>
#include <string_view>

namespace sckit {

// "EPERM" for 1; "" when the number has no name (0, or beyond the table).
std::string_view ErrnoNameOf(int value);
// 1 for "EPERM" (exact spelling, upper case); nullopt when unknown.
std::optional<int> ErrnoByName(std::string_view name);

// "SIGSYS" for 31; "" when the number has no name.
std::string_view SignalNameOf(int value);
// 31 for "SIGSYS"; nullopt when unknown.
std::optional<int> SignalByName(std::string_view name);

}  // namespace sckit
