// libFuzzer target: any bytes through the loader (auto-detected format) and, when they frame as
// raw instructions, the exact round trips through canonical assembly and C.
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz/fuzz_check.h"
#include "vm/codec.h"
#include "vm/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sckit;  // NOLINT
  const std::span<const uint8_t> bytes(data, size);
  Result<Program> raw = DecodeRaw(bytes);
  if (raw.ok()) fuzz::CheckRoundTrips(*raw);
  Result<Program> any = ParseProgram(bytes);
  if (any.ok()) fuzz::CheckRoundTrips(*any);
  return 0;
}
