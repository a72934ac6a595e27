// The assembler (formats/asm.h): every mnemonic and operand form, numbers, symbols, labels and
// comments, clear errors on bad input naming line and token, far jumps (trampolines and their
// relaxation), and errno names in the numbering of the arch (the listing's too).
#include <gtest/gtest.h>

#include <string>

#include "formats/asm.h"
#include "formats/disasm.h"
#include "vm/arch.h"
#include "vm/bpf.h"
#include "vm/names.h"
#include "vm/opcodes.h"

namespace sckit {
namespace {

SockFilter One(const std::string& text) {
  Result<Program> p = Assemble(text);
  EXPECT_TRUE(p.ok()) << text << ": " << (p.ok() ? "" : p.error().ToString());
  if (!p.ok() || p->size() != 1) return SockFilter{0xffff, 0xff, 0xff, 0xffffffffu};
  return p->insns[0];
}

Error Fails(const std::string& text, const AsmOptions& options = {}) {
  Result<Program> p = Assemble(text, options);
  EXPECT_FALSE(p.ok()) << text;
  if (p.ok()) return Error{};
  return p.error();
}

TEST(Assembler, LoadForms) {
  EXPECT_EQ(One("ld #42"), Stmt(0x00, 42));
  EXPECT_EQ(One("ldi #42"), Stmt(0x00, 42));
  EXPECT_EQ(One("ld #len"), Stmt(0x80, 0));
  EXPECT_EQ(One("ld len"), Stmt(0x80, 0));
  EXPECT_EQ(One("ld M[3]"), Stmt(0x60, 3));
  EXPECT_EQ(One("ld [12]"), Stmt(0x20, 12));
  EXPECT_EQ(One("ld [x + 4]"), Stmt(0x40, 4));
  EXPECT_EQ(One("ld [x+4]"), Stmt(0x40, 4));
  EXPECT_EQ(One("ld [%x + 4]"), Stmt(0x40, 4));
  EXPECT_EQ(One("ld [x]"), Stmt(0x40, 0));
  EXPECT_EQ(One("ldh [12]"), Stmt(0x28, 12));
  EXPECT_EQ(One("ldh [x + 2]"), Stmt(0x48, 2));
  EXPECT_EQ(One("ldb [14]"), Stmt(0x30, 14));
  EXPECT_EQ(One("ldb [x + 1]"), Stmt(0x50, 1));
  EXPECT_EQ(One("ldx #7"), Stmt(0x01, 7));
  EXPECT_EQ(One("ldxi #7"), Stmt(0x01, 7));
  EXPECT_EQ(One("ldx #len"), Stmt(0x81, 0));
  EXPECT_EQ(One("ldx len"), Stmt(0x81, 0));
  EXPECT_EQ(One("ldx M[15]"), Stmt(0x61, 15));
  EXPECT_EQ(One("ldxb 4*([14]&0xf)"), Stmt(0xb1, 14));
  EXPECT_EQ(One("ldx 4*([14]&0xf)"), Stmt(0xb1, 14));
  EXPECT_EQ(One("ldxb 4 * ( [ 14 ] & 0xF )"), Stmt(0xb1, 14));
  EXPECT_EQ(One("st M[0]"), Stmt(0x02, 0));
  EXPECT_EQ(One("stx M[15]"), Stmt(0x03, 15));
}

TEST(Assembler, SeccompFieldSugar) {
  EXPECT_EQ(One("ld [nr]"), Stmt(0x20, 0));
  EXPECT_EQ(One("ld [arch]"), Stmt(0x20, 4));
  EXPECT_EQ(One("ld [ip.lo]"), Stmt(0x20, 8));
  EXPECT_EQ(One("ld [ip.hi]"), Stmt(0x20, 12));
  EXPECT_EQ(One("ld [args[0].lo]"), Stmt(0x20, 16));
  EXPECT_EQ(One("ld [args[0].hi]"), Stmt(0x20, 20));
  EXPECT_EQ(One("ld [args[2].lo]"), Stmt(0x20, 32));
  EXPECT_EQ(One("ld [args[2]]"), Stmt(0x20, 32));
  EXPECT_EQ(One("ld [args[5].hi]"), Stmt(0x20, 60));
  EXPECT_EQ(Fails("ld [args[6].lo]").rule, "bad-operand");
  EXPECT_EQ(Fails("ld [args[1].mid]").rule, "bad-operand");
}

TEST(Assembler, AluForms) {
  struct Case {
    const char* m;
    uint16_t k_code;
  } cases[] = {{"add", 0x04}, {"sub", 0x14}, {"mul", 0x24}, {"div", 0x34}, {"or", 0x44},
               {"and", 0x54}, {"lsh", 0x64}, {"rsh", 0x74}, {"mod", 0x94}, {"xor", 0xa4}};
  for (const Case& c : cases) {
    EXPECT_EQ(One(std::string(c.m) + " #3"), Stmt(c.k_code, 3)) << c.m;
    EXPECT_EQ(One(std::string(c.m) + " x"), Stmt(c.k_code | 0x08, 0)) << c.m;
    EXPECT_EQ(One(std::string(c.m) + " %x"), Stmt(c.k_code | 0x08, 0)) << c.m;
  }
  EXPECT_EQ(One("neg"), Stmt(0x84, 0));
  EXPECT_EQ(One("tax"), Stmt(0x07, 0));
  EXPECT_EQ(One("txa"), Stmt(0x87, 0));
  EXPECT_EQ(One("ADD #1"), Stmt(0x04, 1));  // mnemonics are case-insensitive
}

TEST(Assembler, RetForms) {
  EXPECT_EQ(One("ret #0"), Stmt(0x06, 0));
  EXPECT_EQ(One("ret a"), Stmt(0x16, 0));
  EXPECT_EQ(One("ret %a"), Stmt(0x16, 0));
  EXPECT_EQ(One("ret x"), Stmt(0x0e, 0));  // RET|X: encodable, never accepted by the kernel
  EXPECT_EQ(One("ret ALLOW"), Stmt(0x06, 0x7fff0000));
  EXPECT_EQ(One("ret ERRNO(13)"), Stmt(0x06, 0x0005000d));
  EXPECT_EQ(One("ret ERRNO(EPERM)"), Stmt(0x06, 0x00050001));
  EXPECT_EQ(One("ret TRAP(1)"), Stmt(0x06, 0x00030001));
  EXPECT_EQ(One("ret TRACE(5)"), Stmt(0x06, 0x7ff00005));
  EXPECT_EQ(One("ret KILL_PROCESS"), Stmt(0x06, 0x80000000));
  EXPECT_EQ(One("ret KILL_THREAD"), Stmt(0x06, 0));
  EXPECT_EQ(One("ret KILL"), Stmt(0x06, 0));
  EXPECT_EQ(One("ret LOG"), Stmt(0x06, 0x7ffc0000));
  EXPECT_EQ(One("ret USER_NOTIF"), Stmt(0x06, 0x7fc00000));
  EXPECT_EQ(One("ret #SECCOMP_RET_ERRNO | 1"), Stmt(0x06, 0x00050001));
  EXPECT_EQ(Fails("ret ERRNO(65536)").rule, "bad-number");
  EXPECT_EQ(Fails("ret M[1]").rule, "bad-operand");
}

TEST(Assembler, Numbers) {
  EXPECT_EQ(One("ld #0x10").k, 16u);
  EXPECT_EQ(One("ld #010").k, 8u);
  EXPECT_EQ(One("ld #0b101").k, 5u);
  EXPECT_EQ(One("ld #-1").k, 0xffffffffu);
  EXPECT_EQ(One("ld #-2147483648").k, 0x80000000u);
  EXPECT_EQ(One("ld #4294967295").k, 0xffffffffu);
  EXPECT_EQ(One("ld #(1 << 4) | 2 + 1").k, 19u);
  EXPECT_EQ(Fails("ld #4294967296").rule, "bad-number");
  EXPECT_EQ(Fails("ld #-2147483649").rule, "bad-number");
  EXPECT_EQ(Fails("ld #0x").rule, "bad-number");
  EXPECT_EQ(Fails("ld #12abc").rule, "bad-number");
  EXPECT_EQ(Fails("ld #99999999999999999999999").rule, "bad-number");
  EXPECT_EQ(Fails("ld #1/0").rule, "bad-expression");
  EXPECT_EQ(Fails("ld #(1").rule, "bad-expression");
}

TEST(Assembler, Symbols) {
  EXPECT_EQ(One("ld #AUDIT_ARCH_X86_64").k, 0xC000003Eu);
  EXPECT_EQ(One("ld #AUDIT_ARCH_AARCH64").k, 0xC00000B7u);
  EXPECT_EQ(One("ld #SYS_read").k, 0u);
  EXPECT_EQ(One("ld #__NR_execve").k, 59u);
  EXPECT_EQ(One(".arch i386\nld #SYS_execve").k, 11u);
  EXPECT_EQ(One(".arch aarch64\nld #SYS_execve").k, 221u);
  EXPECT_EQ(One(".arch x32\nld #SYS_read").k, 0x40000000u);
  AsmOptions i386;
  i386.arch = "i386";
  Result<Program> p = Assemble("ld #SYS_execve", i386);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->insns[0].k, 11u);
  Error e = Fails("ld #SYS_no_such_call");
  EXPECT_EQ(e.rule, "unknown-symbol");
  EXPECT_NE(e.message.find("SYS_no_such_call"), std::string::npos);
  EXPECT_EQ(Fails(".arch vax\nret ALLOW").rule, "bad-directive");
  EXPECT_EQ(Fails(".bogus 1\nret ALLOW").rule, "bad-directive");
}

TEST(Assembler, JumpForms) {
  Result<Program> p = Assemble(
      "  jeq #1, a, b\n"   // 0
      "  jeq #1, a\n"      // 1
      "  jne #1, b\n"      // 2
      "  jneq #1, b\n"     // 3
      "  jlt #1, b\n"      // 4
      "  jle #1, b\n"      // 5
      "  jgt x, a, b\n"    // 6
      "  jge %x, a\n"      // 7
      "  jset #4, b, a\n"  // 8
      "  jlt #1, a, b\n"   // 9
      "  ja b\n"           // 10
      "  jmp a\n"          // 11
      "a: ret #0\n"        // 12
      "b: ret #1\n");      // 13
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  const auto& i = p->insns;
  EXPECT_EQ(i[0], Jump(0x15, 1, 11, 12));
  EXPECT_EQ(i[1], Jump(0x15, 1, 10, 0));
  EXPECT_EQ(i[2], Jump(0x15, 1, 0, 10));
  EXPECT_EQ(i[3], Jump(0x15, 1, 0, 9));
  EXPECT_EQ(i[4], Jump(0x35, 1, 0, 8));
  EXPECT_EQ(i[5], Jump(0x25, 1, 0, 7));
  EXPECT_EQ(i[6], Jump(0x2d, 0, 5, 6));
  EXPECT_EQ(i[7], Jump(0x3d, 0, 4, 0));
  EXPECT_EQ(i[8], Jump(0x45, 4, 4, 3));
  EXPECT_EQ(i[9], Jump(0x35, 1, 3, 2));  // jlt = jge with the targets swapped
  EXPECT_EQ(i[10], Stmt(0x05, 2));
  EXPECT_EQ(i[11], Stmt(0x05, 0));
}

TEST(Assembler, LabelsAndComments) {
  Result<Program> p = Assemble(
      "# full-line hash comment\n"
      "; semicolon comment\n"
      "/* block\n   comment */ ld [nr] // trailing\n"
      "start: next: jeq #SYS_read, yes ; two labels on one line\n"
      "  ret KILL\n"
      "yes:\n"
      "\n"
      "  ret ALLOW\n");
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  ASSERT_EQ(p->size(), 4u);
  EXPECT_EQ(p->insns[1], Jump(0x15, 0, 1, 0));
}

TEST(Assembler, ByteOrderMarkAndCrLf) {
  Result<Program> p = Assemble("\xEF\xBB\xBFld [nr]\r\nret ALLOW\r\n");
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->size(), 2u);
}

TEST(Assembler, InsnEscape) {
  EXPECT_EQ(One(".insn 0xffff, 255, 1, 0xdeadbeef"), Jump(0xffff, 0xdeadbeef, 255, 1));
  EXPECT_EQ(One(".insn 0x20, 0, 0, -1"), Stmt(0x20, 0xffffffff));
  EXPECT_EQ(Fails(".insn 0x10000, 0, 0, 0").rule, "bad-number");
  EXPECT_EQ(Fails(".insn 0, 256, 0, 0").rule, "bad-number");
  EXPECT_EQ(Fails(".insn 0, -1, 0, 0").rule, "bad-number");
  EXPECT_EQ(Fails(".insn 0, 0, 0").rule, "bad-operand");
}

TEST(Assembler, ErrorsNameLineAndToken) {
  Error e = Fails("ld [nr]\n\n  lod #1\nret ALLOW\n");
  EXPECT_EQ(e.rule, "unknown-mnemonic");
  EXPECT_EQ(e.line, 3);
  EXPECT_NE(e.message.find("'lod'"), std::string::npos);
  EXPECT_NE(e.ToString().find("line 3"), std::string::npos);

  e = Fails("ld [nr]\njeq #1, nowhere\nret ALLOW\n");
  EXPECT_EQ(e.rule, "undefined-label");
  EXPECT_EQ(e.line, 2);
  EXPECT_NE(e.message.find("nowhere"), std::string::npos);

  e = Fails("a: ld [nr]\na: ret ALLOW\n");
  EXPECT_EQ(e.rule, "duplicate-label");
  EXPECT_EQ(e.line, 2);

  e = Fails("a: ld [nr]\njeq #1, a\nret ALLOW\n");
  EXPECT_EQ(e.rule, "backward-jump");
  EXPECT_EQ(e.line, 2);

  e = Fails("ld [nr] extra\n");
  EXPECT_EQ(e.rule, "bad-operand");
  EXPECT_NE(e.message.find("'extra'"), std::string::npos);

  EXPECT_EQ(Fails("ld\n").rule, "bad-operand");
  EXPECT_EQ(Fails("ld 5\n").rule, "bad-operand");
  EXPECT_EQ(Fails("st #1\n").rule, "bad-operand");
  EXPECT_EQ(Fails("tax x\n").rule, "bad-operand");
  EXPECT_EQ(Fails("jeq #1\n").rule, "bad-operand");
  EXPECT_EQ(Fails("jeq #1, 5\n").rule, "bad-operand");
  EXPECT_EQ(Fails("ld @1\n").rule, "bad-character");
  EXPECT_EQ(Fails("").rule, "empty-program");
  EXPECT_EQ(Fails("; only a comment\n\n").rule, "empty-program");
}

// A conditional jump over `gap` filler instructions to `far`.
std::string FarJump(int gap, bool jf_far) {
  std::string s = "ld [nr]\n";
  s += jf_far ? "jeq #1, near, far\n" : "jeq #1, far, near\n";
  s += "near: ret ALLOW\n";
  for (int i = 0; i < gap; ++i) s += "ld #" + std::to_string(i) + "\n";
  s += "far: ret KILL\n";
  return s;
}

TEST(Assembler, JumpAt255IsExact) {
  Result<Program> p = Assemble(FarJump(254, false));  // jt = 1 + 254 = 255
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->insns[1], Jump(0x15, 1, 255, 0));
  EXPECT_EQ(p->size(), 2u + 1 + 254 + 1);
}

TEST(Assembler, FarJumpGetsTrampoline) {
  for (bool jf_far : {false, true}) {
    Result<Program> p = Assemble(FarJump(300, jf_far));
    ASSERT_TRUE(p.ok()) << p.error().ToString();
    ASSERT_EQ(p->size(), 2u + 1 + 1 + 300 + 1);  // one ja inserted
    const auto& i = p->insns;
    const size_t far = p->size() - 1;
    EXPECT_EQ(i[far], Stmt(0x06, 0));
    EXPECT_EQ(i[2].code, 0x05);  // the trampoline right after the jump
    EXPECT_EQ(3 + i[2].k, far);
    if (jf_far) {
      EXPECT_EQ(i[1], Jump(0x15, 1, 1, 0));  // jt skips the trampoline to `near`
    } else {
      EXPECT_EQ(i[1], Jump(0x15, 1, 0, 1));
    }
    EXPECT_EQ(i[3], Stmt(0x06, 0x7fff0000));
  }
}

TEST(Assembler, BothTargetsFar) {
  std::string s = "jeq #1, a, b\n";
  for (int i = 0; i < 300; ++i) s += "ld #0\n";
  s += "a: ret #1\n";
  for (int i = 0; i < 300; ++i) s += "ld #0\n";
  s += "b: ret #2\n";
  Result<Program> p = Assemble(s);
  ASSERT_TRUE(p.ok());
  const auto& i = p->insns;
  EXPECT_EQ(i[0], Jump(0x15, 1, 0, 1));
  EXPECT_EQ(i[2 + i[1].k], Stmt(0x06, 1));
  EXPECT_EQ(i[3 + i[2].k], Stmt(0x06, 2));
}

TEST(Assembler, NoRelaxRejectsFarJump) {
  AsmOptions strict;
  strict.relax = false;
  Error e = Fails(FarJump(300, false), strict);
  EXPECT_EQ(e.rule, "jump-too-far");
  EXPECT_EQ(e.line, 2);
  EXPECT_NE(e.message.find("'far'"), std::string::npos);
}

TEST(Assembler, CascadingRelaxationConverges) {
  // Many jumps to one far label: each trampoline pushes the others farther.
  std::string s;
  for (int i = 0; i < 200; ++i) s += "jeq #" + std::to_string(i) + ", out\n";
  for (int i = 0; i < 200; ++i) s += "ld #0\n";
  s += "ret ALLOW\nout: ret KILL\n";
  Result<Program> p = Assemble(s);
  ASSERT_TRUE(p.ok());
  const auto& insns = p->insns;
  // Every conditional jump's taken branch reaches `ret KILL` directly or via one ja.
  for (size_t pc = 0; pc < insns.size(); ++pc) {
    if (insns[pc].code != 0x15) continue;
    size_t t = pc + 1 + insns[pc].jt;
    if (insns[t].code == 0x05) t = t + 1 + insns[t].k;
    EXPECT_EQ(insns[t], Stmt(0x06, 0)) << pc;
  }
}

// Errno names in the numbering of the arch (vm/names.h): the assembler reads `ERRNO(ENOSYS)` on
// the `.arch` / --arch arch; the listing names `ret ERRNO(n)` on the arch the path pinned with
// `jeq #AUDIT_ARCH_..`, else --arch, else the generic numbering.
TEST(ArchErrnoNames, AssemblerAndListingUseTheArchsNumbering) {
  const int mips_enosys = *ErrnoByName("ENOSYS", FindArch("mipsel")->audit_arch);
  AsmOptions mips;
  mips.arch = "mipsel";
  Result<Program> m = Assemble("ret ERRNO(ENOSYS)\n", mips);
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  EXPECT_EQ(m->insns[0].k, seccomp::kRetErrno | static_cast<uint32_t>(mips_enosys));
  Result<Program> x = Assemble("ret ERRNO(ENOSYS)\n");
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x->insns[0].k, seccomp::kRetErrno | static_cast<uint32_t>(*ErrnoByName("ENOSYS")));

  const std::string n = std::to_string(mips_enosys);
  Result<Program> p = Assemble("ld [arch]\njeq #AUDIT_ARCH_MIPSEL, mips, other\nmips:\nret ERRNO(" +
                               n + ")\nother:\nret ERRNO(" + n + ")\n");
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  const std::vector<std::string> lines = DisassembleLines(*p);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_NE(lines[2].find("; ENOSYS"), std::string::npos) << lines[2];  // pinned: mipsel
  EXPECT_EQ(lines[3].find("ENOSYS"), std::string::npos) << lines[3];    // not pinned: generic
  EXPECT_NE(lines[3].find("; " + std::string(ErrnoNameOf(mips_enosys))), std::string::npos)
      << lines[3];
  DisasmOptions on_mips;
  on_mips.arch = FindArch("mipsel");
  EXPECT_NE(DisassembleLines(*p, on_mips)[3].find("; ENOSYS"), std::string::npos);
}

}  // namespace
}  // namespace sckit
