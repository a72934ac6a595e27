// The kernel's constant-action cache emulated per filter and per stack (analysis/cache.h).
#include "analysis/cache.h"

#include "vm/bpf.h"

namespace sckit::analysis {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

bool UprobeException(uint32_t arch, int32_t nr, const CacheKernel& kernel) {
  if (arch != kernel.native_arch) return false;
  return (kernel.uretprobe_exception && nr == 335) || (kernel.uprobe_exception && nr == 336);
}

}  // namespace

bool IsFilterConstAllow(const Program& original, uint32_t arch, int32_t nr) {
  uint32_t reg_value = 0;
  const uint32_t len = static_cast<uint32_t>(original.size());
  for (uint32_t pc = 0; pc < len; ++pc) {
    const SockFilter& insn = original.insns[pc];
    const uint32_t k = insn.k;
    switch (insn.code) {
      case kLD | kW | kABS:
        if (k == 0) {
          reg_value = static_cast<uint32_t>(nr);
        } else if (k == 4) {
          reg_value = arch;
        } else {
          return false;  // a non-constant load
        }
        break;
      case kRET | kK:
        return k == seccomp::kRetAllow;
      case kJMP | kJA:
        pc += k;
        break;
      case kJMP | kJEQ | kK:
      case kJMP | kJGE | kK:
      case kJMP | kJGT | kK:
      case kJMP | kJSET | kK: {
        bool taken;
        switch (Op(insn.code)) {
          case kJEQ: taken = reg_value == k; break;
          case kJGE: taken = reg_value >= k; break;
          case kJGT: taken = reg_value > k; break;
          default: taken = (reg_value & k) != 0; break;
        }
        pc += taken ? insn.jt : insn.jf;
        break;
      }
      case kALU | kAND | kK:
        reg_value &= k;
        break;
      default:
        return false;  // an instruction the emulator does not model
    }
  }
  return false;  // ran off the end (the kernel WARNs)
}

bool StackCachedAllow(const std::vector<const Program*>& stack, uint32_t arch, int32_t nr,
                      const CacheKernel& kernel) {
  if (nr < 0 || stack.empty()) return false;
  if (arch != kernel.native_arch && arch != kernel.compat_arch) return false;
  if (UprobeException(arch, nr, kernel)) return true;
  for (const Program* p : stack) {
    if (!IsFilterConstAllow(*p, arch, nr)) return false;
  }
  return true;
}

}  // namespace sckit::analysis
