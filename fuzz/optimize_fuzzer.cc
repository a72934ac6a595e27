// libFuzzer target: the optimizer's rewrites against the interpreter. A structured program the
// verifier accepts is re-synthesized (optimize/resynth.h, with the chain limit from the input)
// and run through the generic passes (optimize/passes.h) and the layout; every result that
// lays out and verifies must return exactly what the original returns on every record, and the
// passes alone must always lay out and verify. (The solver's proof, which `sckit optimize`
// runs on every result, is too slow for a fuzzer's pace; this finds rewrite bugs cheaply.)
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_input.h"
#include "optimize/code.h"
#include "optimize/passes.h"
#include "optimize/resynth.h"
#include "verifier/verifier.h"
#include "vm/interpreter.h"

namespace {

using namespace sckit;  // NOLINT

void CheckSame(const VerifiedProgram& a, const VerifiedProgram& b,
               const std::vector<SeccompData>& records, const char* what) {
  for (const SeccompData& d : records) {
    const uint32_t want = RunFilter(a, d), got = RunFilter(b, d);
    if (want != got) {
      std::fprintf(stderr, "%s: 0x%08x instead of 0x%08x (nr %d arch 0x%x)\n", what, got, want,
                   d.nr, d.arch);
      fuzz::Check(false, "an optimized program returns what the original returns");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::ByteReader in(data, size);
  const Program program = fuzz::StructuredProgram(in, 96);
  Result<VerifiedProgram> verified = Verify(program);
  if (!verified.ok()) return 0;
  const VerifiedProgram& v = *verified;
  const std::vector<uint32_t> pool = fuzz::ConstantPool(program);
  const std::vector<SeccompData> records = fuzz::Records(in, pool, 1 + in.U8() % 32);

  Result<Program> passes = optimize::Layout(optimize::Simplify(optimize::FromProgram(program)));
  fuzz::Check(passes.ok(), "the generic passes always lay out");
  Result<VerifiedProgram> pv = Verify(*passes);
  fuzz::Check(pv.ok(), "the generic passes keep a program the kernel accepts");
  CheckSame(v, *pv, records, "passes");

  optimize::ResynthOptions options;
  options.max_chain_points = 1 + in.U8() % 8;
  Result<optimize::Code> code = optimize::Resynthesize(program, records, options);
  if (!code.ok()) return 0;
  for (const optimize::Code& c : {*code, optimize::Simplify(*code)}) {
    Result<Program> laid = optimize::Layout(c);
    if (!laid.ok()) continue;  // too large: the driver falls back
    Result<VerifiedProgram> rv = Verify(*laid);
    if (!rv.ok()) continue;  // the kernel's scratch-memory quirk: the driver falls back
    CheckSame(v, *rv, records, "re-synthesis");
  }
  return 0;
}
