// The raw format: an array of struct sock_filter, 8 bytes each, host byte order, exactly what
// libseccomp's seccomp_export_bpf() writes and PTRACE_SECCOMP_GET_FILTER returns. Lossless both
// ways; decoding checks only the framing (size), never the instructions (that is the verifier's).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "vm/program.h"
#include "vm/status.h"

namespace sckit {

// Zero bytes are zero instructions: an empty Program, which the verifier rejects like the
// kernel ("empty-program", EINVAL). Error: "truncated-file" (size not a multiple of 8, with
// the offset of the partial instruction).
Result<Program> DecodeRaw(std::span<const uint8_t> bytes);

std::vector<uint8_t> EncodeRaw(const Program& program);

}  // namespace sckit
