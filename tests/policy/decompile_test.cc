// sckit decompile on small hand-written filters: every construct the rules language can state
// comes back as rules that compile to a filter proven equal (ProveRoundTrip, analysis/diff),
// and every one it cannot is named with its reason and left out, never approximated.
#include "policy/decompile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "formats/asm.h"
#include "verifier/verifier.h"

namespace sckit::policy {
namespace {

VerifiedProgram Build(const std::string& body, const char* arch = "AUDIT_ARCH_X86_64") {
  const std::string text = std::string("ld [arch]\njeq #") + arch +
                           ", ok\nret KILL_PROCESS\nok:\nld [nr]\n" + body;
  Result<Program> p = Assemble(text);
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().ToString()) << "\n" << text;
  Result<VerifiedProgram> v = Verify(*p);
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().ToString());
  return std::move(*v);
}

struct Outcome {
  Decompiled d;
  RoundTrip proof;
};

Outcome DecompileAndProve(const std::vector<const VerifiedProgram*>& stack, DecompileOptions options = {}) {
  Result<Decompiled> d = Decompile(stack, options);
  EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().ToString());
  Result<RoundTrip> r = ProveRoundTrip(stack, *d);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().ToString()) << "\n" << d->text;
  return {*d, *r};
}

std::vector<std::string> Keys(const std::vector<Inexpressible>& v) {
  std::vector<std::string> out;
  for (const Inexpressible& e : v) out.push_back(e.syscall);
  return out;
}

TEST(Decompile, UnconditionalRulesAndDefaultAreProvenEqual) {
  VerifiedProgram p = Build(
      "jge #0x40000000, kill\n"  // the x32 range gets the default: expressible
      "jeq #SYS_read, allow\njeq #SYS_write, allow\njeq #SYS_ptrace, eperm\n"
      "jeq #SYS_execve, log\nkill: ret KILL_PROCESS\nallow: ret ALLOW\neperm: ret ERRNO(1)\n"
      "log: ret LOG\n");
  Outcome o = DecompileAndProve({&p});
  EXPECT_TRUE(o.proof.equivalent) << o.d.text;
  EXPECT_NE(o.d.text.find("@default kill-process"), std::string::npos) << o.d.text;
  EXPECT_NE(o.d.text.find("\nread: 1\n"), std::string::npos) << o.d.text;
  EXPECT_NE(o.d.text.find("\nptrace: return EPERM\n"), std::string::npos) << o.d.text;
  EXPECT_NE(o.d.text.find("\nexecve: log\n"), std::string::npos) << o.d.text;
  EXPECT_EQ(o.d.semantics, ReturnSemantics::kManPage);
}

// libseccomp's 64-bit `>`: high word greater, or equal and low word greater: two paths that
// merge into one range.
TEST(Decompile, SixtyFourBitCompareFromWordPairsIsOneRange) {
  VerifiedProgram p = Build(
      "jeq #SYS_ftruncate, ft, allow\n"
      "ft: ld [args[1].hi]\njgt #1, big\njeq #1, lo, allow\n"
      "lo: ld [args[1].lo]\njgt #0, big, allow\n"
      "big: ret ERRNO(27)\nallow: ret ALLOW\n");
  Outcome o = DecompileAndProve({&p});
  EXPECT_TRUE(o.proof.equivalent) << o.d.text;
  EXPECT_NE(o.d.text.find("ftruncate: arg1 <= 0x100000000\nftruncate: return EFBIG\n"),
            std::string::npos)
      << o.d.text;
}

TEST(Decompile, MaskedTestsBecomeBitAtomsWithConstantNames) {
  VerifiedProgram p = Build(
      "jeq #SYS_clone, cl\njeq #SYS_mmap, mm, allow\n"
      "cl: ld [args[0].lo]\njset #0x10000000, deny\nld [args[0].hi]\njeq #0, allow, deny\n"
      "mm: ld [args[2].lo]\nand #6\njeq #6, deny, allow\n"
      "deny: ret ERRNO(1)\nallow: ret ALLOW\n");
  Outcome o = DecompileAndProve({&p});
  EXPECT_TRUE(o.proof.equivalent) << o.d.text;
  EXPECT_NE(o.d.text.find("CLONE_NEWUSER"), std::string::npos) << o.d.text;
  EXPECT_NE(o.d.text.find("PROT_WRITE"), std::string::npos) << o.d.text;
}

// Three outcomes for one call need `expr; ACTION` read as minijail's Python compiler does.
TEST(Decompile, SeveralActionsPerCallUsePythonSemantics) {
  VerifiedProgram p = Build(
      "jeq #SYS_openat, op, allow\n"
      "op: ld [args[2].lo]\nand #3\njeq #0, allow\njeq #3, kill\nret ERRNO(13)\n"
      "kill: ret KILL_PROCESS\nallow: ret ALLOW\n");
  Outcome o = DecompileAndProve({&p});
  EXPECT_TRUE(o.proof.equivalent) << o.d.text;
  EXPECT_EQ(o.d.semantics, ReturnSemantics::kPython);
  EXPECT_NE(o.d.compile_flags.find("--return-semantics python"), std::string::npos);
}

TEST(Decompile, StacksAreDecompiledWithTheKernelsPrecedence) {
  VerifiedProgram a = Build("jeq #SYS_ptrace, kill\nret ALLOW\nkill: ret KILL_PROCESS\n");
  VerifiedProgram b = Build(
      "jeq #SYS_socket, so\nret ALLOW\nso: ld [args[0].hi]\njeq #0, lo, allow\n"
      "lo: ld [args[0].lo]\njeq #17, deny\nallow: ret ALLOW\ndeny: ret ERRNO(97)\n");
  Outcome o = DecompileAndProve({&a, &b});
  EXPECT_TRUE(o.proof.equivalent) << o.d.text;
  EXPECT_NE(o.d.text.find("socket: arg0 != AF_PACKET\nsocket: return EAFNOSUPPORT\n"),
            std::string::npos)
      << o.d.text;
  EXPECT_NE(o.d.text.find("ptrace: kill-process"), std::string::npos) << o.d.text;
}

TEST(Decompile, ThirtyTwoBitArchesCompareTheLowWord) {
  VerifiedProgram p = Build(
      "jeq #5, op, allow\n"  // open on i386
      "op: ld [args[1].lo]\njge #0x100, deny, allow\n"
      "deny: ret ERRNO(1)\nallow: ret ALLOW\n",
      "AUDIT_ARCH_I386");
  Outcome o = DecompileAndProve({&p});
  EXPECT_EQ(o.d.resolve.arches.size(), 1u);
  EXPECT_TRUE(o.proof.equivalent) << o.d.text;
  EXPECT_NE(o.d.text.find("open: arg1 <= 255\n"), std::string::npos) << o.d.text;
}

// What the language cannot state is named, left out, and the proof finds exactly those.
TEST(Decompile, InexpressibleSyscallsAreNamedNotApproximated) {
  VerifiedProgram p = Build(
      "jeq #SYS_read, ip\njeq #SYS_write, sum\njeq #SYS_close, trap\n"
      "jeq #SYS_dup, hi32\nret ALLOW\n"
      "ip: ld [ip.lo]\njeq #0x1000, allow, kill\n"
      "sum: ld [args[0].lo]\nadd #1\njeq #3, kill, allow\n"
      "hi32: ld [args[0].lo]\njeq #3, kill, allow\n"  // the low word alone on a 64-bit arch
      "trap: ret TRAP(5)\nallow: ret ALLOW\nkill: ret KILL_PROCESS\n");
  Outcome o = DecompileAndProve({&p});
  EXPECT_FALSE(o.proof.equivalent);
  EXPECT_EQ(Keys(o.d.inexpressible),
            (std::vector<std::string>{"close", "dup", "read", "write"}))
      << o.d.text;
  std::vector<std::string> differ = Keys(o.proof.differences);
  std::sort(differ.begin(), differ.end());
  EXPECT_EQ(differ, (std::vector<std::string>{"close", "dup", "read", "write"}));
  for (const Inexpressible& e : o.d.inexpressible) {
    if (e.syscall == "read") EXPECT_NE(e.reason.find("instruction pointer"), std::string::npos);
    if (e.syscall == "write") EXPECT_NE(e.reason.find("computed"), std::string::npos);
    if (e.syscall == "close") EXPECT_NE(e.reason.find("TRAP(5)"), std::string::npos);
    if (e.syscall == "dup") EXPECT_NE(e.reason.find("low word"), std::string::npos);
  }
  EXPECT_NE(o.d.text.find("#   read (x86_64): a test on the instruction pointer"),
            std::string::npos)
      << o.d.text;
}

// A division by a data word returns 0 from the program when the word is 0: the path would be
// missed if the division were only an opaque value, so the syscall is not stated.
TEST(Decompile, DivisionByADataWordIsNotStated) {
  VerifiedProgram p = Build(
      "jeq #SYS_read, rd\nret ALLOW\n"
      "rd: ld [args[0].lo]\ntax\nld #10\ndiv x\nld #0\njeq #0, allow\n"
      "allow: ret ALLOW\n");
  Outcome o = DecompileAndProve({&p});
  EXPECT_EQ(Keys(o.d.inexpressible), std::vector<std::string>{"read"});
  EXPECT_EQ(Keys(o.proof.differences), std::vector<std::string>{"read"});
}

TEST(Decompile, ForeignArchActionsOtherThanKillAreNamed) {
  Result<Program> prog = Assemble(
      "ld [arch]\njeq #AUDIT_ARCH_X86_64, ok\nret ERRNO(38)\nok: ld [nr]\n"
      "jeq #SYS_read, allow\nret KILL_PROCESS\nallow: ret ALLOW\n");
  ASSERT_TRUE(prog.ok());
  Result<VerifiedProgram> v = Verify(*prog);
  ASSERT_TRUE(v.ok());
  Outcome o = DecompileAndProve({&*v});
  EXPECT_EQ(Keys(o.d.inexpressible), std::vector<std::string>{"foreign arches"});
  EXPECT_EQ(Keys(o.proof.differences), std::vector<std::string>{"foreign arches"});
}

TEST(Decompile, NoArchAndEmptyStackAreErrors) {
  EXPECT_FALSE(Decompile({}).ok());
  Result<Program> prog = Assemble("ret ALLOW\n");
  ASSERT_TRUE(prog.ok());
  Result<VerifiedProgram> v = Verify(*prog);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(Decompile({&*v}).ok());
  DecompileOptions options;
  options.arches = {FindArch("x86_64")};
  Outcome o = DecompileAndProve({&*v}, options);  // with --arch: everything allowed
  EXPECT_EQ(Keys(o.d.inexpressible), std::vector<std::string>{"foreign arches"});
}

}  // namespace
}  // namespace sckit::policy
