// `sckit optimize` as a user runs it (CmdOptimize directly): the output in every form loads
// and verifies and is smaller to run, the JSON report, --merge of a stack (written, or refused
// with exit 1 and nothing written), and usage / I/O errors with exit 2, a rejected filter with
// exit 1.
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

// Writes raw instructions (code, jt, jf, k) to a file.
std::string WriteRaw(const std::string& name, const std::vector<SockFilter>& insns) {
  const std::string path = Temp(name);
  FILE* f = std::fopen(path.c_str(), "wb");
  EXPECT_NE(f, nullptr);
  std::fwrite(insns.data(), sizeof(SockFilter), insns.size(), f);
  std::fclose(f);
  return path;
}

TEST(OptimizeCli, MergeWritesOneFilterOrSaysWhyNot) {
  const std::string out = Temp("merged.bpf");
  ASSERT_EQ(CmdOptimize({"--merge", "examples/multiarch/multiarch.bpf",
                         "examples/socket-args/socket-args.bpf", "-o", out, "--json"}),
            kExitOk);
  Result<Program> p = LoadProgramFile(out);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(Verify(*p).ok());
  // Two filters that can return USER_NOTIF: refused, exit 1, nothing written.
  const std::vector<SockFilter> notif = {{0x20, 0, 0, 0}, {0x15, 0, 1, 1},
                                         {0x06, 0, 0, 0x7fc00000}, {0x06, 0, 0, 0x7fff0000}};
  const std::string a = WriteRaw("notif_a.bpf", notif), b = WriteRaw("notif_b.bpf", notif);
  const std::string none = Temp("never-written.bpf");
  std::remove(none.c_str());
  EXPECT_EQ(CmdOptimize({"--merge", a, b, "-o", none}), kExitFailed);
  EXPECT_EQ(std::fopen(none.c_str(), "rb"), nullptr);
  // Usage: a stack without --merge, --merge without files, bad --bench numbers.
  EXPECT_EQ(CmdOptimize({kServer, kServer}), kExitUsage);
  EXPECT_EQ(CmdOptimize({"--merge"}), kExitUsage);
  EXPECT_EQ(CmdOptimize({kServer, "--bench", "--bench-rounds", "0"}), kExitUsage);
  EXPECT_EQ(CmdOptimize({kServer, "--bench", "--kernel-reps", "65"}), kExitUsage);
}

}  // namespace
}  // namespace sckit::tools
