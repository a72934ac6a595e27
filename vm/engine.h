// The one engine interface: anything that computes a verified filter's 32-bit value for a
// seccomp_data record (the prepared interpreter, the JIT's machine code) is a FilterEngine.
// Stacks (vm/stack.h) run their filters through it, and analyses that need runs (analysis/)
// take engines through it, so nothing below eval/ has to name a particular engine.
//
// Edge coverage, for engines that can count it: an array of CoverageSize(program) byte
// counters, laid out per BPF instruction,
//   counters[3 * pc + 0]  instruction pc ran              (CoverageKind::kInsn)
//   counters[3 * pc + 1]  its conditional jump was taken  (kTaken: went to pc + 1 + jt)
//   counters[3 * pc + 2]  ... was not taken               (kNotTaken: went to pc + 1 + jf)
// Direction slots exist only for conditional jumps with jt != jf; the others stay 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include "vm/program.h"
#include "vm/seccomp_data.h"
#include "vm/status.h"

namespace sckit {

class FilterEngine {
 public:
  virtual ~FilterEngine() = default;
  // The raw 32-bit value the filter returns for `data`.
  virtual uint32_t Run(const SeccompData& data) const noexcept = 0;
};

// Any engine type with `uint32_t Run(const SeccompData&) const noexcept`.
template <typename Compiled>
class EngineAdapter final : public FilterEngine {
 public:
  explicit EngineAdapter(Compiled compiled) : compiled_(std::move(compiled)) {}
  uint32_t Run(const SeccompData& data) const noexcept override { return compiled_.Run(data); }
  const Compiled& compiled() const { return compiled_; }

 private:
  Compiled compiled_;
};

enum class CoverageKind : uint8_t { kInsn = 0, kTaken = 1, kNotTaken = 2 };
inline constexpr size_t kCoverageSlotsPerInsn = 3;
constexpr size_t CoverageSlot(uint32_t pc, CoverageKind kind) {
  return kCoverageSlotsPerInsn * pc + static_cast<size_t>(kind);
}
inline size_t CoverageSize(const VerifiedProgram& program) {
  return kCoverageSlotsPerInsn * program.size();
}

// Makes engines that add 1 to counters[slot] for every slot they execute among those `mask`
// selects (mask: CoverageSize(program) bytes, nonzero = count it). `counters` must outlive the
// engine. An empty factory means no engine can count coverage here.
struct CoverageEngineFactory {
  std::string name;  // e.g. "jit"
  std::function<Result<std::unique_ptr<FilterEngine>>(
      const VerifiedProgram& program, uint8_t* counters, std::span<const uint8_t> mask)>
      make;
  explicit operator bool() const { return static_cast<bool>(make); }
};

}  // namespace sckit
