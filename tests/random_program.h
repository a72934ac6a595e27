// Random seccomp programs for property tests: mostly realistic shapes (loads of nr/arch/args,
// compares against nearby constants, ALU on loaded words, scratch memory, every return action)
// that the verifier accepts, so every engine and analysis can be compared on them.
#pragma once

#include <cstdint>
#include <random>
#include <cstring>
#include <algorithm>
#include <vector>

#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/program.h"
#include "vm/seccomp_data.h"

namespace sckit::testing {

struct RandomProgramOptions {
  int min_len = 2;
  int max_len = 40;
  // Constants compared with are drawn from this pool (plus random values), so that random
  // records hit both branches.
  std::vector<uint32_t> pool = {0, 1, 2, 3, 59, 257, 0xc000003e, 0x40000003, 0x40000000,
                                0xffffffff, 0x80000000, 0x7fffffff};
};

inline uint32_t RandomRet(std::mt19937& rng) {
  static const uint32_t kActions[] = {0x7fff0000, 0x7ffc0000, 0x7ff00000, 0x7fc00000,
                                      0x00050000, 0x00030000, 0x00000000, 0x80000000,
                                      0x10000000, 0x7ffe0000};
  const uint32_t action = kActions[rng() % (sizeof kActions / sizeof kActions[0])];
  const uint32_t data = (rng() % 3 == 0) ? (rng() & 0xffff) : (rng() % 8);
  return action | data;
}

// A random program the verifier accepts (retries internally).
inline Program RandomVerifiedProgram(std::mt19937& rng, const RandomProgramOptions& o = {}) {
  using namespace bpf;  // NOLINT
  for (;;) {
    const int len = o.min_len + static_cast<int>(rng() % (o.max_len - o.min_len + 1));
    Program p;
    uint16_t written = 0;  // M[] words stored on every straight-line prefix (conservative)
    for (int pc = 0; pc < len - 1; ++pc) {
      const int remaining = len - pc - 1;  // instructions after this one
      auto k_pool = [&]() {
        return rng() % 3 == 0 ? static_cast<uint32_t>(rng()) : o.pool[rng() % o.pool.size()];
      };
      switch (rng() % 12) {
        case 0:
        case 1:
          p.insns.push_back(Stmt(kLD | kW | kABS, 4 * (rng() % 16)));
          break;
        case 2: {
          static const uint16_t kAlu[] = {kADD, kSUB, kMUL, kDIV, kOR, kAND, kLSH, kRSH, kXOR};
          const uint16_t op = kAlu[rng() % 9];
          const bool x = rng() % 2;
          uint32_t k = k_pool();
          if (!x && op == kDIV && k == 0) k = 1;
          if (!x && (op == kLSH || op == kRSH)) k %= 32;
          p.insns.push_back(Stmt(kALU | op | (x ? kX : kK), k));
          break;
        }
        case 3:
          p.insns.push_back(Stmt(kALU | kNEG, 0));
          break;
        case 4:
          p.insns.push_back(Stmt(rng() % 2 ? (kMISC | kTAX) : (kMISC | kTXA), 0));
          break;
        case 5:
          p.insns.push_back(Stmt(rng() % 2 ? kLDX | kIMM : kLD | kIMM, k_pool()));
          break;
        case 6: {
          const uint32_t m = rng() % 16;
          p.insns.push_back(Stmt(rng() % 2 ? kST : kSTX, m));
          written |= static_cast<uint16_t>(1u << m);
          break;
        }
        case 7:
          if (written) {
            uint32_t m;
            do m = rng() % 16; while (!(written & (1u << m)));
            p.insns.push_back(Stmt(rng() % 2 ? kLD | kMEM : kLDX | kMEM, m));
          } else {
            p.insns.push_back(Stmt(kLD | kLEN, 0));
          }
          break;
        case 8:
          p.insns.push_back(Stmt(kRET | kK, RandomRet(rng)));
          break;
        case 9:
          p.insns.push_back(Stmt(kJMP | kJA, rng() % remaining));
          break;
        default: {
          static const uint16_t kJmp[] = {kJEQ, kJGT, kJGE, kJSET};
          const uint16_t op = kJmp[rng() % 4];
          const bool x = rng() % 4 == 0;
          const uint32_t span = std::min(remaining, 256);
          p.insns.push_back(Jump(kJMP | op | (x ? kX : kK), k_pool(),
                                 static_cast<uint8_t>(rng() % span),
                                 static_cast<uint8_t>(rng() % span)));
          break;
        }
      }
    }
    p.insns.push_back(rng() % 4 == 0 ? Stmt(kRET | kRetA, 0) : Stmt(kRET | kK, RandomRet(rng)));
    if (Verify(p).ok()) return p;
  }
}

// A record whose words come from the same pool, so compares go both ways.
inline SeccompData RandomRecord(std::mt19937& rng, const RandomProgramOptions& o = {}) {
  uint32_t words[16];
  for (uint32_t& w : words) {
    switch (rng() % 3) {
      case 0: w = o.pool[rng() % o.pool.size()]; break;
      case 1: w = static_cast<uint32_t>(rng()); break;
      default: w = rng() % 8; break;
    }
  }
  SeccompData d;
  std::memcpy(&d, words, sizeof d);
  return d;
}

}  // namespace sckit::testing
