// `sckit analyze` and `sckit diff` with syscall user dispatch (tools/dispatch_flags.h,
// analysis/dispatch_stage.h): the same --dispatch* options as eval, DISPATCH_SIGSYS rows with
// the ip condition in text and JSON, diff of two filters under one configuration and of one
// filter under two (--dispatch-a/--dispatch-b), and bad configurations as usage errors.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "formats/codec.h"
#include "tests/cli_capture.h"
#include "tools/command.h"
#include "vm/bpf.h"
#include "vm/program.h"

namespace sckit::tools {
namespace {

using namespace bpf;  // NOLINT
using Json = nlohmann::json;

using testing::CaptureCli;
using testing::CliRun;

// getpid (39) -> ERRNO(errno), else ALLOW (no arch check: one class of arch values).
std::string Filter(uint32_t errno_value) {
  const std::vector<uint8_t> raw = EncodeRaw(
      Program{{Stmt(kLD | kW | kABS, 0), Jump(kJMP | kJEQ | kK, 39, 0, 1),
               Stmt(kRET | kK, 0x00050000 | errno_value), Stmt(kRET | kK, 0x7fff0000)}});
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path =
      std::string(dir ? dir : "/tmp") + "/dispatch_" + std::to_string(errno_value) + ".bpf";
  std::ofstream(path, std::ios::binary) << std::string(raw.begin(), raw.end());
  return path;
}

constexpr const char* kRegion = "0x7f0000000000,0x1000";

TEST(DispatchAnalysisCli, AnalyzeShowsDispatchSigsysWithTheIpCondition) {
  const std::string f = Filter(1);
  CliRun r = CaptureCli(CmdAnalyze, {f, "--dispatch", "on", "--dispatch-region", kRegion});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("getpid                 ERRNO(1) EPERM | DISPATCH_SIGSYS   (decided by "
                       "ip.lo ip.hi)   (dispatch: ip not in [0x7f0000000000, 0x7f0000001000))"),
            std::string::npos) << r.out;
  r = CaptureCli(CmdAnalyze,
                 {f, "--json", "--dispatch", "inclusive", "--dispatch-region", kRegion});
  ASSERT_EQ(r.code, 0) << r.err;
  const Json j = Json::parse(r.out);
  bool found = false;
  for (const Json& row : j["arches"][0]["syscalls"]) {
    if (row["nr"] != 39) continue;
    found = true;
    EXPECT_EQ(row["dispatch_stop"], "ip in [0x7f0000000000, 0x7f0000001000)");
    EXPECT_EQ(row["outcomes"].size(), 2u);
    EXPECT_EQ(row["outcomes"][1]["outcome"], "DISPATCH_SIGSYS");
    EXPECT_EQ(row["depends_on"], Json({"ip.lo", "ip.hi"}));
  }
  EXPECT_TRUE(found);
  // Without dispatch the field is null and getpid is constant.
  r = CaptureCli(CmdAnalyze, {f, "--json"});
  EXPECT_NE(r.out.find("\"dispatch_stop\": null"), std::string::npos);
  EXPECT_EQ(r.out.find("DISPATCH_SIGSYS"), std::string::npos);
}

TEST(DispatchAnalysisCli, DiffTwoFiltersUnderOneConfiguration) {
  const CliRun r =
      CaptureCli(CmdDiff, {Filter(1), Filter(2), "--dispatch", "on", "--dispatch-region", kRegion});
  EXPECT_EQ(r.code, 1) << r.err;
  // The row spans every arch (the filters never read the arch), so errnos are numbers: the
  // arches need not share one numbering (policy/diff_report RowNames).
  EXPECT_NE(r.out.find("[1 ERRNO(1) unless dispatched -> ERRNO(2) unless dispatched]"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("A: DISPATCH_SIGSYS when ip not in [0x7f0000000000, 0x7f0000001000), "
                       "else ERRNO(1)\n"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nr=39 ip=0x7f0000000000 -> A ERRNO(1), B ERRNO(2)"),
            std::string::npos) << r.out;
  // Nothing reaches the filters without a region: equivalent.
  EXPECT_EQ(CaptureCli(CmdDiff, {Filter(1), Filter(2), "--dispatch", "on"}).code, 0);
}

TEST(DispatchAnalysisCli, DiffOneFilterUnderTwoConfigurations) {
  const std::string f = Filter(1);
  CliRun r = CaptureCli(CmdDiff, {f, f, "--arch", "x86_64", "--dispatch-b",
                                  "dispatch=on region=0x7f0000000000,0x1000 selector=block"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.out.find("getpid(39):\n    A: ERRNO(1) EPERM always\n    B: DISPATCH_SIGSYS when "
                       "ip not in [0x7f0000000000, 0x7f0000001000), else ERRNO(1) EPERM always"),
            std::string::npos) << r.out;
  // --dispatch for both, --dispatch-a turning A's selector to ALLOW: A is the filter alone.
  r = CaptureCli(CmdDiff, {f, f, "--arch", "x86_64", "--json", "--dispatch", "on",
                           "--dispatch-region", kRegion, "--dispatch-a", "selector=allow"});
  EXPECT_EQ(r.code, 1) << r.err;
  const Json j = Json::parse(r.out);
  ASSERT_FALSE(j["arches"].empty());
  for (const Json& row : j["arches"][0]["rows"]) {
    EXPECT_FALSE(row["a_depends"].get<bool>());
    EXPECT_TRUE(row["b_depends"].get<bool>());
    EXPECT_EQ(row["witness"]["b"], "DISPATCH_SIGSYS");
  }
  // The same configuration twice: equivalent.
  EXPECT_EQ(
      CaptureCli(CmdDiff, {f, f, "--dispatch-a", "dispatch=on", "--dispatch-b", "dispatch=on"})
          .code,
      0);
}

TEST(DispatchAnalysisCli, BadConfigurationsAreUsageErrors) {
  const std::string f = Filter(1);
  const std::vector<std::vector<std::string>> bad = {
      {"--dispatch", "on", "--dispatch-region", "0x10,0xfffffffffffffff0"},
      {"--dispatch", "maybe"},
      {"--dispatch-selector", "block"},
      {"--dispatch", "inclusive"},
  };
  for (const std::vector<std::string>& extra : bad) {
    for (auto cmd : {CmdAnalyze, CmdDiff}) {
      std::vector<std::string> args = {f};
      if (cmd == CmdDiff) args.push_back(f);
      args.insert(args.end(), extra.begin(), extra.end());
      const CliRun r = CaptureCli(cmd, args);
      EXPECT_EQ(r.code, 2) << extra[1];
      EXPECT_TRUE(r.out.empty()) << r.out;
    }
  }
  for (const char* keys : {"dispatch=maybe", "zz=1", "dispatch=on region=0x10,0xfffffffffffffff0",
                           "", "selector=block"}) {
    const CliRun r = CaptureCli(CmdDiff, {f, f, "--dispatch-a", keys});
    EXPECT_EQ(r.code, 2) << keys;
    EXPECT_NE(r.err.find("--dispatch-a"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace sckit::tools
