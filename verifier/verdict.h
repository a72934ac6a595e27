// What `sckit verify` says about each filter it is given: judged one by one (the flag checks of
// seccomp_set_mode_filter(), then the program), or installed in order on one thread with the
// chain limits (verifier/stack_check.h). Optionally every problem of a rejected program, not
// only the first the kernel reports.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "verifier/stack_check.h"
#include "vm/status.h"

namespace sckit {

struct FilterVerdict {
  bool accepted = false;
  std::vector<Error> errors;   // empty when accepted; errors[0] is what the kernel returns
  size_t insns = 0;            // the program's length as given
  bool in_stack = false;       // judged as part of a stack: the two lengths below are set
  uint32_t converted_len = 0;  // the filter's eBPF length
  uint32_t path_len = 0;       // the chain total seccomp_attach_filter() compared
};

// One verdict per entry, in order. `as_stack`: CheckStack's outcomes; otherwise each entry alone.
// `all`: a rejected program lists every problem VerifyAll finds (when the rejection is about
// the program; flag and chain errors stay single).
std::vector<FilterVerdict> JudgeFilters(const std::vector<StackEntry>& entries, bool as_stack,
                                        bool all);

}  // namespace sckit
