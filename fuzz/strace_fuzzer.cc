// libFuzzer target: the strace reader (formats/strace.h) on arbitrary text. Never crashes;
// errors carry a rule; every call has a resolved number, a line inside the input, lines in
// order, text within its cap, arguments known only where the mask says; a complete call line
// read alone gives the same record as ParseStraceLine.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "formats/strace.h"
#include "vm/arch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sckit;  // NOLINT
  const std::string text(reinterpret_cast<const char*>(data), size);
  int lines = 1;
  for (char c : text) lines += c == '\n';
  const ConstantLookup lookup = [](std::string_view n) -> std::optional<uint64_t> {
    if (n == "TCGETS") return 0x5401;
    return std::nullopt;
  };
  for (const char* arch_name : {"x86_64", "aarch64"}) {
    const ArchInfo& arch = *FindArch(arch_name);
    std::istringstream in(text);
    StraceStats stats;
    Result<std::vector<TraceCall>> calls = ReadStraceCalls(in, arch, &stats, lookup);
    if (!calls.ok()) {
      fuzz::Check(!calls.error().rule.empty(), "errors carry a rule");
      continue;
    }
    int previous = 0;
    for (const TraceCall& c : *calls) {
      fuzz::Check(c.line >= 1 && c.line <= lines, "a call's line is in the input");
      fuzz::Check(c.line >= previous, "calls come in line order");
      previous = c.line;
      fuzz::Check(c.text.size() <= kMaxTraceText, "text is capped");
      fuzz::Check(!c.name.empty(), "a call has its name");
      fuzz::Check(FindArchByAudit(c.record.arch) != nullptr, "a call's arch is known");
      for (int a = 0; a < 6; ++a) {
        if (!(c.known_args & (1u << a))) {
          fuzz::Check(c.record.args[a] == 0, "an unknown argument is 0");
        }
      }
    }
    fuzz::Check(stats.syscalls == static_cast<int>(calls->size()), "every call is counted");
  }
  // A line alone: when it is one finished call, the reader gives that record.
  const std::string_view first(text.data(), std::min(text.find('\n'), text.size()));
  const ArchInfo& x86 = *FindArch("x86_64");
  const StraceLine line = ParseStraceLine(first, x86);
  if (line.kind == StraceLineKind::kSyscall && !line.unfinished) {
    std::istringstream in{std::string(first)};
    Result<std::vector<TraceCall>> one = ReadStraceCalls(in, x86);
    fuzz::Check(one.ok() && one->size() == 1, "a call line is one call");
    fuzz::Check(one.ok() && !one->empty() &&
                    std::memcmp(&one->front().record, &line.record, sizeof line.record) == 0,
                "the reader and the line parser agree");
  }
  return 0;
}
