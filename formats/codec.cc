// The raw sock_filter codec in either byte order (formats/codec.h).
#include "formats/codec.h"

#include <cstring>
#include <string>

namespace sckit {
namespace {

// The instruction with code and k byte-swapped: the other order's reading of the same bytes.
SockFilter Swapped(SockFilter f) {
  f.code = static_cast<uint16_t>((f.code >> 8) | (f.code << 8));
  f.k = __builtin_bswap32(f.k);
  return f;
}

}  // namespace

Result<ByteOrder> ParseByteOrderName(std::string_view name) {
  if (name == "auto") return ByteOrder::kAuto;
  if (name == "little" || name == "le") return ByteOrder::kLittle;
  if (name == "big" || name == "be") return ByteOrder::kBig;
  return MakeError("bad-byte-order", "unknown byte order '" + std::string(name) +
                                         "' (expected big, little or auto)");
}

std::string_view ByteOrderName(ByteOrder order) {
  switch (order) {
    case ByteOrder::kLittle: return "little-endian";
    case ByteOrder::kBig: return "big-endian";
    case ByteOrder::kAuto: break;
  }
  return "auto";
}

Result<Program> DecodeRaw(std::span<const uint8_t> bytes, ByteOrder order) {
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
  if (order == ByteOrder::kBig) {
    for (SockFilter& f : program.insns) f = Swapped(f);
  }
  return program;
}

std::vector<uint8_t> EncodeRaw(const Program& program, ByteOrder order) {
  std::vector<uint8_t> out(program.insns.size() * sizeof(SockFilter));
  if (out.empty()) return out;
  if (order != ByteOrder::kBig) {
    std::memcpy(out.data(), program.insns.data(), out.size());
    return out;
  }
  for (size_t i = 0; i < program.insns.size(); ++i) {
    const SockFilter f = Swapped(program.insns[i]);
    std::memcpy(out.data() + i * sizeof f, &f, sizeof f);
  }
  return out;
}

}  // namespace sckit
