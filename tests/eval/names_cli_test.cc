// Issue 18's names on the bundled filters, as the user sees them (the commands in-process):
// `sckit eval` text and JSON for every named syscall of four arches (`nr=*`), the two agreeing
// and every printed record parsing back; `sckit test` failures showing the line as written;
// `sckit fuzz` cases with names and a comment per case, which `sckit test` passes again.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "formats/records.h"
#include "tests/cli_capture.h"
#include "tools/command.h"

namespace sckit {
namespace {

using testing::CaptureCli;
using testing::CliRun;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string TmpPath(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  return std::string(tmp ? tmp : "/tmp") + "/" + name;
}

const char* const kBundled[] = {
    "examples/server/server.bpf",          "examples/denylist/denylist.bpf",
    "examples/socket-args/socket-args.bpf", "examples/multiarch/multiarch.bpf",
    "examples/rules/server.bpf",           "examples/profiles/docker-default.bpf",
    "examples/profiles/podman-default.bpf",
};

// Text and JSON Lines of the same records agree line for line; every record printed parses
// back to the canonical record JSON keeps; names are where the numbers have them.
TEST(NamesOnBundledFilters, EvalTextAndJsonAgreeAndRoundTrip) {
  const std::string pattern = "arch=x86_64,i386,x32,aarch64 nr=* a0=0-1";
  const Result<uint64_t> count = CountRecordPattern(pattern);
  ASSERT_TRUE(count.ok());
  ASSERT_GT(*count, 2000u);
  for (const char* filter : kBundled) {
    const CliRun text = CaptureCli(tools::CmdEval, {"-f", filter, "-d", pattern});
    const CliRun json = CaptureCli(tools::CmdEval, {"-f", filter, "-d", pattern, "--json"});
    ASSERT_EQ(text.code, 0) << filter << text.err;
    ASSERT_EQ(json.code, 0) << filter << json.err;
    const std::vector<std::string> t = Lines(text.out), j = Lines(json.out);
    ASSERT_EQ(t.size(), *count) << filter;
    ASSERT_EQ(j.size(), *count) << filter;
    size_t errnos = 0;
    for (size_t i = 0; i < t.size(); ++i) {
      const nlohmann::json o = nlohmann::json::parse(j[i]);
      const size_t arrow = t[i].find(" -> ");
      ASSERT_NE(arrow, std::string::npos) << t[i];
      const std::string record = t[i].substr(0, arrow);
      EXPECT_EQ(o["text"], record);
      EXPECT_EQ(o["engine"], "interp");
      Result<SeccompData> back = ParseRecord(record, 1);
      ASSERT_TRUE(back.ok()) << record << ": " << back.error().ToString();
      EXPECT_EQ(FormatRecord(*back), o["record"].get<std::string>()) << record;
      // nr=* gives named syscalls only: the text names each, as JSON does.
      ASSERT_TRUE(o["syscall"].is_string()) << j[i];
      EXPECT_NE(record.find(" nr=" + o["syscall"].get<std::string>() + "("), std::string::npos)
          << record;
      // The outcome: JSON's number form, the text's with the errno's name.
      const std::string outcome = o["outcome"];
      const std::string shown = t[i].substr(arrow + 4);
      if (o["errno_name"].is_string()) {
        ++errnos;
        EXPECT_EQ(shown, outcome + " " + o["errno_name"].get<std::string>()) << t[i];
      } else {
        EXPECT_EQ(shown, outcome) << t[i];
      }
      if (o["signal"].is_number()) EXPECT_EQ(o["signal_name"], "SIGSYS") << j[i];
    }
    if (std::string(filter).find("profiles") != std::string::npos) {
      EXPECT_GT(errnos, 0u) << filter;  // the profiles fail unknown calls with EPERM/ENOSYS
    }
  }
}

TEST(NamesOnBundledFilters, FailingCasesShowTheLineAsWritten) {
  const std::string cases = TmpPath("flipped.cases");
  std::ofstream(cases) << "# expectations flipped on purpose\n"
                          "nr=ptrace,mount a0=0-1 => ALLOW   # denied with EPERM\n"
                          "nr=read(0) => ERRNO(1) EPERM\n";
  const CliRun r = CaptureCli(tools::CmdTest, {"-f", "examples/denylist/denylist.bpf", cases});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find(cases + ":2: FAIL: nr=ptrace,mount a0=0-1 => ALLOW   # denied with EPERM\n"
                               "  record:   arch=x86_64 nr=mount(165) a0=0x1\n"
                               "  expected: ALLOW\n"
                               "  got:      ERRNO(1) EPERM\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(cases + ":3: FAIL: nr=read(0) => ERRNO(1) EPERM\n"
                               "  record:   arch=x86_64 nr=read(0)\n"
                               "  expected: ERRNO(1) EPERM\n"
                               "  got:      ALLOW\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("0 passed, 5 failed"), std::string::npos) << r.out;
}

// `sckit fuzz` writes cases a person can read (names, why each case is there) that
// `sckit test` passes on the same filter.
TEST(NamesOnBundledFilters, FuzzCasesHaveNamesAndCommentsAndPass) {
  for (const char* filter : kBundled) {
    const std::string out = TmpPath("fuzz.cases");
    const CliRun fuzz = CaptureCli(
        tools::CmdFuzz, {"-f", filter, "--time", "0", "--runs", "20000", "--seed", "3", "-o", out});
    ASSERT_EQ(fuzz.code, 0) << filter << fuzz.err;
    std::ifstream in(out);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t cases = 0, named = 0;
    for (const std::string& line : Lines(text)) {
      if (line.empty() || line[0] == '#') continue;
      ++cases;
      EXPECT_NE(line.find(" => "), std::string::npos) << line;
      EXPECT_NE(line.find("  # reaches pc "), std::string::npos) << line;
      EXPECT_EQ(line.find("args="), std::string::npos) << line;  // zeros left out
      named += line.find("(") < line.find(" => ");
    }
    EXPECT_GT(cases, 5u) << filter;
    EXPECT_GT(named, cases / 2) << filter << "\n" << text;
    const CliRun test = CaptureCli(tools::CmdTest, {"-f", filter, out});
    EXPECT_EQ(test.code, 0) << filter << "\n" << test.out;
    EXPECT_NE(test.out.find(std::to_string(cases) + " passed, 0 failed"), std::string::npos)
        << test.out;
  }
}

// `sckit analyze`: outcomes with errno names in text, JSON witnesses in both forms (the
// numbers, and the text with names that parses back to them).
TEST(NamesOnBundledFilters, AnalyzeNamesOutcomesAndWitnesses) {
  const CliRun text =
      CaptureCli(tools::CmdAnalyze, {"examples/denylist/denylist.bpf", "--summary"});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("  ERRNO(1) EPERM\n"), std::string::npos) << text.out;
  const CliRun json = CaptureCli(tools::CmdAnalyze, {"examples/denylist/denylist.bpf", "--json"});
  ASSERT_EQ(json.code, 0) << json.err;
  const nlohmann::json o = nlohmann::json::parse(json.out);
  size_t witnesses = 0, eperm = 0;
  for (const auto& arch : o["arches"]) {
    for (const auto& row : arch["syscalls"]) {
      for (const auto& outcome : row["outcomes"]) {
        Result<SeccompData> back = ParseRecord(outcome["witness_text"].get<std::string>(), 1);
        ASSERT_TRUE(back.ok()) << outcome;
        EXPECT_EQ(FormatRecord(*back), outcome["witness"].get<std::string>());
        EXPECT_NE(outcome["witness_text"].get<std::string>().find(
                      "nr=" + row["name"].get<std::string>() + "("),
                  std::string::npos)
            << outcome;
        ++witnesses;
        if (outcome["outcome"] == "ERRNO(1)") {
          EXPECT_EQ(outcome["errno_name"], "EPERM");
          ++eperm;
        } else {
          EXPECT_TRUE(outcome["errno_name"].is_null()) << outcome;
        }
      }
    }
  }
  EXPECT_GT(witnesses, 300u);
  EXPECT_EQ(eperm, 15u + 1u);  // 15 calls always EPERM, unshare when CLONE_NEWUSER
}

}  // namespace
}  // namespace sckit
