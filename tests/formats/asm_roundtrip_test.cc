// Assembly and listing together (formats/asm.h, formats/disasm.h): exact round trips through
// the canonical assembly on random and huge programs, the 4096-instruction limit and an
// unterminated comment with their line, and garbage or mutated text never crashing.
#include <gtest/gtest.h>

#include <cerrno>
#include <random>
#include <string>

#include "formats/asm.h"
#include "formats/disasm.h"
#include "vm/arch.h"
#include "vm/bpf.h"
#include "vm/names.h"
#include "vm/opcodes.h"

namespace sckit {
namespace {

Program RandomProgram(std::mt19937& rng) {
  std::uniform_int_distribution<int> len_dist(1, 120);
  std::uniform_int_distribution<int> pick(0, 99);
  const auto table = AllOpcodes();
  const int n = pick(rng) < 3 ? 1 : len_dist(rng);
  Program p;
  for (int pc = 0; pc < n; ++pc) {
    SockFilter i;
    const int kind = pick(rng);
    if (kind < 15) {  // pure garbage
      i.code = static_cast<uint16_t>(rng());
      i.jt = static_cast<uint8_t>(rng());
      i.jf = static_cast<uint8_t>(rng());
      i.k = static_cast<uint32_t>(rng());
    } else {
      const OpcodeInfo& info = table[rng() % table.size()];
      i.code = info.code;
      const bool jump = info.operand == Operand::kJumpK || info.operand == Operand::kJumpX ||
                        info.operand == Operand::kJumpAlways;
      const int remaining = n - pc - 1;
      auto small = [&]() -> uint8_t {
        return static_cast<uint8_t>(remaining > 0 ? rng() % std::min(remaining + 1, 256) : 0);
      };
      if (info.operand == Operand::kJumpAlways) {
        i.k = pick(rng) < 90 ? (remaining > 0 ? rng() % (remaining + 1) : 0)
                             : static_cast<uint32_t>(rng());
      } else if (pick(rng) < 50) {
        i.k = static_cast<uint32_t>(rng()) % 70;  // seccomp field offsets, small values
      } else if (pick(rng) < 50) {
        i.k = (static_cast<uint32_t>(rng()) & 0xffff0000u) | (rng() % 8);  // actions
      } else {
        i.k = static_cast<uint32_t>(rng());
      }
      if (jump && info.operand != Operand::kJumpAlways) {
        i.jt = pick(rng) < 90 ? small() : static_cast<uint8_t>(rng());
        i.jf = pick(rng) < 90 ? small() : static_cast<uint8_t>(rng());
      } else if (pick(rng) < 10) {
        i.jt = static_cast<uint8_t>(rng());
        i.jf = static_cast<uint8_t>(rng());
      }
      if ((info.operand == Operand::kNone || info.operand == Operand::kX ||
           info.operand == Operand::kLen || info.operand == Operand::kJumpX) &&
          pick(rng) < 80) {
        i.k = 0;
      }
    }
    p.insns.push_back(i);
  }
  return p;
}

TEST(RoundTrip, RandomProgramsThroughCanonicalAssembly) {
  std::mt19937 rng(20261123);
  const ArchInfo* arches[] = {nullptr, FindArch("i386"), FindArch("aarch64")};
  int escapes = 0, readable = 0;
  for (int iter = 0; iter < 10000; ++iter) {
    const Program p = RandomProgram(rng);
    DisasmOptions options;
    options.arch = arches[iter % 3];
    options.comments = iter % 2 == 0;
    const std::string text = DisassembleCanonical(p, options);
    Result<Program> back = Assemble(text);
    ASSERT_TRUE(back.ok()) << "iteration " << iter << ": " << back.error().ToString() << "\n"
                           << text;
    ASSERT_EQ(*back, p) << "iteration " << iter << "\n" << text;
    // The listing must not crash either.
    (void)DisassembleListing(p, options);
    for (size_t pos = text.find(".insn"); pos != std::string::npos;
         pos = text.find(".insn", pos + 1)) {
      ++escapes;
    }
    readable += static_cast<int>(p.size());
  }
  EXPECT_GT(escapes, 1000);      // the generator exercised the escape...
  EXPECT_GT(readable, escapes);  // ...and the readable forms
}

TEST(RoundTrip, HugeProgram) {
  Program p;
  for (int i = 0; i < 4095; ++i) p.insns.push_back(Jump(0x15, i, i % 7, 0));
  p.insns.push_back(Stmt(0x06, 0x7fff0000));
  const std::string text = DisassembleCanonical(p);
  Result<Program> back = Assemble(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, p);
  EXPECT_NE(DisassembleListing(p).find("  4095: 0006"), std::string::npos);
}

// Past 4096 instructions the assembler stops at the line of the 4097th with the kernel's
// verdict, instead of holding millions of items (a 16 MiB text of `ret #0` lines).
TEST(Limits, MoreThan4096InstructionsIsTheKernelsVerdict) {
  std::string text;
  for (int i = 0; i < 200000; ++i) text += "ret #0\n";
  Result<Program> p = Assemble(text);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().rule, "too-many-instructions");
  EXPECT_EQ(p.error().kernel_errno, EINVAL);
  EXPECT_EQ(p.error().line, 4097);
  std::string labels;
  for (int i = 0; i < 70000; ++i) labels += "l" + std::to_string(i) + ":\n";
  p = Assemble(labels + "ret #0\n");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().rule, "too-many-labels");
  EXPECT_EQ(p.error().line, 65537);
  p = Assemble("ld #" + std::string(200000, '(') + "\n");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().rule, "too-many-tokens");
}

// An unclosed /* once dropped the rest of the file silently (exit 0, the arch check gone).
TEST(Limits, UnterminatedBlockCommentNamesItsLine) {
  Result<Program> p = Assemble("ld [arch]\njne #AUDIT_ARCH_X86_64, kill\n/* note\nld [nr]\n"
                               "ret ALLOW\nkill: ret KILL\n");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().rule, "unterminated-comment");
  EXPECT_EQ(p.error().line, 3);
  // A closed one spanning lines keeps later line numbers right.
  p = Assemble("/* a\n b */ ld [nr]\nlod #1\n");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().line, 3);
  // `/*` inside a line comment is part of that comment.
  p = Assemble("ld [nr] ; see /* below\nret ALLOW // and /* here\n# /* too\n");
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->size(), 2u);
}

TEST(Robustness, BinaryGarbageAsAssembly) {
  std::mt19937 rng(7);
  for (int iter = 0; iter < 2000; ++iter) {
    std::string s(rng() % 200, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    Result<Program> p = Assemble(s);
    if (!p.ok()) {
      EXPECT_GE(p.error().line, 1) << p.error().ToString();
    }
  }
}

TEST(Robustness, MutatedAssemblyNeverCrashes) {
  const std::string base =
      "ld [arch]\njne #AUDIT_ARCH_X86_64, k\nld [args[1].hi]\njeq #SYS_read, a, k\n"
      "ldxb 4*([4]&0xf)\nld [x + 3]\n.insn 0x15, 1, 2, 3\na: ret ERRNO(1)\nk: ret KILL\n";
  const std::string alphabet = "#[]()+-*&|,:;.%x0123456789abcdefLMnr \n";
  std::mt19937 rng(11);
  for (int iter = 0; iter < 5000; ++iter) {
    std::string s = base;
    const int edits = 1 + rng() % 4;
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % (s.size() + 1);
      switch (rng() % 3) {
        case 0: if (at < s.size()) s.erase(at, 1); break;
        case 1: s.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
        default: if (at < s.size()) s[at] = alphabet[rng() % alphabet.size()];
      }
    }
    Result<Program> p = Assemble(s);
    if (p.ok()) {
      Result<Program> again = Assemble(DisassembleCanonical(*p));
      ASSERT_TRUE(again.ok()) << s;
      EXPECT_EQ(*again, *p) << s;
    } else {
      EXPECT_FALSE(p.error().rule.empty());
      EXPECT_GE(p.error().line, 0);
    }
  }
}

}  // namespace
}  // namespace sckit
