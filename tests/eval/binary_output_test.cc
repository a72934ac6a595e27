// `sckit eval --output binary` (formats/result_records.h) says what `--output json` says, record
// for record: the same records through both outputs, in every kernel context eval models
// (tracer, listener, strict mode, syscall user dispatch from the command line and per line,
// actions_avail, the passthrough calls of an older kernel), on the interpreter and the JIT, for
// docker's profile and a two-filter stack that returns words of the record (every action, ERRNO
// caps, SIGSYS siginfo, unknown actions). And the refusals: --trace, the live kernel, a
// disagreeing --json, an unknown output.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "formats/codec.h"
#include "formats/records.h"
#include "formats/result_records.h"
#include "tests/cli_capture.h"
#include "tools/command.h"
#include "vm/bpf.h"
#include "vm/dispatch.h"
#include "vm/outcome.h"
#include "vm/program.h"

namespace sckit {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

using EvalRun = testing::CliRun;

EvalRun Eval(const std::vector<std::string>& args) {
  return testing::CaptureCli(tools::CmdEval, args);
}

std::string Tmp(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

// RET the 32-bit word at `offset` of seccomp_data.
std::string WordFilter(const std::string& name, uint32_t offset) {
  const std::vector<uint8_t> bytes =
      EncodeRaw(Program{{Stmt(kLD | kW | kABS, offset), Stmt(kRET | kRetA, 0)}});
  const std::string path = Tmp(name);
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  return path;
}

// Records whose first two arguments' low words are what the word filters return; x86_64 with
// the passthrough numbers, i386, aarch64 and an unknown arch; ips inside and outside the
// dispatch region; every tenth line with its own dispatch configuration.
std::string RecordsFile() {
  const uint32_t actions[] = {0x80000000u, 0x00000000u, 0x00030000u, 0x00050000u, 0x7fc00000u,
                              0x7ff00000u, 0x7ffc0000u, 0x7fff0000u, 0x12340000u, 0x7ff80000u};
  const uint32_t data[] = {0, 1, 38, 4095, 4096, 0xffff};
  const uint32_t arches[] = {0xc000003eu, 0xc000003eu, 0x40000003u, 0xc00000b7u, 0xdeadbeefu};
  const int32_t nrs[] = {0, 1, 3, 15, 60, 119, 335, 336, 231, 39};
  std::string text;
  uint64_t s = 7;
  auto next = [&s] { return (s = s * 6364136223846793005ull + 1442695040888963407ull) >> 33; };
  for (int i = 0; i < 600; ++i) {
    SeccompData d;
    d.arch = arches[next() % 5];
    d.nr = nrs[next() % 10];
    d.instruction_pointer = next() % 2 ? 0x401000 : 0x7f0000000800;
    d.args[0] = actions[next() % 10] | data[next() % 6];
    d.args[1] = next() % 4 == 0 ? d.args[0] : actions[next() % 10] | data[next() % 6];
    text += FormatRecord(d);
    if (i % 10 == 3) text += " dispatch=on region=0x7f0000000000,0x1000 selector=block";
    if (i % 10 == 7) text += " dispatch=inclusive region=0x400000,0x2000 selector=allow";
    text += "\n";
  }
  const std::string path = Tmp("records.txt");
  std::ofstream(path) << text;
  return path;
}

std::vector<nlohmann::json> JsonLines(const std::string& out) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

// One JSON line against one binary record: every member the record holds.
void ExpectSame(const nlohmann::json& j, const ResultRecord& r, const std::string& where) {
  SCOPED_TRACE(where + ": " + j.dump());
  EXPECT_EQ(r.filters_ran, !j["filters"].is_null());
  EXPECT_EQ(r.ret, j["ret"].is_null() ? 0 : std::stoul(j["ret"].get<std::string>(), nullptr, 16));
  const Verdict v{r.verdict, r.n};
  EXPECT_EQ(v.Text(), j["outcome"].get<std::string>());
  EXPECT_EQ(EffectName(r.effect), j["effect"].get<std::string>());
  EXPECT_EQ(r.matched, j["matched"].is_null() ? -1 : j["matched"].get<int>());
  EXPECT_EQ(r.return_value, j["return"].is_null() ? 0 : j["return"].get<int64_t>());
  EXPECT_EQ(r.signal, j["signal"].is_null() ? 0 : j["signal"].get<int>());
  EXPECT_EQ(PassthroughName(r.passthrough),
            j["passthrough"].is_null() ? "" : j["passthrough"].get<std::string>());
  EXPECT_EQ(r.dispatch == DispatchResult::kOff ? std::string("null")
                                               : std::string(DispatchResultName(r.dispatch)),
            j["dispatch"].is_null() ? "null" : j["dispatch"].get<std::string>());
  EXPECT_EQ(r.strict, j["strict"].get<bool>());
  EXPECT_EQ(r.logged, j["logged"].get<bool>());
  EXPECT_EQ(r.unavailable, j["unavailable_action"].get<bool>());
  EXPECT_EQ(r.has_siginfo, j.contains("siginfo"));
  if (r.has_siginfo) {
    EXPECT_EQ(r.signal, j["siginfo"]["si_signo"].get<int>());
    EXPECT_EQ(r.si_code, j["siginfo"]["si_code"].get<int>());
    EXPECT_EQ(r.si_errno, j["siginfo"]["si_errno"].get<int>());
  }
}

TEST(BinaryOutput, SaysWhatJsonSaysInEveryContext) {
  const std::string records = RecordsFile();
  const std::vector<std::vector<std::string>> stacks = {
      {"-f", "examples/profiles/docker-default.bpf"},
      {"-f", WordFilter("a0.bpf", 16), "-f", WordFilter("a1.bpf", 24), "--flags", "0",
       "--flags", "log"},
  };
  const std::vector<std::vector<std::string>> contexts = {
      {},
      {"--tracer", "--listener"},
      {"--kernel-version", "6.13"},
      {"--dispatch", "on", "--dispatch-region", "0x400000,0x1000", "--dispatch-selector", "block"},
      {"--dispatch", "on", "--dispatch-selector", "7"},
      {"--actions-avail", "kill_process kill_thread errno allow", "--actions-logged", "default"},
  };
  int compared = 0;
  for (const std::vector<std::string>& stack : stacks) {
    for (const std::vector<std::string>& context : contexts) {
      for (const char* engine : {"interp", "jit"}) {
        std::vector<std::string> args = stack;
        args.insert(args.end(), context.begin(), context.end());
        args.insert(args.end(), {"--engine", engine, "--vectors", records});
        std::vector<std::string> json_args = args, binary_args = args;
        json_args.insert(json_args.end(), {"--output", "json"});
        binary_args.insert(binary_args.end(), {"--output", "binary"});
        const EvalRun json = Eval(json_args);
        const EvalRun binary = Eval(binary_args);
        ASSERT_EQ(json.code, 0) << json.err;
        ASSERT_EQ(binary.code, 0) << binary.err;
        const std::vector<nlohmann::json> lines = JsonLines(json.out);
        Result<std::vector<ResultRecord>> results = ReadResults(binary.out);
        ASSERT_TRUE(results.ok()) << results.error().ToString();
        ASSERT_EQ(results->size(), 600u);
        ASSERT_EQ(lines.size(), results->size());
        for (size_t i = 0; i < lines.size(); ++i) {
          ExpectSame(lines[i], (*results)[i], std::string(engine) + " record " + std::to_string(i));
          ++compared;
        }
      }
    }
  }
  EXPECT_EQ(compared, 2 * 6 * 2 * 600);
}

TEST(BinaryOutput, StrictModeAndData) {
  const EvalRun json = Eval({"--strict", "--data", "arch=x86_64 nr=0-3", "--output", "json"});
  const EvalRun binary = Eval({"--strict", "--data", "arch=x86_64 nr=0-3", "-o", "binary"});
  ASSERT_EQ(binary.code, 0) << binary.err;
  Result<std::vector<ResultRecord>> results = ReadResults(binary.out);
  ASSERT_TRUE(results.ok()) << results.error().ToString();
  const std::vector<nlohmann::json> lines = JsonLines(json.out);
  ASSERT_EQ(results->size(), 4u);
  ASSERT_EQ(lines.size(), 4u);
  for (size_t i = 0; i < 4; ++i) ExpectSame(lines[i], (*results)[i], "strict " + std::to_string(i));
  EXPECT_TRUE((*results)[0].strict);                                  // read runs
  EXPECT_EQ((*results)[2].effect, Effect::kKillThread);              // open: SIGKILL
  EXPECT_EQ((*results)[2].signal, 9);
}

TEST(BinaryOutput, RefusedWhereItCannotSayEverything) {
  const std::vector<std::string> base = {"-f", "examples/profiles/docker-default.bpf", "--data",
                                         "nr=read"};
  const std::pair<std::vector<std::string>, std::string> cases[] = {
      {{"--output", "binary", "--trace"}, "not with --trace"},
      {{"--output", "binary", "--engine", "all"}, "not with --engine kernel/all"},
      {{"--output", "text", "--json"}, "--json and --output text disagree"},
      {{"--output", "xml"}, "'xml' is not text, json or binary"},
  };
  for (const auto& [extra, message] : cases) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    const EvalRun r = Eval(args);
    EXPECT_EQ(r.code, tools::kExitUsage) << message;
    EXPECT_TRUE(r.out.empty()) << message;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  }
  // --json with --output json, and --json alone, are the same JSON Lines.
  std::vector<std::string> a = base, b = base;
  a.insert(a.end(), {"--json", "--output", "json"});
  b.push_back("--json");
  EXPECT_EQ(Eval(a).out, Eval(b).out);
}

}  // namespace
}  // namespace sckit
