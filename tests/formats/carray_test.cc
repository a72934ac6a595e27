// The C-array format (formats/carray.h): tcpdump -dd lines, BPF_STMT/BPF_JUMP with symbolic
// arguments, object-like #define, round trips, and errors with line numbers.
#include <gtest/gtest.h>

#include <cerrno>
#include <random>
#include <string>

#include "vm/bpf.h"
#include "formats/carray.h"
#include "vm/program.h"

namespace sckit {
namespace {

Program Parse(const std::string& text) {
  Result<Program> p = ParseCArray(text);
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().ToString());
  return p.ok() ? *p : Program{};
}

Error Fails(const std::string& text) {
  Result<Program> p = ParseCArray(text);
  EXPECT_FALSE(p.ok()) << text;
  return p.ok() ? Error{} : p.error();
}

TEST(CArray, TcpdumpLines) {
  const Program p = Parse(
      "{ 0x20, 0, 0, 0x00000004 },\n"
      "{ 0x15, 0, 1, 0xc000003e },\n"
      "{ 0x6, 0, 0, 0x7fff0000 },\n"
      "{ 6, 0, 0, 0 }\n");
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p.insns[0], Stmt(0x20, 4));
  EXPECT_EQ(p.insns[1], Jump(0x15, 0xc000003e, 0, 1));
  EXPECT_EQ(p.insns[2], Stmt(0x06, 0x7fff0000));
  EXPECT_EQ(p.insns[3], Stmt(0x06, 0));
}

TEST(CArray, MacrosWithSymbols) {
  const Program p = Parse(R"(
#include <linux/filter.h>
#include <linux/seccomp.h>
#define ARCH_NR AUDIT_ARCH_X86_64
#define syscall_nr (offsetof(struct seccomp_data, nr))
#define ALLOW_SYSCALL(name) \
    BPF_JUMP(BPF_JMP+BPF_JEQ+BPF_K, __NR_##name, 0, 1), \
    BPF_STMT(BPF_RET+BPF_K, SECCOMP_RET_ALLOW)

static struct sock_filter filter[] = {
    /* validate the architecture */
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH_NR, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, syscall_nr),  // the number
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_execve, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_read, 0, 1),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1]) + 4),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer)),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};
struct sock_fprog prog = {
    .len = (unsigned short)(sizeof(filter) / sizeof(filter[0])),
    .filter = filter,
};
)");
  ASSERT_EQ(p.size(), 10u);
  EXPECT_EQ(p.insns[0], Stmt(0x20, 4));
  EXPECT_EQ(p.insns[1], Jump(0x15, 0xC000003E, 1, 0));
  EXPECT_EQ(p.insns[2], Stmt(0x06, 0x80000000));
  EXPECT_EQ(p.insns[3], Stmt(0x20, 0));
  EXPECT_EQ(p.insns[4], Jump(0x15, 59, 0, 1));
  EXPECT_EQ(p.insns[5], Stmt(0x06, 0x00050001));
  EXPECT_EQ(p.insns[6], Jump(0x15, 0, 0, 1));
  EXPECT_EQ(p.insns[7], Stmt(0x20, 28));
  EXPECT_EQ(p.insns[8], Stmt(0x20, 8));
  EXPECT_EQ(p.insns[9], Stmt(0x06, 0x7fff0000));
}

TEST(CArray, ExpressionsAndNegatives) {
  const Program p = Parse(
      "BPF_STMT(BPF_LD|BPF_IMM, -1)\n"
      "BPF_STMT(BPF_ALU|BPF_LSH|BPF_K, 1 << 4)\n"
      "BPF_STMT(0x06, 0x7fff0000U)\n"
      "BPF_STMT(BPF_LD+BPF_W+BPF_LEN, 0)\n"
      "BPF_STMT(BPF_MISC|BPF_TAX, 0)\n"
      "BPF_STMT(BPF_RET|BPF_A, 0)\n");
  ASSERT_EQ(p.size(), 6u);
  EXPECT_EQ(p.insns[0], Stmt(0x00, 0xffffffff));
  EXPECT_EQ(p.insns[1], Stmt(0x64, 16));
  EXPECT_EQ(p.insns[2], Stmt(0x06, 0x7fff0000));
  EXPECT_EQ(p.insns[3], Stmt(0x80, 0));
  EXPECT_EQ(p.insns[4], Stmt(0x07, 0));
  EXPECT_EQ(p.insns[5], Stmt(0x16, 0));
}

TEST(CArray, RoundTripRandom) {
  std::mt19937 rng(99);
  for (int iter = 0; iter < 2000; ++iter) {
    Program p;
    const int n = 1 + static_cast<int>(rng() % 50);
    for (int i = 0; i < n; ++i) {
      p.insns.push_back(SockFilter{static_cast<uint16_t>(rng()), static_cast<uint8_t>(rng()),
                                   static_cast<uint8_t>(rng()), static_cast<uint32_t>(rng())});
    }
    const std::string text = EmitCArray(p, iter % 2 == 0);
    Result<Program> back = ParseCArray(text);
    ASSERT_TRUE(back.ok()) << back.error().ToString() << "\n" << text;
    ASSERT_EQ(*back, p) << text;
  }
}

TEST(CArray, EmitGolden) {
  Program p;
  p.insns = {Stmt(0x20, 0), Jump(0x15, 59, 0, 1), Stmt(0x06, 0x00050001),
             Stmt(0x06, 0x7fff0000)};
  EXPECT_EQ(EmitCArray(p),
            "/* sckit: 4 instructions, struct sock_filter { code, jt, jf, k } */\n"
            "struct sock_filter filter[] = {\n"
            "\t{ 0x20, 0, 0, 0x00000000 },    /* 0: ld [nr] */\n"
            "\t{ 0x15, 0, 1, 0x0000003b },    /* 1: jeq #59 jt 2 jf 3  ; execve */\n"
            "\t{ 0x06, 0, 0, 0x00050001 },    /* 2: ret ERRNO(1)  ; EPERM */\n"
            "\t{ 0x06, 0, 0, 0x7fff0000 },    /* 3: ret ALLOW */\n"
            "};\n");
}

TEST(CArray, Detection) {
  EXPECT_TRUE(LooksLikeCArray("{ 0x20, 0, 0, 4 },"));
  EXPECT_TRUE(LooksLikeCArray("{\n6, 0, 0, 0 }"));
  EXPECT_TRUE(LooksLikeCArray("x = BPF_STMT(1, 2);"));
  EXPECT_FALSE(LooksLikeCArray("ld [nr]\nret ALLOW\n"));
}

TEST(CArray, Errors) {
  Error e = Fails("{ 0x20, 0, 0, 4 },\n{ 0x20, 0, 0 },\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.rule, "bad-entry");
  e = Fails("{ 0x20, 0, 0, 4 },\n\n{ 0x20, 0, 0, 0xZZ },\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.rule, "bad-number");
  e = Fails("{ 0x20, 256, 0, 4 }");
  EXPECT_EQ(e.rule, "bad-number");
  EXPECT_NE(e.message.find("jt"), std::string::npos);
  e = Fails("{ 0x10000, 0, 0, 4 }");
  EXPECT_EQ(e.rule, "bad-number");
  e = Fails("{ 0x20, 0, 0, 0x100000000 }");
  EXPECT_EQ(e.rule, "bad-number");
  e = Fails("BPF_STMT(BPF_LD|BPF_W|BPF_ABS, offsetof(struct seccomp_data, bogus))");
  EXPECT_EQ(e.rule, "unknown-symbol");
  e = Fails("BPF_STMT(BPF_LD|BPF_W|BPF_ABS, __NR_no_such_call)");
  EXPECT_EQ(e.rule, "unknown-symbol");
  EXPECT_NE(e.message.find("__NR_no_such_call"), std::string::npos);
  e = Fails("BPF_JUMP(BPF_JMP|BPF_JEQ, 1, 2)");
  EXPECT_EQ(e.rule, "bad-entry");
  e = Fails("BPF_STMT(BPF_RET, 0");
  EXPECT_EQ(e.rule, "bad-entry");
  e = Fails("#define F(x) BPF_STMT(BPF_RET, x)\n{ 6, 0, 0, 0 },\nF(1),\n");
  EXPECT_EQ(e.rule, "unsupported-macro");
  EXPECT_EQ(e.line, 3);
  e = Fails("");
  EXPECT_EQ(e.rule, "empty-program");
  e = Fails("int x = 5;");
  EXPECT_EQ(e.rule, "empty-program");
  e = Fails("{ 6, 0, 0, 0 ");
  EXPECT_EQ(e.rule, "bad-entry");
}

TEST(CArray, GarbageNeverCrashes) {
  std::mt19937 rng(5);
  const std::string alphabet = "{}(),0x123456789abcdefBPF_STMTJUMP|+-*/<>#define \n\"'";
  for (int iter = 0; iter < 5000; ++iter) {
    std::string s(rng() % 120, ' ');
    for (char& c : s) c = iter % 2 ? static_cast<char>(rng()) : alphabet[rng() % alphabet.size()];
    Result<Program> p = ParseCArray(s);
    if (!p.ok()) {
      EXPECT_FALSE(p.error().rule.empty());
    }
  }
}

TEST(CArray, DefineNamesInsideTheKeyword) {
  // "fine" occurs inside "define": still recognised as function-like, and its use is refused.
  Error e = Fails("#define fine(x) (x)\n{ fine(6), 0, 0, 0 }");
  EXPECT_EQ(e.rule, "unsupported-macro");
  const Program p = Parse("#define def 6\n{ def, 0, 0, 0 }");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p.insns[0], Stmt(6, 0));
}

TEST(CArray, MacroBlowupIsBounded) {
  std::string s;
  for (int i = 0; i < 40; ++i) {
    s += "#define M" + std::to_string(i) + " M" + std::to_string(i + 1) + " M" +
         std::to_string(i + 1) + "\n";
  }
  s += "{ M0, 0, 0, 0 }\n";
  Error e = Fails(s);
  EXPECT_EQ(e.rule, "bad-expression");
}

TEST(CArray, SelfReferentialDefineTerminates) {
  Error e = Fails("#define A B\n#define B A\n{ A, 0, 0, 0 }");
  EXPECT_EQ(e.rule, "unknown-symbol");
}

// Issue 14: unterminated comments, literals and blocks are errors at the line they open.
TEST(CArrayLimits, UnterminatedConstructsNameTheirLine) {
  Error e = Fails("{ 0x20, 0, 0, 4 },\n/* note\n{ 0x06, 0, 0, 0 },\n");
  EXPECT_EQ(e.rule, "unterminated-comment");
  EXPECT_EQ(e.line, 2);
  e = Fails("{ 0x20, 0, 0, 4 },\nchar *s = \"open;\n{ 0x06, 0, 0, 0 },\n");
  EXPECT_EQ(e.rule, "unterminated-literal");
  EXPECT_EQ(e.line, 2);
  e = Fails("struct sock_filter f[] = {\n  BPF_STMT(BPF_RET|BPF_K, 0),\n");
  EXPECT_EQ(e.rule, "unterminated-block");
  EXPECT_EQ(e.line, 1);
  e = Fails("struct sock_filter f[] = {\n  BPF_STMT(BPF_RET|BPF_K, 0),\n};\n}\n");
  EXPECT_EQ(e.line, 4);
  // A preprocessor line may hold a lone quote; literals that close are fine.
  const Program p = Parse("#error can't\nchar *s = \"/* not a comment\";\n"
                          "{ 0x06, 0, 0, 0x7fff0000 },\n");
  EXPECT_EQ(p.size(), 1u);
}

// Text between entries was skipped: `VALIDATE_ARCH,` from an unincluded header dropped the arch
// check. Only entries and commas may stand in an array.
TEST(CArrayLimits, GarbageBetweenEntriesIsAnError) {
  Error e = Fails("{ 0x20, 0, 0, 4 },\nhello\n{ 0x06, 0, 0, 0 },\n");
  EXPECT_EQ(e.rule, "bad-entry");
  EXPECT_EQ(e.line, 2);
  EXPECT_NE(e.message.find("'hello'"), std::string::npos) << e.message;
  e = Fails("struct sock_filter f[] = {\n  BPF_STMT(BPF_LD|BPF_W|BPF_ABS, 4),\n"
            "  VALIDATE_ARCHITECTURE,\n  BPF_STMT(BPF_RET|BPF_K, 0),\n};\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_NE(e.message.find("VALIDATE_ARCHITECTURE"), std::string::npos) << e.message;
  e = Fails("struct sock_filter f[] = {\n  junk;\n  BPF_STMT(BPF_RET|BPF_K, 0),\n};\n");
  EXPECT_EQ(e.line, 2);
  e = Fails("struct sock_filter f[] = { BPF_STMT(BPF_RET|BPF_K, 0), { .x = 1 } };\n");
  EXPECT_EQ(e.rule, "bad-entry");
  // C around the array stays allowed: declarations, the fprog, functions.
  const Program p = Parse(
      "#include <linux/filter.h>\nstatic struct sock_filter f[] = {\n"
      "  BPF_STMT(BPF_RET|BPF_K, 0),\n};\n"
      "struct sock_fprog prog = { .len = 1, .filter = f };\n"
      "int main(void) { if (x) { return 1; } return 0; }\n");
  EXPECT_EQ(p.size(), 1u);
}

// 150,000 entries once failed with "macro expansion too large" after 872 MB: the 4097th entry
// now stops the parser before lexing, with the kernel's verdict and the entry's line.
TEST(CArrayLimits, MoreThan4096EntriesIsTheKernelsVerdict) {
  std::string text = "struct sock_filter f[] = {\n";
  for (int i = 0; i < 150000; ++i) text += "{ 0x06, 0, 0, 0x7fff0000 },\n";
  text += "};\n";
  Error e = Fails(text);
  EXPECT_EQ(e.rule, "too-many-instructions");
  EXPECT_EQ(e.kernel_errno, EINVAL);
  EXPECT_EQ(e.line, 4098);
  // Entries made by macros are counted as they are parsed.
  std::string macros = "#define A BPF_STMT(BPF_RET|BPF_K, 0),\n";
  for (int i = 0; i < 4097; ++i) macros += "A\n";
  e = Fails(macros);
  EXPECT_EQ(e.rule, "too-many-instructions");
  EXPECT_EQ(e.line, 4098);
  // Tokens that are not entries are bounded too (16 MiB of commas would be 16M tokens).
  e = Fails("int x[] = { 1" + std::string(2u << 20, ',') + " };\n");
  EXPECT_EQ(e.rule, "too-many-tokens");
}

// Hostile-input sweep, 2026-12-07 (fuzz/regressions/carray/nested-empty-macros.c, a timeout of
// the carray fuzz target): macros that expand to nothing, nested, made the parser visit 4^19
// tokens and keep none (a hang; the token cap never fired). The work of expansion is bounded
// now, with the line that asks for it.
TEST(CArrayLimits, NestedMacrosThatExpandToNothingAreBounded) {
  std::string text;
  for (int i = 0; i < 19; ++i) {
    const std::string next = "M" + std::to_string(i + 1);
    text += "#define M" + std::to_string(i) + " " + next + " " + next + " " + next + " " + next +
            "\n";
  }
  text += "#define M19\n\nM0\n{ 0x06, 0, 0, 0x7fff0000 },\n";
  Error e = Fails(text);
  EXPECT_EQ(e.rule, "too-many-tokens");
  EXPECT_EQ(e.line, 22);
  // The same shape at a harmless depth still expands (to nothing) and parses.
  EXPECT_EQ(Parse("#define B\n#define A B B B B\nA A\n{ 0x06, 0, 0, 0 },\n").size(), 1u);
}

}  // namespace
}  // namespace sckit
