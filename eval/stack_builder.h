// The one place that knows every userspace engine: a verified program becomes a FilterEngine
// (vm/stack.h's interface) run by the prepared interpreter or by the JIT, and verified filters
// become a FilterStack. Everything that builds a stack (sckit eval/test/bench, the C API, the
// fuzzers, the benchmarks) builds it here.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vm/engine.h"
#include "vm/program.h"
#include "vm/stack.h"
#include "vm/status.h"

namespace sckit::eval {

enum class EngineKind { kInterp, kJit };

// "interp" or "jit".
std::string_view EngineKindName(EngineKind kind);

// The engine that runs `program`. Errors: the JIT's ("jit-unavailable", ...).
Result<std::unique_ptr<FilterEngine>> MakeEngine(const VerifiedProgram& program, EngineKind kind);

struct StackInput {
  VerifiedProgram program;
  uint32_t flags = 0;  // SECCOMP_FILTER_FLAG_* it is installed with
  std::string name;    // for reports, e.g. its file
};

// The filters, oldest first, as a stack run by `kind`. Errors: the JIT's, naming the filter.
Result<FilterStack> BuildStack(std::span<const StackInput> filters, EngineKind kind);

// Engines that count edge coverage (vm/engine.h): the JIT's instrumented code, for the record
// search of analysis/record_search.h. Its engines fail with "jit-unavailable" off x86-64.
CoverageEngineFactory JitCoverageEngines();

// The same for filters installed without flags; names[i] (if given) names filter i.
Result<FilterStack> BuildStack(std::span<const VerifiedProgram> filters, EngineKind kind,
                               std::span<const std::string> names = {});

}  // namespace sckit::eval
