// Chains of `jeq #k` compares, the shape that dominates seccomp filters: libseccomp's lists
// ("jeq #nr jt ALLOW" with each miss falling to the next compare) and jeq/ret pairs ("jeq #nr,
// 0, 1; ret ..."). Nothing between two compares of a chain changes A, so the whole chain is one
// multi-way branch on A: the first compare that matches decides, and no match goes where the
// last miss goes. Both engines lower a chain into a lookup (vm/prepared_filter.h, jit/).
#pragma once

#include <cstdint>
#include <vector>

#include "vm/program.h"

namespace sckit {

struct JeqChain {
  struct Case {
    uint32_t key;     // a compared constant
    uint32_t target;  // pc the first compare with this key jumps to when A == key
  };
  uint32_t head = 0;         // pc of the first compare
  std::vector<Case> cases;   // one per distinct key, ascending
  uint32_t miss = 0;         // pc reached when A matches no key
  uint32_t compares = 0;     // compares in the chain, duplicates included
};

// max key - min key + 1, the length of a table indexed by A - min key.
uint64_t KeySpan(const JeqChain& chain);
// Whether such a table is worth building: at most 4096 entries, and small in absolute terms
// (<= 512) or next to the number of keys (<= 8 per key). Syscall numbers pass: 60 keys over
// 0..450; arbitrary 32-bit constants do not.
bool FitsDenseTable(const JeqChain& chain);
// Entries over all of one program's tables, at most: chains can share tails, so without it a
// 4096-instruction program could ask for thousands of 512-entry tables. A chain that would go
// over it is lowered another way.
inline constexpr uint64_t kDenseTableEntryBudget = 64 * 1024;

// What both engines lower: chains of at least 4 distinct keys (shorter ones are as fast as
// compares), and at most 3 x 4096 keys over all of a program's chains.
inline constexpr uint32_t kMinChainKeys = 4;
inline constexpr uint32_t kChainKeyBudget = 3 * 4096;

// The chains of a verified program that start at a `jeq #k` no other `jeq #k` misses into
// (one entered in the middle is a suffix; its compares still run one by one), with at least
// `min_keys` distinct keys, in ascending head order. Chains can share a tail; once the keys
// over all chains returned would exceed `key_budget`, later chains are left out.
std::vector<JeqChain> FindJeqChains(const VerifiedProgram& program, uint32_t min_keys,
                                    uint32_t key_budget);

}  // namespace sckit
