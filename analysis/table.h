// What a filter stack does over the whole syscall space of an architecture: per syscall number,
// the outcome when it depends on nothing but (arch, nr), or else every possible outcome and the
// seccomp_data fields that decide between them; the same for numbers outside the table and for
// architectures the stack does not expect; which calls the kernel's constant-action cache lets
// through without running any filter; and findings worth a warning.
//
// Exact: a syscall whose concrete run reads only nr and arch has one outcome (any other input
// takes the same path); otherwise the outcomes are enumerated by the solver
// (analysis/symbolic.h), each with a witness replayed in the interpreter.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/cache.h"
#include "vm/program.h"
#include "vm/arch.h"
#include "vm/dispatch.h"
#include "vm/seccomp_data.h"

namespace sckit::analysis {

struct OutcomeCase {
  uint32_t outcome = 0;  // canonical value (CanonicalValue)
  SeccompData witness;   // a record that gets it
};

struct SyscallRow {
  int32_t nr = 0;
  std::string name;  // "" when the number has no name on this arch
  std::vector<OutcomeCase> outcomes;  // one when constant
  uint16_t deciding_words = 0;  // bit i: word at offset 4i (beyond nr/arch) decides the outcome
  bool cached = false;          // the kernel's cache allows it without running filters
  bool exact = true;            // false when the solver gave up
  // With syscall user dispatch (AnalyzeOptions::dispatch): when it stops these calls before the
  // filters ("ip not in [0x1000, 0x2000)", "always"; analysis/dispatch_stage.h), "" when none
  // of the outcomes is the stage's.
  std::string dispatch_stop;
  bool constant() const { return outcomes.size() == 1; }
};

struct ArchTable {
  const ArchInfo* arch = nullptr;
  std::vector<SyscallRow> rows;     // every named syscall of the arch, by number
  std::vector<SyscallRow> special;  // -1, the first unnamed numbers, x32 bit, huge values
};

struct Finding {
  std::string rule;  // "no-arch-check", "x32-reachable", "default-allow", "allowed-twin",
                     // "other-arch-allowed",
                     // "unreachable-instruction", "unreachable-return", "foreign-arch-allowed"
  std::string message;
  int filter = -1;  // index (0 = oldest) when about one filter
  int pc = -1;
  bool has_witness = false;
  SeccompData witness;
};

struct Analysis {
  std::vector<ArchTable> tables;
  SyscallRow foreign_arch;  // arch values none of the analysed arches use (nr free)
  std::vector<Finding> findings;
};

struct AnalyzeOptions {
  std::vector<const ArchInfo*> arches;  // default: x86_64
  CacheKernel cache;
  unsigned max_outcomes = 8;  // per syscall
  // Syscall user dispatch before the stack (analysis/dispatch_stage.h): calls it stops show
  // DISPATCH_SIGSYS (or KILL_PROCESS for an invalid selector) instead of the filters' outcome,
  // and a row whose answer then depends on ip is decided by ip.lo/ip.hi.
  DispatchConfig dispatch;
};

// Names of the seccomp_data words: "nr", "arch", "ip.lo", ..., "args[5].hi".
// With big_endian, the names on a big-endian arch: word 4 is "args[0].hi" there.
const char* WordName(int index, bool big_endian = false);

Analysis Analyze(const std::vector<const VerifiedProgram*>& stack, const AnalyzeOptions& options);

}  // namespace sckit::analysis
