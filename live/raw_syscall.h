// The x86-64 `syscall` instruction with nothing in between: no libc wrapper, no errno, no
// interceptor. Mirrors the user side of the kernel's syscall entry (entry_SYSCALL_64): rax = nr,
// arguments in rdi, rsi, rdx, r10, r8, r9; the kernel returns in rax (-4095..-1 = -errno) and
// clobbers rcx and r11.
//
// Why raw: in a child that has just installed a seccomp filter, every system call is filtered,
// so the code there must make exactly the calls it means to. And the address right after the
// `syscall` instruction is what the kernel reports as seccomp_data.instruction_pointer and as
// si_call_addr of a SECCOMP_RET_TRAP SIGSYS (populate_seccomp_data, force_sig_seccomp), so the
// caller learns it here to rebuild the exact seccomp_data the filters saw.
#pragma once

#include <cstdint>

#include "vm/bpf.h"

namespace sckit::live {

struct RawSyscallResult {
  int64_t ret = 0;        // rax after the instruction: the raw return value, -errno on failure
  uint64_t ip_after = 0;  // address of the instruction following `syscall` (= user regs->ip)
};

// One system call with the full 64-bit number (the kernel's seccomp path sees its low 32 bits).
// Safe to call in a freshly forked child and from a signal handler: touches no memory but its
// result.
RawSyscallResult RawSyscall6(int64_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0,
                             uint64_t a3 = 0, uint64_t a4 = 0, uint64_t a5 = 0) noexcept;

// The raw return value as a libc-style errno: 1..4095 when ret is -errno, else 0.
inline int RawErrno(int64_t ret) {
  return ret < 0 && ret >= -static_cast<int64_t>(seccomp::kMaxErrno) ? static_cast<int>(-ret) : 0;
}

}  // namespace sckit::live
