// eval/vector_sink.h against stored output: the bytes `sckit eval --vectors` wrote (text, JSON
// Lines, and both with --full) on a fixed input through the docker-default profile and a
// two-filter stack that returns words of the record (every action, SIGSYS siginfo, ERRNO caps),
// compared with tests/eval/testdata/vector_sink.golden, which the code before the JSON
// writer's rewrite produced (so a faster writer must stay byte for byte the same).
// The input mixes named and unnamed syscalls on x86_64 (x32 calls too), i386, aarch64, arm,
// big-endian mips and s390x, and unknown arches.
//
// Regenerate only when the output format changes on purpose:
//   SCKIT_UPDATE_GOLDEN=1 bazel run //tests/eval:vector_sink_golden_test
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "eval/evaluate.h"
#include "eval/session.h"
#include "eval/vector_sink.h"
#include "tests/eval/vector_sink_inputs.h"
#include "vm/bpf.h"

namespace sckit::eval {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

constexpr char kGolden[] = "tests/eval/testdata/vector_sink.golden";

using testing::Sequence;

std::vector<SeccompData> FixedInput() {
  const uint32_t arches[] = {0xc000003eu, 0xc000003eu, 0xc000003eu, 0x40000003u, 0xc00000b7u,
                             0x40000028u, 0x00000008u, 0x80000016u, 0xdeadbeefu, 0u};
  const uint32_t actions[] = {0x80000000u, 0x00000000u, 0x00030000u, 0x00050000u, 0x7fc00000u,
                              0x7ff00000u, 0x7ffc0000u, 0x7fff0000u, 0x12340000u, 0x7ff80000u};
  const uint32_t data_values[] = {0, 1, 2, 4095, 4096, 0xffff};
  Sequence seq{19};
  std::vector<SeccompData> out;
  for (int i = 0; i < 500; ++i) {
    SeccompData d;
    d.arch = arches[seq.Next() % 10];
    const uint64_t pick = seq.Next() % 10;
    d.nr = pick == 0   ? -1
           : pick == 1 ? static_cast<int32_t>(0x40000000u | (seq.Next() % 560))  // x32
           : pick == 2 ? static_cast<int32_t>(seq.Next())
                       : static_cast<int32_t>(seq.Next() % 460);
    d.instruction_pointer = seq.Next() % 4 == 0 ? 0 : seq.Next() >> (seq.Next() % 64);
    for (uint64_t& a : d.args) a = seq.Next() % 3 == 0 ? 0 : seq.Next() >> (seq.Next() % 64);
    for (int w = 0; w < 2; ++w) {  // what the two-filter stack returns
      const uint32_t action = actions[seq.Next() % 10] | data_values[seq.Next() % 6];
      if (seq.Next() % 8 != 0) d.args[w] = (d.args[w] & ~uint64_t{0xffffffff}) | action;
    }
    out.push_back(d);
  }
  return out;
}

// Every mode of the sink on both stacks, one section a mode.
std::string AllOutput() {
  std::ostringstream all;
  const std::vector<SeccompData> input = FixedInput();
  SessionOptions docker;
  docker.files = {"examples/profiles/docker-default.bpf"};
  const std::vector<std::pair<std::string, SessionOptions>> stacks = {
      {"docker-default", docker},
      {"args-words", testing::ArgsWordsStack()},
  };
  for (const auto& [name, o] : stacks) {
    for (const EvalOptions options : {EvalOptions{false, false, false}, {true, false, false},
                                      {false, false, true}, {true, false, true}}) {
      const std::unique_ptr<Session> session = testing::OpenOrFail(o);
      if (session == nullptr) return "";
      EXPECT_TRUE(VectorSink::Supports(*session, options));
      VectorSink sink(*session, options);
      std::string out;
      for (const SeccompData& d : input) EXPECT_TRUE(sink.Append(d, &out).ok());
      all << "== " << name << (options.json ? " json" : " text") << (options.full ? " full" : "")
          << " ==\n"
          << out;
    }
  }
  return all.str();
}

TEST(VectorSinkGolden, SameBytesAsStored) {
  const std::string now = AllOutput();
  const char* update = std::getenv("SCKIT_UPDATE_GOLDEN");
  const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  if (update != nullptr && workspace != nullptr) {
    std::ofstream(std::string(workspace) + "/" + kGolden, std::ios::binary) << now;
    GTEST_SKIP() << "wrote " << kGolden;
  }
  std::ifstream in(kGolden, std::ios::binary);
  ASSERT_TRUE(in.good()) << "cannot read " << kGolden;
  std::ostringstream stored;
  stored << in.rdbuf();
  const std::string want = stored.str();
  ASSERT_GT(want.size(), 100000u);
  size_t at = 0;
  while (at < now.size() && at < want.size() && now[at] == want[at]) ++at;
  EXPECT_EQ(now.size(), want.size());
  EXPECT_EQ(at, want.size()) << "first difference at byte " << at << ", in the line: "
                             << want.substr(want.rfind('\n', at) + 1, 400);
}

}  // namespace
}  // namespace sckit::eval
