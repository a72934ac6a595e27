// C arrays as real filter sources look after the C preprocessor (OpenSSH's
// sandbox-seccomp-filter.c macros expand to `sizeof(uint32_t)` offsets and
// `(uint32_t)((uint64_t)v >> 32)` high words; linux/filter.h's BPF_STMT to `(unsigned short)`):
// casts and sizeof of integer types evaluate as the C compiler evaluates the same expressions
// here.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "formats/carray.h"
#include "vm/bpf.h"
#include "vm/program.h"

namespace sckit {
namespace {

// The k of the single BPF_STMT(BPF_LD|BPF_W|BPF_IMM, EXPR) (or the error).
Result<uint32_t> K(const std::string& expr) {
  Result<Program> p = ParseCArray("BPF_STMT(BPF_LD|BPF_W|BPF_IMM, " + expr + "),\n");
  if (!p.ok()) return p.error();
  return p->insns.at(0).k;
}

uint32_t MustK(const std::string& expr) {
  Result<uint32_t> k = K(expr);
  EXPECT_TRUE(k.ok()) << expr << ": " << (k.ok() ? "" : k.error().ToString());
  return k.ok() ? *k : 0xdeadbeef;
}

TEST(CArrayCasts, SizeofIntegerTypes) {
  EXPECT_EQ(MustK("sizeof(uint32_t)"), sizeof(uint32_t));
  EXPECT_EQ(MustK("sizeof(__u64)"), sizeof(uint64_t));
  EXPECT_EQ(MustK("sizeof(unsigned short)"), sizeof(unsigned short));
  EXPECT_EQ(MustK("sizeof(int)"), sizeof(int));
  EXPECT_EQ(MustK("sizeof(struct seccomp_data)"), 64u);
  // The high word of args[1] on a little-endian machine, as OpenSSH writes it.
  EXPECT_EQ(MustK("offsetof(struct seccomp_data,args[(1)]) + sizeof(uint32_t)"), 16u + 8 + 4);
}

TEST(CArrayCasts, CastsConvertAsC) {
  EXPECT_EQ(MustK("(((uint32_t)((uint64_t)(0x100000005) >> 32)) & 0xFFFFFFFF)"),
            static_cast<uint32_t>(static_cast<uint64_t>(0x100000005) >> 32));
  EXPECT_EQ(MustK("(uint32_t)0x123456789"), static_cast<uint32_t>(0x123456789));
  EXPECT_EQ(MustK("(unsigned char)0x1ff"), static_cast<unsigned char>(0x1ff));
  EXPECT_EQ(MustK("(int8_t)0x80"), static_cast<uint32_t>(static_cast<int8_t>(-128)));
  EXPECT_EQ(MustK("(short)0x18000 >> 4"), static_cast<uint32_t>(static_cast<short>(-32768) >> 4));
  EXPECT_EQ(MustK("(__u32)-1"), 0xffffffffu);
  EXPECT_EQ(MustK("(const unsigned int)(1 << 31)"), 0x80000000u);
  // A cast binds tighter than a binary operator: (uint8_t)0x1ff + 1 is 0x100.
  EXPECT_EQ(MustK("(uint8_t)0x1ff + 1"), static_cast<uint32_t>(static_cast<uint8_t>(0x1ff) + 1));
  // Parentheses that do not hold a type stay grouping.
  EXPECT_EQ(MustK("(SECCOMP_RET_ERRNO | 5)"), 0x00050005u);
}

TEST(CArrayCasts, ExpandedBpfStmtWithCodeCast) {
  Result<Program> p = ParseCArray(
      "static const struct sock_filter f[] = {\n"
      "  BPF_STMT((unsigned short)(0x00 +0x00 +0x20), offsetof(struct seccomp_data, arch)),\n"
      "  BPF_STMT((unsigned short)(0x06 +0x00), 0x7fff0000U),\n"
      "};\n");
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ(p->insns[0], Stmt(0x20, 4));
  EXPECT_EQ(p->insns[1], Stmt(0x06, 0x7fff0000));
}

TEST(CArrayCasts, TypesWhoseSizeIsTheArchsAreRefused) {
  for (const char* expr : {"(char)1", "sizeof(char)", "sizeof(long)", "sizeof(struct foo)"}) {
    Result<uint32_t> k = K(expr);
    ASSERT_FALSE(k.ok()) << expr;
    EXPECT_EQ(k.error().rule, "unknown-symbol") << expr << ": " << k.error().ToString();
  }
  // `(long)1` is not a cast sckit knows: long is an unknown symbol, at its line.
  Result<uint32_t> k = K("(long)1");
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.error().ToString().find("line 1"), std::string::npos) << k.error().ToString();
}

}  // namespace
}  // namespace sckit
