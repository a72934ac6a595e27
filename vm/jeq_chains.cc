#include "vm/jeq_chains.h"

#include <algorithm>

#include "vm/bpf.h"

namespace sckit {

uint64_t KeySpan(const JeqChain& chain) {
  if (chain.cases.empty()) return 0;
  return uint64_t{chain.cases.back().key} - chain.cases.front().key + 1;
}

bool FitsDenseTable(const JeqChain& chain) {
  const uint64_t span = KeySpan(chain);
  return span <= 4096 && span <= std::max<uint64_t>(512, 8 * chain.cases.size());
}

std::vector<JeqChain> FindJeqChains(const VerifiedProgram& program, uint32_t min_keys,
                                    uint32_t key_budget) {
  constexpr uint16_t kJeqK = bpf::kJMP | bpf::kJEQ | bpf::kK;
  const auto insns = program.insns();
  const size_t n = insns.size();
  auto miss_of = [&](size_t pc) { return pc + 1 + insns[pc].jf; };  // in range: verified
  std::vector<bool> inside(n, false);
  for (size_t pc = 0; pc < n; ++pc) {
    if (insns[pc].code == kJeqK && insns[miss_of(pc)].code == kJeqK) inside[miss_of(pc)] = true;
  }
  std::vector<JeqChain> chains;
  uint32_t keys = 0;
  std::vector<JeqChain::Case> walk;
  for (size_t pc = 0; pc < n; ++pc) {
    if (insns[pc].code != kJeqK || inside[pc]) continue;
    JeqChain chain;
    chain.head = static_cast<uint32_t>(pc);
    walk.clear();
    size_t cur = pc;
    for (;;) {  // jumps only go forward, so this ends
      walk.push_back({insns[cur].k, static_cast<uint32_t>(cur + 1 + insns[cur].jt)});
      ++chain.compares;
      if (insns[miss_of(cur)].code != kJeqK) break;
      cur = miss_of(cur);
    }
    chain.miss = static_cast<uint32_t>(miss_of(cur));
    // Ascending keys; of equal keys the first compare in the chain wins (stable sort).
    std::stable_sort(walk.begin(), walk.end(),
                     [](const JeqChain::Case& a, const JeqChain::Case& b) { return a.key < b.key; });
    for (const JeqChain::Case& c : walk) {
      if (chain.cases.empty() || chain.cases.back().key != c.key) chain.cases.push_back(c);
    }
    if (chain.cases.size() < min_keys) continue;
    if (keys + chain.cases.size() > key_budget) break;
    keys += static_cast<uint32_t>(chain.cases.size());
    chains.push_back(std::move(chain));
  }
  return chains;
}

}  // namespace sckit
