// The prefix of a filter, for re-synthesis (optimize/resynth.h; internal to it): the part
// that depends only on arch and nr. CollectBounds finds the constants that prefix compares nr
// and arch with (the segment bounds), Liveness which registers and scratch words each pc still
// reads, and Frontier runs the prefix with a concrete (arch, nr) up to its frontier: a constant
// return, or the first instruction that depends on anything else, with the live state there.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "vm/program.h"

namespace sckit::optimize::resynth {

// A register value the prefix knows: a constant, nr or arch (or unset: not live / unknown).
enum class VK : uint8_t { kUnset, kConst, kNr, kArch };
struct Val {
  VK kind = VK::kUnset;
  uint32_t v = 0;
  auto key() const { return std::make_pair(kind, kind == VK::kConst ? v : 0u); }
};

// Where the prefix ends for one (arch, nr) region.
struct Leaf {
  int pc = -1;          // frontier in the original; -1 for a constant return
  uint32_t ret = 0;     // when pc == -1
  Val a, x, m[16];      // the live state at the frontier (unset when not live)
  std::string Key() const;
};

// Segment bounds: every constant a jeq/jgt/jge may compare nr (arch) with, and the next value.
void CollectBounds(const Program& p, std::set<uint32_t>* nr, std::set<uint32_t>* arch);

// Per pc, what is still read from there on (bit 0 A, bit 1 X, bit 2+i M[i]); size n + 1.
std::vector<uint32_t> Liveness(const Program& p);

// The frontier of `p` for (arch, nr); `live` is Liveness(p).
Leaf Frontier(const Program& p, const std::vector<uint32_t>& live, uint32_t arch, uint32_t nr);

}  // namespace sckit::optimize::resynth
