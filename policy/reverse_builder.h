// Builds a classic BPF program back to front, so every jump target already exists when a jump
// is emitted and its distance is known: labels are positions counted from the end. A
// conditional jump whose target is farther than 255 instructions goes through a `ja`
// trampoline emitted right after it; a load whose successor is not the next instruction gets a
// `ja` too. Equal `ret` values are emitted once and shared. The policy compiler's only way to
// write instructions (rules_compile.cc).
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "vm/program.h"

namespace sckit::policy {

class ReverseBuilder {
 public:
  using Label = uint32_t;  // 0 = the last instruction of the program

  // `ret #k` (shared with earlier identical rets).
  Label Ret(uint32_t k);
  // `ld [offset]` (a 32-bit word of seccomp_data), then continue at `next`.
  Label Load(uint32_t offset, Label next);
  // `jmp op #k, t, f` for op in JEQ, JGT, JGE, JSET; no instruction when t == f.
  Label Jump(uint16_t op, uint32_t k, Label t, Label f);
  // An unconditional `ja` to target (none when target is the next instruction).
  Label Goto(Label target);

  size_t size() const { return rev_.size(); }
  // The program, first instruction first.
  Program Finish() const;

 private:
  Label Emit(const SockFilter& insn);
  // The distance a jump emitted now would need to reach `target`.
  uint32_t Distance(Label target) const { return static_cast<uint32_t>(rev_.size()) - target - 1; }
  bool IsNext(Label target) const { return !rev_.empty() && target == rev_.size() - 1; }

  std::vector<SockFilter> rev_;
  std::map<uint32_t, Label> rets_;
};

}  // namespace sckit::policy
