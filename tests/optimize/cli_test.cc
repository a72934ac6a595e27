// `sckit optimize` as a user runs it (CmdOptimize directly): the output in every form loads
// and verifies and is smaller to run, the JSON report, and usage / I/O errors with exit 2, a
// rejected filter with exit 1.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "formats/loader.h"
#include "tools/command.h"
#include "verifier/verifier.h"

namespace sckit::tools {
namespace {

std::string Temp(const std::string& name) { return ::testing::TempDir() + "/opt_cli_" + name; }

const char kServer[] = "examples/server/server.bpf";

TEST(OptimizeCli, WritesEveryFormAndItVerifies) {
  for (const char* emit : {"raw", "asm", "c"}) {
    const std::string out = Temp(std::string("out.") + emit);
    ASSERT_EQ(CmdOptimize({kServer, "-o", out, "--emit", emit}), kExitOk) << emit;
    Result<Program> p = LoadProgramFile(out);
    ASSERT_TRUE(p.ok()) << emit << ": " << p.error().ToString();
    EXPECT_TRUE(Verify(*p).ok()) << emit;
  }
  EXPECT_EQ(CmdOptimize({kServer, "-o", Temp("ci.c"), "--emit", "c-install"}), kExitOk);
}

TEST(OptimizeCli, JsonAndWorkloads) {
  EXPECT_EQ(CmdOptimize({kServer, "--json"}), kExitOk);
  EXPECT_EQ(CmdOptimize({kServer, "--workload", "hot", "--arch", "x86_64", "--arch", "i386"}),
            kExitOk);
  EXPECT_EQ(CmdOptimize({kServer, "--no-resynthesis"}), kExitOk);
}

TEST(OptimizeCli, BadInputIsAUsageErrorOrARejection) {
  EXPECT_EQ(CmdOptimize({}), kExitUsage);
  EXPECT_EQ(CmdOptimize({Temp("missing.bpf")}), kExitUsage);
  EXPECT_EQ(CmdOptimize({kServer, "--emit", "listing"}), kExitUsage);
  EXPECT_EQ(CmdOptimize({kServer, "--arch", "vax"}), kExitUsage);
  EXPECT_EQ(CmdOptimize({kServer, "--workload", Temp("no-such-trace")}), kExitUsage);
  EXPECT_EQ(CmdOptimize({kServer, "-o", "/nonexistent-dir/x.bpf"}), kExitUsage);
  // Not accepted by the kernel: a jump past the end.
  const std::string bad = Temp("bad.bpf");
  FILE* f = std::fopen(bad.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  const unsigned char insns[] = {0x15, 0, 9, 0, 0, 0, 0, 0, 0x06, 0, 0, 0, 0, 0, 0xff, 0x7f};
  std::fwrite(insns, 1, sizeof insns, f);
  std::fclose(f);
  EXPECT_EQ(CmdOptimize({bad}), kExitFailed);
}

}  // namespace
}  // namespace sckit::tools
