// Record layouts per arch word order (see record_layout.h).
#include "vm/record_layout.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "vm/arch.h"

namespace sckit {
namespace {

const std::vector<uint32_t>& BigEndianArches() {
  static const std::vector<uint32_t> table = [] {
    std::vector<uint32_t> out;
    for (const ArchInfo& a : AllArches()) {
      if (a.big_endian) out.push_back(a.audit_arch);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }();
  return table;
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
  const std::vector<uint32_t>& t = BigEndianArches();
  return std::binary_search(t.begin(), t.end(), audit_arch);
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
