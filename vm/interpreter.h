// Runs a verified program on a seccomp_data record with the kernel's runtime semantics
// (bpf_convert_filter() + ___bpf_prog_run() in kernel/bpf/core.c, as seccomp uses them):
//   A, X and M[] start at 0; all arithmetic is unsigned 32-bit, wrapping; DIV by X == 0 makes
//   the program return 0 at once; shifts by X use X & 31; TAX is X = A, TXA is A = X; loads are
//   native-endian 32-bit words of seccomp_data; LEN was rewritten to the constant 64.
// The result is the raw 32-bit value the filter returns.
// This is the reference: one instruction at a time, written to be read next to the kernel's
// rules, and the only form that can be traced. Engines that run a filter many times use
// PreparedFilter (vm/prepared_filter.h) or the JIT, and are tested against this one.
#pragma once

#include <cstdint>
#include <vector>

#include "vm/program.h"
#include "vm/seccomp_data.h"

namespace sckit {

// No allocation, no checks the verifier already made.
uint32_t RunFilter(const VerifiedProgram& program, const SeccompData& data) noexcept;

// One executed instruction, with the registers as they were after it ran.
struct TraceStep {
  uint32_t pc;
  uint32_t a;
  uint32_t x;
};

// What an instrumented run saw.
struct RunTrace {
  std::vector<TraceStep> steps;  // executed instructions in order (pc of the final RET last)
  uint16_t words_read = 0;       // bit i: the 32-bit seccomp_data word at offset 4*i was loaded
  bool div_by_zero = false;      // the run ended in a DIV by X == 0 (returned 0)
};

uint32_t RunFilterTraced(const VerifiedProgram& program, const SeccompData& data,
                         RunTrace* trace);

}  // namespace sckit
