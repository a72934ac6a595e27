// Records and cases through a Session: `sckit eval` evaluates records and reports what the
// kernel does with each; `sckit test` runs `RECORD => EXPECTED` lines (formats/records.h) and
// says which cases pass. With the live kernel (--engine kernel/all) each record is also made
// as a real system call, and --engine all compares the engines with each other.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "eval/report.h"
#include "eval/session.h"
#include "formats/record_dispatch.h"
#include "vm/seccomp_data.h"
#include "vm/status.h"

namespace sckit::eval {

struct EvalOptions {
  bool json = false;   // JSON Lines instead of text
  bool trace = false;  // with the interpreter's steps (not with the live kernel)
  bool full = false;   // records with ip and every argument, zeros too (formats/record_text.h)
};

// Reused across records so that evaluating millions of them allocates nothing per record.
struct Scratch {
  std::vector<uint32_t> rets;
  std::vector<FilterTrace> traces;
  std::string out;
};

// Evaluates one record; its report (text or one JSON line, ending in '\n') is left in
// scratch->out. Returns whether the engines agreed (always true with one userspace engine).
// Errors: the live kernel engine's harness failures. `dispatch`: the record line's own syscall
// user dispatch configuration (LineDispatchConfig), used instead of the session's and printed
// after the record (`dispatch=on region=... selector=...`; JSON: "dispatch_config": {...}).
Result<bool> EvaluateRecord(Session& session, const SeccompData& data, const EvalOptions& options,
                            Scratch* scratch, const DispatchConfig* dispatch = nullptr);

// What the kernel does with one record, as the session's userspace engine decides it (interp or
// JIT; not the live kernel), under `dispatch` (a line's own configuration) when given, else the
// session's context. `rets`: scratch for the filters' values. No allocation once rets is sized.
Outcome DecideRecord(const Session& session, const SeccompData& data,
                     const DispatchConfig* dispatch, std::vector<uint32_t>* rets);

// The configuration a record line's dispatch keys give over the session's (ApplyLineDispatch),
// or nullopt for a line without them. Errors, at the line: ApplyLineDispatch's; "usage" for
// dispatch on below Linux 5.11 (--kernel-version); "dispatch-unsupported" for dispatch on with
// the live kernel engine, which cannot show it (docs/kernel-entry.md).
Result<std::optional<DispatchConfig>> LineDispatchConfig(const Session& session,
                                                         const LineDispatch& line);

struct CaseOptions {
  bool keep_cases = false;  // keep every CaseResult in the suite (for JUnit)
  bool full = false;        // records with ip and every argument (formats/record_text.h)
  // Called for each case as it is decided (skipped ones too, with `skipped` set).
  std::function<void(const CaseResult&, bool skipped)> on_case;
};

// Cases beyond this many (over one file, after patterns are expanded) are an error, not
// unbounded memory or time: far more than any policy's regression suite needs.
inline constexpr uint64_t kMaxCasesPerFile = 1u << 22;

// Runs one cases file. Errors: a bad line (with its number), too many cases, an engine failure.
Result<SuiteResult> RunCases(Session& session, std::istream& in, const std::string& path,
                             const CaseOptions& options);

// One call of a trace (strace, audit, a traced command) replayed as a case: it passes when the
// call would run (ALLOW or LOG: `sckit test --strace/--audit`).
struct CallCase {
  int line = 0;       // where the trace has it
  std::string label;  // how the trace wrote it (reports show it before the record)
  SeccompData data;
};

// The calls as cases, in order. Errors: an engine failure.
Result<SuiteResult> RunCallCases(Session& session, std::span<const CallCase> calls,
                                 const std::string& path, const CaseOptions& options);

// `RECORD => OUTCOME` lines, a cases file's body, for `records`: the outcome `stack` gives now in
// the default kernel context (no tracer, no listener), records and outcomes with names
// (formats/record_text.h, `full` as there). comments[i], when given and not empty, ends line i
// after "  # ". `sckit fuzz` writes these.
std::string CaseLines(const FilterStack& stack, std::span<const SeccompData> records,
                      std::span<const std::string> comments = {}, bool full = false);

}  // namespace sckit::eval
