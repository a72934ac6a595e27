// `sckit jit --dump`: hex dump and capstone disassembly with BPF pcs marked (jit/listing.h).
#include "jit/listing.h"

#include <capstone/capstone.h>

#include <algorithm>
#include <cstdio>

#include "vm/opcodes.h"
#include "vm/text.h"

namespace sckit::jit {
namespace {

}  // namespace

std::string HexDump(std::span<const uint8_t> code) {
  std::string out;
  char buf[24];
  for (size_t i = 0; i < code.size(); ++i) {
    if (i % 16 == 0) {
      if (i != 0) out += '\n';
      std::snprintf(buf, sizeof buf, "%04zx ", i);
      out += buf;
    }
    std::snprintf(buf, sizeof buf, " %02x", code[i]);
    out += buf;
  }
  if (!code.empty()) out += '\n';
  return out;
}

std::string FormatBpf(const SockFilter& f, size_t pc) {
  const OpcodeInfo* info = LookupOpcode(f.code);
  if (info == nullptr) return ".code " + Hex(f.code);
  const std::string m(info->mnemonic);
  const size_t next = pc + 1;
  switch (info->operand) {
    case Operand::kNone: return m == "ret" ? "ret a" : m;
    case Operand::kImm: return m + " #" + Hex(f.k);
    case Operand::kX: return m + " x";
    case Operand::kAbs: return m + " [" + std::to_string(f.k) + "]";
    case Operand::kInd: return m + " [x + " + std::to_string(f.k) + "]";
    case Operand::kMem: return m + " M[" + std::to_string(f.k) + "]";
    case Operand::kLen: return m + " len";
    case Operand::kMsh: return m + " 4*([" + std::to_string(f.k) + "]&0xf)";
    case Operand::kJumpAlways: return m + " " + std::to_string(next + f.k);
    case Operand::kJumpK:
      return m + " #" + Hex(f.k) + ", " + std::to_string(next + f.jt) + ", " +
             std::to_string(next + f.jf);
    case Operand::kJumpX:
      return m + " x, " + std::to_string(next + f.jt) + ", " + std::to_string(next + f.jf);
  }
  return m;
}

Result<std::string> Disassemble(std::span<const uint8_t> code,
                                std::span<const uint32_t> pc_offsets,
                                std::span<const SockFilter> program, uint32_t body_offset,
                                uint32_t epilogue_offset, uint32_t data_offset) {
  if (data_offset > code.size() || (code.size() - data_offset) % 4 != 0) {
    return MakeError("disasm-failed", "jump-table offset " + std::to_string(data_offset) +
                                          " does not fit " + std::to_string(code.size()) +
                                          " bytes of code");
  }
  const std::span<const uint8_t> data = code.subspan(data_offset);
  code = code.first(data_offset);
  csh handle;
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) {
    return MakeError("disasm-failed", "capstone: cannot open an x86-64 disassembler");
  }
  cs_insn* insns = nullptr;
  const size_t count = cs_disasm(handle, code.data(), code.size(), 0, 0, &insns);
  std::string out;
  size_t next_pc = 0;
  size_t decoded = 0;
  bool in_tail = false;
  char buf[64];
  if (body_offset > 0) out += "; prologue\n";
  for (size_t i = 0; i < count; ++i) {
    const cs_insn& in = insns[i];
    while (next_pc < pc_offsets.size() && pc_offsets[next_pc] <= in.address) {
      const SockFilter f = next_pc < program.size() ? program[next_pc] : SockFilter{};
      std::snprintf(buf, sizeof buf, "{ 0x%02x, %u, %u, 0x%08x }", f.code, f.jt, f.jf, f.k);
      out += "; pc " + std::to_string(next_pc) + ": " + FormatBpf(f, next_pc) + "    " + buf +
             "\n";
      ++next_pc;
    }
    if (!in_tail && next_pc == pc_offsets.size() && in.address >= epilogue_offset) {
      out += "; epilogue\n";
      in_tail = true;
    }
    std::snprintf(buf, sizeof buf, "  %04x: ", static_cast<unsigned>(in.address));
    out += buf;
    std::string hex;
    for (size_t b = 0; b < in.size; ++b) {
      std::snprintf(buf, sizeof buf, "%02x ", in.bytes[b]);
      hex += buf;
    }
    hex.resize(std::max<size_t>(hex.size(), 24), ' ');
    out += hex + in.mnemonic + (in.op_str[0] ? std::string(" ") + in.op_str : "") + "\n";
    decoded += in.size;
  }
  if (count > 0) cs_free(insns, count);
  cs_close(&handle);
  if (decoded != code.size()) {
    return MakeError("disasm-failed", "capstone stopped at offset " + std::to_string(decoded) +
                                          " of " + std::to_string(code.size()));
  }
  if (!data.empty()) {
    out += "; tables (jump offsets from each table's start, return values, one-byte slots), as "
           "32-bit words\n";
  }
  for (size_t i = 0; i < data.size(); i += 4) {
    const uint32_t v = static_cast<uint32_t>(data[i]) | static_cast<uint32_t>(data[i + 1]) << 8 |
                       static_cast<uint32_t>(data[i + 2]) << 16 |
                       static_cast<uint32_t>(data[i + 3]) << 24;
    std::snprintf(buf, sizeof buf, "  %04x: %02x %02x %02x %02x             dd %d\n",
                  static_cast<unsigned>(data_offset + i), data[i], data[i + 1], data[i + 2],
                  data[i + 3], static_cast<int32_t>(v));
    out += buf;
  }
  return out;
}

}  // namespace sckit::jit
