// The kernel's constant-action cache (kernel/seccomp.c, since 5.11): at attach time the kernel
// emulates each new filter on {nr, arch} for every syscall number of the native and compat
// arch (seccomp_cache_prepare_bitmap); a bit stays set only if the filter certainly returns
// exactly SECCOMP_RET_ALLOW, and only if it was set for the previous filter. At syscall entry a
// set bit in the newest filter's bitmap means ALLOW without running any filter.
//
// seccomp_is_filter_const_allow() emulates the ORIGINAL program with A = 0 and understands only
// LD|W|ABS of nr (offset 0) or arch (offset 4), RET|K (true iff k == 0x7fff0000, so ALLOW with
// data is not cached), JA, JEQ/JGE/JGT/JSET with K, and ALU AND with K; anything else on the
// path gives up (not cached). Since 6.14/6.18 (seccomp_uprobe_exception) native uretprobe and
// uprobe are always "const allow", so they pass every filter.
#pragma once

#include <cstdint>
#include <vector>

#include "vm/program.h"

namespace sckit::analysis {

// seccomp_is_filter_const_allow() on one original program.
bool IsFilterConstAllow(const Program& original, uint32_t arch, int32_t nr);

struct CacheKernel {
  uint32_t native_arch = 0xC000003E;   // SECCOMP_ARCH_NATIVE (x86-64)
  uint32_t compat_arch = 0x40000003;   // SECCOMP_ARCH_COMPAT (ia32)
  bool uretprobe_exception = true;     // native nr 335 always allowed (6.14+)
  bool uprobe_exception = true;        // native nr 336 always allowed (6.18+)
};

// Whether the kernel would let (arch, nr) through the stack (oldest first) from the cache
// without running any filter. Only the native and compat arches have bitmaps; numbers < 0 are
// never cached (callers pass numbers inside the bitmap: the kernel's NR_syscalls).
bool StackCachedAllow(const std::vector<const Program*>& stack, uint32_t arch, int32_t nr,
                      const CacheKernel& kernel = {});

}  // namespace sckit::analysis
