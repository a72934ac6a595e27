// The C API (capi/sckit.h) over the C++ libraries: the verifier, the engines (built by
// eval/stack_builder.h, like every stack in sckit), filter stacks.
// No C++ exception crosses the boundary: every entry point catches everything (allocation
// failures become SCKIT_ERR_NOMEM, anything else SCKIT_ERR_INTERNAL; run functions fail closed
// with SECCOMP_RET_KILL_PROCESS), and NULL arguments are checked as the header documents.
// The run path is trimmed (docs/performance.md, bench/capi_bench.cc): a prepared program keeps
// the JIT's raw entry point, and whether a record can be run as given is settled when it is
// prepared (a program that loads no word of ip or args sees the same words on any arch; other
// records need only the little-endian bit of their arch tested), so sckit_program_run is two
// NULL tests, one bit test and a tail jump into the code, with no frame and no virtual call;
// everything else (the interpreter, big-endian records' images) is out of line in RunSlow.
// The engines are noexcept, so the run functions need no handler.
#include "capi/sckit.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "eval/stack_builder.h"
#include "formats/codec.h"
#include "jit/compiler.h"
#include "verifier/stack_check.h"
#include "verifier/verifier.h"
#include "vm/program.h"
#include "vm/record_layout.h"
#include "vm/seccomp_data.h"
#include "vm/stack.h"

static_assert(sizeof(struct seccomp_data) == sizeof(sckit::SeccompData));
static_assert(offsetof(struct seccomp_data, args) == offsetof(sckit::SeccompData, args));

struct sckit_program {
  // The run path reads these first (one cache line): sckit_program_run calls `jit` on the
  // caller's record as it is when ((arch | native_always) & native_bit) != 0, else RunSlow.
  //   native_bit:    __AUDIT_ARCH_LE for a JIT program, 0 for the interpreter (never direct);
  //   native_always: __AUDIT_ARCH_LE when the program loads no word of ip or args (offset
  //                  >= 8), whose halves are the only bytes a big-endian record's image moves
  //                  (vm/record_layout.h), so every record runs as given; else 0, and a record
  //                  runs as given when its arch has __AUDIT_ARCH_LE set (little-endian).
  uint32_t (*jit)(const sckit::SeccompData*) = nullptr;
  uint32_t native_bit = 0;
  uint32_t native_always = 0;
  const sckit::InterpretedFilter* interp = nullptr;  // `run` as its final class (direct calls)
  sckit::VerifiedProgram verified;
  sckit_engine engine;
  std::unique_ptr<sckit::FilterEngine> run;  // eval/stack_builder.h's engine of that kind

  sckit_program(sckit::VerifiedProgram v, sckit_engine e) : verified(std::move(v)), engine(e) {}
};

struct sckit_stack {
  sckit::FilterStack stack;
  std::vector<sckit::StackEntry> entries;  // for the attach-limit check
};

namespace {

sckit::eval::EngineKind KindOf(sckit_engine engine) {
  return engine == SCKIT_ENGINE_JIT ? sckit::eval::EngineKind::kJit
                                    : sckit::eval::EngineKind::kInterp;
}

const sckit::SeccompData& AsData(const struct seccomp_data* data) {
  return *reinterpret_cast<const sckit::SeccompData*>(data);
}

const sckit::SeccompData* AsPointer(const struct seccomp_data* data) {
  return reinterpret_cast<const sckit::SeccompData*>(data);
}

sckit_status Fail(sckit_status status, const std::string& message, char* err, size_t err_len) {
  if (err != nullptr && err_len > 0) std::snprintf(err, err_len, "%s", message.c_str());
  return status;
}

void ClearError(char* err, size_t err_len) {
  if (err != nullptr && err_len > 0) err[0] = '\0';
}

// What a run returns when it cannot run (NULL arguments, an exception): the kernel's strictest
// action, so a caller that ignores the problem fails closed.
constexpr uint32_t kFailClosed = 0x80000000u;  // SECCOMP_RET_KILL_PROCESS

// The status for an exception caught at the boundary; call only inside a catch block.
sckit_status CaughtException(char* err, size_t err_len) {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    return Fail(SCKIT_ERR_NOMEM, "out of memory", err, err_len);
  } catch (const std::exception& e) {
    return Fail(SCKIT_ERR_INTERNAL, std::string("internal error: ") + e.what(), err, err_len);
  } catch (...) {
    return Fail(SCKIT_ERR_INTERNAL, "internal error: unknown exception", err, err_len);
  }
}

// The kernel's length checks (seccomp_prepare_filter: 0 < len <= BPF_MAXINSNS), made on the
// byte count before anything is copied, so an absurd `len` is never allocated.
std::optional<sckit::Error> CheckByteLength(size_t len) {
  if (len % sizeof(sckit::SockFilter) != 0) {
    return sckit::MakeError("truncated-program", std::to_string(len) +
                                                     " bytes is not a multiple of 8 (struct "
                                                     "sock_filter)");
  }
  const size_t insns = len / sizeof(sckit::SockFilter);
  if (insns == 0) {
    return sckit::MakeError("empty-program", "a filter needs at least one instruction", -1,
                            EINVAL);
  }
  if (insns > sckit::bpf::kMaxInsns) {
    return sckit::MakeError("too-many-instructions",
                            std::to_string(insns) + " instructions (the kernel allows at most " +
                                std::to_string(sckit::bpf::kMaxInsns) + ")",
                            -1, EINVAL);
  }
  return std::nullopt;
}

// True when the program loads a word of ip or args (offset 8 and up): the only words a
// big-endian record's image changes (vm/record_layout.h: LoadedImage swaps the 64-bit halves).
bool LoadsWideFields(const sckit::VerifiedProgram& v) {
  for (const sckit::SockFilter& insn : v.insns()) {
    if (insn.code == sckit::kSeccompLoadData && insn.k >= 8) return true;
  }
  return false;
}

constexpr uint32_t kArchLittleEndian = 0x40000000u;  // __AUDIT_ARCH_LE

// Points the program's direct run path at its engine: the JIT's entry point (and when a record
// may be run as given) or the interpreter's final class. False if the engine is of neither
// type (a bug).
bool BindRunPath(sckit_program* p) {
  if (p->engine == SCKIT_ENGINE_JIT) {
    const auto* jit =
        dynamic_cast<const sckit::EngineAdapter<sckit::jit::CompiledFilter>*>(p->run.get());
    if (jit == nullptr) return false;
    p->jit = jit->compiled().entry();
    p->native_bit = kArchLittleEndian;
    p->native_always = LoadsWideFields(p->verified) ? 0 : kArchLittleEndian;
    return p->jit != nullptr;
  }
  p->interp = dynamic_cast<const sckit::InterpretedFilter*>(p->run.get());
  return p->interp != nullptr;
}

// Whether the JIT's code can run the caller's record as it is (see sckit_program): one load of
// the arch, an OR, a test; false for every interpreter program.
inline bool RunsAsGiven(const sckit_program* p, const struct seccomp_data* data) {
  return ((data->arch | p->native_always) & p->native_bit) != 0;
}

// A run of a record without __AUDIT_ARCH_LE in its arch: on its image when the arch is a known
// big-endian one (vm/record_layout.h), else as given. Out of line, so that RunSlow needs no
// frame (for the 64-byte copy or the call).
[[gnu::noinline]] uint32_t RunNotLittleEndian(const sckit_program* p,
                                              const sckit::SeccompData& values) {
  if (!sckit::IsBigEndianArch(values.arch)) {
    return p->jit != nullptr ? p->jit(&values) : p->interp->Run(values);
  }
  const sckit::SeccompData image = sckit::LoadedImage(values);
  return p->jit != nullptr ? p->jit(&image) : p->interp->Run(image);
}

// Every other run: the interpreter, and JIT runs of records whose image may differ from their
// values. Out of line, so the direct path has no frame of its own. Whatever a run must do to a
// record before the filter sees it belongs here, once (as stacks do: vm/record_layout.h).
[[gnu::noinline]] uint32_t RunSlow(const sckit_program* p, const struct seccomp_data* data) {
  const sckit::SeccompData& values = AsData(data);
  if ((values.arch & kArchLittleEndian) == 0) [[unlikely]] return RunNotLittleEndian(p, values);
  return p->jit != nullptr ? p->jit(&values) : p->interp->Run(values);
}

// One run, as sckit_program_run does it (sckit_program_run_batch: the same test, hoisted).
inline uint32_t RunOne(const sckit_program* p, const struct seccomp_data* data) {
  if (RunsAsGiven(p, data)) [[likely]] return p->jit(AsPointer(data));
  return RunSlow(p, data);
}

}  // namespace

extern "C" {

const char* sckit_status_name(sckit_status status) {
  switch (status) {
    case SCKIT_OK: return "ok";
    case SCKIT_ERR_ARGUMENT: return "bad-argument";
    case SCKIT_ERR_REJECTED: return "rejected";
    case SCKIT_ERR_JIT: return "jit-failed";
    case SCKIT_ERR_NOMEM: return "out-of-memory";
    case SCKIT_ERR_LIMIT: return "attach-limit";
    case SCKIT_ERR_INTERNAL: return "internal-error";
  }
  return "unknown-status";
}

sckit_status sckit_program_prepare(const void* bytes, size_t len, sckit_engine engine,
                                   sckit_program** out, char* err, size_t err_len) {
  ClearError(err, err_len);
  if (out == nullptr) return Fail(SCKIT_ERR_ARGUMENT, "NULL out", err, err_len);
  *out = nullptr;
  if (bytes == nullptr && len > 0) return Fail(SCKIT_ERR_ARGUMENT, "NULL bytes", err, err_len);
  // A C caller may pass any int; C++ may not even load an sckit_engine outside 0..1 (UBSan's
  // enum check), so its bits are read as an integer first.
  static_assert(sizeof(sckit_engine) == sizeof(uint32_t));
  uint32_t engine_bits;
  std::memcpy(&engine_bits, &engine, sizeof engine_bits);
  if (engine_bits != SCKIT_ENGINE_INTERP && engine_bits != SCKIT_ENGINE_JIT) {
    return Fail(SCKIT_ERR_ARGUMENT, "unknown engine " + std::to_string(engine_bits), err,
                err_len);
  }
  try {
    if (std::optional<sckit::Error> bad = CheckByteLength(len)) {
      return Fail(bad->kernel_errno != 0 ? SCKIT_ERR_REJECTED : SCKIT_ERR_ARGUMENT,
                  bad->ToString(), err, err_len);
    }
    sckit::Result<sckit::Program> program =
        sckit::DecodeRaw({static_cast<const uint8_t*>(bytes), len});
    if (!program.ok()) {
      return Fail(SCKIT_ERR_ARGUMENT, program.error().ToString(), err, err_len);
    }
    sckit::Result<sckit::VerifiedProgram> verified = sckit::Verify(*program);
    if (!verified.ok()) {
      return Fail(SCKIT_ERR_REJECTED, verified.error().ToString(), err, err_len);
    }
    auto prepared = std::make_unique<sckit_program>(std::move(*verified), engine);
    sckit::Result<std::unique_ptr<sckit::FilterEngine>> run =
        sckit::eval::MakeEngine(prepared->verified, KindOf(engine));
    if (!run.ok()) return Fail(SCKIT_ERR_JIT, run.error().ToString(), err, err_len);
    prepared->run = std::move(*run);
    if (!BindRunPath(prepared.get())) {
      return Fail(SCKIT_ERR_INTERNAL, "internal error: unexpected engine type", err, err_len);
    }
    *out = prepared.release();
    return SCKIT_OK;
  } catch (...) {
    return CaughtException(err, err_len);
  }
}

uint32_t sckit_program_run(const sckit_program* program, const struct seccomp_data* data) {
  if (program == nullptr || data == nullptr) [[unlikely]] return kFailClosed;
  return RunOne(program, data);  // noexcept: the engines cannot throw
}

sckit_status sckit_program_run_batch(const sckit_program* program,
                                     const struct seccomp_data* data, size_t count,
                                     uint32_t* out) {
  if (count == 0) return SCKIT_OK;
  if (count > SIZE_MAX / sizeof(struct seccomp_data)) return SCKIT_ERR_ARGUMENT;
  if (program == nullptr || data == nullptr || out == nullptr) {
    if (out != nullptr) std::fill(out, out + count, kFailClosed);
    return SCKIT_ERR_ARGUMENT;
  }
  // RunOne's test with the program's fields in registers (the code may write memory, so the
  // compiler would reload them per record); when every record runs as given, no test at all.
  uint32_t (*const code)(const sckit::SeccompData*) = program->jit;
  const uint32_t always = program->native_always;
  const uint32_t bit = program->native_bit;
  const sckit::SeccompData* records = AsPointer(data);
  if ((always & bit) != 0) {
    size_t i = 0;
    for (; i + 4 <= count; i += 4) {  // four calls per loop branch: fewer taken branches
      out[i] = code(&records[i]);
      out[i + 1] = code(&records[i + 1]);
      out[i + 2] = code(&records[i + 2]);
      out[i + 3] = code(&records[i + 3]);
    }
    for (; i < count; ++i) out[i] = code(&records[i]);
    return SCKIT_OK;
  }
  for (size_t i = 0; i < count; ++i) {
    out[i] = ((data[i].arch | always) & bit) != 0 ? code(&records[i]) : RunSlow(program, &data[i]);
  }
  return SCKIT_OK;
}

sckit_jit_function sckit_program_jit_function(const sckit_program* program) {
  if (program == nullptr) return nullptr;
  // The code reads its argument as the 64-byte seccomp_data layout both types share
  // (static_asserts above); the cast only renames the pointer type.
  return reinterpret_cast<sckit_jit_function>(program->jit);
}

size_t sckit_program_length(const sckit_program* program) {
  return program == nullptr ? 0 : program->verified.size();
}

void sckit_program_release(sckit_program* program) { delete program; }

sckit_status sckit_stack_create(sckit_stack** out, char* err, size_t err_len) {
  ClearError(err, err_len);
  if (out == nullptr) return Fail(SCKIT_ERR_ARGUMENT, "NULL out", err, err_len);
  try {
    *out = new sckit_stack;
    return SCKIT_OK;
  } catch (...) {
    *out = nullptr;
    return CaughtException(err, err_len);
  }
}

sckit_status sckit_stack_push(sckit_stack* stack, const sckit_program* program, uint32_t flags,
                              char* err, size_t err_len) {
  ClearError(err, err_len);
  if (stack == nullptr) return Fail(SCKIT_ERR_ARGUMENT, "NULL stack", err, err_len);
  if (program == nullptr) return Fail(SCKIT_ERR_ARGUMENT, "NULL program", err, err_len);
  try {
    std::vector<sckit::StackEntry> entries = stack->entries;
    entries.push_back({program->verified.original(), flags});
    const std::vector<sckit::AttachOutcome> outcomes = sckit::CheckStack(entries);
    const sckit::AttachOutcome& last = outcomes.back();
    if (!last.attached) {
      const sckit::Error& e = *last.error;
      return Fail(e.kernel_errno == ENOMEM ? SCKIT_ERR_LIMIT : SCKIT_ERR_REJECTED, e.ToString(),
                  err, err_len);
    }
    sckit::Result<std::unique_ptr<sckit::FilterEngine>> run =
        sckit::eval::MakeEngine(program->verified, KindOf(program->engine));
    if (!run.ok()) return Fail(SCKIT_ERR_JIT, run.error().ToString(), err, err_len);
    stack->stack.Push(program->verified, std::move(*run), flags);
    stack->entries = std::move(entries);
    return SCKIT_OK;
  } catch (...) {
    return CaughtException(err, err_len);
  }
}

uint32_t sckit_stack_run(const sckit_stack* stack, const struct seccomp_data* data,
                         int* matched) {
  if (matched != nullptr) *matched = -1;
  if (stack == nullptr || data == nullptr) return kFailClosed;
  try {
    // seccomp_run_filters() has no per-call allocation either: a small fixed buffer covers
    // realistic stacks; larger ones fall back to the heap (the kernel's limit allows ~6500).
    uint32_t local[64];
    std::vector<uint32_t> heap;
    std::span<uint32_t> rets(local, stack->stack.size());
    if (stack->stack.size() > std::size(local)) {
      heap.resize(stack->stack.size());
      rets = heap;
    }
    const sckit::StackDecision d = stack->stack.Evaluate(AsData(data), rets);
    if (matched != nullptr) *matched = d.matched;
    return d.ret;
  } catch (...) {
    if (matched != nullptr) *matched = -1;
    return kFailClosed;
  }
}

size_t sckit_stack_size(const sckit_stack* stack) {
  return stack == nullptr ? 0 : stack->stack.size();
}

void sckit_stack_release(sckit_stack* stack) { delete stack; }

}  // extern "C"
