// Findings of the fuzzing campaigns (docs/fuzzing.md), one test each, named after the input in
// fuzz/regressions/<target>/. Inputs that crashed or hung a target stay in that directory, and
// the <target>_fuzz_smoke tests replay them on every run as well.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "formats/records.h"

namespace sckit {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// records target, 2026-11-23: a 680-byte pattern line (six fields with 40 values each) asks
// ParseRecordPattern for 40^6 = 4.1e9 records; it allocates them all and `sckit test` dies of
// std::bad_alloc. Fixed: the product is checked against kMaxPatternRecords before expanding,
// and the line is refused with "pattern-too-large".
TEST(FuzzRegression, PatternCrossProductIsBounded) {
  const std::string line = ReadFile("fuzz/regressions/records/pattern-cross-product.txt");
  ASSERT_FALSE(line.empty());
  Result<std::vector<SeccompData>> records = ParseRecordPattern(line, 1);
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.error().rule, "pattern-too-large");
  EXPECT_EQ(records.error().line, 1);
}

// The same shape at a harmless size still expands exactly (the cross product, in order).
TEST(FuzzRegression, SmallCrossProductExpands) {
  Result<std::vector<SeccompData>> records =
      ParseRecordPattern("nr=0,1,2 a0=5,6 a5=0x10,0x20", 1);
  ASSERT_TRUE(records.ok()) << records.error().ToString();
  ASSERT_EQ(records->size(), 12u);
  EXPECT_EQ((*records)[0].nr, 0);
  EXPECT_EQ((*records)[0].args[0], 5u);
  EXPECT_EQ((*records)[0].args[5], 0x10u);
  EXPECT_EQ((*records)[11].nr, 2);
  EXPECT_EQ((*records)[11].args[0], 6u);
  EXPECT_EQ((*records)[11].args[5], 0x20u);
}

}  // namespace
}  // namespace sckit
