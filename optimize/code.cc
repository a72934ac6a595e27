// Code <-> Program and the label builder (see code.h).
#include "optimize/code.h"

#include <string>

#include "vm/bpf.h"

namespace sckit::optimize {

using namespace bpf;  // NOLINT: kernel vocabulary.

bool IsJump(const SockFilter& f) { return Class(f.code) == kJMP; }
bool IsCondJump(const SockFilter& f) { return IsJump(f) && Op(f.code) != kJA; }
bool IsRet(const SockFilter& f) { return Class(f.code) == kRET; }

Code FromProgram(const Program& program) {
  Code code;
  code.reserve(program.size());
  for (size_t i = 0; i < program.size(); ++i) {
    const SockFilter& f = program.insns[i];
    Node n{f, -1, -1};
    const int next = static_cast<int>(i) + 1;
    if (IsCondJump(f)) {
      n.jt = next + f.jt;
      n.jf = next + f.jf;
      n.f.jt = n.f.jf = 0;
    } else if (IsJump(f)) {
      n.jt = next + static_cast<int>(f.k);
      n.f.k = 0;
    }
    code.push_back(n);
  }
  return code;
}

Result<Program> Layout(const Code& code) {
  const int n = static_cast<int>(code.size());
  for (int i = 0; i < n; ++i) {
    const Node& node = code[i];
    if (!IsJump(node.f)) continue;
    const bool bad_t = node.jt <= i || node.jt >= n;
    const bool bad_f = IsCondJump(node.f) && (node.jf <= i || node.jf >= n);
    if (bad_t || bad_f) {
      return MakeError("bad-target", "jump target not ahead of the jump or past the end", i);
    }
  }
  // tramp[i]: bit 0 = jt needs a trampoline, bit 1 = jf needs one. Placed right after node i.
  std::vector<uint8_t> tramp(n, 0);
  std::vector<int> pos(n + 1, 0);
  for (;;) {
    int p = 0;
    for (int i = 0; i < n; ++i) {
      pos[i] = p;
      p += 1 + ((tramp[i] & 1) ? 1 : 0) + ((tramp[i] & 2) ? 1 : 0);
    }
    pos[n] = p;
    if (p > static_cast<int>(kMaxInsns)) {
      return MakeError("too-many-instructions",
                       "the laid-out program has " + std::to_string(p) + " instructions");
    }
    bool changed = false;
    for (int i = 0; i < n; ++i) {
      if (!IsCondJump(code[i].f)) continue;
      if (!(tramp[i] & 1) && pos[code[i].jt] - pos[i] - 1 > 255) tramp[i] |= 1, changed = true;
      if (!(tramp[i] & 2) && pos[code[i].jf] - pos[i] - 1 > 255) tramp[i] |= 2, changed = true;
    }
    if (!changed) break;
  }
  Program out;
  out.insns.reserve(pos[n]);
  for (int i = 0; i < n; ++i) {
    SockFilter f = code[i].f;
    const int here = pos[i];
    if (IsCondJump(f)) {
      int slot = here + 1;
      int t_at = (tramp[i] & 1) ? slot++ : pos[code[i].jt];
      int f_at = (tramp[i] & 2) ? slot++ : pos[code[i].jf];
      f.jt = static_cast<uint8_t>(t_at - here - 1);
      f.jf = static_cast<uint8_t>(f_at - here - 1);
      out.insns.push_back(f);
      int self = here + 1;
      if (tramp[i] & 1) {
        out.insns.push_back(SockFilter{kJMP | kJA, 0, 0,
                                       static_cast<uint32_t>(pos[code[i].jt] - self - 1)});
        ++self;
      }
      if (tramp[i] & 2) {
        out.insns.push_back(SockFilter{kJMP | kJA, 0, 0,
                                       static_cast<uint32_t>(pos[code[i].jf] - self - 1)});
      }
    } else if (IsJump(f)) {
      f.k = static_cast<uint32_t>(pos[code[i].jt] - here - 1);
      f.jt = f.jf = 0;
      out.insns.push_back(f);
    } else {
      out.insns.push_back(f);
    }
  }
  return out;
}

int CodeBuilder::NewLabel() {
  bound_.push_back(-1);
  return static_cast<int>(bound_.size()) - 1;
}

void CodeBuilder::Bind(int label) { bound_[label] = size(); }

void CodeBuilder::Stmt(SockFilter f) { code_.push_back(Node{f, -1, -1}); }

void CodeBuilder::Cond(SockFilter f, int jt, int jf) {
  f.jt = f.jf = 0;
  code_.push_back(Node{f, jt, jf});
}

void CodeBuilder::Ja(int label) {
  code_.push_back(Node{SockFilter{kJMP | kJA, 0, 0, 0}, label, -1});
}

Result<Code> CodeBuilder::Finish() const {
  Code out = code_;
  for (int i = 0; i < static_cast<int>(out.size()); ++i) {
    Node& n = out[i];
    if (!IsJump(n.f)) continue;
    for (int* t : {&n.jt, &n.jf}) {
      if (t == &n.jf && !IsCondJump(n.f)) continue;
      const int target = bound_[*t];
      if (target <= i || target >= static_cast<int>(out.size())) {
        return MakeError("bad-label", "label unbound or not ahead of its jump", i);
      }
      *t = target;
    }
  }
  return out;
}

}  // namespace sckit::optimize
