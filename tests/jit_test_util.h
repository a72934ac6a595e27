// Helpers shared by the JIT tests: hex formatting and a capstone disassembler (an independent
// decoder to check the assembler's bytes against).
#pragma once

#include <capstone/capstone.h>

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

namespace sckit::jit::testing {

inline std::string Hex(std::span<const uint8_t> bytes) {
  std::string out;
  char buf[4];
  for (uint8_t b : bytes) {
    std::snprintf(buf, sizeof buf, "%02X", b);
    out += buf;
  }
  return out;
}

struct Decoded {
  std::string text;  // "mnemonic op_str", one instruction per entry
  uint64_t address;
  size_t size;
};

// Decodes all of `code`; `complete` is false when capstone stopped early.
inline std::vector<Decoded> Capstone(std::span<const uint8_t> code, bool* complete = nullptr) {
  std::vector<Decoded> out;
  csh handle;
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) {
    if (complete) *complete = false;
    return out;
  }
  cs_insn* insns = nullptr;
  const size_t count = cs_disasm(handle, code.data(), code.size(), 0, 0, &insns);
  size_t decoded = 0;
  for (size_t i = 0; i < count; ++i) {
    std::string text = insns[i].mnemonic;
    if (insns[i].op_str[0]) text += std::string(" ") + insns[i].op_str;
    out.push_back({text, insns[i].address, insns[i].size});
    decoded += insns[i].size;
  }
  if (count) cs_free(insns, count);
  cs_close(&handle);
  if (complete) *complete = decoded == code.size();
  return out;
}

// All instructions as "a; b; c".
inline std::string CapstoneText(std::span<const uint8_t> code) {
  bool complete = false;
  std::string out;
  for (const Decoded& d : Capstone(code, &complete)) {
    if (!out.empty()) out += "; ";
    out += d.text;
  }
  if (!complete) out += " <undecodable tail>";
  return out;
}

}  // namespace sckit::jit::testing
