// A classic BPF program as loaded (Program: a sequence of struct sock_filter, unverified;
// anything can be in it: unknown opcodes, jumps past the end, 5000 instructions) and as the
// kernel runs it (VerifiedProgram). VerifiedProgram is declared here so that the machine never
// looks up at the verifier, but only Verify() (verifier/verifier.h) can make one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "vm/bpf.h"
#include "vm/status.h"

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

// The internal opcode seccomp_check_filter() rewrites LD|W|ABS into: "A = u32 at
// seccomp_data + k". BPF_LDX|BPF_W|BPF_ABS is not a valid user opcode, so it cannot collide.
inline constexpr uint16_t kSeccompLoadData = bpf::kLDX | bpf::kW | bpf::kABS;  // 0x21

class VerifiedProgram {
 public:
  // The program as the user gave it (what PTRACE_SECCOMP_GET_FILTER returns).
  const Program& original() const { return original_; }
  // The program as the kernel runs it, after seccomp_check_filter()'s rewrites. Guarantees the
  // engines rely on: 1 <= size <= 4096; every code is one of the seccomp-allowed codes, with
  // kSeccompLoadData instead of LD|W|ABS (k < 64, k % 4 == 0) and LD/LDX|IMM instead of LEN;
  // DIV|K has k != 0; LSH/RSH|K have k < 32; M[] indexes < 16; every jump lands inside the
  // program; the last instruction is RET; no scratch word is read before it is written.
  std::span<const SockFilter> insns() const { return runtime_; }
  size_t size() const { return runtime_.size(); }
  // prog->len after bpf_migrate_filter(): the count seccomp_attach_filter() sums.
  uint32_t converted_len() const { return converted_len_; }

 private:
  friend Result<VerifiedProgram> Verify(const Program& program);
  VerifiedProgram() = default;

  Program original_;
  std::vector<SockFilter> runtime_;
  uint32_t converted_len_ = 0;
};

}  // namespace sckit
