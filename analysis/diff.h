// Semantic difference of two filter stacks: is there any seccomp_data on which the kernel
// would do something different with stack A than with stack B? Decided exactly over all arch
// values, all 2^32 syscall numbers, all ip and argument values.
//
// How: the (arch, nr) values are first cut into classes no filter of either stack can tell
// apart (diff_classes.h). Per class one member is run in the interpreter: when neither stack
// reads ip or an argument on it, that run is the class's answer for every record of the class;
// otherwise the solver is asked about that class alone, with arch and nr fixed to the member,
// over the symbolic encoding (symbolic.h), which then folds to the few instructions that class
// reaches. Where a filter uses arch or nr in a way no class describes, the solver takes that
// word whole, as one query (exact, but slow on large filters). Every witness is replayed in the
// interpreter on both stacks.
//
// The answer is grouped: one row per arch class and run of consecutive syscall numbers with
// the same pair of outcomes, one row per number (class) whose outcome depends on arguments,
// and one row for a class of arch values on which neither stack looks at anything else.
#pragma once

#include <cstdint>
#include <vector>

#include "vm/dispatch.h"
#include "vm/program.h"
#include "vm/seccomp_data.h"

namespace sckit::analysis {

struct Difference {
  SeccompData record;
  uint32_t a = 0;  // canonical outcome (CanonicalValue) of stack A on the record
  uint32_t b = 0;
};

// Records on which the stacks differ: arch in [arch_first, arch_last], nr in [nr_first,
// nr_last] (unsigned), any ip and arguments.
struct DiffRow {
  uint32_t arch_first = 0;
  uint32_t arch_last = 0;
  uint32_t nr_first = 0;
  uint32_t nr_last = 0;
  bool every_nr = false;   // neither stack reads nr, ip or arguments for these arch values
  bool a_depends = false;  // A's outcome depends on ip or arguments here (a: the witness's)
  bool b_depends = false;
  uint32_t a = 0;  // canonical outcomes: for every record of the row unless *_depends
  uint32_t b = 0;
  // Both sides depend on ip only through the same dispatch stage (DiffOptions::dispatch_a ==
  // dispatch_b): where it lets a call through, A gives `a` and B `b` on every record of the row.
  bool dispatch_only = false;
  Difference witness;  // a record of the row on which they differ, replayed on both
};

struct DiffResult {
  bool equivalent = true;
  bool exact = true;       // false when the solver gave up or a witness did not replay
  bool truncated = false;  // more differing rows exist than were listed
  std::vector<DiffRow> rows;  // by arch, then nr
  std::vector<Difference> differences;  // rows[i].witness
};

struct DiffOptions {
  size_t max_differences = 512;  // rows listed, each with its witness
  unsigned timeout_ms = 60000;   // per solver query
  std::vector<uint32_t> arches;  // compare only these arch values (empty: every value)
  bool whole = false;  // tests: one solver query over the whole space, no classes
  // Syscall user dispatch before each stack (analysis/dispatch_stage.h): calls it stops get
  // DISPATCH_SIGSYS (kCanonicalDispatchSigsys) or KILL_PROCESS; off by default. The two may
  // differ: the same filter under two configurations.
  DispatchConfig dispatch_a;
  DispatchConfig dispatch_b;
};

// Stacks are oldest first. Both must be non-empty.
DiffResult Diff(const std::vector<const VerifiedProgram*>& a,
                const std::vector<const VerifiedProgram*>& b, const DiffOptions& options = {});

// The canonical outcome of a stack on a concrete record, with the interpreter.
uint32_t ConcreteOutcome(const std::vector<const VerifiedProgram*>& stack, const SeccompData& d);

}  // namespace sckit::analysis
