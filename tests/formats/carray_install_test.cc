// The C installer snippet (sckit asm --emit c-install) compiles with the system's C compiler and
// really installs the same filter: a program built from it sees the filter's ERRNO on getpid,
// and its array parses back to the identical program.
#include <sys/prctl.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

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

}  // namespace
}  // namespace sckit
