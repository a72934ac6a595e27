// The raw format: an array of struct sock_filter, 8 bytes each (u16 code, u8 jt, u8 jf, u32 k),
// exactly what libseccomp's seccomp_export_bpf() writes and PTRACE_SECCOMP_GET_FILTER returns,
// in the byte order of the machine the filter is for: little-endian (x86_64, aarch64, ...; the
// host's) or big-endian (s390x, ppc64, mips, ... : code and k byte-swapped). Lossless both ways;
// decoding checks only the framing (size), never the instructions (that is the verifier's).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <string_view>

#include "vm/program.h"
#include "vm/status.h"

namespace sckit {

// Zero bytes are zero instructions: an empty Program, which the verifier rejects like the
// kernel ("empty-program", EINVAL). Error: "truncated-file" (size not a multiple of 8, with
// the offset of the partial instruction).
// kAuto is for readers that decide (formats/loader.h); codec functions treat it as kLittle.
enum class ByteOrder { kAuto, kLittle, kBig };

// "auto", "little", "big" (also "le", "be"); an error naming the accepted values otherwise.
Result<ByteOrder> ParseByteOrderName(std::string_view name);
std::string_view ByteOrderName(ByteOrder order);  // "auto", "little-endian", "big-endian"

Result<Program> DecodeRaw(std::span<const uint8_t> bytes, ByteOrder order = ByteOrder::kLittle);

std::vector<uint8_t> EncodeRaw(const Program& program, ByteOrder order = ByteOrder::kLittle);

}  // namespace sckit
