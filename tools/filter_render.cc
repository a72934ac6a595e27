// Output forms of a filter (filter_render.h).
#include "tools/filter_render.h"

#include <cstdint>
#include <vector>

#include "formats/carray.h"
#include "formats/codec.h"
#include "formats/disasm.h"

namespace sckit::tools {

Result<std::string> RenderFilter(const Program& program, const std::string& emit,
                                 const ArchInfo* arch, ByteOrder order) {
  DisasmOptions options;
  options.big_endian = order == ByteOrder::kBig;
  options.arch = arch;
  if (emit == "raw") {
    std::vector<uint8_t> raw = EncodeRaw(program, order);
    return std::string(raw.begin(), raw.end());
  }
  if (emit == "asm") return DisassembleCanonical(program, options);
  if (emit == "listing") return DisassembleListing(program, options);
  if (emit == "c") return EmitCArray(program, true);
  if (emit == "c-install") return EmitCInstaller(program, true);
  return MakeError("bad-emit", "unknown output form '" + emit +
                                   "' (expected raw, asm, c, c-install or listing)");
}

}  // namespace sckit::tools
