// Filters libseccomp writes for big-endian machines (seccomp_export_bpf for s390x, ppc64, mips64,
// parisc64 and their 32-bit siblings, on this host; tests/eval/libseccomp_export.c) are read
// big-endian without being told (--byte-order auto), and `sckit test` evaluates them, on
// records laid out as on those machines, to what the policy says (expectations by hand from
// the rules). Cases are chosen so that the wrong word order gives another answer: a1 =
// 0x2_00000001 is 0x1_00000002 with its halves swapped.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "formats/loader.h"
#include "tests/cli_capture.h"
#include "tests/eval/libseccomp_export.h"
#include "tools/command.h"
#include "verifier/verifier.h"

namespace sckit {
namespace {

std::string TempDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d != nullptr ? d : "/tmp";
}

std::string Export(const std::string& arch, bool wide) {
  const std::string path = TempDir() + "/" + arch + ".bpf";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(sckit_test_export(arch.c_str(), wide ? 1 : 0, fd), 0) << arch;
  ::close(fd);
  return path;
}

std::string Cases(const std::string& arch, bool wide) {
  const std::string a = "arch=" + arch + " ";
  std::string s = a + "nr=read a0=0 => ALLOW\n" + a + "nr=read a0=1 => KILL_THREAD\n" + a +
                  "nr=write a0=1 => ALLOW\n" + a + "nr=close a0=0xffffffffffffffff => ALLOW\n" +
                  "arch=x86_64 nr=0 => KILL_THREAD\n";
  if (wide) {  // both halves compared
    s += a + "nr=read a0=0x100000000 => KILL_THREAD\n" + a +
         "nr=write a0=0x100000001 => KILL_THREAD\n" + a + "nr=lseek a1=0x100000002 => ERRNO(5)\n" +
         a + "nr=lseek a1=0x200000001 => KILL_THREAD\n" + a + "nr=dup a0=0x100000001 => TRAP(0)\n" +
         a + "nr=dup a0=0x100000000 => KILL_THREAD\n" + a + "nr=dup a0=0xffffffff => KILL_THREAD\n";
  } else {  // a 32-bit arch: libseccomp compares the low word, which is at offset 20 there
    s += a + "nr=read a0=0x100000000 => ALLOW\n" + a + "nr=write a0=0x100000000 => KILL_THREAD\n";
  }
  return s;
}

void ExpectCasesPass(const std::string& arch, bool wide, bool big) {
  const std::string filter = Export(arch, wide);
  LoadOptions load;
  load.verifies = [](const Program& p) { return Verify(p).ok(); };
  LoadInfo info;
  Result<Program> p = LoadProgramFile(filter, load, &info);
  ASSERT_TRUE(p.ok()) << arch << ": " << p.error().ToString();
  EXPECT_EQ(info.byte_order, big ? ByteOrder::kBig : ByteOrder::kLittle) << arch;
  const std::string cases = TempDir() + "/" + arch + ".cases";
  std::ofstream(cases) << Cases(arch, wide);
  for (const char* engine : {"interp", "jit"}) {
    const testing::CliRun r =
        testing::CaptureCli(tools::CmdTest, {"-f", filter, "--engine", engine, cases});
    const int code = r.code;
    const std::string& out = r.out;
    const std::string& err = r.err;
    EXPECT_EQ(code, 0) << arch << " " << engine << "\n" << out << err;
    EXPECT_NE(out.find(wide ? "12 passed, 0 failed" : "7 passed, 0 failed"), std::string::npos)
        << arch << " " << engine << "\n" << out;
    if (big) {
      EXPECT_NE(err.find("read big-endian"), std::string::npos) << arch << ": " << err;
    }
  }
}

TEST(LibseccompBigEndian, SixtyFourBitArches) {
  for (const char* arch : {"s390x", "ppc64", "mips64", "parisc64"}) {
    ExpectCasesPass(arch, true, true);
  }
}

// mips64n32 too: its registers are 64-bit, but libseccomp gives it 32-bit arguments.
TEST(LibseccompBigEndian, ThirtyTwoBitArches) {
  for (const char* arch : {"s390", "ppc", "mips", "parisc", "mips64n32"}) {
    ExpectCasesPass(arch, false, true);
  }
}

TEST(LibseccompBigEndian, LittleEndianSiblingsStayLittle) {
  for (const char* arch : {"ppc64le", "mipsel64", "aarch64"}) ExpectCasesPass(arch, true, false);
  ExpectCasesPass("mipsel", false, false);
}

}  // namespace
}  // namespace sckit
