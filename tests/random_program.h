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

// A random program built around chains of `jeq #k` (vm/jeq_chains.h), the shape the
// engines lower into lookups: dense, sparse and wrapping key sets with duplicates; libseccomp
// style (each miss falls to the next compare) and jeq/ret pairs, mixed; a jump into the middle
// of the chain; a second chain that misses into the middle of the first (a shared tail); some
// compares whose match goes on to the next compare. `keys` receives every compared constant.
inline Program RandomChainProgram(std::mt19937& rng, std::vector<uint32_t>* keys) {
  using namespace bpf;  // NOLINT
  constexpr int kNone = -1;
  struct Ins {
    SockFilter f;
    int jt = kNone;  // absolute targets, resolved into offsets at the end
    int jf = kNone;
  };
  for (;;) {
    keys->clear();
    std::vector<Ins> v;
    const int mode = static_cast<int>(rng() % 4);
    const uint32_t base = mode == 0 ? rng() % 64 : mode == 1 ? 0x40000000u : 0xffffff00u;
    const uint32_t span = 4 + rng() % 700;
    auto key = [&]() -> uint32_t {
      if (mode == 3) return rng() % 5 == 0 ? 0u : static_cast<uint32_t>(rng());
      const uint32_t k = base + rng() % span;  // mode 2 wraps past 0xffffffff on purpose
      return k;
    };
    const int rets = 1 + static_cast<int>(rng() % 6);
    // Compares jump to "ret #i" at the end: encoded as kNone - 1 - i until the end is known.
    auto end_ret = [&]() { return kNone - 1 - static_cast<int>(rng() % rets); };
    v.push_back({Stmt(kLD | kW | kABS, rng() % 2 ? 0 : 16)});
    const bool entry_jump = rng() % 2;
    const size_t entry_at = v.size();
    if (entry_jump) v.push_back({Jump(kJMP | kJGT | kK, key(), 0, 0)});
    const bool second = rng() % 2;
    const size_t second_len = second ? 4 + rng() % 12 : 0;
    const size_t second_at = v.size();
    for (size_t i = 0; i < second_len; ++i) {
      const uint32_t k = key();
      keys->push_back(k);
      v.push_back({Jump(kJMP | kJEQ | kK, k, 0, 0), static_cast<int>(second_at + second_len),
                   static_cast<int>(v.size() + 1)});
    }
    const int style = static_cast<int>(rng() % 3);  // 0: jf = next, 1: jeq/ret pairs, 2: mixed
    const size_t compares = 1 + rng() % (style == 1 ? 400 : 110);
    std::vector<size_t> chain;
    for (size_t i = 0; i < compares; ++i) {
      const uint32_t k = i > 0 && rng() % 10 == 0 ? v[chain[rng() % chain.size()]].f.k : key();
      keys->push_back(k);
      chain.push_back(v.size());
      const bool pair = style == 1 || (style == 2 && rng() % 2);
      const bool last = i + 1 == compares;
      if (pair) {
        const int miss = last ? end_ret() : static_cast<int>(v.size() + 2);
        v.push_back({Jump(kJMP | kJEQ | kK, k, 0, 0), static_cast<int>(v.size() + 1), miss});
        v.push_back({Stmt(kRET | kK, RandomRet(rng))});
      } else {
        const int miss = last ? end_ret() : static_cast<int>(v.size() + 1);
        const int hit = rng() % 12 == 0 && !last ? miss : end_ret();
        v.push_back({Jump(kJMP | kJEQ | kK, k, 0, 0), hit, miss});
      }
    }
    const size_t mid = chain[rng() % std::min<size_t>(chain.size(), 60)];
    if (entry_jump) {
      v[entry_at].jt = static_cast<int>(mid);
      v[entry_at].jf = static_cast<int>(entry_at + 1);
    }
    if (second) v[second_at + second_len - 1].jf = static_cast<int>(mid);
    const size_t rets_at = v.size();
    for (int i = 0; i < rets; ++i) {
      v.push_back({rng() % 5 == 0 ? Stmt(kRET | kRetA, 0) : Stmt(kRET | kK, RandomRet(rng))});
    }
    Program p;
    bool fits = true;
    for (size_t pc = 0; pc < v.size(); ++pc) {
      SockFilter f = v[pc].f;
      if (Class(f.code) == kJMP && Op(f.code) != kJA) {
        auto offset = [&](int target) -> int64_t {
          if (target < kNone) target = static_cast<int>(rets_at) + (kNone - 1 - target);
          return static_cast<int64_t>(target) - static_cast<int64_t>(pc) - 1;
        };
        const int64_t jt = offset(v[pc].jt);
        const int64_t jf = offset(v[pc].jf);
        if (jt < 0 || jt > 255 || jf < 0 || jf > 255) fits = false;
        f.jt = static_cast<uint8_t>(jt);
        f.jf = static_cast<uint8_t>(jf);
      }
      p.insns.push_back(f);
    }
    if (fits && Verify(p).ok()) return p;
  }
}

// Thousands of short jeq chains whose keys span ~400-600 values, sharing tails: groups of 200
// heads `jeq #(400 + j) -> ret g, miss -> T0` and a tail T0..T3 (`jeq #0..#3` to `ret g` or
// `ret 999`, last miss `ret 999`). Each head's chain fits a dense table on its own; all of them would not.
inline Program ManyChainsProgram() {
  using namespace bpf;  // NOLINT
  Program p;
  auto& i = p.insns;
  i.push_back(Stmt(kLD | kW | kABS, 0));
  constexpr uint32_t kHeads = 200;
  for (uint32_t g = 0; i.size() + kHeads + 6 <= 4096; ++g) {
    const size_t first = i.size();
    const size_t tail = first + kHeads;
    const size_t ret_g = tail + 4;
    for (uint32_t j = 0; j < kHeads; ++j) {
      const size_t pc = first + j;
      i.push_back(Jump(kJMP | kJEQ | kK, 400 + j, static_cast<uint8_t>(ret_g - pc - 1),
                       static_cast<uint8_t>(tail - pc - 1)));
    }
    for (uint32_t t = 0; t < 4; ++t) {
      // Even keys to ret g, odd ones to ret 999: no target has 4 keys, so no bit tests.
      const uint8_t jt = static_cast<uint8_t>(t % 2 == 0 ? 3 - t : 4 - t);
      i.push_back(Jump(kJMP | kJEQ | kK, t, jt, t == 3 ? 1 : 0));
    }
    i.push_back(Stmt(kRET | kK, g));
    i.push_back(Stmt(kRET | kK, 999));
  }
  return p;
}

// Records for a program of constant compares (RandomChainProgram, RandomTreeProgram): the
// `extra` words, each key and its neighbours, and `random` other values, each as the syscall
// number and as args[0].lo (the two words those programs compare), the rest random.
inline std::vector<SeccompData> KeyRecords(std::mt19937& rng, const std::vector<uint32_t>& keys,
                                           int random, const std::vector<uint32_t>& extra = {}) {
  std::vector<uint32_t> words = extra;
  for (uint32_t k : keys) words.insert(words.end(), {k, k + 1, k - 1});
  for (int i = 0; i < random; ++i) words.push_back(static_cast<uint32_t>(rng()));
  std::vector<SeccompData> out;
  for (uint32_t w : words) {
    SeccompData d = RandomRecord(rng);
    d.nr = static_cast<int32_t>(w);
    d.args[0] = (d.args[0] & ~uint64_t{0xffffffff}) | w;
    out.push_back(d);
  }
  return out;
}

}  // namespace sckit::testing
