// The C installer snippet (sckit asm --emit c-install) compiles with the system's C compiler and
// really installs the same filter: a program built from it sees the filter's ERRNO on getpid,
// and its array parses back to the identical program.
#include <sys/prctl.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "vm/bpf.h"
#include "formats/carray.h"
#include "vm/program.h"

namespace sckit {
namespace {

std::string Tmp(const std::string& name) {
  const char* t = std::getenv("TEST_TMPDIR");
  return std::string(t ? t : "/tmp") + "/" + name;
}

// ld [nr]; jeq getpid ? ERRNO(77) : ALLOW
Program Filter() {
  return Program{{Stmt(0x20, 0), Jump(0x15, 39, 0, 1), Stmt(0x06, seccomp::kRetErrno | 77),
                  Stmt(0x06, seccomp::kRetAllow)}};
}

TEST(CInstaller, ArrayParsesBackIdentically) {
  const std::string src = EmitCInstaller(Filter());
  Result<Program> back = ParseCArray(src);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(*back, Filter());
}

TEST(CInstaller, CompilesAndInstallsForReal) {
  if (prctl(PR_GET_SECCOMP) < 0) GTEST_SKIP() << "seccomp is not available";
  if (std::system("cc --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no C compiler";
  const std::string c = Tmp("installer.c");
  {
    std::ofstream out(c);
    out << EmitCInstaller(Filter())
        << "\n#include <stdio.h>\n"
           "int main(void) {\n"
           "  if (sckit_install_filter() != 0) { perror(\"install\"); return 2; }\n"
           "  errno = 0;\n"
           "  long r = syscall(SYS_getpid);\n"
           "  return (r == -1 && errno == 77) ? 0 : 1;\n"
           "}\n";
  }
  const std::string bin = Tmp("installer");
  ASSERT_EQ(std::system(("cc -std=c99 -Wall -Werror -o " + bin + " " + c).c_str()), 0);
  const int status = std::system(bin.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// A program of `n` copies of `ret ALLOW`.
Program AllowTimes(size_t n) { return Program{std::vector<SockFilter>(n, Stmt(0x06, 0x7fff0000))}; }

// Compiles the installer for `p` with a main that installs it; returns cc's exit status and
// its output in *log.
int Compile(const Program& p, const std::string& name, std::string* log) {
  const std::string c = Tmp(name + ".c"), out = Tmp(name + ".log");
  {
    std::ofstream f(c);
    f << EmitCInstaller(p, /*comments=*/false)
      << "\nint main(void) { return sckit_install_filter() == 0 ? 0 : 3; }\n";
  }
  const int status = std::system(("cc -std=c99 -Wall -Werror -o " + Tmp(name) + " " + c + " >" +
                                  out + " 2>&1").c_str());
  std::ifstream in(out);
  log->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return status;
}

// 65,537 instructions once became prog.len = 1 (an unsigned short cast), and the kernel
// installed only the first instruction. Any count past 4096 must now fail to compile.
TEST(CInstaller, TooLongArraysDoNotCompile) {
  if (std::system("cc --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no C compiler";
  for (size_t n : {size_t{4097}, size_t{65536}, size_t{65537}, size_t{65536 + 4096}}) {
    std::string log;
    EXPECT_NE(Compile(AllowTimes(n), "long" + std::to_string(n), &log), 0) << n;
    EXPECT_NE(log.find("sckit_filter_has_at_most_4096_instructions"), std::string::npos)
        << n << ": " << log;
  }
  std::string log;
  EXPECT_EQ(Compile(AllowTimes(4096), "long4096", &log), 0) << log;
}

// The run-time guard, for a compiler that would let the array through: with the compile-time
// check cut out, a 65,537-instruction installer must fail with EINVAL, not install `ret ALLOW`.
TEST(CInstaller, RunTimeGuardRefusesWhatWouldWrap) {
  if (prctl(PR_GET_SECCOMP) < 0) GTEST_SKIP() << "seccomp is not available";
  if (std::system("cc --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no C compiler";
  std::string src = EmitCInstaller(AllowTimes(65537), false);
  const size_t check = src.find("typedef char sckit_filter_has_at_most_4096_instructions");
  ASSERT_NE(check, std::string::npos);
  src.erase(check, src.find('\n', check) - check);
  const std::string c = Tmp("wrap.c"), bin = Tmp("wrap");
  {
    std::ofstream f(c);
    f << src << "\n#include <stdio.h>\n"
                "int main(void) {\n"
                "  if (sckit_install_filter() == 0) return 0;\n"
                "  return errno == EINVAL ? 3 : 4;\n"
                "}\n";
  }
  ASSERT_EQ(std::system(("cc -std=c99 -Wall -Werror -o " + bin + " " + c).c_str()), 0);
  const int status = std::system(bin.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3) << "the installer did not refuse 65537 instructions";
}

}  // namespace
}  // namespace sckit
