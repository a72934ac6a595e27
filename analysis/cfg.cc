#include "analysis/cfg.h"

#include <unistd.h>

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

Result<std::string> DotToSvg(const std::string& dot) {
  char tmp[] = "/tmp/sckit-cfg-XXXXXX";
  const int fd = mkstemp(tmp);
  if (fd < 0) {
    return MakeError("io-error", std::string("cannot create a temporary file: ") +
                                     std::strerror(errno));
  }
  int err = 0;
  for (size_t done = 0; done < dot.size();) {
    const ssize_t n = ::write(fd, dot.data() + done, dot.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : EIO;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) {
    std::remove(tmp);
    return MakeError("io-error", std::string("cannot write ") + tmp + ": " + std::strerror(err));
  }
  FILE* p = popen(("dot -Tsvg " + std::string(tmp) + " 2>/dev/null").c_str(), "r");
  std::string svg;
  char buf[4096];
  size_t n;
  while (p != nullptr && (n = std::fread(buf, 1, sizeof buf, p)) > 0) svg.append(buf, n);
  const int rc = p ? pclose(p) : -1;
  std::remove(tmp);
  if (rc != 0 || svg.empty()) {
    return MakeError("graphviz-failed",
                     "Graphviz's `dot` is needed for SVG: apt-get install graphviz "
                     "(or use --format dot)");
  }
  return svg;
}

}  // namespace sckit::analysis
