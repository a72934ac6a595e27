// The bare x86-64 `syscall` instruction, no libc wrapper (live/raw_syscall.h).
#include "live/raw_syscall.h"

#if !defined(__x86_64__)
#error "live/raw_syscall.cc issues the x86-64 syscall instruction; port it for this target"
#endif

namespace sckit::live {

// Not inlined so the instruction exists once and its address is stable for all callers.
__attribute__((noinline)) RawSyscallResult RawSyscall6(int64_t nr, uint64_t a0, uint64_t a1,
                                                       uint64_t a2, uint64_t a3, uint64_t a4,
                                                       uint64_t a5) noexcept {
  register uint64_t r10 asm("r10") = a3;
  register uint64_t r8 asm("r8") = a4;
  register uint64_t r9 asm("r9") = a5;
  int64_t rax = nr;
  uint64_t ip;
  asm volatile(
      "leaq 1f(%%rip), %[ip]\n\t"  // lea ip, [rip + label after the syscall]
      "syscall\n\t"                // syscall
      "1:"
      : "+a"(rax), [ip] "=&r"(ip)
      : "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
      : "rcx", "r11", "memory");
  return RawSyscallResult{rax, ip};
}

}  // namespace sckit::live
