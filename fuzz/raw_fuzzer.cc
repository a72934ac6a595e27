// libFuzzer target: any bytes through the loader (auto-detected format) and, when they frame as
// raw instructions, the exact round trips through canonical assembly and C, then the verifier:
// Verify() and VerifyAll() agree on acceptance (and VerifyAll names Verify's rule), an accepted
// program keeps its original bytes, has the converted length ConvertedLength() computes, and
// runs in the interpreter.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "verifier/verifier.h"
#include "formats/codec.h"
#include "vm/interpreter.h"
#include "formats/loader.h"

namespace {

using namespace sckit;  // NOLINT

constexpr size_t kRoundTripMax = 128;

void CheckVerifier(const Program& program) {
  Result<VerifiedProgram> v = Verify(program);
  const std::vector<Error> all = VerifyAll(program);
  fuzz::Check(v.ok() == all.empty(), "Verify and VerifyAll agree on acceptance");
  if (!v.ok()) {
    fuzz::Check(!v.error().rule.empty(), "verifier errors carry a rule");
    bool named = false;
    for (const Error& e : all) named |= e.rule == v.error().rule;
    fuzz::Check(named, "VerifyAll reports the rule Verify stopped at");
    return;
  }
  fuzz::Check(v->original() == program, "the verified program keeps the original bytes");
  fuzz::Check(v->size() == program.insns.size(), "the rewrites keep the length");
  fuzz::Check(ConvertedLength(program.insns) == v->converted_len(), "converted length");
  SeccompData zeros, ones;
  ones.nr = -1;
  ones.arch = 0xffffffff;
  ones.instruction_pointer = ~uint64_t{0};
  for (uint64_t& a : ones.args) a = ~uint64_t{0};
  (void)RunFilter(*v, zeros);
  (void)RunFilter(*v, ones);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  Result<Program> raw = DecodeRaw(bytes);
  if (raw.ok()) {
    // The text round trips cost ~0.2 ms per instruction under ASan; the asm and carray targets
    // cover them, so here they run only on programs of up to kRoundTripMax instructions.
    if (raw->insns.size() <= kRoundTripMax) fuzz::CheckRoundTrips(*raw);
    fuzz::Check(EncodeRaw(*raw) == std::vector<uint8_t>(data, data + size), "raw round trip");
    CheckVerifier(*raw);
  }
  Result<Program> any = ParseProgram(bytes);
  if (any.ok()) {
    if (any->insns.size() <= kRoundTripMax) fuzz::CheckRoundTrips(*any);
    CheckVerifier(*any);
  }
  return 0;
}
