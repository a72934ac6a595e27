#include "formats/codec.h"

#include <cstring>
#include <string>

namespace sckit {

Result<Program> DecodeRaw(std::span<const uint8_t> bytes) {
  if (bytes.size() % sizeof(SockFilter) != 0) {
    const size_t whole = bytes.size() / sizeof(SockFilter);
    return MakeError("truncated-file",
                     std::to_string(bytes.size()) + " bytes is not a multiple of 8: instruction " +
                         std::to_string(whole) + " at byte offset " +
                         std::to_string(whole * sizeof(SockFilter)) + " has only " +
                         std::to_string(bytes.size() % sizeof(SockFilter)) + " bytes");
  }
  Program program;
  if (bytes.empty()) return program;  // memcpy may not take the null pointer of an empty span
  program.insns.resize(bytes.size() / sizeof(SockFilter));
  std::memcpy(program.insns.data(), bytes.data(), bytes.size());
  return program;
}

std::vector<uint8_t> EncodeRaw(const Program& program) {
  std::vector<uint8_t> out(program.insns.size() * sizeof(SockFilter));
  if (!out.empty()) std::memcpy(out.data(), program.insns.data(), out.size());
  return out;
}

}  // namespace sckit
