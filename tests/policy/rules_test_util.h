// Shared by the policy_rules_* tests: parsing and compiling policy text, records at and around
// every constant a policy names, random policies, and the check that a compiled filter agrees
// with the reference evaluation of the parsed rules (policy/rules_eval.h) on such records.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "policy/rules_compile.h"
#include "policy/rules_eval.h"
#include "policy/rules_parser.h"
#include "policy/rules_resolve.h"
#include "verifier/verifier.h"
#include "vm/interpreter.h"
#include "vm/arch.h"
#include "vm/seccomp_data.h"

namespace sckit::policy::testing {

inline Policy MustParse(const std::string& text, ParseOptions options = {}) {
  Result<Policy> p = ParsePolicyText(text, "t.policy", options);
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message) << "\n" << text;
  return p.ok() ? *p : Policy{};
}

// The error message of a policy that must not parse ("" when it parsed).
inline std::string ParseErrorOf(const std::string& text, ParseOptions options = {}) {
  Result<Policy> p = ParsePolicyText(text, "t.policy", options);
  return p.ok() ? "" : p.error().message;
}

inline std::vector<const ArchInfo*> Arches(std::initializer_list<const char*> names) {
  std::vector<const ArchInfo*> out;
  for (const char* n : names) out.push_back(FindArch(n));
  return out;
}

// Argument values worth trying against constant v: at, around, and the other word changed.
inline void AddAround(uint64_t v, std::set<uint64_t>* out) {
  for (uint64_t x : {v, v - 1, v + 1, ~v, v ^ (uint64_t{1} << 32), v & 0xffffffffu,
                     v | 0xffffffff00000000u, v >> 1, v << 1, v & (v - 1)}) {
    out->insert(x);
  }
}

// Per argument index, the values to try for a syscall's rule.
inline std::vector<std::vector<uint64_t>> ArgPools(const SyscallRule& rule) {
  std::vector<std::set<uint64_t>> sets(6);
  for (auto& s : sets) {
    for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{0xffffffff}, uint64_t{1} << 32,
                       ~uint64_t{0}, uint64_t{0x8000000000000000}}) {
      s.insert(v);
    }
  }
  for (const Filter& f : rule.filters) {
    for (const Clause& c : f.expr) {
      for (const Atom& a : c) AddAround(a.value, &sets[a.arg]);
    }
  }
  std::vector<std::vector<uint64_t>> pools;
  for (const auto& s : sets) pools.emplace_back(s.begin(), s.end());
  return pools;
}

struct Mismatch {
  SeccompData record;
  uint32_t filter = 0;
  uint32_t reference = 0;
};

// Runs the compiled filter and the reference on `samples` records per rule and arch (plus
// numbers next to every rule's, x32 numbers, and a foreign arch); returns the disagreements.
inline std::vector<Mismatch> CompareWithReference(const ResolvedPolicy& resolved,
                                                  const Program& program, int samples,
                                                  uint64_t seed) {
  std::vector<Mismatch> out;
  Result<VerifiedProgram> v = Verify(program);
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().ToString());
  if (!v.ok()) return out;
  std::mt19937_64 rng(seed);
  auto check = [&](const SeccompData& d) {
    const uint32_t got = RunFilter(*v, d), want = EvaluatePolicy(resolved, d);
    if (got != want && out.size() < 20) out.push_back({d, got, want});
  };
  for (const ArchGroup& g : resolved.groups) {
    std::set<uint32_t> numbers = {0, 1, 0x3fffffff, 0x40000000, 0x40000001, 0xffffffff, 999};
    for (const auto& [nr, index] : g.rules) {
      numbers.insert({nr - 1, nr, nr + 1, nr ^ 0x40000000u});
    }
    for (uint32_t nr : numbers) {
      SeccompData d;
      d.arch = g.audit_arch;
      d.nr = static_cast<int32_t>(nr);
      auto it = g.rules.find(nr);
      const int n = it == g.rules.end() ? 2 : samples;
      std::vector<std::vector<uint64_t>> pools;
      if (it != g.rules.end()) pools = ArgPools(ResolvedPolicy::RuleFor(g, nr));
      for (int i = 0; i < n; ++i) {
        for (int a = 0; a < 6; ++a) {
          if (pools.empty() || rng() % 8 == 0) {
            d.args[a] = rng();
          } else {
            d.args[a] = pools[a][rng() % pools[a].size()];
          }
        }
        check(d);
      }
    }
  }
  SeccompData foreign;
  foreign.arch = 0x12345678;
  check(foreign);
  return out;
}

inline std::string Describe(const std::vector<Mismatch>& ms) {
  std::string s;
  char buf[256];
  for (const Mismatch& m : ms) {
    std::snprintf(buf, sizeof buf, "arch=0x%x nr=%d args=%llx,%llx,%llx,%llx: filter 0x%08x, "
                  "reference 0x%08x\n", m.record.arch, m.record.nr,
                  static_cast<unsigned long long>(m.record.args[0]),
                  static_cast<unsigned long long>(m.record.args[1]),
                  static_cast<unsigned long long>(m.record.args[2]),
                  static_cast<unsigned long long>(m.record.args[3]), m.filter, m.reference);
    s += buf;
  }
  return s;
}

// A random policy over a few x86_64 syscalls, every operator, values with and without high
// words, named constants, `~`, `|`, actions and multi-filter rules.
inline std::string RandomPolicyText(std::mt19937_64& rng) {
  static const char* kNames[] = {"read", "write", "openat", "close", "mmap", "mprotect",
                                 "ioctl", "socket", "fcntl", "clone", "futex", "getpid"};
  static const char* kOps[] = {"==", "!=", "<", "<=", ">", ">=", "&", "in"};
  static const char* kValues[] = {"0", "1", "5", "0x7fffffff", "0x80000000", "0xffffffff",
                                  "0x100000000", "0x1ffffffff", "-1", "-100", "PROT_EXEC",
                                  "~PROT_WRITE", "MAP_PRIVATE|MAP_ANONYMOUS", "O_RDWR|O_CLOEXEC",
                                  "0x8000000000000000", "~0", "AF_UNIX", "(3|4)", "010"};
  static const char* kActions[] = {"allow", "kill", "kill-process", "trap", "trace", "log",
                                   "user-notify", "return 1", "return EPERM"};
  std::string text;
  if (rng() % 3 == 0) text += "@default trap\n";
  for (const char* name : kNames) {
    if (rng() % 4 == 0) continue;
    const int filters = 1 + static_cast<int>(rng() % 2);
    for (int f = 0; f < filters; ++f) {
      text += std::string(name) + ": ";
      if (rng() % 5 == 0) {
        text += kActions[rng() % std::size(kActions)];
        text += "\n";
        break;
      }
      const int clauses = 1 + static_cast<int>(rng() % 3);
      for (int c = 0; c < clauses; ++c) {
        if (c > 0) text += " || ";
        const int atoms = 1 + static_cast<int>(rng() % 3);
        for (int a = 0; a < atoms; ++a) {
          if (a > 0) text += " && ";
          text += "arg" + std::to_string(rng() % 6) + " " + kOps[rng() % std::size(kOps)] + " " +
                  kValues[rng() % std::size(kValues)];
        }
      }
      if (rng() % 2 == 0) {
        text += std::string("; ") + kActions[rng() % std::size(kActions)];
        text += "\n";
        break;  // `expr; action` ends the rule in the man-page reading
      }
      text += "\n";
    }
  }
  return text;
}

}  // namespace sckit::policy::testing
