// A classic BPF program as loaded: a sequence of struct sock_filter, unverified. Anything can be
// in it (unknown opcodes, jumps past the end, 5000 instructions); only the verifier
// (verifier/verifier.h) turns it into something that may be run or compiled.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "vm/bpf.h"

namespace sckit {

struct Program {
  std::vector<SockFilter> insns;

  size_t size() const { return insns.size(); }
  bool empty() const { return insns.empty(); }
  friend bool operator==(const Program&, const Program&) = default;
};

// Shorthands mirroring the kernel's BPF_STMT / BPF_JUMP macros.
constexpr SockFilter Stmt(uint16_t code, uint32_t k) { return SockFilter{code, 0, 0, k}; }
constexpr SockFilter Jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) {
  return SockFilter{code, jt, jf, k};
}

}  // namespace sckit
