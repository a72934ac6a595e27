// `sckit diff`'s answer grouped for reading (analysis::Diff gives the exact rows): per arch, a
// summary of how many syscalls differ per pair of outcomes, then the rows in number order,
// each a syscall or a range of numbers with names ("openat(257)..newfstatat(262)"); a row
// whose outcome depends on arguments says, per side, the condition in the rules language's
// words with constant names, from the decompiler ("ALLOW when arg2 & PROT_EXEC == 0, else
// ERRNO(1)"); arch values on which neither stack looks at anything else are folded into one
// group ("every other arch") per pair of outcomes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/diff.h"
#include "vm/dispatch.h"
#include "vm/program.h"

namespace sckit::policy {

struct ReportRow {
  uint32_t first = 0;  // syscall numbers (unsigned)
  uint32_t last = 0;
  bool every_nr = false;
  std::string label;   // "read(0)..write(1)", "mmap(9)", "335..0x3fffffff", "every nr"
  size_t syscalls = 0;  // named syscalls of the arch in the range
  bool a_depends = false;
  bool b_depends = false;
  std::string a;  // "ALLOW", or with a condition: "ALLOW when arg0 == 1, else ERRNO(1)"
  std::string b;
  analysis::Difference witness;
};

struct PairCount {
  std::string a;  // outcome text, or "depends on arguments"
  std::string b;
  size_t syscalls = 0;  // named syscalls
  size_t ranges = 0;    // rows with no named syscall (unnamed numbers)
};

struct ReportArch {
  std::string name;   // "x86_64", "every other arch", "arch 0x1..0x3"
  std::vector<std::pair<uint32_t, uint32_t>> values;  // the arch value ranges it covers
  size_t syscalls = 0;
  size_t ranges = 0;
  std::vector<PairCount> pairs;
  std::vector<ReportRow> rows;
};

struct DiffReport {
  bool equivalent = true;
  bool exact = true;
  bool truncated = false;
  std::vector<ReportArch> arches;
};

// `dispatch_a`/`dispatch_b`: the syscall user dispatch configurations the diff was made with
// (analysis::DiffOptions); a side that depends on ip through them says the stage's condition.
DiffReport Explain(const analysis::DiffResult& diff,
                   const std::vector<const VerifiedProgram*>& a,
                   const std::vector<const VerifiedProgram*>& b,
                   const DispatchConfig& dispatch_a = {}, const DispatchConfig& dispatch_b = {});

// How a stack decides one (arch, nr) whose outcome depends on ip or arguments, in the rules
// language's words: "ALLOW when arg0 == AF_UNIX, else ERRNO(1)"; or why it cannot say.
std::string DescribeSyscall(const std::vector<const VerifiedProgram*>& stack, uint32_t arch,
                            uint32_t nr);

// "openat(257)", a number alone where the arch has no name for it (hex from 0x10000), with
// "x32 " before x32 numbers on x86_64.
std::string SyscallLabel(uint32_t arch, uint32_t nr);

}  // namespace sckit::policy
