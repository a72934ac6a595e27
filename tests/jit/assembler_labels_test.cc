// The x86-64 assembler's labels: layout at the rel8/rel32 boundaries (short jumps where they
// fit, widening that widens others), jump-table entries and lea that follow widened jumps, a
// jump table executed, and unbound labels as errors.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "jit/exec_memory.h"
#include "jit/x86_assembler.h"
#include "tests/jit/assembler_test_util.h"
#include "tests/jit_test_util.h"

namespace sckit::jit {
namespace {

using namespace testing;  // NOLINT: CapstoneText, Hex and the assembler helpers.

int32_t Read32(const std::vector<uint8_t>& code, size_t at) {
  int32_t v = 0;
  std::memcpy(&v, code.data() + at, 4);  // x86 is little-endian, like the encoding
  return v;
}

TEST(X86Assembler, JumpTableEntriesAndLeaFollowWidenedJumps) {
  using enum Reg;
  X86Assembler a;
  const Label table = a.NewLabel(), over = a.NewLabel(), done = a.NewLabel();
  const Label lea1 = a.NewLabel(), lea2 = a.NewLabel();
  std::vector<Label> targets;
  for (int i = 0; i < 6; ++i) targets.push_back(a.NewLabel());

  a.Bind(targets[0]);  // a target before everything: negative entry
  a.Ret();
  a.Bind(lea1);
  a.LeaR64Label(rdx, table);
  a.Jmp(over);  // over 200 bytes: widened to rel32
  for (int k = 0; k < 200; ++k) a.Int3();
  a.Bind(over);
  a.Jcc(Cond::ne, done);  // past the table and the targets: widened too
  a.Jcc(Cond::e, targets[1]);  // a short jump right before the table
  a.Bind(targets[1]);
  a.Bind(table);  // targets[1] shares the table's offset: entry 0
  for (const Label& t : targets) a.Data32LabelDelta(t, table);
  for (int i = 2; i < 6; ++i) {
    a.Bind(targets[i]);
    a.Jmp(done);  // widened for the first targets, short for the last
    for (int k = 0; k < 60; ++k) a.Int3();
  }
  a.Bind(lea2);
  a.LeaR64Label(r13, table);  // backward reference
  a.Bind(done);
  a.Ret();
  Result<std::vector<uint8_t>> result = a.Finish();
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  const std::vector<uint8_t>& code = *result;

  // The jumps were widened: jmp rel32 after the lea, jcc rel32 at `over`.
  EXPECT_EQ(code[a.LabelOffset(lea1) + 7], 0xE9);
  EXPECT_EQ(Hex(std::span(code).subspan(a.LabelOffset(over), 2)), "0F85");
  const uint32_t t = a.LabelOffset(table);
  EXPECT_EQ(a.LabelOffset(targets[1]), t);
  for (size_t i = 0; i < targets.size(); ++i) {
    EXPECT_EQ(Read32(code, t + 4 * i),
              static_cast<int64_t>(a.LabelOffset(targets[i])) - static_cast<int64_t>(t))
        << "entry " << i;
  }
  EXPECT_LT(Read32(code, t), 0);      // targets[0] is before the table
  EXPECT_EQ(Read32(code, t + 4), 0);  // targets[1] is the table
  // Each lea's disp32 (its last 4 bytes) points exactly at the table from its end.
  for (const Label& at : {lea1, lea2}) {
    const uint32_t end = a.LabelOffset(at) + 7;
    EXPECT_EQ(static_cast<int64_t>(end) + Read32(code, end - 4), static_cast<int64_t>(t));
    const auto decoded = testing::Capstone(std::span(code).subspan(a.LabelOffset(at), 7));
    ASSERT_EQ(decoded.size(), 1u);
    EXPECT_EQ(decoded[0].size, 7u);
  }
  EXPECT_LT(Read32(code, a.LabelOffset(lea2) + 3), 0);
  // The code before the table decodes and every jump lands on its label.
  const auto head = testing::Capstone(std::span(code).first(t));
  ASSERT_EQ(head.size(), 2u + 200u + 3u);
  EXPECT_EQ(head[1].text, "lea rdx, [rip + " + CsNum(t - (a.LabelOffset(lea1) + 7)) + "]");
  EXPECT_EQ(head[2].text, "jmp " + CsNum(a.LabelOffset(over)));
  EXPECT_EQ(head[203].text, "jne " + CsNum(a.LabelOffset(done)));
  EXPECT_EQ(head[204].text, "je " + CsNum(t));
}

TEST(X86Assembler, UnboundLabelInAPatchIsAnError) {
  for (int which = 0; which < 3; ++which) {
    X86Assembler a;
    Label bound = a.NewLabel(), unbound = a.NewLabel();
    a.Bind(bound);
    if (which == 0) a.LeaR64Label(Reg::rax, unbound);
    if (which == 1) a.Data32LabelDelta(unbound, bound);
    if (which == 2) a.Data32LabelDelta(bound, unbound);
    Result<std::vector<uint8_t>> code = a.Finish();
    ASSERT_FALSE(code.ok()) << which;
    EXPECT_EQ(code.error().rule, "jit-internal");
  }
}

// Registers for the executed dispatch: the table address, the index, the scratch target.
struct DispatchRegs {
  Reg table, index, target;
};

// uint64_t f(uint64_t i) { return 1000 + 7 * i; } through a jump table with `n` entries: the
// targets sit both before the dispatch (behind a widened jump) and after the table.
std::vector<uint8_t> JumpTableFunction(DispatchRegs r, int n) {
  using enum Reg;
  X86Assembler a;
  const Label entry = a.NewLabel(), table = a.NewLabel();
  std::vector<Label> targets;
  for (int i = 0; i < n; ++i) targets.push_back(a.NewLabel());
  auto target = [&](int i) {
    a.Bind(targets[i]);
    a.MovR32Imm32(rax, static_cast<uint32_t>(1000 + 7 * i));
    a.Ret();
    for (int k = 0; k < 40; ++k) a.Int3();
  };
  a.Jmp(entry);
  for (int i = 0; i < n / 2; ++i) target(i);
  a.Bind(entry);
  if (r.index != rdi) a.MovR64R64(r.index, rdi);
  a.LeaR64Label(r.table, table);
  a.MovsxdR64MemIndex4(r.target, r.table, r.index);
  a.AddR64R64(r.target, r.table);
  a.JmpR64(r.target);
  a.Int3();
  a.Bind(table);
  for (int i = 0; i < n; ++i) a.Data32LabelDelta(targets[i], table);
  for (int i = n / 2; i < n; ++i) target(i);
  Result<std::vector<uint8_t>> code = a.Finish();
  EXPECT_TRUE(code.ok()) << code.error().ToString();
  return code.ok() ? *code : std::vector<uint8_t>{};
}

TEST(X86Assembler, JumpTableExecutes) {
  using enum Reg;
  const DispatchRegs variants[] = {
      {rdx, rdi, rax}, {r11, r9, r10}, {r8, rcx, rsi}, {rax, rdx, r11}, {rdi, r8, rcx},
  };
  for (const DispatchRegs& r : variants) {
    constexpr int kTargets = 9;
    const std::vector<uint8_t> code = JumpTableFunction(r, kTargets);
    ASSERT_FALSE(code.empty());
    EXPECT_EQ(code[0], 0xE9) << "the entry jump should be widened";
    Result<ExecMemory> mem = ExecMemory::Create(code);
    ASSERT_TRUE(mem.ok()) << mem.error().ToString();
    auto fn = reinterpret_cast<uint64_t (*)(uint64_t)>(const_cast<uint8_t*>(mem->data()));
    for (uint64_t i = 0; i < kTargets; ++i) {
      EXPECT_EQ(fn(i), 1000u + 7 * i) << N64(r.table) << " " << N64(r.index) << " " << i;
    }
  }
}

// A jump over `gap` int3 bytes, forward or backward; returns the code.
std::vector<uint8_t> JumpOver(int cond, size_t gap, bool backward, uint32_t* label_offset) {
  X86Assembler a;
  Label l = a.NewLabel();
  if (backward) a.Bind(l);
  if (!backward) {
    if (cond < 0)
      a.Jmp(l);
    else
      a.Jcc(static_cast<Cond>(cond), l);
  }
  for (size_t i = 0; i < gap; ++i) a.Int3();
  if (backward) {
    if (cond < 0)
      a.Jmp(l);
    else
      a.Jcc(static_cast<Cond>(cond), l);
  } else {
    a.Bind(l);
  }
  Result<std::vector<uint8_t>> code = a.Finish();
  EXPECT_TRUE(code.ok());
  *label_offset = a.LabelOffset(l);
  return code.ok() ? *code : std::vector<uint8_t>{};
}

TEST(X86Assembler, ShortJumpsWhereTheyFitNearOtherwise) {
  uint32_t off = 0;
  // Forward: rel8 reaches 127 bytes past the jump's end.
  auto code = JumpOver(-1, 127, false, &off);
  EXPECT_EQ(Hex(std::span(code).first(2)), "EB7F");
  EXPECT_EQ(off, 129u);
  code = JumpOver(-1, 128, false, &off);
  EXPECT_EQ(Hex(std::span(code).first(5)), "E980000000");
  EXPECT_EQ(off, 133u);
  code = JumpOver(static_cast<int>(Cond::ne), 127, false, &off);
  EXPECT_EQ(Hex(std::span(code).first(2)), "757F");
  code = JumpOver(static_cast<int>(Cond::ne), 128, false, &off);
  EXPECT_EQ(Hex(std::span(code).first(6)), "0F8580000000");
  EXPECT_EQ(off, 134u);
  // Backward: rel8 reaches -128 from the jump's end, i.e. 126 bytes of gap plus the jump.
  code = JumpOver(-1, 126, true, &off);
  EXPECT_EQ(Hex(std::span(code).last(2)), "EB80");
  code = JumpOver(-1, 127, true, &off);
  EXPECT_EQ(Hex(std::span(code).last(5)), "E97CFFFFFF");  // -(127 + 5) = -132
  code = JumpOver(static_cast<int>(Cond::a), 127, true, &off);
  EXPECT_EQ(Hex(std::span(code).last(6)), "0F877BFFFFFF");  // -(127 + 6) = -133
  EXPECT_EQ(testing::Capstone(code).back().text, "ja 0");
}

TEST(X86Assembler, WideningOneJumpCanWidenAnother) {
  // j1 fits in rel8 only while j2 is short; j2 must be near, which pushes j1's target out.
  X86Assembler a;
  Label l1 = a.NewLabel();
  Label l2 = a.NewLabel();
  a.Jmp(l1);
  a.Jcc(Cond::e, l2);
  for (int i = 0; i < 123; ++i) a.Int3();
  a.Bind(l1);
  for (int i = 0; i < 200; ++i) a.Int3();
  a.Bind(l2);
  a.Ret();
  Result<std::vector<uint8_t>> code = a.Finish();
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(Hex(std::span(*code).first(11)), "E9810000000F8443010000");
  EXPECT_EQ(a.LabelOffset(l1), 11u + 123u);
  EXPECT_EQ(a.LabelOffset(l2), 11u + 123u + 200u);
  const auto decoded = testing::Capstone(*code);
  ASSERT_GE(decoded.size(), 2u);
  EXPECT_EQ(decoded[0].text, "jmp 0x86");  // 134
  EXPECT_EQ(decoded[1].text, "je 0x14e");  // 334
}

TEST(X86Assembler, ManyLabelsAndJumpsLandWhereLaidOut) {
  // A chain of forward jumps with growing gaps; every label must be where capstone says the
  // jump goes.
  X86Assembler a;
  std::vector<Label> labels;
  for (int i = 0; i < 40; ++i) labels.push_back(a.NewLabel());
  for (int i = 0; i < 40; ++i) {
    a.Bind(labels[i]);
    if (i + 1 < 40) a.Jcc(static_cast<Cond>(i % 16), labels[i + 1]);
    for (int k = 0; k < i * 7; ++k) a.Int3();
  }
  a.Ret();
  Result<std::vector<uint8_t>> code = a.Finish();
  ASSERT_TRUE(code.ok());
  bool complete = false;
  const auto decoded = testing::Capstone(*code, &complete);
  ASSERT_TRUE(complete);
  size_t jumps = 0;
  for (const auto& d : decoded) {
    if (d.text[0] != 'j') continue;
    const uint64_t target = std::stoull(d.text.substr(d.text.find(' ') + 1), nullptr, 0);
    ++jumps;
    EXPECT_EQ(target, a.LabelOffset(labels[jumps])) << d.text;
  }
  EXPECT_EQ(jumps, 39u);
}

TEST(X86Assembler, UnboundLabelIsAnError) {
  X86Assembler a;
  Label l = a.NewLabel();
  a.Jmp(l);
  Result<std::vector<uint8_t>> code = a.Finish();
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(code.error().rule, "jit-internal");
}

}  // namespace
}  // namespace sckit::jit
