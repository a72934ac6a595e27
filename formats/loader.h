// Reading a filter from a file in any of sckit's formats, auto-detected or named:
//   raw  - struct sock_filter array (formats/codec.h)
//   asm  - sckit's assembly text (formats/asm.h)
//   c    - C-array text: `tcpdump -dd` lines `{ 0x20, 0, 0, 0x00000004 },` or BPF_STMT/BPF_JUMP
// Detection: bytes that are not text (NUL, control bytes) are raw; text containing `{ 0x..`
// entries or BPF_STMT/BPF_JUMP is C; other text is assembly.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "vm/program.h"
#include "vm/status.h"

namespace sckit {

enum class Format { kAuto, kRaw, kAsm, kC };

// "auto", "raw", "asm", "c"; an error naming the accepted values otherwise.
Result<Format> ParseFormatName(std::string_view name);
std::string_view FormatName(Format format);

// What kAuto resolves to for these bytes.
Format DetectFormat(std::span<const uint8_t> bytes);

Result<Program> ParseProgram(std::span<const uint8_t> bytes, Format format = Format::kAuto);

// Reads `path` ("-" = standard input) and parses it. I/O errors have rule "io-error".
Result<Program> LoadProgramFile(const std::string& path, Format format = Format::kAuto);

// Reads a whole file ("-" = standard input).
Result<std::vector<uint8_t>> ReadFileBytes(const std::string& path);

}  // namespace sckit
