// Every bundled example's cases pass under `sckit test` (CmdTest in-process).
#include <gtest/gtest.h>

#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/cli_capture.h"
#include "tools/command.h"

namespace sckit {
namespace {

struct Example {
  const char* name;
  std::vector<std::string> args;
};

using testing::CaptureCli;
using testing::CliRun;

TEST(Examples, EveryCasesFilePasses) {
  const std::vector<Example> examples = {
      {"server", {"-f", "examples/server/server.bpf", "examples/server/server.cases"}},
      {"denylist", {"-f", "examples/denylist/denylist.bpf", "examples/denylist/denylist.cases"}},
      {"socket-args",
       {"-f", "examples/socket-args/socket-args.bpf", "examples/socket-args/socket-args.cases"}},
      {"multiarch",
       {"-f", "examples/multiarch/multiarch.bpf", "examples/multiarch/multiarch.cases"}},
      {"stack",
       {"-f", "examples/multiarch/multiarch.bpf", "-f", "examples/socket-args/socket-args.bpf",
        "examples/stack/stack.cases"}},
      {"strict", {"--strict", "examples/strict/strict.cases"}},
  };
  for (const Example& e : examples) {
    const CliRun r = CaptureCli(tools::CmdTest, e.args);
    EXPECT_EQ(r.code, 0) << e.name << ":\n" << r.out << r.err;
    EXPECT_NE(r.out.find(" passed, 0 failed"), std::string::npos) << e.name << ":\n" << r.out;
    EXPECT_TRUE(r.out.rfind("0 passed", 0) != 0 && r.out.find("\n0 passed") == std::string::npos)
        << e.name << ": no cases ran";
  }
}

TEST(Examples, OlderKernelsFilterUretprobe) {
  // The server's cases expect 335/336 to pass (6.18); on 6.13 both reach the filter and die.
  const CliRun r =
      CaptureCli(tools::CmdTest, {"--kernel-version", "6.13", "-f", "examples/server/server.bpf",
                                  "examples/server/server.cases"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.out.find(" passed, 2 failed"), std::string::npos) << r.out;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(Examples, CommittedFiltersMatchTheGenerator) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  ASSERT_NE(tmp, nullptr);
  const std::string out = std::string(tmp) + "/gen";
  ASSERT_EQ(mkdir(out.c_str(), 0755), 0);
  std::string prog = "examples/gen/gen_examples";
  char* argv[] = {prog.data(), const_cast<char*>(out.c_str()), nullptr};
  pid_t pid;
  ASSERT_EQ(posix_spawn(&pid, argv[0], nullptr, nullptr, argv, environ), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  for (const char* f : {"server/server.bpf", "denylist/denylist.bpf",
                        "socket-args/socket-args.bpf", "multiarch/multiarch.bpf"}) {
    const std::string committed = Slurp(std::string("examples/") + f);
    EXPECT_FALSE(committed.empty()) << f;
    EXPECT_EQ(committed, Slurp(out + "/" + f))
        << f << " differs from the generator's output: regenerate with "
                "bazel run //examples/gen:gen_examples -- \"$PWD/examples\"";
  }
}

}  // namespace
}  // namespace sckit
