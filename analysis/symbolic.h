// Filters as formulas: a verified program (or a stack of them) encoded as a Z3 bit-vector
// function of the sixteen 32-bit words of seccomp_data, with the kernel's runtime semantics
// (same rules as vm/interpreter.cc: A, X, M[] start at 0, unsigned 32-bit wrap-around, DIV by
// X == 0 returns 0, shifts by X use X & 31), the kernel's stack precedence
// (seccomp_run_filters) and what the kernel makes of the winning value (ERRNO capped at 4095,
// unknown actions kill the process, data ignored where the action ignores it).
//
// Classic BPF jumps only forward, so a program is a DAG: one pass in pc order computes, per
// instruction, the condition under which it is reached and the machine state there (merged
// with if-then-else over the incoming edges, which are mutually exclusive). The encoding is
// exact: questions about it (can this return be reached? do these two stacks ever differ?)
// are decided by the solver, with a witness record when the answer is yes.
#pragma once

#include <z3++.h>

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "vm/names.h"
#include "vm/program.h"
#include "vm/seccomp_data.h"

namespace sckit::analysis {

// The 16 input words as the filter loads them: the record's image (vm/record_layout.h), named
// nr, arch, ip.lo, ip.hi, args[i].lo/.hi as on a little-endian machine (on a big-endian arch
// word 4 + 2i is args[i]'s high half). Records in and out are values, converted here.
struct DataWords {
  explicit DataWords(z3::context& ctx);
  std::array<z3::expr, 16> w;
  z3::expr nr() const { return w[0]; }
  z3::expr arch() const { return w[1]; }
  // The concrete record a model assigns (unconstrained words are 0), as values.
  SeccompData FromModel(const z3::model& model) const;
  // Constraints fixing every word to the record's values.
  z3::expr Equals(const SeccompData& data) const;
};

struct SymbolicProgram {
  z3::expr ret;                 // the 32-bit value the program returns
  std::vector<z3::expr> reach;  // per pc: the condition under which it executes
  // Per pc, for conditional jumps with jt != jf: the conditions under which the true and the
  // false edge are taken (false literals elsewhere).
  std::vector<z3::expr> taken;
  std::vector<z3::expr> not_taken;
};

SymbolicProgram Encode(z3::context& ctx, const VerifiedProgram& program, const DataWords& words);

// seccomp_run_filters(): rets[i] of filter i (0 = oldest); the winning raw value.
z3::expr StackRet(z3::context& ctx, const std::vector<z3::expr>& rets);

// What the kernel does with a winning raw value, as one 32-bit value: the action bits plus the
// data that matters (TRAP and TRACE data, ERRNO data capped at 4095); unknown actions become
// KILL_PROCESS; ALLOW, LOG, USER_NOTIF and the kills carry no data.
z3::expr Canonical(z3::context& ctx, const z3::expr& ret);
uint32_t CanonicalValue(uint32_t ret);  // the same on a concrete value

// "ALLOW", "ERRNO(1)", "KILL_PROCESS", ... of a canonical value (JSON's bare form).
std::string CanonicalText(uint32_t canonical);
// The same with the errno's name where it has one in `names` ("ERRNO(1) EPERM"), as text output
// shows them: the numbering of the arch the outcome belongs to (NumberingOf(audit_arch),
// vm/names.h); Numbering::kGeneric where no arch is known.
std::string CanonicalText(uint32_t canonical, Numbering names);

// The value of a 32-bit expression in a model.
uint32_t EvalU32(const z3::model& model, const z3::expr& e);

}  // namespace sckit::analysis
