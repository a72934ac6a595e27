// How evaluations read: the text and JSON Lines of `sckit eval` (one record, its outcome, the
// per-filter values, the kernel's effect, an optional instruction trace), the live kernel's
// observation, and JUnit XML for `sckit test`. Pure rendering: nothing here runs a filter.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "live/kernel_engine.h"
#include "vm/outcome.h"
#include "vm/seccomp_data.h"
#include "vm/stack.h"

namespace sckit::eval {

// The JSON object of one evaluation, without its closing brace (a trace or the other engines
// may follow): the record's members (formats/record_text.h RecordJsonMembers), "engine", then
// the outcome's. `filters_ran`: whether rets holds each filter's value (not in strict mode or
// passthrough).
std::string OutcomeJsonOpen(const SeccompData& record, bool full, std::string_view engine,
                            const Outcome& o, const FilterStack& stack,
                            std::span<const uint32_t> rets, bool filters_ran);

// `"outcome": ..., "errno_name": ..., "ret": ..., "action": ...` of one outcome: the members
// every engine's answer has (the kernel engine's ret and action are null: it observes effects,
// not the filters' raw values). Errno names in the numbering of the record's `audit_arch`.
std::string AnswerJsonMembers(const Outcome& o, uint32_t audit_arch);

// The live kernel's answer as JSON members: `"outcome"` (null when not reproducible),
// `"errno_name"`, `"ret": null, "action": null`, `"possible"`, `"reproducible"`, `"reason"`,
// `"trail"`. Errno names in the numbering of the record's `audit_arch`.
std::string KernelJsonMembers(const live::KernelObservation& k, uint32_t audit_arch);

// Each filter's value and the instructions it executed (pc, instruction, A, X), as text lines.
void AppendTraceText(const FilterStack& stack, const std::vector<FilterTrace>& traces,
                     std::string* out);
// The same as a JSON member `, "trace": [...]`.
void AppendTraceJson(const FilterStack& stack, const std::vector<FilterTrace>& traces,
                     std::string* out);

// The live kernel's observation as text (KernelObservation::ToString) with the errno names of
// its possible outcomes on the record's `audit_arch`: "ERRNO(13) EACCES",
// "ERRNO(38) ENOSYS|USER_NOTIF".
std::string KernelText(const live::KernelObservation& k, uint32_t audit_arch);

// The live kernel's observation as a JSON object: {KernelJsonMembers}.
std::string KernelJson(const live::KernelObservation& k, uint32_t audit_arch);

struct CaseResult {
  int line = 0;
  std::string source;  // the cases file's line as written
  std::string record;  // this record (formats/record_text.h), one of the line's expansion
  std::string expected;
  std::string actual;
  bool passed = false;
};

// How many cases one engine of the session answered, and how many it could not (the kernel
// engine's records it cannot send: other arches, x86-64 335/336).
struct EngineCount {
  std::string engine;  // "interp", "jit", "kernel"
  int checked = 0;
  int unchecked = 0;
};

struct SuiteResult {
  std::string file;
  std::vector<CaseResult> cases;  // kept only when a report needs every case (JUnit)
  int passed = 0;
  int failures = 0;
  int skipped = 0;  // cases no engine of the session could answer
  std::vector<EngineCount> engines;  // per engine of the session, in its order
};

// "checked by interp 3, jit 3, kernel 1 (2 not reproducible)" over the suites; "" with one
// userspace engine.
std::string EngineSummary(const std::vector<SuiteResult>& suites);

// JUnit XML for the suites (every string escaped; any bytes give valid XML).
std::string JunitXml(const std::vector<SuiteResult>& suites);

}  // namespace sckit::eval
