// libFuzzer target: the assembler on arbitrary text. Never crashes; errors name a line; what
// assembles survives the canonical and C round trips.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "formats/asm.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sckit;  // NOLINT
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (bool relax : {true, false}) {
    AsmOptions options;
    options.relax = relax;
    Result<Program> program = Assemble(text, options);
    if (program.ok()) {
      fuzz::CheckRoundTrips(*program);
    } else {
      fuzz::Check(!program.error().rule.empty(), "errors carry a rule");
      fuzz::Check(program.error().line >= 0, "asm errors carry a line");
    }
  }
  return 0;
}
