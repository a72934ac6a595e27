// Records of big-endian arches: the words a filter loads are those of that machine's
// struct seccomp_data (populate_seccomp_data() stores native ints; BPF_LD|BPF_W|BPF_ABS reads
// native words), so on s390x the word at offset 16 is args[0]'s HIGH half. Expectations are
// computed by hand per arch; the binary record bytes are written out byte by byte.
#include <gtest/gtest.h>

#include <linux/audit.h>

#include <array>
#include <cstring>
#include <vector>

#include "tests/eval_test_util.h"
#include "vm/arch.h"
#include "vm/interpreter.h"
#include "vm/prepared_filter.h"
#include "vm/record_layout.h"
#include "vm/stack.h"

namespace sckit {
namespace {

using testing::MustVerify;

// RET (word at offset k), as the raw value: the stack's rets show the loaded word itself.
VerifiedProgram LoadAndReturn(uint32_t k) {
  return MustVerify({Stmt(bpf::kLD | bpf::kW | bpf::kABS, k), Stmt(bpf::kRET | bpf::kRetA, 0)});
}

SeccompData Record(const char* arch) {
  SeccompData d;
  d.arch = FindArch(arch)->audit_arch;
  d.nr = 7;
  d.instruction_pointer = 0x0000000300000004ull;
  d.args[0] = 0x0000000100000002ull;
  d.args[5] = 0xAAAAAAAABBBBBBBBull;
  return d;
}

struct Want {
  const char* arch;
  bool big;  // by hand: the machine's byte order
};
// Big-endian machines: s390/s390x, ppc/ppc64, mips/mips64/n32, parisc, sparc, m68k, SuperH
// "sheb"; little-endian: the rest listed.
constexpr Want kWants[] = {
    {"s390x", true},     {"s390", true},      {"ppc64", true},       {"ppc", true},
    {"mips", true},      {"mips64", true},    {"mips64n32", true},   {"parisc", true},
    {"parisc64", true},  {"sparc", true},     {"sparc64", true},     {"m68k", true},
    {"sheb", true},      {"openrisc", true},  {"x86_64", false},     {"i386", false},
    {"aarch64", false},  {"arm", false},      {"riscv64", false},    {"ppc64le", false},
    {"mipsel", false},   {"mipsel64", false}, {"loongarch64", false}, {"sh", false},
    {"hexagon", false},
};

TEST(RecordLayout, EveryEngineLoadsTheMachinesWordAtEachOffset) {
  // offset -> (big-endian value, little-endian value), by hand from Record().
  struct Offset {
    uint32_t k;
    uint32_t be;
    uint32_t le;
  } const offsets[] = {{0, 7, 7},           {8, 3, 4},          {12, 4, 3},
                       {16, 1, 2},          {20, 2, 1},         {56, 0xAAAAAAAA, 0xBBBBBBBB},
                       {60, 0xBBBBBBBB, 0xAAAAAAAA}};
  for (const Want& w : kWants) {
    const SeccompData d = Record(w.arch);
    EXPECT_EQ(HasBigEndianLayout(d.arch), w.big) << w.arch;
    for (const Offset& o : offsets) {
      FilterStack stack;
      stack.Push(LoadAndReturn(o.k));
      uint32_t ret = 0;
      stack.Evaluate(d, std::span<uint32_t>(&ret, 1));
      const uint32_t want = w.big ? o.be : o.le;
      EXPECT_EQ(ret, want) << w.arch << " offset " << o.k;
      std::vector<FilterTrace> traces;
      stack.EvaluateTraced(d, std::span<uint32_t>(&ret, 1), &traces);
      EXPECT_EQ(ret, want) << w.arch << " offset " << o.k << " traced";
    }
    // The arch word itself reads as the AUDIT_ARCH value on every machine.
    FilterStack arch_stack;
    arch_stack.Push(LoadAndReturn(4));
    uint32_t ret = 0;
    arch_stack.Evaluate(d, std::span<uint32_t>(&ret, 1));
    EXPECT_EQ(ret, d.arch) << w.arch;
  }
}

TEST(RecordLayout, EveryBigEndianAuditArchOfTheTable) {
  int big = 0;
  for (const ArchInfo& a : AllArches()) {
    SeccompData d;
    d.arch = a.audit_arch;
    d.args[0] = 0x0000000100000002ull;
    EXPECT_EQ(HasBigEndianLayout(a.audit_arch), a.big_endian) << a.name;
    EXPECT_EQ(LoadWord(LoadedImage(d), 16), a.big_endian ? 1u : 2u) << a.name;
    big += a.big_endian;
  }
  EXPECT_GE(big, 20);  // linux/audit.h of 6.1: 25 big-endian values, hexagon aside
}

TEST(RecordLayout, UnknownArchValuesKeepTheHostLayout) {
  for (uint32_t arch : {0u, 0x1234u, 0x80000000u, 0xFFFFFFFFu}) {
    SeccompData d;
    d.arch = arch;
    d.args[0] = 0x0000000100000002ull;
    EXPECT_FALSE(HasBigEndianLayout(arch)) << arch;
    EXPECT_EQ(LoadWord(LoadedImage(d), 16), 2u) << arch;
  }
}

TEST(RecordLayout, ImageIsItsOwnInverse) {
  for (const Want& w : kWants) {
    const SeccompData d = Record(w.arch);
    const SeccompData back = LoadedImage(LoadedImage(d));
    EXPECT_EQ(std::memcmp(&back, &d, sizeof d), 0) << w.arch;
  }
}

TEST(RecordLayout, BinaryBytesInEachOrder) {
  SeccompData d;
  d.nr = 0x01020304;
  d.arch = AUDIT_ARCH_S390X;  // 0x80000016
  d.instruction_pointer = 0x1112131415161718ull;
  d.args[0] = 0x2122232425262728ull;
  unsigned char be[64];
  unsigned char le[64];
  EncodeRecordBytes(d, true, be);
  EncodeRecordBytes(d, false, le);
  const unsigned char be_head[24] = {0x01, 0x02, 0x03, 0x04, 0x80, 0x00, 0x00, 0x16,
                                     0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
                                     0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28};
  const unsigned char le_head[24] = {0x04, 0x03, 0x02, 0x01, 0x16, 0x00, 0x00, 0x80,
                                     0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11,
                                     0x28, 0x27, 0x26, 0x25, 0x24, 0x23, 0x22, 0x21};
  EXPECT_EQ(std::memcmp(be, be_head, 24), 0);
  EXPECT_EQ(std::memcmp(le, le_head, 24), 0);
  EXPECT_EQ(std::memcmp(le, &d, 64), 0);  // the host's own layout
  for (const unsigned char* bytes : {be, le}) {
    bool big = false;
    const SeccompData back = DecodeRecordBytes(bytes, &big);
    EXPECT_EQ(big, bytes == be);
    EXPECT_EQ(std::memcmp(&back, &d, sizeof d), 0);
  }
}

TEST(RecordLayout, NoArchValueReadsAsAnotherInTheOtherOrder) {
  // Decoding decides the order from the arch field: that must never be ambiguous.
  for (const ArchInfo& a : AllArches()) {
    const uint32_t swapped = __builtin_bswap32(a.audit_arch);
    EXPECT_EQ(FindArchByAudit(swapped), nullptr) << a.name;
  }
}

}  // namespace
}  // namespace sckit
