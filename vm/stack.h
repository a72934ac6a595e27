// A thread's filter chain as seccomp_run_filters() (kernel/seccomp.c) walks it: filters in
// install order (index 0 = oldest), each with the SECCOMP_FILTER_FLAG_* it was installed with.
// Every filter runs, newest first, with no short-circuit; the winner is chosen by ResolveStack()
// (vm/action.h), the kernel's signed comparison of the ACTION_FULL bits, ties to the newest.
//
// Engines: a filter runs through a FilterEngine (vm/engine.h): the interpreter
// (InterpretedFilter, below), or a compiled filter through EngineAdapter<T> (the JIT's
// CompiledFilter; eval/stack_builder.h builds either). Evaluate() allocates nothing: the caller owns the per-filter result buffer.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "vm/program.h"
#include "vm/action.h"
#include "vm/engine.h"
#include "vm/interpreter.h"
#include "vm/prepared_filter.h"
#include "vm/seccomp_data.h"

namespace sckit {

// The interpreter in its prepared form (vm/prepared_filter.h), lowered from the verified program.
class InterpretedFilter final : public FilterEngine {
 public:
  explicit InterpretedFilter(const VerifiedProgram& program) : prepared_(program) {}
  uint32_t Run(const SeccompData& data) const noexcept override { return prepared_.Run(data); }

 private:
  PreparedFilter prepared_;
};

struct StackFilter {
  VerifiedProgram program;  // for traced runs and listings; the engine runs its own copy
  uint32_t flags = 0;       // SECCOMP_FILTER_FLAG_* (LOG and NEW_LISTENER matter here)
  std::string name;         // e.g. the file it came from, for reports
  std::unique_ptr<FilterEngine> engine;

  bool log() const { return (flags & seccomp::kFlagLog) != 0; }
  bool new_listener() const { return (flags & seccomp::kFlagNewListener) != 0; }
};

// One filter's part of a traced evaluation.
struct FilterTrace {
  int filter = 0;  // index, 0 = oldest
  uint32_t ret = 0;
  RunTrace run;
};

class FilterStack {
 public:
  // Installs a filter on top (it becomes the newest) run by the interpreter.
  void Push(VerifiedProgram program, uint32_t flags = 0, std::string name = {});
  // Installs a filter run by `engine`, which must compute the same function as `program`.
  void Push(VerifiedProgram program, std::unique_ptr<FilterEngine> engine, uint32_t flags = 0,
            std::string name = {});

  size_t size() const { return filters_.size(); }
  bool empty() const { return filters_.empty(); }
  const StackFilter& filter(size_t i) const { return filters_[i]; }

  // Runs every filter, newest first, writing filter i's value to rets[i] (rets.size() must be
  // size()), and picks the winner. `data` is the record's values; the engines run on its
  // image in the record's arch's word order (vm/record_layout.h), made here once. With no filters: ALLOW, no match (callers that model filter
  // mode reject an empty stack, see outcome.h).
  StackDecision Evaluate(const SeccompData& data, std::span<uint32_t> rets) const noexcept;

  // The same with the interpreter's instrumented run; traces are newest first. Allocates.
  StackDecision EvaluateTraced(const SeccompData& data, std::span<uint32_t> rets,
                               std::vector<FilterTrace>* traces) const;

 private:
  StackDecision EvaluateImage(const SeccompData& image, std::span<uint32_t> rets) const noexcept;

  std::vector<StackFilter> filters_;
};

}  // namespace sckit
