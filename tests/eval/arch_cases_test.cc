// Every examples/arches/*.cases file passes under `sckit test` with examples/arches/words.s, in
// the interpreter and the JIT: one file per arch sckit names beyond libseccomp 2.5.4 (and the
// big-endian ones it knows), each with expectations worked out by hand from the arch's word
// order and syscall numbers.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/cli_capture.h"
#include "tools/command.h"

namespace sckit {
namespace {

TEST(ArchCases, EveryFilePasses) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator("examples/arches")) {
    if (e.path().extension() == ".cases") files.push_back(e.path().string());
  }
  EXPECT_GE(files.size(), 12u);
  for (const std::string& f : files) {
    for (const char* engine : {"interp", "jit"}) {
      const testing::CliRun r = testing::CaptureCli(
          tools::CmdTest, {"-f", "examples/arches/words.s", "--engine", engine, f});
      EXPECT_EQ(r.code, 0) << f << " " << engine << "\n" << r.out << r.err;
      EXPECT_NE(r.out.find(" passed, 0 failed"), std::string::npos) << f << "\n" << r.out;
    }
  }
}

}  // namespace
}  // namespace sckit
