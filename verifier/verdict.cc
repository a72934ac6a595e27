// JudgeFilters: CheckStack or Verify/VerifyAll per entry.
#include "verifier/verdict.h"

#include <utility>

#include "verifier/verifier.h"

namespace sckit {
namespace {

std::vector<FilterVerdict> JudgeAsStack(const std::vector<StackEntry>& entries, bool all) {
  std::vector<FilterVerdict> out;
  const std::vector<AttachOutcome> outcomes = CheckStack(entries);
  for (size_t i = 0; i < entries.size(); ++i) {
    FilterVerdict v{outcomes[i].attached, {}, entries[i].program.size(), true,
              outcomes[i].converted_len, outcomes[i].path_len};
    if (!v.accepted) {
      if (all && outcomes[i].error->pc >= 0) {
        v.errors = VerifyAll(entries[i].program);
      } else {
        v.errors.push_back(*outcomes[i].error);
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

FilterVerdict JudgeAlone(const StackEntry& entry, bool all) {
  FilterVerdict v;
  v.insns = entry.program.size();
  if (std::optional<Error> e = CheckFilterFlags(entry.flags)) {
    v.errors.push_back(*e);
  } else if (all) {
    v.errors = VerifyAll(entry.program);
    v.accepted = v.errors.empty();
  } else {
    Result<VerifiedProgram> verified = Verify(entry.program);
    v.accepted = verified.ok();
    if (!verified.ok()) v.errors.push_back(verified.error());
  }
  return v;
}

}  // namespace

std::vector<FilterVerdict> JudgeFilters(const std::vector<StackEntry>& entries, bool as_stack,
                                  bool all) {
  if (as_stack) return JudgeAsStack(entries, all);
  std::vector<FilterVerdict> out;
  for (const StackEntry& e : entries) out.push_back(JudgeAlone(e, all));
  return out;
}

}  // namespace sckit
