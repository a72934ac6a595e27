// Randomized differential test: random programs that mostly pass Verify() (generated within the
// kernel's rules: seccomp opcodes only, data offsets k % 4 == 0 and < 64, DIV K != 0, shifts by
// K < 32, forward jumps in range, scratch words read only after a store that dominates them)
// run on random seccomp_data records through the JIT and the interpreter. Over a million
// evaluations per run, zero mismatches allowed. The seed is fixed (override with
// SCKIT_JIT_SEED=<n>) so a failure reproduces.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "jit/compiler.h"
#include "jit/listing.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/interpreter.h"
#include "vm/program.h"

namespace sckit::jit {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

uint64_t Seed() {
  const char* env = std::getenv("SCKIT_JIT_SEED");
  return env ? std::strtoull(env, nullptr, 0) : 0x5eccab1e2026ull;
}

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  uint32_t Below(uint32_t n) { return static_cast<uint32_t>(rng_() % n); }
  bool Chance(uint32_t percent) { return Below(100) < percent; }

  // Values where 32-bit arithmetic and unsigned compares have their edges, plus seccomp-ish
  // constants (syscall numbers, arch values, actions) and random words.
  uint32_t Value() {
    static constexpr uint32_t kPool[] = {
        0,          1,          2,          3,          4,          7,          16,
        31,         32,         33,         63,         64,         0x3b,       0xff,
        0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff, 0xc000003e, 0x40000003,
        0x7fff0000, 0x00050000, 0x0000ffff, 0x00010000};
    const uint32_t r = Below(100);
    if (r < 55) return kPool[Below(std::size(kPool))];
    if (r < 75) return Below(100);
    return static_cast<uint32_t>(rng_());
  }

  // Jump offset from pc so the target stays inside a program of `len` instructions.
  uint32_t Offset(size_t pc, size_t len, uint32_t cap) {
    const uint32_t max = static_cast<uint32_t>(std::min<size_t>(len - pc - 2, cap));
    if (max == 0) return 0;
    if (Chance(60)) return Below(std::min<uint32_t>(max, 3) + 1);
    return Below(max + 1);
  }

  std::vector<SockFilter> Program(size_t len) {
    std::vector<SockFilter> p;
    uint16_t written = 0;
    // Straight-line prefix of stores: these dominate every later instruction, so the kernel's
    // check_load_and_stores() accepts reads of them anywhere after.
    const uint32_t stores = Below(4);
    for (uint32_t i = 0; i < stores && p.size() + 3 < len; ++i) {
      const uint32_t k = Below(16);
      if (Chance(50)) {
        p.push_back(Chance(50) ? Stmt(kLD | kW | kABS, 4 * Below(16)) : Stmt(kLD | kIMM, Value()));
        p.push_back(Stmt(kST, k));
      } else {
        p.push_back(Stmt(kLDX | kIMM, Value()));
        p.push_back(Stmt(kSTX, k));
      }
      written = static_cast<uint16_t>(written | (1u << k));
    }
    static constexpr uint16_t kAluOps[] = {kADD, kSUB, kMUL, kDIV, kOR, kAND, kLSH, kRSH, kXOR};
    static constexpr uint16_t kJmpOps[] = {kJEQ, kJGT, kJGE, kJSET};
    while (p.size() + 1 < len) {
      const size_t pc = p.size();
      switch (Below(12)) {
        case 0:
        case 1: p.push_back(Stmt(kLD | kW | kABS, 4 * Below(16))); break;
        case 2: p.push_back(Stmt(Chance(50) ? (kLD | kIMM) : (kLDX | kIMM), Value())); break;
        case 3:
          if (Chance(20)) {
            p.push_back(Stmt(Chance(50) ? (kLD | kW | kLEN) : (kLDX | kW | kLEN), 0));
          } else if (written != 0) {
            uint32_t k;
            do k = Below(16);
            while (!(written & (1u << k)));
            p.push_back(Stmt(Chance(50) ? (kLD | kMEM) : (kLDX | kMEM), k));
          } else {
            p.push_back(Stmt(kLDX | kIMM, Value()));
          }
          break;
        case 4: p.push_back(Stmt(Chance(50) ? kST : kSTX, Below(16))); break;
        case 5: {
          const uint16_t op = kAluOps[Below(std::size(kAluOps))];
          uint32_t k = Value();
          if (op == kDIV && k == 0) k = 1 + Below(9);
          if (op == kLSH || op == kRSH) k = Below(32);
          p.push_back(Stmt(kALU | op | kK, k));
          break;
        }
        case 6: p.push_back(Stmt(kALU | kAluOps[Below(std::size(kAluOps))] | kX, 0)); break;
        case 7:
          p.push_back(Chance(30) ? Stmt(kALU | kNEG, 0)
                                 : Stmt(kMISC | (Chance(50) ? kTAX : kTXA), 0));
          break;
        case 8: p.push_back(Stmt(kJMP | kJA, Offset(pc, len, 0xffffffffu))); break;
        case 9:
        case 10: {
          const uint16_t op = kJmpOps[Below(std::size(kJmpOps))];
          const uint8_t jt = static_cast<uint8_t>(Offset(pc, len, 255));
          const uint8_t jf = static_cast<uint8_t>(Offset(pc, len, 255));
          p.push_back(Jump(kJMP | op | (Chance(50) ? kK : kX), Value(), jt, jf));
          break;
        }
        default: p.push_back(Chance(50) ? Stmt(kRET | kK, Value()) : Stmt(kRET | kRetA, 0)); break;
      }
    }
    p.push_back(Chance(60) ? Stmt(kRET | kRetA, 0) : Stmt(kRET | kK, Value()));
    return p;
  }

  SeccompData Record() {
    uint32_t words[16];
    for (uint32_t& w : words) w = Value();
    SeccompData d;
    static_assert(sizeof(words) == sizeof(d));
    std::memcpy(&d, words, sizeof d);
    return d;
  }

 private:
  std::mt19937_64 rng_;
};

std::string Describe(const VerifiedProgram& v) {
  std::string out;
  for (size_t pc = 0; pc < v.size(); ++pc) {
    out += "  " + std::to_string(pc) + ": " + FormatBpf(v.original().insns[pc], pc) + "\n";
  }
  return out;
}

struct Stats {
  size_t programs = 0;
  size_t rejected = 0;
  size_t evaluations = 0;
  size_t mismatches = 0;
};

// Generates `count` verified programs of lengths in [min_len, max_len] and runs each on
// `per_program` records from `records` (a window starting at a random place), rotating the
// register maps so every map sees random programs.
Stats RunDifferential(Generator& gen, const std::vector<SeccompData>& records, size_t count,
                      size_t min_len, size_t max_len, size_t per_program) {
  const RegisterMap maps[] = {RegisterMap::Default(), RegisterMap::HighRegisters(),
                              RegisterMap{Reg::r15, Reg::r14, Reg::r12, Reg::rbp, Reg::r11},
                              RegisterMap{Reg::rdi, Reg::rsi, Reg::rbx, Reg::r13, Reg::r10}};
  Stats stats;
  while (stats.programs < count) {
    const size_t len = min_len + gen.Below(static_cast<uint32_t>(max_len - min_len + 1));
    Result<VerifiedProgram> v = Verify(Program{gen.Program(len)});
    if (!v.ok()) {
      ++stats.rejected;
      continue;
    }
    JitOptions options;
    options.registers = maps[stats.programs % std::size(maps)];
    ++stats.programs;
    Result<CompiledFilter> jit = Compile(*v, options);
    if (!jit.ok()) {
      ADD_FAILURE() << "compile failed: " << jit.error().ToString() << "\n" << Describe(*v);
      ++stats.mismatches;
      continue;
    }
    size_t at = gen.Below(static_cast<uint32_t>(records.size()));
    for (size_t i = 0; i < per_program; ++i, ++at) {
      const SeccompData& d = records[at % records.size()];
      const uint32_t want = RunFilter(*v, d);
      const uint32_t got = jit->Run(d);
      ++stats.evaluations;
      if (want != got) {
        if (++stats.mismatches <= 3) {
          ADD_FAILURE() << "jit " << got << " != interpreter " << want << " (map "
                        << stats.programs % std::size(maps) << ", seed " << Seed() << ")\n"
                        << Describe(*v);
        }
      }
    }
  }
  return stats;
}

TEST(JitDifferential, MillionRandomEvaluationsMatchTheInterpreter) {
  Generator gen(Seed());
  std::vector<SeccompData> records;
  for (int i = 0; i < 8192; ++i) records.push_back(gen.Record());
  const Stats stats = RunDifferential(gen, records, 2000, 2, 80, 512);
  EXPECT_GE(stats.evaluations, 1000000u);
  EXPECT_EQ(stats.mismatches, 0u);
  // Most generated programs must be accepted, or the test exercises little.
  EXPECT_LT(stats.rejected * 10, stats.programs) << stats.rejected << " rejected";
  std::printf("programs %zu (rejected %zu), evaluations %zu, mismatches %zu\n", stats.programs,
              stats.rejected, stats.evaluations, stats.mismatches);
}

TEST(JitDifferential, LongRandomProgramsMatchTheInterpreter) {
  Generator gen(Seed() ^ 0x1234);
  std::vector<SeccompData> records;
  for (int i = 0; i < 1024; ++i) records.push_back(gen.Record());
  const Stats stats = RunDifferential(gen, records, 48, 1000, 4096, 512);
  EXPECT_EQ(stats.mismatches, 0u);
  EXPECT_LT(stats.rejected * 10, stats.programs) << stats.rejected << " rejected";
  std::printf("long programs %zu (rejected %zu), evaluations %zu\n", stats.programs, stats.rejected,
              stats.evaluations);
}

}  // namespace
}  // namespace sckit::jit
