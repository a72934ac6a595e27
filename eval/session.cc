// A Session: filter files loaded and checked once, the stack per engine and the kernel context
// (eval/session.h).
#include "eval/session.h"

#include <utility>

#include "eval/stack_builder.h"
#include "verifier/stack_check.h"
#include "verifier/verifier.h"

namespace sckit::eval {
namespace {

Error Usage(std::string message) { return MakeError("usage", std::move(message)); }

// Syscall user dispatch: the configuration the prctl would accept, on a kernel that has it.
std::optional<Error> CheckDispatch(const SessionOptions& o, bool live) {
  const DispatchConfig& d = o.ctx.dispatch;
  Result<bool> region = CheckDispatchConfig(d);
  if (!region.ok()) return Usage("--dispatch-region: " + region.error().message);
  if (!d.on()) return std::nullopt;
  if (o.ctx.kernel < kDispatchSince) {
    return Usage("syscall user dispatch exists from Linux " + kDispatchSince.ToString() +
                 "; --kernel-version " + o.ctx.kernel.ToString() + " has none");
  }
  if (live && (d.selector_kind == SelectorKind::kFault || o.ctx.mode == Mode::kStrict)) {
    return Usage("--engine " + std::string(EngineChoiceName(o.engine)) +
                 " cannot show syscall user dispatch with " +
                 (o.ctx.mode == Mode::kStrict ? "--strict" : "--dispatch-selector fault") +
                 " (docs/kernel-engine.md); use --engine interp or jit");
  }
  return std::nullopt;
}

// The filter-mode checks that do not need the files.
std::optional<Error> CheckMode(const SessionOptions& o) {
  const bool live = o.engine == EngineChoice::kKernel || o.engine == EngineChoice::kAll;
  if (std::optional<Error> e = CheckDispatch(o, live)) return e;
  if (o.ctx.mode == Mode::kStrict) {
    if (!o.files.empty()) {
      return Usage("--strict takes no --filter: a thread in strict mode cannot install "
                   "filters (EINVAL), and one with filters cannot enter strict mode");
    }
    return std::nullopt;
  }
  if (o.files.empty()) return Usage("no --filter given (see --help)");
  if (o.flags.size() > o.files.size()) return Usage("more --flags than --filter");
  return std::nullopt;
}

// --engine kernel and all: the live kernel, answering for the same configuration as the
// interpreter (tracer, listener, strict mode).
Result<bool> StartKernel(const SessionOptions& options, std::vector<StackEntry> entries,
                         Session* session) {
  if (options.engine != EngineChoice::kKernel && options.engine != EngineChoice::kAll) {
    return true;
  }
  live::KernelEngineOptions kernel_options;
  kernel_options.context = options.ctx;
  Result<live::KernelEngine> k =
      live::KernelEngine::Start(std::move(entries), std::move(kernel_options));
  if (!k.ok()) return Usage("the live kernel engine could not start: " + k.error().ToString());
  session->kernel = std::make_unique<live::KernelEngine>(std::move(*k));
  return true;
}

}  // namespace

Result<EngineChoice> ParseEngineChoice(std::string_view name) {
  if (name == "interp") return EngineChoice::kInterp;
  if (name == "jit") return EngineChoice::kJit;
  if (name == "kernel") return EngineChoice::kKernel;
  if (name == "all") return EngineChoice::kAll;
  return Usage("unknown engine '" + std::string(name) + "' (expected interp, jit, kernel or all)");
}

std::string_view EngineChoiceName(EngineChoice choice) {
  switch (choice) {
    case EngineChoice::kInterp: return "interp";
    case EngineChoice::kJit: return "jit";
    case EngineChoice::kKernel: return "kernel";
    case EngineChoice::kAll: return "all";
  }
  return "interp";
}

Result<std::unique_ptr<Session>> OpenSession(const SessionOptions& options) {
  if (std::optional<Error> e = CheckMode(options)) return *e;
  auto session = std::make_unique<Session>();
  session->engine = options.engine;
  session->ctx = options.ctx;
  if (options.ctx.mode == Mode::kStrict) {
    if (Result<bool> k = StartKernel(options, {}, session.get()); !k.ok()) return k.error();
    return session;
  }

  std::vector<StackEntry> entries;
  LoadOptions load;
  load.format = options.format;
  load.byte_order = options.byte_order;
  load.verifies = [](const Program& p) { return Verify(p).ok(); };
  for (size_t i = 0; i < options.files.size(); ++i) {
    LoadInfo info;
    Result<Program> program = LoadProgramFile(options.files[i], load, &info);
    if (const std::string note = ByteOrderNote(info); program.ok() && !note.empty()) {
      session->notes.push_back(options.files[i] + ": note: " + note);
    }
    if (!program.ok() && program.error().kernel_errno != 0) {  // e.g. > 4096 instructions
      return MakeError(std::string(kStackRejected),
                       options.files[i] + ": rejected: " + program.error().ToString());
    }
    if (!program.ok()) {
      Error e = program.error();
      e.message = options.files[i] + ": " + program.error().ToString();
      e.rule = "usage";
      return e;
    }
    entries.push_back({std::move(*program), i < options.flags.size() ? options.flags[i] : 0});
  }
  std::vector<AttachOutcome> attached = CheckStack(entries);
  std::string rejected;
  std::vector<StackInput> inputs;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!attached[i].attached) {
      rejected += (rejected.empty() ? "" : "\n") + options.files[i] +
                  ": rejected: " + attached[i].error->ToString();
    } else {
      inputs.push_back({std::move(*attached[i].verified), entries[i].flags, options.files[i]});
    }
  }
  if (!rejected.empty()) return MakeError(std::string(kStackRejected), rejected);

  const EngineKind kind =
      options.engine == EngineChoice::kJit ? EngineKind::kJit : EngineKind::kInterp;
  Result<FilterStack> stack = BuildStack(inputs, kind);
  if (!stack.ok()) return Usage(stack.error().ToString());
  session->stack = std::move(*stack);
  if (options.engine == EngineChoice::kAll) {
    Result<FilterStack> jit = BuildStack(inputs, EngineKind::kJit);
    if (!jit.ok()) return Usage(jit.error().ToString());
    session->jit = std::move(*jit);
  }
  if (Result<bool> k = StartKernel(options, std::move(entries), session.get()); !k.ok()) {
    return k.error();
  }
  return session;
}

}  // namespace sckit::eval
