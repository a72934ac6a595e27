// The one place engines and stacks are built: prepared interpreter or JIT
// (eval/stack_builder.h).
#include "eval/stack_builder.h"

#include <utility>

#include "jit/compiler.h"

namespace sckit::eval {

std::string_view EngineKindName(EngineKind kind) {
  return kind == EngineKind::kJit ? "jit" : "interp";
}

Result<std::unique_ptr<FilterEngine>> MakeEngine(const VerifiedProgram& program,
                                                 EngineKind kind) {
  if (kind == EngineKind::kInterp) {
    return std::unique_ptr<FilterEngine>(std::make_unique<InterpretedFilter>(program));
  }
  Result<jit::CompiledFilter> compiled = jit::Compile(program);
  if (!compiled.ok()) return compiled.error();
  return std::unique_ptr<FilterEngine>(
      std::make_unique<EngineAdapter<jit::CompiledFilter>>(std::move(*compiled)));
}

CoverageEngineFactory JitCoverageEngines() {
  CoverageEngineFactory f;
  f.name = "jit";
  f.make = [](const VerifiedProgram& program, uint8_t* counters,
              std::span<const uint8_t> mask) -> Result<std::unique_ptr<FilterEngine>> {
    jit::JitOptions options;
    options.coverage = counters;
    options.coverage_mask = mask;
    Result<jit::CompiledFilter> compiled = jit::Compile(program, options);
    if (!compiled.ok()) return compiled.error();
    return std::unique_ptr<FilterEngine>(
        std::make_unique<EngineAdapter<jit::CompiledFilter>>(std::move(*compiled)));
  };
  return f;
}

Result<FilterStack> BuildStack(std::span<const StackInput> filters, EngineKind kind) {
  FilterStack stack;
  for (const StackInput& f : filters) {
    Result<std::unique_ptr<FilterEngine>> engine = MakeEngine(f.program, kind);
    if (!engine.ok()) {
      Error e = engine.error();
      if (!f.name.empty()) e.message = f.name + ": " + e.message;
      return e;
    }
    stack.Push(f.program, std::move(*engine), f.flags, f.name);
  }
  return stack;
}

Result<FilterStack> BuildStack(std::span<const VerifiedProgram> filters, EngineKind kind,
                               std::span<const std::string> names) {
  std::vector<StackInput> inputs;
  inputs.reserve(filters.size());
  for (size_t i = 0; i < filters.size(); ++i) {
    inputs.push_back({filters[i], 0, i < names.size() ? names[i] : std::string()});
  }
  return BuildStack(inputs, kind);
}

}  // namespace sckit::eval
