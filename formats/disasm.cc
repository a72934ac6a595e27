// The disassembler's two styles, listing and canonical assembly (formats/disasm.h).
#include "formats/disasm.h"

#include <cstdio>
#include <set>
#include <vector>

#include "vm/action.h"
#include "formats/asm_expr.h"
#include "vm/bpf.h"
#include "vm/names.h"
#include "vm/opcodes.h"
#include "vm/text.h"

namespace sckit {
namespace {

enum class Style : uint8_t { kListing, kCanonical };

// What is known on entry to an instruction, over every path reaching it.
struct FlowState {
  bool reached = false;
  int a_field = -1;   // seccomp_data word offset that A holds, -1 unknown
  int64_t arch = -1;  // AUDIT_ARCH value pinned by a jeq on [arch], -1 unknown
};

void Merge(FlowState* into, const FlowState& from) {
  if (!into->reached) {
    *into = from;
    into->reached = true;
    return;
  }
  if (into->a_field != from.a_field) into->a_field = -1;
  if (into->arch != from.arch) into->arch = -1;
}

// Jumps only go forward, so one pass in pc order sees every predecessor first.
std::vector<FlowState> Analyze(const Program& program) {
  const size_t n = program.size();
  std::vector<FlowState> in(n);
  if (n == 0) return in;
  in[0].reached = true;
  for (size_t pc = 0; pc < n; ++pc) {
    if (!in[pc].reached) continue;
    const SockFilter& insn = program.insns[pc];
    FlowState out = in[pc];
    const OpcodeInfo* info = LookupOpcode(insn.code);
    const uint16_t cls = bpf::Class(insn.code);
    if (info == nullptr) {
      out.a_field = -1;
    } else if (cls == bpf::kLD) {
      out.a_field = (info->operand == Operand::kAbs && bpf::Size(insn.code) == bpf::kW &&
                     insn.k < seccomp::kDataSize && insn.k % 4 == 0)
                        ? static_cast<int>(insn.k)
                        : -1;
    } else if (cls == bpf::kALU || insn.code == (bpf::kMISC | bpf::kTXA)) {
      out.a_field = -1;
    }
    auto flow = [&](uint64_t target, const FlowState& s) {
      if (target < n) Merge(&in[target], s);
    };
    if (info == nullptr) {
      flow(pc + 1, out);
    } else if (info->operand == Operand::kJumpAlways) {
      flow(pc + 1 + uint64_t{insn.k}, out);
    } else if (info->operand == Operand::kJumpK || info->operand == Operand::kJumpX) {
      FlowState taken = out;
      if (info->operand == Operand::kJumpK && bpf::Op(insn.code) == bpf::kJEQ &&
          out.a_field == 4) {
        taken.arch = insn.k;
      }
      flow(pc + 1 + insn.jt, taken);
      flow(pc + 1 + insn.jf, out);
    } else if (cls != bpf::kRET) {
      flow(pc + 1, out);
    }
  }
  return in;
}

// Small values in decimal, large ones (addresses, masks, actions) in hex.
std::string Imm(uint32_t k) { return k < 0x10000 ? std::to_string(k) : Hex(k); }

struct Rendered {
  std::string text;
  std::string comment;
  bool exact = true;  // the text assembles back to exactly these bytes
  std::vector<uint64_t> targets;  // absolute jump targets the text names
};

std::string TargetName(uint64_t target, Style style) {
  return style == Style::kCanonical ? "L" + std::to_string(target) : std::to_string(target);
}

void AddComment(Rendered* r, const std::string& c) {
  if (c.empty()) return;
  if (!r->comment.empty()) r->comment += "; ";
  r->comment += c;
}

// One instruction as text. Long on purpose: one case per operand kind of the opcode table
// (vm/opcodes.h), each the whole spelling of that kind, read best side by side.
Rendered Render(const SockFilter& insn, size_t pc, size_t n, Style style, const FlowState& st,
                const DisasmOptions& opt) {
  Rendered r;
  const OpcodeInfo* info = LookupOpcode(insn.code);
  if (info == nullptr) {
    r.text = "unknown opcode " + Hex(insn.code, 2);
    r.exact = false;
    return r;
  }
  const std::string m(info->mnemonic);
  const bool no_jumps = insn.jt == 0 && insn.jf == 0;
  switch (info->operand) {
    case Operand::kNone:
      r.text = bpf::Class(insn.code) == bpf::kRET ? "ret a" : m;
      r.exact = no_jumps && insn.k == 0;
      break;
    case Operand::kImm:
      if (bpf::Class(insn.code) == bpf::kRET) {
        if (std::optional<std::string> name = ReturnValueName(insn.k)) {
          r.text = "ret " + *name;
          if (ActionOf(insn.k) == Action::kErrno) {
            // The errno's name on the arch the path pinned, else the one asked, else generic.
            const uint32_t audit = st.arch >= 0 ? static_cast<uint32_t>(st.arch)
                                   : opt.arch   ? opt.arch->audit_arch
                                                : kAuditArchX86_64;
            AddComment(&r, std::string(ErrnoNameOf(static_cast<int>(insn.k & 0xffff), audit)));
          }
        } else {
          r.text = "ret #" + Hex(insn.k);
          AddComment(&r, "unknown action: the kernel kills the process");
        }
      } else {
        r.text = m + " #" + Imm(insn.k);
      }
      r.exact = no_jumps;
      break;
    case Operand::kX:
      r.text = m + " x";
      r.exact = no_jumps && insn.k == 0;
      break;
    case Operand::kAbs: {
      std::optional<std::string> field;
      if (bpf::Size(insn.code) == bpf::kW) field = SeccompFieldName(insn.k, opt.big_endian);
      r.text = m + " [" + (field ? *field : Imm(insn.k)) + "]";
      r.exact = no_jumps;
      break;
    }
    case Operand::kInd:
      r.text = m + " [x + " + Imm(insn.k) + "]";
      r.exact = no_jumps;
      break;
    case Operand::kMem:
      r.text = m + " M[" + std::to_string(insn.k) + "]";
      r.exact = no_jumps;
      break;
    case Operand::kLen:
      r.text = m + " #len";
      r.exact = no_jumps && insn.k == 0;
      break;
    case Operand::kMsh:
      r.text = m + " 4*([" + Imm(insn.k) + "]&0xf)";
      r.exact = no_jumps;
      break;
    case Operand::kJumpAlways: {
      const uint64_t target = pc + 1 + uint64_t{insn.k};
      r.text = m + " " + TargetName(target, style);
      r.exact = no_jumps && target <= n;
      r.targets.push_back(target);
      if (target >= n) AddComment(&r, "target past the end");
      break;
    }
    case Operand::kJumpK:
    case Operand::kJumpX: {
      std::string operand = "x";
      if (info->operand == Operand::kJumpK) {
        operand = "#" + Imm(insn.k);
        if (st.a_field == 4 && bpf::Op(insn.code) != bpf::kJSET) {
          if (const ArchInfo* a = FindArchByAudit(insn.k)) {
            operand = "#AUDIT_ARCH_" + std::string(a->audit_name);
          }
        } else if (st.a_field == 0 && bpf::Op(insn.code) == bpf::kJEQ && opt.comments) {
          uint32_t audit = st.arch >= 0 ? static_cast<uint32_t>(st.arch)
                                        : (opt.arch ? opt.arch->audit_arch : kAuditArchX86_64);
          if (std::optional<std::string> name =
                  SyscallName(audit, static_cast<int32_t>(insn.k))) {
            AddComment(&r, *name);
          }
        }
      }
      const uint64_t t = pc + 1 + insn.jt, f = pc + 1 + insn.jf;
      r.exact = t <= n && f <= n && (info->operand == Operand::kJumpK || insn.k == 0);
      if (style == Style::kListing) {
        r.text = m + " " + operand + " jt " + std::to_string(t) + " jf " + std::to_string(f);
      } else {
        // bpf_asm's inverted spellings when only jf jumps: jne, jlt (= jge swapped),
        // jle (= jgt swapped); jset has none.
        const char* inverse = nullptr;
        if (bpf::Op(insn.code) == bpf::kJEQ) inverse = "jne";
        if (bpf::Op(insn.code) == bpf::kJGE) inverse = "jlt";
        if (bpf::Op(insn.code) == bpf::kJGT) inverse = "jle";
        if (insn.jt == 0 && insn.jf != 0 && inverse != nullptr) {
          r.text = std::string(inverse) + " " + operand + ", " + TargetName(f, style);
          r.targets.push_back(f);
        } else {
          r.text = m + " " + operand + ", " + TargetName(t, style);
          r.targets.push_back(t);
          if (insn.jf != 0) {
            r.text += ", " + TargetName(f, style);
            r.targets.push_back(f);
          }
        }
      }
      if (t >= n || f >= n) AddComment(&r, "target past the end");
      break;
    }
  }
  if (!r.exact && style == Style::kListing && info->operand != Operand::kJumpK &&
      info->operand != Operand::kJumpAlways && info->operand != Operand::kJumpX) {
    AddComment(&r, "unused fields set");
  }
  return r;
}

std::string Pad(std::string s, size_t width) {
  if (s.size() < width) s.resize(width, ' ');
  else s += ' ';
  return s;
}

}  // namespace

std::optional<std::string> SeccompFieldName(uint32_t offset, bool big_endian) {
  if (offset >= seccomp::kDataSize || offset % 4 != 0) return std::nullopt;
  if (offset == 0) return "nr";
  if (offset == 4) return "arch";
  // The second word of a 64-bit field is its high half on a little-endian machine.
  const bool second = (offset % 8) == 4;
  const char* half = second != big_endian ? ".hi" : ".lo";
  if (offset < 16) return std::string("ip") + half;
  return "args[" + std::to_string((offset - 16) / 8) + "]" + half;
}

std::optional<std::string> ReturnValueName(uint32_t value) {
  const Action action = ActionOf(value);
  if (action == Action::kUnknown) return std::nullopt;
  std::string name(ActionName(action));
  const uint32_t data = value & seccomp::kRetData;
  if (data != 0) name += "(" + std::to_string(data) + ")";
  return name;
}

std::string FormatInstruction(const SockFilter& insn, size_t pc, size_t len) {
  return Render(insn, pc, len, Style::kListing, FlowState{}, DisasmOptions{}).text;
}

std::vector<std::string> DisassembleLines(const Program& program, const DisasmOptions& options) {
  const std::vector<FlowState> flow = Analyze(program);
  std::vector<std::string> out;
  out.reserve(program.size());
  for (size_t pc = 0; pc < program.size(); ++pc) {
    Rendered r = Render(program.insns[pc], pc, program.size(), Style::kListing, flow[pc], options);
    if (options.comments && !r.comment.empty()) r.text += "  ; " + r.comment;
    out.push_back(std::move(r.text));
  }
  return out;
}

std::string DisassembleListing(const Program& program, const DisasmOptions& options) {
  const size_t n = program.size();
  const std::vector<FlowState> flow = Analyze(program);
  std::string out = "; " + std::to_string(n) + " instruction" + (n == 1 ? "" : "s") +
                    "; jump targets are absolute pcs\n";
  out += ";   pc  code  jt  jf  k\n";
  char buf[64];
  for (size_t pc = 0; pc < n; ++pc) {
    const SockFilter& insn = program.insns[pc];
    Rendered r = Render(insn, pc, n, Style::kListing, flow[pc], options);
    std::snprintf(buf, sizeof buf, "%6zu: %04x %3u %3u %08x  ", pc, insn.code, insn.jt, insn.jf,
                  insn.k);
    std::string line = buf;
    if (options.comments && !r.comment.empty()) {
      line += Pad(r.text, 28) + "; " + r.comment;
    } else {
      line += r.text;
    }
    out += line + "\n";
  }
  return out;
}

std::string DisassembleCanonical(const Program& program, const DisasmOptions& options) {
  const size_t n = program.size();
  const std::vector<FlowState> flow = Analyze(program);
  std::vector<Rendered> lines;
  lines.reserve(n);
  std::set<uint64_t> labels;
  for (size_t pc = 0; pc < n; ++pc) {
    Rendered r = Render(program.insns[pc], pc, n, Style::kCanonical, flow[pc], options);
    if (r.exact) {
      labels.insert(r.targets.begin(), r.targets.end());
    } else {
      const SockFilter& i = program.insns[pc];
      std::string what = FormatInstruction(i, pc, n);
      r.comment = what;
      r.text = ".insn " + Hex(i.code, 2) + ", " + std::to_string(i.jt) + ", " +
               std::to_string(i.jf) + ", " + Hex(i.k);
    }
    lines.push_back(std::move(r));
  }
  std::string out = "; sckit canonical assembly, " + std::to_string(n) + " instruction" +
                    (n == 1 ? "" : "s") + "; `sckit asm" +
                    (options.big_endian ? " --byte-order big" : "") +
                    "` reproduces the exact bytes\n";
  for (size_t pc = 0; pc <= n; ++pc) {
    if (labels.count(pc)) out += "L" + std::to_string(pc) + ":\n";
    if (pc == n) break;
    const Rendered& r = lines[pc];
    std::string line = "    " + r.text;
    if (options.comments && !r.comment.empty()) line = Pad(line, 40) + "; " + r.comment;
    out += line + "\n";
  }
  return out;
}

}  // namespace sckit
