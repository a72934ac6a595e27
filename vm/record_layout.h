// Where a seccomp_data record's words sit on the machine it comes from. The kernel fills
// struct seccomp_data in the machine's own byte order (populate_seccomp_data(): nr and arch as
// native 32-bit ints, instruction_pointer and args as native 64-bit values) and a filter's
// BPF_LD|BPF_W|BPF_ABS reads the native 32-bit word at offset k. On a big-endian machine
// (s390x, ppc64, mips, sparc, ...) the word at offset 16 is therefore the HIGH half of args[0],
// the word at 20 its low half; on a little-endian one it is the other way round.
//
// sckit keeps a record as its values (SeccompData: nr, arch, ip, args as numbers). The engines
// (RunFilter, PreparedFilter, the JIT) and the analyses' 16 words read a record's *image*: the
// 64 bytes as host-native words whose value at offset k is what a filter on the record's
// machine loads there. LoadedImage() makes that image, here and nowhere else; the word order
// is decided by the record's arch field (a known big-endian AUDIT_ARCH value gives the
// big-endian layout; anything else, including values sckit does not know, the host's
// little-endian one).
//
// Binary records files hold the bytes as the machine wrote them: EncodeRecordBytes /
// DecodeRecordBytes convert between values and those bytes in either order.
#pragma once

#include <cstdint>
#include <optional>

#include "vm/seccomp_data.h"

namespace sckit {

// True when `audit_arch` is a known AUDIT_ARCH value of a big-endian machine.
bool IsBigEndianArch(uint32_t audit_arch) noexcept;

// True when records with this arch have the big-endian word layout (fast for the
// little-endian arches: __AUDIT_ARCH_LE set answers at once).
inline bool HasBigEndianLayout(uint32_t audit_arch) noexcept {
  return (audit_arch & 0x40000000u) == 0 && IsBigEndianArch(audit_arch);
}

// The record's image as the engines read it (see above). Its own inverse: the arch word is
// the same in both, so LoadedImage(LoadedImage(r)) == r, and a record made from 16 loaded words
// (an analysis witness) is LoadedImage of those words.
SeccompData LoadedImage(const SeccompData& record) noexcept;

// The record's 64 bytes as a machine of the given order lays them out.
void EncodeRecordBytes(const SeccompData& record, bool big_endian, unsigned char out[64]) noexcept;

// The record in 64 bytes from some machine: big-endian when the arch field read big-endian is a
// known big-endian AUDIT_ARCH value, otherwise little-endian (the host's order). Sets
// *big_endian to the order chosen when given.
SeccompData DecodeRecordBytes(const unsigned char in[64], bool* big_endian = nullptr) noexcept;

}  // namespace sckit
