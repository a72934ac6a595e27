// sckit diff as a person reads it (issue 18): the summary line first, rows grouped into
// ranges with names, argument conditions with constant names and a witness each, arch values
// neither filter looks into folded into one line, --arch, --max, --json with the same
// structure; every row of the bundled Docker vs Podman profiles checked in the interpreter.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "analysis/diff.h"
#include "analysis/symbolic.h"
#include "formats/codec.h"
#include "formats/loader.h"
#include "tests/cli_capture.h"
#include "tools/command.h"
#include "verifier/verifier.h"
#include "vm/arch.h"
#include "vm/bpf.h"

namespace sckit::tools {
namespace {

using namespace bpf;  // NOLINT
using Json = nlohmann::json;

constexpr const char* kDocker = "examples/profiles/docker-default.bpf";
constexpr const char* kPodman = "examples/profiles/podman-default.bpf";

using testing::CaptureCli;
using testing::CliRun;

CliRun Diff(const std::vector<std::string>& args) { return CaptureCli(CmdDiff, args); }

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// x86_64 checked, every other arch gets `other`; nr 59 is ERRNO(1), the rest allowed.
std::string ArchFilter(const std::string& name, uint32_t other) {
  const Program p{{Stmt(kLD | kW | kABS, 4), Jump(kJMP | kJEQ | kK, kAuditArchX86_64, 1, 0),
                   Stmt(kRET | kK, other), Stmt(kLD | kW | kABS, 0),
                   Jump(kJMP | kJEQ | kK, 59, 0, 1), Stmt(kRET | kK, seccomp::kRetErrno | 1),
                   Stmt(kRET | kK, seccomp::kRetAllow)}};
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir ? dir : "/tmp") + "/" + name;
  const std::vector<uint8_t> raw = EncodeRaw(p);
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(raw.data()),
                                              static_cast<std::streamsize>(raw.size()));
  return path;
}

VerifiedProgram Load(const std::string& path) {
  Result<Program> p = LoadProgramFile(path);
  EXPECT_TRUE(p.ok());
  return std::move(Verify(*p)).value();
}

TEST(DiffCli, SummaryFirstThenArgumentConditionsWithNamesAndAWitness) {
  const CliRun r = Diff({"examples/server/server.bpf", "examples/rules/server.bpf"});
  EXPECT_EQ(r.code, 1);
  const auto lines = Lines(r.out);
  ASSERT_GT(lines.size(), 5u);
  EXPECT_EQ(lines[0].rfind("differ: x86_64: 4 syscalls [", 0), 0u) << lines[0];
  // mmap: the rules version checks the protection and flags, with constant names.
  const size_t mmap = r.out.find("  mmap(9):\n    A: ALLOW always\n    B: ALLOW when arg2 in ");
  ASSERT_NE(mmap, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PROT_READ", mmap), std::string::npos);
  EXPECT_NE(r.out.find("    e.g. arch=x86_64 nr=mmap(9) ", mmap), std::string::npos);
  EXPECT_NE(r.out.find("  openat(257):"), std::string::npos);
}

TEST(DiffCli, ArchesNeitherSideLooksIntoAreOneLine) {
  const std::string a = ArchFilter("thread.bpf", seccomp::kRetKillThread);
  const std::string b = ArchFilter("process.bpf", seccomp::kRetKillProcess);
  const CliRun r = Diff({a, b});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out,
            "differ: every other arch: [KILL_THREAD -> KILL_PROCESS]\n\n"
            "every other arch:\n"
            "  every nr: A KILL_THREAD, B KILL_PROCESS\n");
  // --arch restricts: on x86_64 they are the same filter; i386 is named, not folded.
  EXPECT_EQ(Diff({"--arch", "x86_64", a, b}).code, 0);
  const CliRun i386 = Diff({"--arch", "i386", "--arch", "x86_64", a, b});
  EXPECT_EQ(i386.code, 1);
  EXPECT_EQ(i386.out.rfind("differ: i386: ", 0), 0u) << i386.out;
  EXPECT_NE(i386.out.find("\ni386:\n  every nr: A KILL_THREAD, B KILL_PROCESS\n"),
            std::string::npos);
  EXPECT_EQ(Diff({"--arch", "vax", a, b}).code, 2);
}

TEST(DiffCli, RangesOfTheBundledProfilesAreRightAtBothEnds) {
  const CliRun r = Diff({"--json", "--max", "100000", kDocker, kPodman});
  EXPECT_EQ(r.code, 1);
  const Json j = Json::parse(r.out);
  EXPECT_FALSE(j["equivalent"].get<bool>());
  EXPECT_TRUE(j["exact"].get<bool>());
  EXPECT_FALSE(j["truncated"].get<bool>());
  const VerifiedProgram docker = Load(kDocker);
  const VerifiedProgram podman = Load(kPodman);
  ASSERT_EQ(j["summary"].size(), j["arches"].size());
  size_t rows = 0, ranges = 0, depends = 0;
  for (const Json& arch : j["arches"]) {
    size_t syscalls = 0;
    const uint32_t value = arch["values"][0][0].get<uint32_t>();
    for (const Json& row : arch["rows"]) {
      ++rows;
      syscalls += row["syscalls"].get<size_t>();
      const auto first = row["first"].get<uint32_t>(), last = row["last"].get<uint32_t>();
      ranges += first != last;
      const std::string wa = row["witness"]["a"], wb = row["witness"]["b"];
      EXPECT_NE(wa, wb) << row["range"];
      if (row["a_depends"].get<bool>() || row["b_depends"].get<bool>()) {
        ++depends;
        EXPECT_NE(row["a"].get<std::string>() + row["b"].get<std::string>(), wa + wb);
        continue;
      }
      // Both ends of a constant row have the row's outcomes, with any arguments.
      for (uint32_t nr : {first, last}) {
        SeccompData d;
        d.arch = value;
        d.nr = static_cast<int32_t>(nr);
        d.args[0] = 0x12345;
        const Numbering names = NumberingOf(value);  // the row's arch's errno names
        EXPECT_EQ(analysis::CanonicalText(analysis::ConcreteOutcome({&docker}, d), names), row["a"])
            << row["range"];
        EXPECT_EQ(analysis::CanonicalText(analysis::ConcreteOutcome({&podman}, d), names), row["b"])
            << row["range"];
      }
    }
    for (const Json& s : j["summary"]) {
      if (s["arch"] == arch["arch"]) EXPECT_EQ(s["syscalls"].get<size_t>(), syscalls);
    }
  }
  EXPECT_GT(rows, 50u);
  EXPECT_GT(ranges, 10u);  // consecutive numbers grouped
  EXPECT_GE(depends, 4u);  // clone, personality, socket on each arch
  // Docker refuses mount and umount with EPERM, Podman allows them: i386 numbers them 21 and
  // 22, one row.
  bool mount = false;
  for (const Json& arch : j["arches"]) {
    for (const Json& row : arch["rows"]) {
      mount |= arch["arch"] == "i386" && row["range"] == "mount(21)..umount(22)" &&
               row["a"] == "ERRNO(1) EPERM" && row["b"] == "ALLOW";
    }
  }
  EXPECT_TRUE(mount);
}

TEST(DiffCli, MaxBoundsTheRowsNotTheWork) {
  const CliRun r = Diff({"--json", "--max", "1", kDocker, kPodman});
  EXPECT_EQ(r.code, 1);
  const Json j = Json::parse(r.out);
  EXPECT_TRUE(j["truncated"].get<bool>());
  ASSERT_EQ(j["arches"].size(), 1u);
  EXPECT_EQ(j["arches"][0]["rows"].size(), 1u);
  const CliRun text = Diff({"--max", "1", kDocker, kPodman});
  EXPECT_EQ(text.out.rfind("differ (listing cut at --max): ", 0), 0u);
  const CliRun none = Diff({"--max", "0", kDocker, kPodman});
  EXPECT_EQ(none.code, 1);  // still known to differ
  EXPECT_EQ(none.out.rfind("differ (listing cut at --max): no row listed\n", 0), 0u) << none.out;
}

TEST(DiffCli, EquivalentFiltersExitZero) {
  const CliRun r = Diff({kDocker, kDocker});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "equivalent\n");
  const Json j = Json::parse(Diff({"--json", kDocker, kDocker}).out);
  EXPECT_TRUE(j["equivalent"].get<bool>());
  EXPECT_TRUE(j["arches"].empty());
}

}  // namespace
}  // namespace sckit::tools
