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

// What Graphviz's layered layout (`dot`) has to place for ToDot's graph: the blocks, plus one
// virtual node per rank that an edge crosses (ranks are longest-path depths; jumps only go
// forward). dot's time grows much faster than linearly in these: a filter whose many jumps
// meet in a few shared return blocks has hundreds of thousands of virtual nodes (the Docker
// profile's filter: 987 blocks, 215,000 virtual nodes, minutes in dot), and a chain of 2,000
// blocks takes dot about 10 s without any.
struct LayoutSize {
  size_t blocks = 0;
  size_t virtual_nodes = 0;
  size_t nodes() const { return blocks + virtual_nodes; }
};
LayoutSize DotLayoutSize(const Program& program);

// The sizes `sckit cfg --format svg` lays out (measured: a few seconds at the limits): larger
// graphs are refused with a pointer to --format dot. Above kSvgFastLayoutAbove nodes it asks
// dot for a cheaper layout (fewer network-simplex and crossing-minimisation passes, straight
// edges).
inline constexpr size_t kSvgMaxBlocks = 1500;
inline constexpr size_t kSvgMaxLayoutNodes = 5000;
inline constexpr size_t kSvgFastLayoutAbove = 500;

// `coverage` may be null; `title` labels the graph.
std::string ToDot(const Program& program, const std::string& title,
                  const FilterCoverage* coverage = nullptr);

}  // namespace sckit::analysis
