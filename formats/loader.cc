#include "formats/loader.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "formats/asm.h"
#include "formats/carray.h"
#include "formats/codec.h"

namespace sckit {

Result<Format> ParseFormatName(std::string_view name) {
  if (name == "auto") return Format::kAuto;
  if (name == "raw" || name == "bin") return Format::kRaw;
  if (name == "asm") return Format::kAsm;
  if (name == "c") return Format::kC;
  return MakeError("bad-format", "unknown format '" + std::string(name) +
                                     "' (expected auto, raw, asm or c)");
}

std::string_view FormatName(Format format) {
  switch (format) {
    case Format::kAuto: return "auto";
    case Format::kRaw: return "raw";
    case Format::kAsm: return "asm";
    case Format::kC: return "c";
  }
  return "auto";
}

Format DetectFormat(std::span<const uint8_t> bytes) {
  for (uint8_t b : bytes) {
    if (b == 0 || (b < 0x20 && b != '\n' && b != '\r' && b != '\t' && b != '\f' && b != '\v')) {
      return Format::kRaw;
    }
  }
  if (bytes.empty()) return Format::kRaw;
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return LooksLikeCArray(text) ? Format::kC : Format::kAsm;
}

Result<Program> ParseProgram(std::span<const uint8_t> bytes, Format format) {
  if (format == Format::kAuto) format = DetectFormat(bytes);
  switch (format) {
    case Format::kRaw:
      return DecodeRaw(bytes);
    case Format::kAsm:
      return Assemble(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    case Format::kC:
      return ParseCArray(
          std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    case Format::kAuto:
      break;
  }
  return MakeError("bad-format", "unknown format");
}

Result<std::vector<uint8_t>> ReadFileBytes(const std::string& path) {
  FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return MakeError("io-error", "cannot open " + path + ": " + std::strerror(errno));
  }
  std::vector<uint8_t> bytes;
  uint8_t buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.insert(bytes.end(), buf, buf + n);
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  if (f != stdin) std::fclose(f);
  if (failed) return MakeError("io-error", "cannot read " + path + ": " + std::strerror(err));
  return bytes;
}

Result<Program> LoadProgramFile(const std::string& path, Format format) {
  Result<std::vector<uint8_t>> bytes = ReadFileBytes(path);
  if (!bytes.ok()) return bytes.error();
  return ParseProgram(*bytes, format);
}

}  // namespace sckit
