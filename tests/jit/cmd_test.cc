// `sckit jit`: summary, --json, --dump, and rejections printed like `sckit verify` (exit 1).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tools/command.h"
#include "vm/bpf.h"
#include "formats/codec.h"
#include "vm/program.h"

namespace sckit {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

std::string WriteRaw(const std::string& name, const Program& p) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir ? dir : "/tmp") + "/" + name;
  const std::vector<uint8_t> bytes = EncodeRaw(p);
  FILE* f = std::fopen(path.c_str(), "wb");
  EXPECT_NE(f, nullptr);
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
  return path;
}

int RunCmd(const std::vector<std::string>& args, std::string* out) {
  ::testing::internal::CaptureStdout();
  const int code = tools::CmdJit(args);
  *out = ::testing::internal::GetCapturedStdout();
  return code;
}

const Program kAllowX86 = {{
    Stmt(kLD | kW | kABS, 4),
    Jump(kJMP | kJEQ | kK, 0xC000003E, 1, 0),
    Stmt(kRET | kK, seccomp::kRetKillProcess),
    Stmt(kRET | kK, seccomp::kRetAllow),
}};

TEST(JitCommand, PrintsASummary) {
  const std::string path = WriteRaw("allow.bpf", kAllowX86);
  std::string out;
  EXPECT_EQ(RunCmd({path}, &out), tools::kExitOk);
  EXPECT_NE(out.find(": ok, 4 BPF instructions -> "), std::string::npos) << out;
}

TEST(JitCommand, DumpMarksEveryPc) {
  const std::string path = WriteRaw("allow.bpf", kAllowX86);
  std::string out;
  EXPECT_EQ(RunCmd({path, "--dump", "--format", "raw"}, &out), tools::kExitOk);
  for (const char* want :
       {"code:\n0000  31 c0 31 c9", "; pc 0: ld [4]", "; pc 1: jeq #0xc000003e, 3, 2",
        "; pc 3: ret #0x7fff0000", "cmp eax, 0xc000003e", "; epilogue"}) {
    EXPECT_NE(out.find(want), std::string::npos) << want << " in\n" << out;
  }
}

TEST(JitCommand, Json) {
  const std::string path = WriteRaw("allow.bpf", kAllowX86);
  std::string out;
  EXPECT_EQ(RunCmd({path, "--json", "--dump"}, &out), tools::kExitOk);
  EXPECT_NE(out.find("\"accepted\": true, \"instructions\": 4"), std::string::npos) << out;
  EXPECT_NE(out.find("\"pc_offsets\": [4, "), std::string::npos) << out;
  EXPECT_NE(out.find("\"code_hex\": \"31c031c9"), std::string::npos) << out;
}

TEST(JitCommand, RejectedFilterExitsOne) {
  // Last instruction is not RET (bpf_check_classic: EINVAL).
  const std::string path = WriteRaw("bad.bpf", Program{{Stmt(kLD | kW | kABS, 0)}});
  std::string out;
  EXPECT_EQ(RunCmd({path}, &out), tools::kExitFailed);
  EXPECT_NE(out.find("bad.bpf: rejected: "), std::string::npos) << out;
  EXPECT_NE(out.find("EINVAL"), std::string::npos) << out;
  EXPECT_EQ(RunCmd({path, "--json"}, &out), tools::kExitFailed);
  EXPECT_NE(out.find("\"accepted\": false, \"errno\": \"EINVAL\""), std::string::npos) << out;
}

TEST(JitCommand, UsageErrorsExitTwo) {
  std::string out;
  EXPECT_EQ(RunCmd({}, &out), tools::kExitUsage);
  EXPECT_EQ(RunCmd({"/nonexistent/file.bpf"}, &out), tools::kExitUsage);
}

}  // namespace
}  // namespace sckit
