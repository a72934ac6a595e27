// What `sckit eval` and `sckit test` run records through: the filter files loaded and checked
// once as seccomp() would attach them (verifier/stack_check.h, which verifies each program;
// nothing is verified twice), a stack run by the chosen engine, and the kernel context
// (vm/outcome.h) the answer is given for. --engine all adds a JIT stack and the live kernel;
// --engine kernel the live kernel (live/kernel_engine.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "formats/loader.h"
#include "live/kernel_engine.h"
#include "vm/outcome.h"
#include "vm/stack.h"
#include "vm/status.h"

namespace sckit::eval {

enum class EngineChoice { kInterp, kJit, kKernel, kAll };

// "interp", "jit", "kernel", "all"; an error naming them otherwise.
Result<EngineChoice> ParseEngineChoice(std::string_view name);
std::string_view EngineChoiceName(EngineChoice choice);

struct SessionOptions {
  std::vector<std::string> files;  // oldest first; none in strict mode
  std::vector<uint32_t> flags;     // per file (missing ones: 0)
  Format format = Format::kAuto;
  ByteOrder byte_order = ByteOrder::kAuto;  // raw files; kAuto: detected with the verifier
  EngineChoice engine = EngineChoice::kInterp;
  KernelContext ctx;
};

// The rule of the Error OpenSession returns when the kernel would refuse to attach a filter
// (as opposed to a usage or I/O problem): its message lists "FILE: rejected: ..." lines.
inline constexpr std::string_view kStackRejected = "stack-rejected";

struct Session {
  EngineChoice engine = EngineChoice::kInterp;
  KernelContext ctx;
  FilterStack stack;  // the interpreter's, or the JIT's for --engine jit
  FilterStack jit;    // --engine all only
  std::unique_ptr<live::KernelEngine> kernel;  // --engine kernel and all
  std::vector<std::string> notes;  // "FILE: raw filter read big-endian (...)", for the user

  bool uses_kernel() const { return kernel != nullptr; }
};

// Loads the files, checks them as a stack, builds the engines. Errors: kStackRejected, or a
// usage/I/O problem (unreadable file, strict mode with filters, the JIT or the kernel engine
// unavailable).
Result<std::unique_ptr<Session>> OpenSession(const SessionOptions& options);

}  // namespace sckit::eval
