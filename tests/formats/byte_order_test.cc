// Raw filters in either byte order: the codec both ways on hand-written bytes, detection on
// hand-built programs (the order in which the kernel accepts the program; an ambiguity is an
// error), the loader's note, and big-endian word names in the assembler and disassembler.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "formats/asm.h"
#include "formats/codec.h"
#include "formats/disasm.h"
#include "formats/loader.h"
#include "verifier/verifier.h"

namespace sckit {
namespace {

bool Verifies(const Program& p) { return Verify(p).ok(); }

// ld [4]; jeq #0x80000016 jt 0 jf 1; ret ALLOW; ret KILL_PROCESS: as s390x writes it, and as
// x86-64 writes the same program.
const std::vector<uint8_t> kBig = {
    0x00, 0x20, 0, 0, 0x00, 0x00, 0x00, 0x04,  // code 0x0020, k 4
    0x00, 0x15, 0, 1, 0x80, 0x00, 0x00, 0x16,  // code 0x0015, jt 0, jf 1, k 0x80000016
    0x00, 0x06, 0, 0, 0x7f, 0xff, 0x00, 0x00,  // ret #0x7fff0000
    0x00, 0x06, 0, 0, 0x80, 0x00, 0x00, 0x00,  // ret #0x80000000
};
const std::vector<uint8_t> kLittle = {
    0x20, 0x00, 0, 0, 0x04, 0x00, 0x00, 0x00,  //
    0x15, 0x00, 0, 1, 0x16, 0x00, 0x00, 0x80,  //
    0x06, 0x00, 0, 0, 0x00, 0x00, 0xff, 0x7f,  //
    0x06, 0x00, 0, 0, 0x00, 0x00, 0x00, 0x80,  //
};
const std::vector<SockFilter> kInsns = {
    {0x20, 0, 0, 4}, {0x15, 0, 1, 0x80000016}, {0x06, 0, 0, 0x7fff0000}, {0x06, 0, 0, 0x80000000}};

TEST(ByteOrder, CodecBothWays) {
  Result<Program> big = DecodeRaw(kBig, ByteOrder::kBig);
  Result<Program> little = DecodeRaw(kLittle, ByteOrder::kLittle);
  ASSERT_TRUE(big.ok() && little.ok());
  EXPECT_EQ(big->insns, kInsns);
  EXPECT_EQ(little->insns, kInsns);
  EXPECT_EQ(EncodeRaw(*big, ByteOrder::kBig), kBig);
  EXPECT_EQ(EncodeRaw(*big, ByteOrder::kLittle), kLittle);
  EXPECT_EQ(EncodeRaw(*big), kLittle);  // the host's order by default
  // Read in the wrong order, code 0x0020 becomes 0x2000, which no kernel accepts.
  Result<Program> wrong = DecodeRaw(kBig, ByteOrder::kLittle);
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->insns[0].code, 0x2000);
  EXPECT_FALSE(Verifies(*wrong));
}

TEST(ByteOrder, DetectionPicksTheOrderTheKernelAccepts) {
  EXPECT_EQ(*DetectByteOrder(kBig, Verifies), ByteOrder::kBig);
  EXPECT_EQ(*DetectByteOrder(kLittle, Verifies), ByteOrder::kLittle);
  // Neither order verifies: the host's, so the verifier reports on that reading.
  const std::vector<uint8_t> garbage(16, 0xff);
  EXPECT_EQ(*DetectByteOrder(garbage, Verifies), ByteOrder::kLittle);
  // No check given: the host's order.
  EXPECT_EQ(*DetectByteOrder(kBig, nullptr), ByteOrder::kLittle);
  // Framing errors are the same either way.
  EXPECT_EQ(*DetectByteOrder(std::vector<uint8_t>(7, 0), Verifies), ByteOrder::kLittle);
}

TEST(ByteOrder, BothOrdersAcceptedAndDifferentIsAnError) {
  // With the kernel's rules no file reads validly both ways (every valid code has a zero high
  // byte, so its swap is invalid, and a program must end in a return); a looser check shows
  // the refusal.
  const auto anything = [](const Program&) { return true; };
  Result<ByteOrder> r = DetectByteOrder(kBig, anything);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rule, "ambiguous-byte-order");
  EXPECT_NE(r.error().message.find("--byte-order"), std::string::npos);
  // The same program both ways (all-zero bytes) is no ambiguity.
  EXPECT_EQ(*DetectByteOrder(std::vector<uint8_t>(8, 0), anything), ByteOrder::kLittle);
  for (const auto& bytes : {kBig, kLittle}) {
    int agree = 0;
    for (ByteOrder o : {ByteOrder::kLittle, ByteOrder::kBig}) agree += Verifies(*DecodeRaw(bytes, o));
    EXPECT_EQ(agree, 1);
  }
}

TEST(ByteOrder, LoaderReadsDetectsAndSays) {
  const std::string path = std::string(getenv("TEST_TMPDIR")) + "/be.bpf";
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(kBig.data()), static_cast<std::streamsize>(kBig.size()));
  LoadOptions o;
  o.verifies = Verifies;
  LoadInfo info;
  Result<Program> p = LoadProgramFile(path, o, &info);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->insns, kInsns);
  EXPECT_EQ(info.byte_order, ByteOrder::kBig);
  EXPECT_TRUE(info.byte_order_detected);
  EXPECT_NE(ByteOrderNote(info).find("big-endian (detected"), std::string::npos);
  o.byte_order = ByteOrder::kLittle;  // asked for: no detection
  p = LoadProgramFile(path, o, &info);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->insns[0].code, 0x2000);
  EXPECT_EQ(ByteOrderNote(info), "");
}

TEST(ByteOrder, ParseNames) {
  EXPECT_EQ(*ParseByteOrderName("big"), ByteOrder::kBig);
  EXPECT_EQ(*ParseByteOrderName("be"), ByteOrder::kBig);
  EXPECT_EQ(*ParseByteOrderName("little"), ByteOrder::kLittle);
  EXPECT_EQ(*ParseByteOrderName("auto"), ByteOrder::kAuto);
  EXPECT_FALSE(ParseByteOrderName("middle").ok());
}

// On a big-endian machine args[0]'s high word is at 16, its low word at 20; ip.hi at 8.
TEST(ByteOrder, BigEndianWordNamesRoundTrip) {
  const Program p{{{0x20, 0, 0, 16}, {0x20, 0, 0, 20}, {0x20, 0, 0, 8}, {0x20, 0, 0, 12},
                   {0x06, 0, 0, 0x7fff0000}}};
  DisasmOptions d;
  d.big_endian = true;
  const std::string text = DisassembleCanonical(p, d);
  EXPECT_NE(text.find("ld [args[0].hi]\n    ld [args[0].lo]\n    ld [ip.hi]\n    ld [ip.lo]"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("sckit asm --byte-order big"), std::string::npos);
  AsmOptions a;
  a.big_endian = true;
  Result<Program> back = Assemble(text, a);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->insns, p.insns);
  Result<Program> little = Assemble(text, AsmOptions{});  // the names mean other offsets there
  ASSERT_TRUE(little.ok());
  EXPECT_EQ(little->insns[0].k, 20u);
  EXPECT_EQ(little->insns[2].k, 12u);
  EXPECT_EQ(SeccompFieldName(16, false), "args[0].lo");
  EXPECT_EQ(SeccompFieldName(60, true), "args[5].lo");
}

}  // namespace
}  // namespace sckit
