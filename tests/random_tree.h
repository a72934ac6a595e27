// Random trees of constant compares (vm/jeq_chains.h FindCompareTrees), the shape both engines
// lower into range lookups: `jgt`/`jge`/`jeq #k` and `ja` nodes on one loaded word, wired as any
// forward DAG (binary searches, shared subtrees, matches that go on to further compares), left
// through `ret #k`, `ret A` or a `jset` (a jump that is no tree node), with keys dense
// (syscall-like), near the top of the word, at 0 and 0xffffffff, or anywhere; sometimes a
// `jset` first that enters the tree in the middle. KeyRecords(rng, keys, n, kWordEnds)
// (tests/random_program.h) gives every bound +-1.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "tests/random_program.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/program.h"
#include "vm/seccomp_data.h"

namespace sckit::testing {

inline Program RandomTreeProgram(std::mt19937& rng, std::vector<uint32_t>* keys) {
  using namespace bpf;  // NOLINT
  for (;;) {
    keys->clear();
    const int mode = static_cast<int>(rng() % 4);
    const uint32_t span = 8 + rng() % 600;
    auto key = [&]() -> uint32_t {
      switch (rng() % 12) {
        case 0: return 0;
        case 1: return 0xffffffffu;
        default: break;
      }
      if (mode == 0) return rng() % span;                 // syscall numbers
      if (mode == 1) return 0xffffffffu - rng() % span;   // the top of the word
      if (mode == 2) return 0x40000000u + rng() % span;   // x32-like
      return static_cast<uint32_t>(rng());                // anywhere: sparse
    };
    const size_t nodes = 3 + rng() % 80;
    const size_t exits = 1 + rng() % 6;
    const bool enter_middle = rng() % 3 == 0;
    const size_t head = 1 + (enter_middle ? 1 : 0);
    // Layout: ld; [jset -> middle]; nodes; exits (ret #k | ret A | jset -> two rets).
    const size_t exit_at = head + nodes;
    std::vector<size_t> exit_pcs;
    size_t pc = exit_at;
    std::vector<bool> exit_is_jset;
    for (size_t e = 0; e < exits; ++e) {
      exit_pcs.push_back(pc);
      const bool jset = rng() % 5 == 0;
      exit_is_jset.push_back(jset);
      pc += jset ? 3 : 1;
    }
    // Targets of node i: a later node (mostly near, as trees are laid out) or an exit.
    auto target = [&](size_t i) -> size_t {
      if (i + 1 < nodes && rng() % 3 != 0) {
        const size_t reach = std::min<size_t>(nodes - i - 1, 1 + rng() % 24);
        return head + i + 1 + rng() % reach;
      }
      return exit_pcs[rng() % exits];
    };
    Program p;
    p.insns.push_back(Stmt(kLD | kW | kABS, rng() % 2 ? 0 : 16));
    if (enter_middle) p.insns.push_back(Jump(kJMP | kJSET | kK, 1, 0, 0));  // patched below
    bool fits = true;
    for (size_t i = 0; i < nodes; ++i) {
      const size_t at = head + i;
      auto off = [&](size_t to) {
        const size_t d = to - at - 1;
        if (d > 255) fits = false;
        return static_cast<uint8_t>(d);
      };
      const uint32_t r = rng() % 16;
      if (r == 0 && i > 0) {  // ja (never the head: heads are compares)
        p.insns.push_back(Stmt(kJMP | kJA, static_cast<uint32_t>(target(i) - at - 1)));
        continue;
      }
      const uint16_t op = r < 7 ? kJGE : r < 11 ? kJGT : kJEQ;
      const uint32_t k = key();
      keys->push_back(k);
      p.insns.push_back(Jump(kJMP | op | kK, k, off(target(i)), off(target(i))));
    }
    for (size_t e = 0; e < exits; ++e) {
      if (exit_is_jset[e]) {
        p.insns.push_back(Jump(kJMP | kJSET | kK, 1u << (rng() % 32), 0, 1));
        p.insns.push_back(Stmt(kRET | kK, RandomRet(rng)));
      }
      p.insns.push_back(rng() % 4 == 0 ? Stmt(kRET | kRetA, 0) : Stmt(kRET | kK, RandomRet(rng)));
    }
    if (enter_middle) {
      const size_t middle = head + 1 + rng() % (nodes - 1);
      p.insns[1].jt = static_cast<uint8_t>(middle - 2);
      if (middle - 2 > 255) fits = false;
    }
    if (fits && Verify(p).ok()) return p;
  }
}

// The ends of a word, for KeyRecords' `extra`: with every key and its neighbours they are the
// bounds of every range a tree compares.
inline const std::vector<uint32_t> kWordEnds = {0, 1, 0xffffffffu, 0xfffffffeu};

}  // namespace sckit::testing
