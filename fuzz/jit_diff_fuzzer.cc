// libFuzzer target: interpreter vs JIT on programs the verifier accepts. Every record is run by
// the interpreter (plain, prepared and traced) and by JIT code for the default and the high-register map,
// plain and with edge-coverage counters (all slots, and a mask from the input); any difference
// in the returned value, or a counter that disagrees with the interpreter's trace, aborts.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_input.h"
#include "jit/compiler.h"
#include "verifier/verifier.h"
#include "vm/interpreter.h"
#include "vm/prepared_filter.h"
#include "vm/opcodes.h"

namespace {

using namespace sckit;  // NOLINT

// The counters a traced run implies (the layout of CoverageSlot).
std::vector<uint8_t> ExpectedCounters(const VerifiedProgram& p, const RunTrace& trace) {
  std::vector<uint8_t> out(CoverageSize(p), 0);
  const auto insns = p.insns();
  for (size_t s = 0; s < trace.steps.size(); ++s) {
    const uint32_t pc = trace.steps[s].pc;
    ++out[CoverageSlot(pc, CoverageKind::kInsn)];
    const SockFilter& f = insns[pc];
    if (IsConditionalJump(f.code) && f.jt != f.jf && s + 1 < trace.steps.size()) {
      const bool taken = trace.steps[s + 1].pc == pc + 1 + f.jt;
      ++out[CoverageSlot(pc, taken ? CoverageKind::kTaken
                                        : CoverageKind::kNotTaken)];
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::ByteReader in(data, size);
  const Program program = fuzz::StructuredProgram(in, 64);
  Result<VerifiedProgram> verified = Verify(program);
  if (!verified.ok()) return 0;
  const VerifiedProgram& v = *verified;

  const size_t slots = CoverageSize(v);
  std::vector<uint8_t> all_counters(slots), masked_counters(slots), mask(slots);
  for (uint8_t& m : mask) m = in.U8() & 1;
  struct Engine {
    const char* name;
    jit::JitOptions options;
    std::vector<uint8_t>* counters;
  };
  Engine engines[] = {
      {"default map", {}, nullptr},
      {"high registers", {jit::RegisterMap::HighRegisters(), nullptr, {}}, nullptr},
      {"coverage", {jit::RegisterMap::Default(), all_counters.data(), {}}, &all_counters},
      {"masked coverage, high registers",
       {jit::RegisterMap::HighRegisters(), masked_counters.data(), mask}, &masked_counters},
  };
  std::vector<jit::CompiledFilter> compiled;
  for (const Engine& e : engines) {
    Result<jit::CompiledFilter> c = jit::Compile(v, e.options);
    if (!c.ok() && c.error().rule == "jit-unavailable") return 0;  // not x86-64
    fuzz::Check(c.ok(), "a verified program compiles");
    compiled.push_back(std::move(*c));
  }

  const PreparedFilter prepared(v);
  const std::vector<uint32_t> pool = fuzz::ConstantPool(program);
  const size_t count = 1 + in.U8() % 16;
  RunTrace trace;
  for (const SeccompData& d : fuzz::Records(in, pool, count)) {
    const uint32_t want = RunFilterTraced(v, d, &trace);
    fuzz::Check(RunFilter(v, d) == want, "traced and plain interpreter agree");
    fuzz::Check(prepared.Run(d) == want, "prepared and traced interpreter agree");
    const std::vector<uint8_t> expected = ExpectedCounters(v, trace);
    for (size_t i = 0; i < compiled.size(); ++i) {
      if (engines[i].counters) {
        std::fill(engines[i].counters->begin(), engines[i].counters->end(), 0);
      }
      const uint32_t got = compiled[i].Run(d);
      if (got != want) {
        std::fprintf(stderr, "%s: JIT returned 0x%08x, interpreter 0x%08x\n", engines[i].name,
                     got, want);
        fuzz::Check(false, "JIT and interpreter agree");
      }
      if (engines[i].counters == &all_counters) {
        fuzz::Check(all_counters == expected, "coverage counters match the trace");
      } else if (engines[i].counters == &masked_counters) {
        for (size_t s = 0; s < slots; ++s) {
          fuzz::Check(masked_counters[s] == (mask[s] ? expected[s] : 0),
                      "masked coverage counters match the trace");
        }
      }
    }
  }
  return 0;
}
