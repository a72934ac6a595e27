// sckit asm / sckit disasm (tools/cmd_asm.cc): exit codes and files written, driven through
// CmdAsm / CmdDisasm directly.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tools/command.h"
#include "formats/codec.h"
#include "formats/loader.h"

namespace sckit::tools {
namespace {

std::string Temp(const std::string& name) { return ::testing::TempDir() + "/asm_cli_" + name; }

void WriteText(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

std::string ReadText(const std::string& path) {
  Result<std::vector<uint8_t>> bytes = ReadFileBytes(path);
  return bytes.ok() ? std::string(bytes->begin(), bytes->end()) : std::string();
}

const char kFilter[] =
    "ld [arch]\njne #AUDIT_ARCH_X86_64, kill\nld [nr]\njeq #SYS_execve, deny\nret ALLOW\n"
    "deny: ret ERRNO(1)\nkill: ret KILL_PROCESS\n";

TEST(AsmCli, AssemblesToRawAndBackThroughEveryForm) {
  const std::string src = Temp("f.s"), raw = Temp("f.bin"), c = Temp("f.c"), s2 = Temp("f2.s");
  WriteText(src, kFilter);
  ASSERT_EQ(CmdAsm({src, "-o", raw}), kExitOk);
  Result<Program> p = LoadProgramFile(raw, Format::kRaw);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->size(), 7u);
  ASSERT_EQ(CmdDisasm({raw, "--emit", "c", "-o", c}), kExitOk);
  ASSERT_EQ(CmdDisasm({raw, "--emit", "asm", "-o", s2}), kExitOk);
  for (const std::string& text : {c, s2}) {
    const std::string out = Temp("again.bin");
    ASSERT_EQ(CmdAsm({text, "-o", out}), kExitOk) << text;
    EXPECT_EQ(ReadText(out), ReadText(raw)) << text;
  }
  const std::string listing = Temp("f.lst");
  ASSERT_EQ(CmdDisasm({raw, "-o", listing}), kExitOk);
  EXPECT_NE(ReadText(listing).find("jeq #59 jt 5 jf 4"), std::string::npos) << ReadText(listing);
}

TEST(AsmCli, ParseErrorsExitTwo) {
  const std::string bad = Temp("bad.s");
  WriteText(bad, "ld [nr]\nlod #1\n");
  EXPECT_EQ(CmdAsm({bad, "-o", Temp("bad.bin")}), kExitUsage);
  EXPECT_EQ(CmdDisasm({bad}), kExitUsage);
  WriteText(bad, std::string("\x20\x00\x00\x00\x00", 5));
  EXPECT_EQ(CmdDisasm({bad}), kExitUsage);  // truncated raw
  EXPECT_EQ(CmdAsm({Temp("missing.s")}), kExitUsage);
  EXPECT_EQ(CmdAsm({}), kExitUsage);
  EXPECT_EQ(CmdAsm({bad, "--emit", "yaml"}), kExitUsage);
  EXPECT_EQ(CmdAsm({bad, "--format", "yaml"}), kExitUsage);
  EXPECT_EQ(CmdAsm({bad, "--arch", "vax"}), kExitUsage);
}

TEST(AsmCli, NoRelaxFlag) {
  std::string text = "jeq #1, far\n";
  for (int i = 0; i < 300; ++i) text += "ld #0\n";
  text += "far: ret ALLOW\n";
  const std::string src = Temp("far.s");
  WriteText(src, text);
  EXPECT_EQ(CmdAsm({src, "-o", Temp("far.bin")}), kExitOk);
  EXPECT_EQ(ReadText(Temp("far.bin")).size(), 8u * 303);
  EXPECT_EQ(CmdAsm({src, "--no-relax", "-o", Temp("far2.bin")}), kExitUsage);
}

}  // namespace
}  // namespace sckit::tools
