// A filter's control-flow graph as Graphviz dot, with optional coverage counts (analysis/cfg.h).
#include "analysis/cfg.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>

#include "vm/action.h"
#include "vm/bpf.h"
#include "formats/disasm.h"
#include "vm/opcodes.h"

namespace sckit::analysis {
namespace {

using namespace bpf;  // NOLINT

bool EndsBlock(uint16_t code) { return Class(code) == kJMP || Class(code) == kRET; }

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\' || c == '{' || c == '}' || c == '<' || c == '>' || c == '|') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

const char* ActionColour(uint32_t ret) {
  switch (ActionOf(ret)) {
    case Action::kAllow: return "palegreen";
    case Action::kLog: return "darkseagreen1";
    case Action::kErrno: return "khaki";
    case Action::kTrap: return "orange";
    case Action::kTrace: return "lightblue";
    case Action::kUserNotif: return "plum";
    case Action::kKillThread: return "salmon";
    default: return "tomato";  // KILL_PROCESS and unknown actions
  }
}

// The leaders a block's last instruction leads to, one per drawn edge.
std::vector<size_t> Successors(const Program& program, const BasicBlock& b) {
  const SockFilter& f = program.insns[b.last];
  if (Class(f.code) == kRET) return {};
  if (f.code == (kJMP | kJA)) return {b.last + 1 + f.k};
  if (IsConditionalJump(f.code)) {
    if (f.jt == f.jf) return {b.last + 1 + f.jt};
    return {b.last + 1 + f.jt, b.last + 1 + f.jf};
  }
  return {b.last + 1};
}

}  // namespace

std::vector<BasicBlock> BasicBlocks(const Program& program) {
  const size_t len = program.size();
  std::set<size_t> leaders = {0};
  for (size_t pc = 0; pc < len; ++pc) {
    const SockFilter& f = program.insns[pc];
    if (f.code == (kJMP | kJA)) {
      leaders.insert(pc + 1 + f.k);
    } else if (IsConditionalJump(f.code)) {
      leaders.insert(pc + 1 + f.jt);
      leaders.insert(pc + 1 + f.jf);
    }
    if (EndsBlock(f.code)) leaders.insert(pc + 1);
  }
  std::vector<BasicBlock> blocks;
  for (auto it = leaders.begin(); it != leaders.end() && *it < len; ++it) {
    auto next = std::next(it);
    const size_t end = (next == leaders.end() || *next > len) ? len : *next;
    blocks.push_back({*it, end - 1});
  }
  return blocks;
}

LayoutSize DotLayoutSize(const Program& program) {
  const std::vector<BasicBlock> blocks = BasicBlocks(program);
  std::map<size_t, size_t> rank;  // leader pc -> longest-path depth
  for (const BasicBlock& b : blocks) rank.emplace(b.first, 0);
  LayoutSize size;
  size.blocks = blocks.size();
  // Blocks in pc order are in topological order: every successor has a larger pc.
  for (const BasicBlock& b : blocks) {
    for (size_t to : Successors(program, b)) {
      rank[to] = std::max(rank[to], rank[b.first] + 1);
    }
  }
  for (const BasicBlock& b : blocks) {
    for (size_t to : Successors(program, b)) size.virtual_nodes += rank[to] - rank[b.first] - 1;
  }
  return size;
}

std::string ToDot(const Program& program, const std::string& title,
                  const FilterCoverage* coverage) {
  const std::vector<BasicBlock> blocks = BasicBlocks(program);
  std::map<size_t, size_t> block_of;  // leader pc -> block index
  for (size_t i = 0; i < blocks.size(); ++i) block_of[blocks[i].first] = i;
  const std::vector<std::string> lines = DisassembleLines(program);
  std::string dot = "digraph filter {\n  label=\"" + Escape(title) +
                    "\";\n  labelloc=t;\n  node [shape=box, fontname=\"monospace\"];\n";
  for (size_t i = 0; i < blocks.size(); ++i) {
    const BasicBlock& b = blocks[i];
    std::string label;
    for (size_t pc = b.first; pc <= b.last; ++pc) {
      label += std::to_string(pc) + ": " + lines[pc] + "\\l";
    }
    std::string style;
    const SockFilter& last = program.insns[b.last];
    if (last.code == (kRET | kK)) {
      style = ", style=filled, fillcolor=" + std::string(ActionColour(last.k));
    }
    if (coverage != nullptr) {
      const uint64_t hits = coverage->insns[b.first].hits;
      label += "hits: " + std::to_string(hits) + "\\l";
      if (hits == 0) style += ", color=red, penwidth=2";
      if (!coverage->insns[b.first].feasible) style += ", fontcolor=gray";
    }
    dot += "  b" + std::to_string(b.first) + " [label=\"" + label + "\"" + style + "];\n";
  }
  for (const BasicBlock& b : blocks) {
    const SockFilter& f = program.insns[b.last];
    const std::string from = "  b" + std::to_string(b.first) + " -> b";
    if (Class(f.code) == kRET) continue;
    if (f.code == (kJMP | kJA)) {
      dot += from + std::to_string(b.last + 1 + f.k) + ";\n";
    } else if (IsConditionalJump(f.code)) {
      if (f.jt == f.jf) {
        dot += from + std::to_string(b.last + 1 + f.jt) + ";\n";
      } else {
        std::string t = "true", e = "false";
        if (coverage != nullptr) {
          t += " (" + std::to_string(coverage->insns[b.last].taken) + ")";
          e += " (" + std::to_string(coverage->insns[b.last].not_taken) + ")";
        }
        dot += from + std::to_string(b.last + 1 + f.jt) + " [label=\"" + t +
               "\", color=darkgreen];\n";
        dot += from + std::to_string(b.last + 1 + f.jf) + " [label=\"" + e +
               "\", color=red3, style=dashed];\n";
      }
    } else {
      dot += from + std::to_string(b.last + 1) + ";\n";
    }
  }
  dot += "}\n";
  return dot;
}

}  // namespace sckit::analysis
