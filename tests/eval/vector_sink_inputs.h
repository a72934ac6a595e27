// What the two tests of eval/vector_sink.h (vector_sink_test, vector_sink_golden_test) both set
// up: a fixed pseudo-random sequence for their inputs, and the two-filter stack whose filters
// return words of the record (args[0]'s and args[1]'s low words, the newer one with
// SECCOMP_FILTER_FLAG_LOG), so that a record's arguments pick the action and its data.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "eval/session.h"
#include "formats/codec.h"
#include "vm/bpf.h"
#include "vm/program.h"

namespace sckit::testing {

// splitmix64: a fixed sequence, the same input on every run.
struct Sequence {
  uint64_t state;
  uint64_t Next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
};

// Writes `ld [offset]; ret A` as a raw filter in the test's temporary directory; its path.
inline std::string WriteWordFilter(const std::string& name, uint32_t offset) {
  using namespace bpf;  // NOLINT: kernel vocabulary.
  const Program p{{Stmt(kLD | kW | kABS, offset), Stmt(kRET | kRetA, 0)}};
  const std::vector<uint8_t> bytes = EncodeRaw(p);
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir ? dir : "/tmp") + "/" + name;
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  return path;
}

// The stack of two word filters: the older returns args[0]'s low word, the newer (with
// SECCOMP_FILTER_FLAG_LOG) args[1]'s.
inline eval::SessionOptions ArgsWordsStack() {
  eval::SessionOptions o;
  o.files = {WriteWordFilter("a0.bpf", 16), WriteWordFilter("a1.bpf", 24)};
  o.flags = {0, seccomp::kFlagLog};
  return o;
}

// OpenSession, or a test failure and nullptr.
inline std::unique_ptr<eval::Session> OpenOrFail(const eval::SessionOptions& o) {
  Result<std::unique_ptr<eval::Session>> s = eval::OpenSession(o);
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

}  // namespace sckit::testing
