// The control-flow graph of a filter as Graphviz dot: basic blocks with their instructions
// (disassembled with the syscall names the disassembler finds), true/false edges, return
// nodes coloured by action, and optionally coverage counts on every block and edge; and the
// graph as SVG through Graphviz.
#pragma once

#include <string>
#include <vector>

#include "analysis/coverage.h"
#include "vm/program.h"
#include "vm/status.h"

namespace sckit::analysis {

struct BasicBlock {
  size_t first = 0;  // pcs [first, last]
  size_t last = 0;
};

// Leaders: pc 0, every jump target, every instruction after a jump or a return. Valid only for
// programs whose jumps stay inside (verified ones).
std::vector<BasicBlock> BasicBlocks(const Program& program);

// `coverage` may be null; `title` labels the graph.
std::string ToDot(const Program& program, const std::string& title,
                  const FilterCoverage* coverage = nullptr);

// `dot` laid out as SVG by Graphviz's `dot` program (run through a temporary file in /tmp).
// Errors: "io-error" (the temporary file), "graphviz-failed" (`dot` missing or failing).
Result<std::string> DotToSvg(const std::string& dot);

}  // namespace sckit::analysis
