// Switch lowering in the JIT: runs of `jeq #k, T, next` become range checks plus bit tests.
// Exactness against the interpreter on sets of every shape (one window, many windows, values at
// 0 and 0xffffffff, window edges), on runs the lowering must NOT touch (a jump into the middle,
// different targets, X operands), under both register maps; and the bytes of `bt`.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "jit/compiler.h"
#include "jit/x86_assembler.h"
#include "tests/jit_test_util.h"
#include "vm/bpf.h"
#include "vm/interpreter.h"

namespace sckit::jit {
namespace {

using namespace bpf;  // NOLINT

TEST(SwitchLowering, BtEncoding) {
  Assembler as;
  as.BtR64R64(Reg::rdx, Reg::rsi);
  as.BtR64R64(Reg::r8, Reg::r15);
  as.BtR64R64(Reg::rax, Reg::r12);
  Result<std::vector<uint8_t>> bytes = as.Finish();
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(testing::Hex(*bytes), "480FA3F24D0FA3F84C0FA3E0");
  EXPECT_EQ(testing::CapstoneText(*bytes), "bt rdx, rsi; bt r8, r15; bt rax, r12");
}

// ld [nr]; jeq v0..vn-1 -> ALLOW (all to one target); ret ERRNO(1); ret ALLOW
Program AllowList(const std::vector<uint32_t>& values) {
  Program p;
  p.insns.push_back(Stmt(kLD | kW | kABS, 0));
  const size_t n = values.size();
  for (size_t i = 0; i < n; ++i) {
    p.insns.push_back(Jump(kJMP | kJEQ | kK, values[i], static_cast<uint8_t>(n - i), 0));
  }
  p.insns.push_back(Stmt(kRET | kK, seccomp::kRetErrno | 1));
  p.insns.push_back(Stmt(kRET | kK, seccomp::kRetAllow));
  return p;
}

std::vector<uint32_t> Probes(const std::vector<uint32_t>& values) {
  std::set<uint32_t> s = {0, 1, 63, 64, 65, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff};
  for (uint32_t v : values) {
    for (uint32_t d : {0u, 1u, 2u, 62u, 63u, 64u, 65u}) {
      s.insert(v + d);
      s.insert(v - d);
    }
  }
  return {s.begin(), s.end()};
}

void ExpectSame(const Program& p, const std::vector<uint32_t>& probes, bool expect_bt) {
  Result<VerifiedProgram> v = Verify(p);
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  for (const RegisterMap& map : {RegisterMap::Default(), RegisterMap::HighRegisters()}) {
    JitOptions o;
    o.registers = map;
    Result<CompiledFilter> c = Compile(*v, o);
    ASSERT_TRUE(c.ok()) << c.error().ToString();
    const std::string text = testing::CapstoneText(c->code());
    EXPECT_EQ(text.find("bt ") != std::string::npos, expect_bt) << text;
    for (uint32_t a : probes) {
      SeccompData d;
      d.nr = static_cast<int32_t>(a);
      ASSERT_EQ(c->Run(d), RunFilter(*v, d)) << "A = 0x" << std::hex << a;
    }
  }
}

TEST(SwitchLowering, SetsOfEveryShape) {
  const std::vector<std::vector<uint32_t>> sets = {
      {0, 1, 2, 3},                          // one window from 0
      {10, 20, 30, 73},                      // 73 - 10 = 63: one window, edge bit
      {10, 20, 30, 74},                      // 74 is one past: two windows (last single)
      {0, 1, 3, 5, 8, 9, 12, 13, 15, 16, 17, 20, 21, 22, 23, 24, 28, 32, 33, 35, 39, 41, 42,
       56, 59, 60, 61, 62, 72, 186, 202, 217, 231, 232, 257, 262, 270, 273, 281, 288, 302},
      {0xfffffffc, 0xfffffffd, 0xfffffffe, 0xffffffff},  // top of the range
      {5, 5, 5, 5, 6},                                    // duplicates
      {0xffffffff, 1000, 0x7fffffff, 0},                  // unsorted, far apart: all singles
  };
  for (const auto& s : sets) ExpectSame(AllowList(s), Probes(s), s != sets.back());
}

TEST(SwitchLowering, RandomSets) {
  std::mt19937 rng(4242);
  for (int round = 0; round < 300; ++round) {
    const size_t n = 4 + rng() % 60;
    std::vector<uint32_t> values;
    const uint32_t base = rng() % 3 == 0 ? static_cast<uint32_t>(rng()) : rng() % 512;
    for (size_t i = 0; i < n; ++i) {
      values.push_back(rng() % 4 == 0 ? static_cast<uint32_t>(rng()) : base + rng() % 200);
    }
    Result<VerifiedProgram> v = Verify(AllowList(values));
    ASSERT_TRUE(v.ok());
    Result<CompiledFilter> c = Compile(*v);
    ASSERT_TRUE(c.ok());
    for (uint32_t a : Probes(values)) {
      SeccompData d;
      d.nr = static_cast<int32_t>(a);
      ASSERT_EQ(c->Run(d), RunFilter(*v, d)) << "round " << round << " A = 0x" << std::hex << a;
    }
  }
}

TEST(SwitchLowering, RunsThatMustNotBeLowered) {
  // A jump into the middle of the chain (pc 1 jumps to pc 4): pc 2..3 stay compares, and the
  // run that starts at the jump target (values 3, 200, 201, 202) is lowered on its own, so
  // entering at pc 4 tests only the values from pc 4 on.
  Program into_middle{{Stmt(kLD | kW | kABS, 0),
                       Jump(kJMP | kJGT | kK, 100, 2, 0),
                       Jump(kJMP | kJEQ | kK, 1, 6, 0), Jump(kJMP | kJEQ | kK, 2, 5, 0),
                       Jump(kJMP | kJEQ | kK, 3, 4, 0), Jump(kJMP | kJEQ | kK, 200, 3, 0),
                       Jump(kJMP | kJEQ | kK, 201, 2, 0), Jump(kJMP | kJEQ | kK, 202, 1, 0),
                       Stmt(kRET | kK, 0), Stmt(kRET | kK, seccomp::kRetAllow)}};
  ExpectSame(into_middle, {0, 1, 2, 3, 4, 99, 100, 101, 200, 201, 202, 203}, true);
  // Different true targets: stays a chain.
  Program targets{{Stmt(kLD | kW | kABS, 0), Jump(kJMP | kJEQ | kK, 1, 4, 0),
                   Jump(kJMP | kJEQ | kK, 2, 3, 0), Jump(kJMP | kJEQ | kK, 3, 3, 0),
                   Jump(kJMP | kJEQ | kK, 4, 2, 0), Stmt(kRET | kK, 0),
                   Stmt(kRET | kK, seccomp::kRetErrno | 2), Stmt(kRET | kK, seccomp::kRetAllow)}};
  ExpectSame(targets, {0, 1, 2, 3, 4, 5}, false);
  // Coverage counters see every instruction: no lowering, same results.
  Result<VerifiedProgram> v = Verify(AllowList({1, 2, 3, 4, 5}));
  ASSERT_TRUE(v.ok());
  std::vector<uint8_t> counters(3 * v->size(), 0);
  JitOptions o;
  o.coverage = counters.data();
  Result<CompiledFilter> c = Compile(*v, o);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(testing::CapstoneText(c->code()).find("bt "), std::string::npos);
}

}  // namespace
}  // namespace sckit::jit
