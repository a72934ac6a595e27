// The disassembler (formats/disasm.h): golden listings, syscall names on the arch of the path,
// the insn escape for invalid instructions, seccomp_data field names, and a readable form for
// every opcode of the table.
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

TEST(Disassembler, GoldenListing) {
  Result<Program> p = Assemble(
      "ld [arch]\n"
      "jne #AUDIT_ARCH_X86_64, kill\n"
      "ld [nr]\n"
      "jeq #SYS_execve, deny\n"
      "ld [args[1].hi]\n"
      "ret ALLOW\n"
      "deny: ret ERRNO(1)\n"
      "kill: ret KILL_PROCESS\n");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(DisassembleListing(*p),
            "; 8 instructions; jump targets are absolute pcs\n"
            ";   pc  code  jt  jf  k\n"
            "     0: 0020   0   0 00000004  ld [arch]\n"
            "     1: 0015   0   5 c000003e  jeq #AUDIT_ARCH_X86_64 jt 2 jf 7\n"
            "     2: 0020   0   0 00000000  ld [nr]\n"
            "     3: 0015   2   0 0000003b  jeq #59 jt 6 jf 4           ; execve\n"
            "     4: 0020   0   0 0000001c  ld [args[1].hi]\n"
            "     5: 0006   0   0 7fff0000  ret ALLOW\n"
            "     6: 0006   0   0 00050001  ret ERRNO(1)                ; EPERM\n"
            "     7: 0006   0   0 80000000  ret KILL_PROCESS\n");
  EXPECT_EQ(DisassembleCanonical(*p),
            "; sckit canonical assembly, 8 instructions; `sckit asm` reproduces the exact bytes\n"
            "    ld [arch]\n"
            "    jne #AUDIT_ARCH_X86_64, L7\n"
            "    ld [nr]\n"
            "    jeq #59, L6                         ; execve\n"
            "    ld [args[1].hi]\n"
            "    ret ALLOW\n"
            "L6:\n"
            "    ret ERRNO(1)                        ; EPERM\n"
            "L7:\n"
            "    ret KILL_PROCESS\n");
}

TEST(Disassembler, SyscallNamesFollowTheArchOfThePath) {
  Result<Program> p = Assemble(
      "ld [arch]\n"
      "jeq #AUDIT_ARCH_I386, i386\n"
      "ld [nr]\n"
      "jeq #59, kill\n"  // x86_64 execve
      "ret ALLOW\n"
      "i386: ld [nr]\n"
      "jeq #11, kill\n"  // i386 execve
      "ret ALLOW\n"
      "kill: ret KILL\n");
  ASSERT_TRUE(p.ok());
  const std::string listing = DisassembleListing(*p);
  EXPECT_NE(listing.find("jeq #59 jt 8 jf 4           ; execve"), std::string::npos) << listing;
  EXPECT_NE(listing.find("jeq #11 jt 8 jf 7           ; execve"), std::string::npos) << listing;
}

TEST(Disassembler, InvalidInstructionsUseInsnEscape) {
  Program p;
  p.insns = {
      Jump(0x00, 5, 1, 2),         // ld #5 with stray jt/jf
      Stmt(0x07, 9),               // tax with stray k
      Stmt(0xffff, 1),             // unknown opcode
      Stmt(0x05, 1000),            // ja past the end
      Jump(0x15, 1, 200, 0),       // jeq past the end
      Jump(0x1d, 3, 0, 0),         // jeq x with stray k
      Stmt(0x80, 4),               // ld len with stray k
      Stmt(0x06, 0x12345678),      // ret with an unknown action: still exact
  };
  const std::string text = DisassembleCanonical(p);
  EXPECT_NE(text.find(".insn 0x00, 1, 2, 0x5"), std::string::npos) << text;
  EXPECT_NE(text.find(".insn 0x07, 0, 0, 0x9"), std::string::npos) << text;
  EXPECT_NE(text.find(".insn 0xffff, 0, 0, 0x1"), std::string::npos) << text;
  EXPECT_NE(text.find(".insn 0x05, 0, 0, 0x3e8"), std::string::npos) << text;
  EXPECT_NE(text.find("ret #0x12345678"), std::string::npos) << text;
  Result<Program> back = Assemble(text);
  ASSERT_TRUE(back.ok()) << back.error().ToString() << "\n" << text;
  EXPECT_EQ(*back, p);
}

TEST(Disassembler, FieldNames) {
  EXPECT_EQ(SeccompFieldName(0), "nr");
  EXPECT_EQ(SeccompFieldName(4), "arch");
  EXPECT_EQ(SeccompFieldName(8), "ip.lo");
  EXPECT_EQ(SeccompFieldName(12), "ip.hi");
  EXPECT_EQ(SeccompFieldName(24), "args[1].lo");
  EXPECT_EQ(SeccompFieldName(28), "args[1].hi");
  EXPECT_EQ(SeccompFieldName(64), std::nullopt);
  EXPECT_EQ(SeccompFieldName(2), std::nullopt);
  EXPECT_EQ(FormatInstruction(Stmt(0x20, 28), 0, 1), "ld [args[1].hi]");
  EXPECT_EQ(FormatInstruction(Stmt(0x28, 28), 0, 1), "ldh [28]");
  EXPECT_EQ(ReturnValueName(0x7ff00005), "TRACE(5)");
  EXPECT_EQ(ReturnValueName(0x12340000), std::nullopt);
}

// Every opcode of the table with operands that have a readable form disassembles without
// an escape.
TEST(Disassembler, EveryTableOpcodeHasAReadableForm) {
  for (const OpcodeInfo& info : AllOpcodes()) {
    Program p;
    const bool jump = info.operand == Operand::kJumpK || info.operand == Operand::kJumpX;
    p.insns.push_back(Jump(info.code, 0, jump ? 1 : 0, 0));
    p.insns.push_back(Stmt(0x06, 0));
    const std::string text = DisassembleCanonical(p);
    EXPECT_EQ(text.find(".insn"), std::string::npos) << text;
    Result<Program> back = Assemble(text);
    ASSERT_TRUE(back.ok()) << text;
    EXPECT_EQ(*back, p) << text;
  }
}

}  // namespace
}  // namespace sckit
