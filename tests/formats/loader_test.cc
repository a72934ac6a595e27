// Format detection and parsing by format (formats/loader.h), for raw, assembly and C text.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "vm/bpf.h"
#include "formats/carray.h"
#include "formats/codec.h"
#include "formats/disasm.h"
#include "formats/loader.h"

namespace sckit {
namespace {

std::vector<uint8_t> Bytes(const std::string& s) { return {s.begin(), s.end()}; }

Program Sample() {
  Program p;
  p.insns = {Stmt(0x20, 0), Jump(0x15, 59, 0, 1), Stmt(0x06, 0x00050001),
             Stmt(0x06, 0x7fff0000)};
  return p;
}

TEST(Loader, DetectsEachFormat) {
  EXPECT_EQ(DetectFormat(EncodeRaw(Sample())), Format::kRaw);
  EXPECT_EQ(DetectFormat(Bytes("ld [nr]\nret ALLOW\n")), Format::kAsm);
  EXPECT_EQ(DetectFormat(Bytes("{ 0x06, 0, 0, 0x7fff0000 },\n")), Format::kC);
  EXPECT_EQ(DetectFormat(Bytes("BPF_STMT(BPF_RET|BPF_K, 0)\n")), Format::kC);
  EXPECT_EQ(DetectFormat({}), Format::kRaw);
}

TEST(Loader, ParsesEveryFormatToTheSameProgram) {
  const Program p = Sample();
  Result<Program> raw = ParseProgram(EncodeRaw(p));
  Result<Program> asm_text = ParseProgram(Bytes(DisassembleCanonical(p)));
  Result<Program> c_text = ParseProgram(Bytes(EmitCArray(p)));
  ASSERT_TRUE(raw.ok());
  ASSERT_TRUE(asm_text.ok()) << asm_text.error().ToString();
  ASSERT_TRUE(c_text.ok()) << c_text.error().ToString();
  EXPECT_EQ(*raw, p);
  EXPECT_EQ(*asm_text, p);
  EXPECT_EQ(*c_text, p);
  // Explicit formats agree with detection.
  EXPECT_EQ(*ParseProgram(Bytes(DisassembleCanonical(p)), Format::kAsm), p);
  EXPECT_EQ(*ParseProgram(Bytes(EmitCArray(p)), Format::kC), p);
}

TEST(Loader, EmptyAndOddSizedRaw) {
  Result<Program> empty = ParseProgram({});
  ASSERT_TRUE(empty.ok());  // an empty program, for the verifier to reject
  EXPECT_TRUE(empty->empty());
  std::vector<uint8_t> odd = EncodeRaw(Sample());
  odd.pop_back();
  Result<Program> r = ParseProgram(odd);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rule, "truncated-file");
}

TEST(Loader, HugeRawDecodes) {
  Program p;
  for (int i = 0; i < 5000; ++i) p.insns.push_back(Stmt(0x00, i));
  Result<Program> r = ParseProgram(EncodeRaw(p));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 5000u);
}

TEST(Loader, BinaryGarbageAsAsmIsAnError) {
  std::mt19937 rng(3);
  for (int iter = 0; iter < 500; ++iter) {
    std::vector<uint8_t> bytes(1 + rng() % 64);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    bytes[0] = 0x01;  // certainly not a mnemonic
    Result<Program> r = ParseProgram(bytes, Format::kAsm);
    ASSERT_FALSE(r.ok());
    EXPECT_GE(r.error().line, 1);
    r = ParseProgram(bytes, Format::kC);
    EXPECT_FALSE(r.ok());
  }
  Result<Program> r = ParseProgram(EncodeRaw(Sample()), Format::kAsm);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rule, "bad-character");
  EXPECT_EQ(r.error().line, 1);
}

TEST(Loader, TextAsRaw) {
  // Not a multiple of 8: a clear framing error.
  Result<Program> r = ParseProgram(Bytes("ld [nr]\nret ALLOW\n"), Format::kRaw);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rule, "truncated-file");
  // A multiple of 8 decodes (raw is lossless: any 8-byte records are instructions); the CLI
  // warns that the input looks like text.
  r = ParseProgram(Bytes("ret ALLOW\n.....\n"), Format::kRaw);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 2u);
}

TEST(Loader, FormatNames) {
  EXPECT_EQ(*ParseFormatName("asm"), Format::kAsm);
  EXPECT_EQ(*ParseFormatName("c"), Format::kC);
  EXPECT_EQ(*ParseFormatName("raw"), Format::kRaw);
  EXPECT_FALSE(ParseFormatName("yaml").ok());
}

TEST(Loader, ReadsFiles) {
  const std::string path = ::testing::TempDir() + "/loader_test.s";
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("ld [nr]\njne #SYS_execve, ok\nret ERRNO(EPERM)\nok: ret ALLOW\n", f);
  std::fclose(f);
  Result<Program> r = LoadProgramFile(path);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(*r, Sample());
  Result<Program> missing = LoadProgramFile(path + ".does-not-exist");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().rule, "io-error");
}

}  // namespace
}  // namespace sckit
