// Record layouts per arch word order (see record_layout.h).
#include "vm/record_layout.h"

#include <algorithm>
#include <bitset>
#include <cstring>
#include <vector>

#include "vm/arch.h"

namespace sckit {
namespace {

// The big-endian AUDIT_ARCH values: a bit per value for the common shape (ELF machine below
// 512, only __AUDIT_ARCH_64BIT and the MIPS N32 convention bit besides), so the check is a few
// instructions; the rest (EM_FRV is 0x5441) in a sorted list.
struct BigEndianSet {
  std::bitset<2048> bits;
  std::vector<uint32_t> others;
};

constexpr uint32_t kShapeBits = 0x80000000u | 0x20000000u | 0x1FFu;

size_t Key(uint32_t a) {
  return (a & 0x1FFu) | (((a >> 31) & 1u) << 9) | (((a >> 29) & 1u) << 10);
}

const BigEndianSet& BigEndianArches() {
  static const BigEndianSet set = [] {
    BigEndianSet out;
    for (const ArchInfo& a : AllArches()) {
      if (!a.big_endian) continue;
      if ((a.audit_arch & ~kShapeBits) == 0) {
        out.bits.set(Key(a.audit_arch));
      } else {
        out.others.push_back(a.audit_arch);
      }
    }
    std::sort(out.others.begin(), out.others.end());
    return out;
  }();
  return set;
}

uint64_t SwapHalves(uint64_t v) { return (v << 32) | (v >> 32); }

uint32_t Load32(const unsigned char* p, bool big) {
  return big ? (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3]
             : (uint32_t{p[3]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[1]} << 8) | p[0];
}

uint64_t Load64(const unsigned char* p, bool big) {
  const uint64_t first = Load32(p, big);
  const uint64_t second = Load32(p + 4, big);
  return big ? (first << 32) | second : (second << 32) | first;
}

void Store32(uint32_t v, bool big, unsigned char* p) {
  for (int i = 0; i < 4; ++i) {
    const int shift = big ? 8 * (3 - i) : 8 * i;
    p[i] = static_cast<unsigned char>(v >> shift);
  }
}

void Store64(uint64_t v, bool big, unsigned char* p) {
  const auto hi = static_cast<uint32_t>(v >> 32);
  const auto lo = static_cast<uint32_t>(v);
  Store32(big ? hi : lo, big, p);
  Store32(big ? lo : hi, big, p + 4);
}

}  // namespace

bool IsBigEndianArch(uint32_t audit_arch) noexcept {
  const BigEndianSet& set = BigEndianArches();
  if ((audit_arch & ~kShapeBits) == 0) return set.bits.test(Key(audit_arch));
  return std::binary_search(set.others.begin(), set.others.end(), audit_arch);
}

SeccompData LoadedImage(const SeccompData& record) noexcept {
  if (!HasBigEndianLayout(record.arch)) return record;
  SeccompData out = record;
  out.instruction_pointer = SwapHalves(record.instruction_pointer);
  for (int i = 0; i < 6; ++i) out.args[i] = SwapHalves(record.args[i]);
  return out;
}

void EncodeRecordBytes(const SeccompData& record, bool big_endian, unsigned char out[64]) noexcept {
  Store32(static_cast<uint32_t>(record.nr), big_endian, out);
  Store32(record.arch, big_endian, out + 4);
  Store64(record.instruction_pointer, big_endian, out + 8);
  for (int i = 0; i < 6; ++i) Store64(record.args[i], big_endian, out + 16 + 8 * i);
}

SeccompData DecodeRecordBytes(const unsigned char in[64], bool* big_endian) noexcept {
  const bool big = IsBigEndianArch(Load32(in + 4, true));
  if (big_endian != nullptr) *big_endian = big;
  SeccompData d;
  d.nr = static_cast<int32_t>(Load32(in, big));
  d.arch = Load32(in + 4, big);
  d.instruction_pointer = Load64(in + 8, big);
  for (int i = 0; i < 6; ++i) d.args[i] = Load64(in + 16 + 8 * i, big);
  return d;
}

}  // namespace sckit
