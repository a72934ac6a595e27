// Tests of the raw format (formats/codec.h): host-order decoding, empty and odd-sized input,
// huge programs, and the round trip of random bytes.
#include "formats/codec.h"

#include <gtest/gtest.h>

#include <random>

namespace sckit {
namespace {

TEST(Codec, DecodesHostOrderSockFilter) {
  // ld [4] ; as 8 little-endian bytes: code 0x0020, jt 1, jf 2, k 4.
  const std::vector<uint8_t> bytes = {0x20, 0x00, 0x01, 0x02, 0x04, 0x00, 0x00, 0x00};
  Result<Program> p = DecodeRaw(bytes);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->size(), 1u);
  EXPECT_EQ(p->insns[0], (SockFilter{0x20, 1, 2, 4}));
}

// Zero bytes are zero instructions: the verifier, not the codec, rejects that (issue 14).
TEST(Codec, EmptyIsAnEmptyProgram) {
  Result<Program> p = DecodeRaw({});
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->empty());
}

TEST(Codec, SizeNotMultipleOfEightNamesTheOffset) {
  std::vector<uint8_t> bytes(8 * 3 + 5, 0x06);
  Result<Program> p = DecodeRaw(bytes);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().rule, "truncated-file");
  EXPECT_NE(p.error().message.find("byte offset 24"), std::string::npos) << p.error().message;
}

TEST(Codec, HugeProgramsDecode) {
  std::vector<uint8_t> bytes(8 * 5000, 0);
  Result<Program> p = DecodeRaw(bytes);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->size(), 5000u);
}

TEST(Codec, RoundTripsRandomBytes) {
  std::mt19937 rng(7);
  for (int i = 0; i < 1000; ++i) {
    std::vector<uint8_t> bytes(8 * (1 + rng() % 64));
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    Result<Program> p = DecodeRaw(bytes);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(EncodeRaw(*p), bytes);
  }
}

}  // namespace
}  // namespace sckit
