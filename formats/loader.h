// Reading a filter from a file in any of sckit's formats, auto-detected or named:
//   raw  - struct sock_filter array (formats/codec.h)
//   asm  - sckit's assembly text (formats/asm.h)
//   c    - C-array text: `tcpdump -dd` lines `{ 0x20, 0, 0, 0x00000004 },` or BPF_STMT/BPF_JUMP
// Detection: bytes that are not text (NUL, control bytes) are raw; text containing `{ 0x..`
// entries or BPF_STMT/BPF_JUMP is C; other text is assembly.
//
// Raw files come in the byte order of the machine the filter is for (formats/codec.h). With
// byte_order kAuto and a `verifies` check, the order is detected: the one whose reading the
// check accepts when exactly one does; "ambiguous-byte-order" when both readings are accepted
// and differ; little-endian (the host's) when neither is, so the verifier reports on that one.
// Without a check kAuto means little-endian.
//
// Files are read in bounded memory (formats/read_file.h): a raw filter is at most 4096
// instructions (32768 bytes), a text filter at most 16 MiB. Reading stops at the first byte
// past the cap. A raw file past it is a program the kernel rejects (too-many-instructions,
// EINVAL, the same verdict the verifier gives); a text file past it is "file-too-large".
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "formats/codec.h"
#include "vm/program.h"
#include "vm/status.h"

namespace sckit {

enum class Format { kAuto, kRaw, kAsm, kC };

// "auto", "raw", "asm", "c"; an error naming the accepted values otherwise.
Result<Format> ParseFormatName(std::string_view name);
std::string_view FormatName(Format format);

// What kAuto resolves to for these bytes.
Format DetectFormat(std::span<const uint8_t> bytes);

struct LoadOptions {
  Format format = Format::kAuto;
  std::string_view arch = "x86_64";  // asm and C: the arch of SYS_x / __NR_x names
  bool relax = true;                 // asm: ja trampolines for far jumps (formats/asm.h)
  ByteOrder byte_order = ByteOrder::kAuto;  // raw: the file's byte order (see above); asm:
                                            // kBig names words big-endian (formats/asm.h)
  // raw with kAuto: would the kernel accept this reading? (callers pass the verifier; formats/
  // cannot call it itself)
  std::function<bool(const Program&)> verifies;
};

// What the loader found out about the file.
struct LoadInfo {
  Format format = Format::kAuto;  // the format it was read as
  bool text_as_raw = false;       // read as raw although every byte is printable text
  ByteOrder byte_order = ByteOrder::kAuto;  // raw: the order it was read in; text: kAuto
  bool byte_order_detected = false;         // raw: chosen by detection, not asked for
};

// The byte order of raw `bytes` as LoadOptions' kAuto decides it with `verifies` (see above).
Result<ByteOrder> DetectByteOrder(std::span<const uint8_t> bytes,
                                  const std::function<bool(const Program&)>& verifies);

// What to tell the user about the order a raw file was read in: "" when there is nothing to
// say (text, or the host's little-endian order by default), else e.g. "raw filter read
// big-endian (detected: only that order gives a program the kernel accepts)".
std::string ByteOrderNote(const LoadInfo& info);

Result<Program> ParseProgram(std::span<const uint8_t> bytes, Format format = Format::kAuto);
Result<Program> ParseProgram(std::span<const uint8_t> bytes, const LoadOptions& options,
                             LoadInfo* info = nullptr);

// Reads `path` ("-" = standard input) and parses it. I/O errors have rule "io-error". An
// error with kernel_errno set (a raw file of more than 4096 instructions, an asm or C text of
// more than 4096 instructions) is the kernel's verdict on the program, not a read failure:
// callers report it as a rejection, like the verifier's.
Result<Program> LoadProgramFile(const std::string& path, Format format = Format::kAuto);
Result<Program> LoadProgramFile(const std::string& path, const LoadOptions& options,
                                LoadInfo* info = nullptr);

// Reads a whole file ("-" = standard input) of at most 16 MiB (kMaxTextFilterBytes);
// "file-too-large" past it.
Result<std::vector<uint8_t>> ReadFileBytes(const std::string& path);

}  // namespace sckit
