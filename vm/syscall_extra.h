// Syscall names libseccomp 2.5.4 (Debian 12) does not have, from tables generated at build time
// (vm/gen_syscall_table.sh): loongarch64's numbers from the system's <asm-generic/unistd.h>
// (loongarch64 uses the generic table), and the calls newer than the installed 6.1 headers from
// the sourced data file vm/syscalls_newer.tbl (Linux 6.18's syscall tables), with each arch's
// offset. vm/arch.cc asks these only where libseccomp has no answer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "vm/arch.h"

namespace sckit {

// The number of `name` on `arch` (with its nr_bit), or nullopt.
std::optional<int32_t> ExtraSyscallNumber(const ArchInfo& arch, std::string_view name);

// The name of `nr` (with the arch's nr_bit) on `arch`, or nullopt.
std::optional<std::string> ExtraSyscallName(const ArchInfo& arch, int32_t nr);

}  // namespace sckit
