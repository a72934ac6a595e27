// libFuzzer target: any bytes through the loader (auto-detected format) and, when they frame as
// raw instructions, the exact round trips through canonical assembly and C, then the verifier:
// Verify() and VerifyAll() agree on acceptance (and VerifyAll names Verify's rule), an accepted
// program keeps its original bytes, has the converted length ConvertedLength() computes, and
// runs in the interpreter. The big-endian reading too: it round-trips in its order, and
// byte-order detection with the verifier never accepts both readings of one file (every valid
// code has a zero high byte) and picks one the verifier accepts when either does.
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
  Result<Program> big = DecodeRaw(bytes, ByteOrder::kBig);
  fuzz::Check(big.ok() == raw.ok(), "framing is the same in both orders");
  if (big.ok()) {
    fuzz::Check(EncodeRaw(*big, ByteOrder::kBig) == std::vector<uint8_t>(data, data + size),
                "big-endian raw round trip");
    CheckVerifier(*big);
    const auto verifies = [](const Program& p) { return Verify(p).ok(); };
    Result<ByteOrder> order = DetectByteOrder(bytes, verifies);
    fuzz::Check(order.ok(), "no file is a valid filter in both orders");
    if (order.ok() && (verifies(*raw) || verifies(*big))) {
      fuzz::Check(verifies(*order == ByteOrder::kBig ? *big : *raw), "detection picks a valid one");
    }
  }
  Result<Program> any = ParseProgram(bytes);
  if (any.ok()) {
    if (any->insns.size() <= kRoundTripMax) fuzz::CheckRoundTrips(*any);
    CheckVerifier(*any);
  }
  return 0;
}
