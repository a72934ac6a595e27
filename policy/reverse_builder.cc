// Back-to-front BPF emission (see reverse_builder.h).
#include "policy/reverse_builder.h"

#include <algorithm>

#include "vm/bpf.h"

namespace sckit::policy {

using namespace bpf;  // NOLINT: kernel vocabulary.

ReverseBuilder::Label ReverseBuilder::Emit(const SockFilter& insn) {
  rev_.push_back(insn);
  return static_cast<Label>(rev_.size() - 1);
}

ReverseBuilder::Label ReverseBuilder::Ret(uint32_t k) {
  auto it = rets_.find(k);
  if (it != rets_.end()) return it->second;
  const Label l = Emit(Stmt(kRET | kK, k));
  rets_[k] = l;
  return l;
}

ReverseBuilder::Label ReverseBuilder::Goto(Label target) {
  if (IsNext(target)) return target;
  return Emit(Stmt(kJMP | kJA, Distance(target)));
}

ReverseBuilder::Label ReverseBuilder::Load(uint32_t offset, Label next) {
  Goto(next);
  return Emit(Stmt(kLD | kW | kABS, offset));
}

ReverseBuilder::Label ReverseBuilder::Jump(uint16_t op, uint32_t k, Label t, Label f) {
  if (t == f) return t;
  // A trampoline for each far target; the second one pushes the first one's distance by one.
  if (Distance(t) > 255) t = Emit(Stmt(kJMP | kJA, Distance(t)));
  if (Distance(f) > 255) f = Emit(Stmt(kJMP | kJA, Distance(f)));
  return Emit(sckit::Jump(kJMP | op | kK, k, static_cast<uint8_t>(Distance(t)),
                   static_cast<uint8_t>(Distance(f))));
}

Program ReverseBuilder::Finish() const {
  Program p;
  p.insns.assign(rev_.rbegin(), rev_.rend());
  return p;
}

}  // namespace sckit::policy
