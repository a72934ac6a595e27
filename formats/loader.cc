// The loader (formats/loader.h): format names, detection, and reading a filter file in two
// bounded stages: the first 32768 + 1 bytes (enough for any raw filter, and for detection),
// then, for text only, the rest up to 16 MiB.
#include "formats/loader.h"

#include <cerrno>
#include <cstring>

#include "formats/asm.h"
#include "formats/carray.h"
#include "formats/codec.h"
#include "formats/read_file.h"
#include "vm/bpf.h"

namespace sckit {
namespace {

bool IsTextByte(uint8_t b) {
  return !(b == 0 || (b < 0x20 && b != '\n' && b != '\r' && b != '\t' && b != '\f' && b != '\v'));
}

bool AllText(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return false;
  for (uint8_t b : bytes) {
    if (!IsTextByte(b)) return false;
  }
  return true;
}

// A raw file longer than BPF_MAXINSNS instructions: what seccomp_prepare_filter() answers.
Error TooManyRawInstructions(const std::string& path, int64_t file_size) {
  std::string size =
      file_size >= 0 ? std::to_string(file_size) + " bytes, " +
                           std::to_string(file_size / 8) + " instructions"
                     : "more than " + std::to_string(kMaxRawFilterBytes) +
                           " bytes (reading stopped at byte " +
                           std::to_string(kMaxRawFilterBytes + 1) + ")";
  return MakeError("too-many-instructions",
                   path + " has " + size + ": a raw filter of more than 4096 instructions "
                                           "(BPF_MAXINSNS) is rejected by the kernel",
                   -1, EINVAL);
}

Result<Program> DecodeRawInOrder(std::span<const uint8_t> bytes, const LoadOptions& options,
                                 LoadInfo* info) {
  ByteOrder order = options.byte_order;
  if (order == ByteOrder::kAuto) {
    Result<ByteOrder> detected = DetectByteOrder(bytes, options.verifies);
    if (!detected.ok()) return detected.error();
    order = *detected;
    if (info != nullptr) info->byte_order_detected = static_cast<bool>(options.verifies);
  }
  if (info != nullptr) info->byte_order = order;
  return DecodeRaw(bytes, order);
}

}  // namespace

Result<ByteOrder> DetectByteOrder(std::span<const uint8_t> bytes,
                                  const std::function<bool(const Program&)>& verifies) {
  if (!verifies) return ByteOrder::kLittle;
  Result<Program> little = DecodeRaw(bytes, ByteOrder::kLittle);
  if (!little.ok()) return ByteOrder::kLittle;  // the framing error is the same either way
  Result<Program> big = DecodeRaw(bytes, ByteOrder::kBig);
  const bool little_ok = verifies(*little);
  const bool big_ok = verifies(*big);
  if (big_ok && !little_ok) return ByteOrder::kBig;
  if (big_ok && little_ok && little->insns != big->insns) {
    return MakeError("ambiguous-byte-order",
                     "the file reads as a valid filter both little-endian and big-endian (" +
                         std::to_string(little->insns.size()) +
                         " instructions, different in each order): say which with "
                         "--byte-order little|big");
  }
  return ByteOrder::kLittle;
}

std::string ByteOrderNote(const LoadInfo& info) {
  if (info.format != Format::kRaw || info.byte_order != ByteOrder::kBig) return "";
  return info.byte_order_detected
             ? "raw filter read big-endian (detected: only that order gives a program the "
               "kernel accepts)"
             : "raw filter read big-endian (--byte-order big)";
}

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
  if (!AllText(bytes)) return Format::kRaw;  // also an empty file: zero raw instructions
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return LooksLikeCArray(text) ? Format::kC : Format::kAsm;
}

Result<Program> ParseProgram(std::span<const uint8_t> bytes, const LoadOptions& options,
                             LoadInfo* info) {
  const Format format = options.format == Format::kAuto ? DetectFormat(bytes) : options.format;
  if (info != nullptr) {
    info->format = format;
    info->text_as_raw = format == Format::kRaw && AllText(bytes);
  }
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  switch (format) {
    case Format::kRaw:
      return DecodeRawInOrder(bytes, options, info);
    case Format::kAsm: {
      AsmOptions asm_options;
      asm_options.arch = options.arch;
      asm_options.relax = options.relax;
      asm_options.big_endian = options.byte_order == ByteOrder::kBig;
      return Assemble(text, asm_options);
    }
    case Format::kC: {
      CArrayOptions c_options;
      c_options.arch = options.arch;
      return ParseCArray(text, c_options);
    }
    case Format::kAuto:
      break;
  }
  return MakeError("bad-format", "unknown format");
}

Result<Program> ParseProgram(std::span<const uint8_t> bytes, Format format) {
  LoadOptions options;
  options.format = format;
  return ParseProgram(bytes, options);
}

Result<std::vector<uint8_t>> ReadFileBytes(const std::string& path) {
  return ReadBoundedFile(path, kMaxTextFilterBytes, "a filter file");
}

Result<Program> LoadProgramFile(const std::string& path, const LoadOptions& options,
                                LoadInfo* info) {
  Result<InputFile> file = InputFile::Open(path);
  if (!file.ok()) return file.error();
  // Stage 1: as much as any raw filter can be, plus one byte.
  Result<BoundedRead> head = ReadBoundedFd(file->fd(), kMaxRawFilterBytes, path);
  if (!head.ok()) return head.error();
  std::vector<uint8_t>& bytes = head->bytes;
  Format format = options.format;
  if (format == Format::kAuto) format = DetectFormat(bytes);
  if (format == Format::kRaw) {
    if (head->over_cap) return TooManyRawInstructions(path, head->file_size);
  } else if (head->over_cap) {
    // Stage 2, text: the rest, up to kMaxTextFilterBytes in all.
    if (head->file_size > static_cast<int64_t>(kMaxTextFilterBytes)) {
      return FileTooLarge(path, kMaxTextFilterBytes, "a text filter", head->file_size);
    }
    Result<BoundedRead> rest =
        ReadBoundedFd(file->fd(), kMaxTextFilterBytes - bytes.size(), path);
    if (!rest.ok()) return rest.error();
    if (rest->over_cap) return FileTooLarge(path, kMaxTextFilterBytes, "a text filter", -1);
    bytes.insert(bytes.end(), rest->bytes.begin(), rest->bytes.end());
  }
  LoadOptions resolved = options;
  resolved.format = format;
  return ParseProgram(bytes, resolved, info);
}

Result<Program> LoadProgramFile(const std::string& path, Format format) {
  LoadOptions options;
  options.format = format;
  return LoadProgramFile(path, options);
}

}  // namespace sckit
