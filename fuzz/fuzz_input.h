// Shared by the structured fuzz targets (jit_diff, stack): turns arbitrary bytes into seccomp
// programs and records, so that most inputs reach the engines instead of dying in the verifier.
//   - ByteReader: consumes the input front to back; past the end every read yields zeros, so any
//     byte string (including the empty one) is a valid input and a longer one only refines it.
//   - StructuredProgram: opcodes drawn from the seccomp allow-list (vm/opcodes.h), operands
//     fixed up into range most of the time (loads at k % 4 == 0 below 64, jumps inside the
//     program, shifts < 32, DIV by a nonzero constant) and left raw now and then, so the
//     verifier's rejections are exercised too. A `jeq #k` now and then starts a chain: the next
//     4 to 27 instructions are `jeq #k` too, each missing to the next (jf = 0), with keys near
//     one base, the shape both engines lower into lookups (vm/jeq_chains.h).
//   - Records: words taken either from the input or from the program's own constants (and
//     their neighbours), so compares go both ways.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "vm/bpf.h"
#include "vm/opcodes.h"
#include "vm/program.h"
#include "vm/seccomp_data.h"

namespace sckit::fuzz {

class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  uint8_t U8() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint32_t U32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(U8()) << (8 * i);
    return v;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// The codes seccomp_check_filter() accepts, in table order.
inline const std::vector<uint16_t>& SeccompCodes() {
  static const std::vector<uint16_t> codes = [] {
    std::vector<uint16_t> out;
    for (const OpcodeInfo& info : AllOpcodes()) {
      if (info.classic && info.seccomp) out.push_back(info.code);
    }
    return out;
  }();
  return codes;
}

inline Program StructuredProgram(ByteReader& in, size_t max_len) {
  using namespace bpf;  // NOLINT: kernel vocabulary.
  const std::vector<uint16_t>& codes = SeccompCodes();
  const size_t len = 1 + in.U8() % max_len;
  Program p;
  size_t chain_left = 0;  // chain compares still to emit
  uint32_t chain_base = 0;
  for (size_t pc = 0; pc < len; ++pc) {
    const size_t remaining = len - pc - 1;  // instructions after this one
    const uint8_t pick = in.U8();
    const bool raw = (pick & 0xE0) == 0xE0;  // 1 in 8: keep the operands as they come
    uint16_t code = codes[pick % codes.size()];
    if (chain_left > 0 && remaining > 0) code = kJMP | kJEQ | kK;
    if (pc + 1 == len && !raw) code = in.U8() % 4 == 0 ? (kRET | kRetA) : (kRET | kK);
    SockFilter f{code, in.U8(), in.U8(), in.U32()};
    // One `jeq #k` in four (by its jt byte, which the input chooses freely) starts a chain.
    if (code == (kJMP | kJEQ | kK) && chain_left == 0 && (f.jt & 3) == 0) {
      chain_left = 4 + in.U8() % 24;
      chain_base = f.k;
    }
    if (code == (kJMP | kJEQ | kK) && chain_left > 0) {
      --chain_left;
      f.k = chain_base + in.U8() % 96;  // may wrap past 0xffffffff
      f.jf = 0;
    }
    if (!raw) {
      const uint16_t cls = Class(code);
      if (code == (kLD | kW | kABS)) f.k = 4 * (f.k % 16);
      if (code == (kLD | kMEM) || code == (kLDX | kMEM) || code == kST || code == kSTX) {
        f.k %= 16;
      }
      if (cls == kALU && Src(code) == kK) {
        if (Op(code) == kDIV && f.k == 0) f.k = 1;
        if (Op(code) == kLSH || Op(code) == kRSH) f.k %= 32;
      }
      if (cls == kJMP) {
        const uint32_t span = static_cast<uint32_t>(remaining == 0 ? 1 : remaining);
        if (Op(code) == kJA) {
          f.k %= span;
        } else {
          f.jt = static_cast<uint8_t>(f.jt % std::min<uint32_t>(span, 256));
          f.jf = static_cast<uint8_t>(f.jf % std::min<uint32_t>(span, 256));
        }
      }
    }
    p.insns.push_back(f);
  }
  return p;
}

// Interesting 32-bit values of a program: its constants and their neighbours.
inline std::vector<uint32_t> ConstantPool(const Program& p) {
  std::vector<uint32_t> pool = {0, 1, 0xffffffff, 0x80000000, 0xc000003e};
  for (const SockFilter& f : p.insns) {
    pool.push_back(f.k);
    pool.push_back(f.k + 1);
    pool.push_back(f.k - 1);
  }
  return pool;
}

// `count` records; each word is an input word or a pool value, as the input decides.
inline std::vector<SeccompData> Records(ByteReader& in, const std::vector<uint32_t>& pool,
                                        size_t count) {
  std::vector<SeccompData> out(count);
  for (SeccompData& d : out) {
    uint32_t words[16];
    for (uint32_t& w : words) {
      const uint8_t how = in.U8();
      w = (how & 1) ? pool[(how >> 1) % pool.size()] : in.U32();
    }
    std::memcpy(&d, words, sizeof d);
  }
  return out;
}

}  // namespace sckit::fuzz
