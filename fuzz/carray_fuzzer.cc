// libFuzzer target: the C-array parser on arbitrary text. Never crashes; what parses survives
// the canonical and C round trips.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "formats/carray.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sckit;  // NOLINT
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<Program> program = ParseCArray(text);
  if (program.ok()) {
    fuzz::CheckRoundTrips(*program);
  } else {
    fuzz::Check(!program.error().rule.empty(), "errors carry a rule");
  }
  return 0;
}
