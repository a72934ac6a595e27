// libFuzzer target: flattening a stack into one filter (optimize/flatten.h, the first step of
// `sckit optimize --merge`). Up to four structured programs the verifier accepts form a stack;
// when FlattenStack accepts it, the one program, installed alone, must give on every record
// exactly the value the kernel's stack rule gives for the stack (seccomp_run_filters: newest
// first, starting from ALLOW, a value replaces the best only when its action is strictly more
// restrictive); when it refuses, the reason must be one of the documented ones (rule "merge").
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_input.h"
#include "optimize/flatten.h"
#include "verifier/verifier.h"
#include "vm/action.h"
#include "vm/interpreter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sckit;  // NOLINT
  fuzz::ByteReader in(data, size);
  const size_t n = 1 + in.U8() % 4;
  std::vector<VerifiedProgram> programs;
  std::vector<uint32_t> pool;
  for (size_t i = 0; i < n; ++i) {
    const Program p = fuzz::StructuredProgram(in, 32);
    Result<VerifiedProgram> v = Verify(p);
    if (!v.ok()) continue;
    const std::vector<uint32_t> more = fuzz::ConstantPool(p);
    pool.insert(pool.end(), more.begin(), more.end());
    programs.push_back(std::move(*v));
  }
  if (programs.empty()) return 0;
  std::vector<const VerifiedProgram*> stack;
  for (const VerifiedProgram& v : programs) stack.push_back(&v);
  Result<VerifiedProgram> flat = optimize::FlattenStack(stack, nullptr);
  if (!flat.ok()) {
    fuzz::Check(flat.error().rule == "merge", "a refusal says why (rule \"merge\")");
    return 0;
  }
  for (const SeccompData& d : fuzz::Records(in, pool, 1 + in.U8() % 32)) {
    uint32_t want = seccomp::kRetAllow;
    for (size_t i = stack.size(); i-- > 0;) {
      const uint32_t r = RunFilter(*stack[i], d);
      if (TakesPrecedence(r, want)) want = r;
    }
    // The one filter, as the kernel runs a one-filter stack (ALLOW's data is dropped there).
    const uint32_t one = RunFilter(*flat, d);
    const uint32_t got = TakesPrecedence(one, seccomp::kRetAllow) ? one : seccomp::kRetAllow;
    if (got != want) {
      std::fprintf(stderr, "flattened 0x%08x, stack 0x%08x (nr %d arch 0x%x, %zu filters)\n", got,
                   want, d.nr, d.arch, stack.size());
      for (size_t i = 0; i < stack.size(); ++i) {
        std::fprintf(stderr, "filter %zu (returns 0x%08x):\n", i, RunFilter(*stack[i], d));
        for (const SockFilter& f : stack[i]->original().insns) {
          std::fprintf(stderr, "  %04x %3u %3u %08x\n", f.code, f.jt, f.jf, f.k);
        }
      }
    }
    fuzz::Check(got == want, "the flattened filter returns what the stack does");
  }
  return 0;
}
