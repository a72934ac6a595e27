// struct seccomp_data (include/uapi/linux/seccomp.h), 64 bytes, and the loads a filter makes
// from it. populate_seccomp_data() does not normalise endianness: a 32-bit load at offset k reads
// the native-endian word there, so on little-endian hosts the low half of args[i] is at 16 + 8i.
// A SeccompData is either a record's values or its image (the words as a filter on the record's
// machine loads them, for big-endian arches the 64-bit halves swapped): vm/record_layout.h
// makes the one from the other; the engines and LoadWord read images.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace sckit {

struct SeccompData {
  int32_t nr = 0;
  uint32_t arch = 0;
  uint64_t instruction_pointer = 0;
  uint64_t args[6] = {0, 0, 0, 0, 0, 0};
};
static_assert(sizeof(SeccompData) == 64, "struct seccomp_data is 64 bytes");
static_assert(offsetof(SeccompData, arch) == 4);
static_assert(offsetof(SeccompData, instruction_pointer) == 8);
static_assert(offsetof(SeccompData, args) == 16);

namespace data_offset {
inline constexpr uint32_t kNr = 0;
inline constexpr uint32_t kArch = 4;
inline constexpr uint32_t kIpLo = 8;   // on little-endian machines
inline constexpr uint32_t kIpHi = 12;  // on little-endian machines
inline constexpr uint32_t ArgLo(int i) { return 16 + 8 * i; }
inline constexpr uint32_t ArgHi(int i) { return 20 + 8 * i; }
}  // namespace data_offset

// The native-endian 32-bit word at byte offset k. The verifier guarantees k < 64 and k % 4 == 0.
inline uint32_t LoadWord(const SeccompData& data, uint32_t k) {
  uint32_t word;
  std::memcpy(&word, reinterpret_cast<const unsigned char*>(&data) + k, sizeof(word));
  return word;
}

}  // namespace sckit
