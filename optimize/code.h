// The optimizer's working form of a filter: instructions in layout order whose jump targets are
// absolute indices (Code), a label-based builder for generating new code (CodeBuilder), and the
// layout step back to classic BPF (Layout), which turns absolute targets into the 8-bit
// conditional offsets and 32-bit `ja` offsets of struct sock_filter, inserting `ja`
// trampolines where a conditional target is farther than 255 instructions.
#pragma once

#include <cstdint>
#include <vector>

#include "vm/program.h"
#include "vm/status.h"

namespace sckit::optimize {

// One instruction. For conditional jumps jt/jf are the absolute indices of the targets; for JA,
// jt is the target (jf unused); for every other instruction both are -1 and control falls
// through to the next index (RET ends). Targets are always greater than the own index.
struct Node {
  SockFilter f;
  int jt = -1;
  int jf = -1;
};

using Code = std::vector<Node>;

bool IsJump(const SockFilter& f);       // JMP class (JA or conditional)
bool IsCondJump(const SockFilter& f);   // JMP class other than JA
bool IsRet(const SockFilter& f);

// Absolute targets from a program's relative offsets (the program must have jumps in range).
Code FromProgram(const Program& program);

// Relative offsets, with trampolines for conditional targets more than 255 ahead. Fails on a
// backward or out-of-range target, or when the result exceeds 4096 instructions.
Result<Program> Layout(const Code& code);

// Builds Code with symbolic labels: Jump targets are labels, bound to the next emitted node.
class CodeBuilder {
 public:
  int NewLabel();
  void Bind(int label);
  // A non-jump instruction.
  void Stmt(SockFilter f);
  // A conditional jump (f.code is JMP|op|src) to labels jt / jf.
  void Cond(SockFilter f, int jt, int jf);
  void Ja(int label);
  int size() const { return static_cast<int>(code_.size()); }
  // Resolves labels; fails if one was never bound or a target is not ahead.
  Result<Code> Finish() const;

 private:
  Code code_;                 // jt/jf hold labels until Finish()
  std::vector<int> bound_;    // label -> node index, -1 while unbound
};

}  // namespace sckit::optimize
