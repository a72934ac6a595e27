// formats/result_records.h: the 32-byte result layout byte for byte at its documented offsets,
// every value of every field read back as written, and a bad stream refused at its byte.
#include "formats/result_records.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <utility>
#include <vector>
#include <string>

#include "vm/action.h"
#include "vm/outcome.h"

namespace sckit {
namespace {

template <typename T>
T At(const std::string& bytes, size_t offset) {
  T v;
  std::memcpy(&v, bytes.data() + offset, sizeof v);
  return v;
}

// A TRAP(5) decided by filter 1, with its SIGSYS; the kernel's own numbers, not the library's.
Outcome Trap() {
  Outcome o;
  o.ret = 0x00030005;
  o.action = Action::kTrap;
  o.data = 5;
  o.matched = 1;
  o.effect = Effect::kSignal;
  o.signal = 31;
  o.has_siginfo = true;
  o.sigsys.code = 1;
  o.sigsys.error = 5;
  o.logged = true;
  return o;
}

TEST(ResultRecords, HeaderAndRecordAtTheDocumentedOffsets) {
  std::string bytes;
  AppendResultHeader(&bytes);
  AppendResult(Trap(), true, &bytes);
  ASSERT_EQ(bytes.size(), 16u + 32u);
  EXPECT_EQ(bytes.substr(0, 8), "SCKITRES");
  EXPECT_EQ(At<uint32_t>(bytes, 8), 1u);
  EXPECT_EQ(At<uint32_t>(bytes, 12), 32u);
  const std::string r = bytes.substr(16);
  EXPECT_EQ(At<uint32_t>(r, 0), 0x00030005u);
  EXPECT_EQ(At<uint8_t>(r, 4), 2);                    // TRAP
  EXPECT_EQ(At<uint8_t>(r, 5), 2);                    // signal
  EXPECT_EQ(At<uint8_t>(r, 6), 0);                    // dispatch off
  EXPECT_EQ(At<uint8_t>(r, 7), 0x01 | 0x08 | 0x40);   // logged, siginfo, filters ran
  EXPECT_EQ(At<uint32_t>(r, 8), 5u);
  EXPECT_EQ(At<int32_t>(r, 12), 1);
  EXPECT_EQ(At<int64_t>(r, 16), 0);
  EXPECT_EQ(At<int32_t>(r, 24), 31);
  EXPECT_EQ(At<int16_t>(r, 28), 1);
  EXPECT_EQ(At<uint16_t>(r, 30), 5);
}

TEST(ResultRecords, ErrnoCapAndReturnValue) {
  Outcome o;
  o.ret = 0x0005ffff;
  o.action = Action::kErrno;
  o.data = 0xffff;
  o.matched = 0;
  o.effect = Effect::kReturn;
  o.return_value = -4095;  // the kernel caps the errno at MAX_ERRNO
  std::string bytes;
  AppendResult(o, true, &bytes);
  EXPECT_EQ(At<uint8_t>(bytes, 4), 3);  // ERRNO
  EXPECT_EQ(At<uint32_t>(bytes, 8), 4095u);
  EXPECT_EQ(At<int64_t>(bytes, 16), -4095);
  EXPECT_EQ(At<uint8_t>(bytes, 7), 0x40);
}

TEST(ResultRecords, RetIsZeroOnlyWhenDispatchStoppedTheCall) {
  Outcome o;  // strict mode allowed the call: no filter ran, but seccomp's ALLOW decided
  o.strict = true;
  std::string bytes;
  AppendResult(o, false, &bytes);
  EXPECT_EQ(At<uint32_t>(bytes, 0), 0x7fff0000u);
  EXPECT_EQ(At<uint8_t>(bytes, 7), 0x04);
  o = Outcome{};
  o.dispatch = DispatchResult::kDispatched;
  o.effect = Effect::kDispatchSignal;
  bytes.clear();
  AppendResult(o, false, &bytes);
  EXPECT_EQ(At<uint32_t>(bytes, 0), 0u);
  EXPECT_EQ(At<uint8_t>(bytes, 6), 4);
}

// Every verdict, effect, dispatch result and passthrough, and each flag alone, read back.
TEST(ResultRecords, EveryFieldValueRoundTrips) {
  std::string bytes;
  AppendResultHeader(&bytes);
  std::vector<ResultRecord> expected;
  const uint32_t rets[] = {0x80000000u, 0x00000000u, 0x00030007u, 0x00050001u,
                           0x7fc00000u, 0x7ff00009u, 0x7ffc0000u, 0x7fff0000u};
  for (int k = 0; k <= 8; ++k) {
    for (int e = 0; e <= 7; ++e) {
      for (int d = 0; d <= 6; ++d) {
        Outcome o;
        o.ret = k < 8 ? rets[k] : 0;
        o.action = ActionOf(o.ret);
        o.data = static_cast<uint16_t>(o.ret & 0xffff);
        if (k == 8) {
          o.effect = Effect::kDispatchSignal;
          o.dispatch = DispatchResult::kDispatched;
        } else {
          o.effect = static_cast<Effect>(e);
          o.dispatch = static_cast<DispatchResult>(d);
        }
        o.passthrough = static_cast<Passthrough>((k + e + d) % 3);
        o.logged = (e & 1) != 0;
        o.unavailable = (d & 1) != 0;
        o.strict = (k & 1) != 0;
        o.has_siginfo = (e + d) % 2 == 0;
        o.sigsys.code = 1 + d % 2;
        o.sigsys.error = 0xffff - d;
        o.matched = e - 1;
        o.return_value = -int64_t{d} * 1000;
        o.signal = k == 1 ? 9 : 31;
        const bool ran = (k + d) % 2 == 0;
        AppendResult(o, ran, &bytes);
        expected.push_back(ResultOf(o, ran));
      }
    }
  }
  Result<std::vector<ResultRecord>> read = ReadResults(bytes);
  ASSERT_TRUE(read.ok()) << read.error().ToString();
  ASSERT_EQ(read->size(), expected.size());
  std::set<int> verdicts, effects, dispatches, passthroughs;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_TRUE((*read)[i] == expected[i]) << i;
    verdicts.insert(static_cast<int>((*read)[i].verdict));
    effects.insert(static_cast<int>((*read)[i].effect));
    dispatches.insert(static_cast<int>((*read)[i].dispatch));
    passthroughs.insert(static_cast<int>((*read)[i].passthrough));
  }
  EXPECT_EQ(verdicts.size(), 9u);
  EXPECT_EQ(effects.size(), 8u);
  EXPECT_EQ(dispatches.size(), 7u);
  EXPECT_EQ(passthroughs.size(), 3u);
  // The verdict is the outcome's own (TRAP's data, the capped errno), never recomputed.
  EXPECT_EQ(ResultOf(Trap(), true).verdict, Verdict::Kind::kTrap);
  EXPECT_EQ(ResultOf(Trap(), true).n, 5u);
}

std::string OneRecord() {
  std::string bytes;
  AppendResultHeader(&bytes);
  AppendResult(Trap(), true, &bytes);
  return bytes;
}

void ExpectRefused(const std::string& bytes, const std::string& rule, const std::string& where) {
  Result<std::vector<ResultRecord>> r = ReadResults(bytes);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rule, rule);
  EXPECT_NE(r.error().message.find(where), std::string::npos) << r.error().message;
}

TEST(ResultRecords, BadStreamsAreRefusedAtTheirByte) {
  ExpectRefused("SCKIT", "truncated", "byte 0");
  std::string b = OneRecord();
  b[0] = 'X';
  ExpectRefused(b, "bad-magic", "byte 0");
  b = OneRecord();
  b[8] = 2;
  ExpectRefused(b, "bad-version", "byte 8");
  b = OneRecord();
  b[12] = 64;
  ExpectRefused(b, "bad-record-size", "byte 12");
  b = OneRecord();
  ExpectRefused(b.substr(0, b.size() - 1), "truncated", "byte 16");
  const std::pair<size_t, uint8_t> bad_bytes[] = {
      {16 + 4, 9}, {16 + 5, 8}, {16 + 6, 7}, {16 + 7, 0x80}, {16 + 7, 0x30}};
  for (const auto& [offset, value] : bad_bytes) {
    b = OneRecord();
    b[offset] = static_cast<char>(value);
    ExpectRefused(b, "bad-field", "byte " + std::to_string(offset));
  }
  // A header alone is an empty stream, not an error.
  std::string header;
  AppendResultHeader(&header);
  Result<std::vector<ResultRecord>> empty = ReadResults(header);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace sckit
