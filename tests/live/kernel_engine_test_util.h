// Helpers shared by the kernel engine's tests (tests/live/kernel_engine_test.cc,
// kernel_config_test.cc): starting an engine or skipping where it cannot run, small nr-table
// filters, records, and the interpreter's model of the same stack in the same configuration.
#pragma once

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "live/kernel_engine.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/outcome.h"
#include "vm/program.h"
#include "vm/stack.h"

namespace sckit::live::testing_util {

using namespace bpf;  // NOLINT: kRET, kK, kJEQ ... as in the kernel's macros

inline constexpr uint32_t kX86_64 = 0xC000003Eu;
inline constexpr uint32_t kI386 = 0x40000003u;

// The kernel's possible verdicts as text, to compare with the expected spellings.
inline std::vector<std::string> Texts(const std::vector<Verdict>& verdicts) {
  std::vector<std::string> out;
  for (const Verdict& v : verdicts) out.push_back(v.Text());
  return out;
}

// seccomp/ptrace missing, or not privileged enough: the only reasons to skip.
inline bool Unavailable(const Error& e) {
  return e.rule == "suspend-seccomp-refused" || e.kernel_errno == EPERM || e.kernel_errno == ENOSYS;
}

#define START_ENGINE_OR_SKIP(var, stack, ...)                                           \
  Result<KernelEngine> var##_result = KernelEngine::Start(stack, ##__VA_ARGS__);        \
  if (!var##_result.ok() && Unavailable(var##_result.error())) {                        \
    GTEST_SKIP() << "kernel engine unavailable here (needs root, ptrace and seccomp): " \
                 << var##_result.error().ToString();                                    \
  }                                                                                     \
  ASSERT_TRUE(var##_result.ok()) << var##_result.error().ToString();                    \
  KernelEngine& var = *var##_result

inline SockFilter Ret(uint32_t v) { return Stmt(kRET | kK, v); }

inline KernelEngineOptions Asked(bool tracer, bool listener = false) {
  KernelEngineOptions o;
  o.context.tracer = tracer;
  o.context.listener = listener;
  return o;
}

// ld nr; for each (nr, ret): jeq nr ? ret : next; ret otherwise.
inline Program NrTable(const std::vector<std::pair<int32_t, uint32_t>>& table, uint32_t otherwise) {
  Program p;
  p.insns.push_back(Stmt(kLD | kW | kABS, 0));
  for (const auto& [nr, ret] : table) {
    p.insns.push_back(Jump(kJMP | kJEQ | kK, static_cast<uint32_t>(nr), 0, 1));
    p.insns.push_back(Ret(ret));
  }
  p.insns.push_back(Ret(otherwise));
  return p;
}

inline SeccompData Record(int32_t nr, std::vector<uint64_t> args = {}, uint64_t ip = 0x7000123456) {
  SeccompData d;
  d.nr = nr;
  d.arch = kX86_64;
  d.instruction_pointer = ip;
  for (size_t i = 0; i < args.size() && i < 6; ++i) d.args[i] = args[i];
  return d;
}

// The interpreter's model of the same stack, in the configuration the engine is asked to answer
// for (by default: no tracer, and only a filter installed with NEW_LISTENER has a listener).
struct Model {
  FilterStack stack;
  std::vector<uint32_t> rets;
  KernelContext ctx;

  explicit Model(const std::vector<StackEntry>& entries, KernelContext context = {})
      : ctx(context) {
    for (const StackEntry& e : entries) stack.Push(*Verify(e.program), e.flags);
    rets.assign(entries.size(), 0);
  }
  Outcome Decide(const SeccompData& d) { return sckit::Decide(stack, d, ctx, rets); }
};

}  // namespace sckit::live::testing_util
