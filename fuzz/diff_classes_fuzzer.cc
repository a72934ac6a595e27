// libFuzzer target: the classes of arch and nr values that analysis::Diff decides by one member
// (analysis/diff_classes.h). For a structured program the verifier accepts, every record must
// get exactly what it gets with its arch word (when the arch split is exact) and its nr word
// (when the nr split is exact) replaced by the first or the last value of its class; aborts
// otherwise. Cheap (no solver), so it runs at a fuzzer's pace; the solver side of Diff is
// checked by tests/analysis:diff_test against brute force.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "analysis/diff_classes.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_input.h"
#include "verifier/verifier.h"
#include "vm/interpreter.h"

namespace {

using namespace sckit;  // NOLINT

// The class of `v`: its first and last value.
std::pair<uint32_t, uint32_t> ClassOf(const analysis::WordClasses& w, uint32_t v) {
  const auto it = std::upper_bound(w.starts.begin(), w.starts.end(), v);
  const size_t i = static_cast<size_t>(it - w.starts.begin()) - 1;
  return {w.first(i), w.last(i)};
}

// The shape compilers emit, which is where the split is exact: an arch check, then tests of
// the whole nr word (jeq, jgt, jge, jset), each to a return or to an argument check.
Program CompilerShaped(fuzz::ByteReader& in) {
  using namespace bpf;  // NOLINT
  static const uint16_t kOps[] = {kJEQ, kJGT, kJGE, kJSET};
  auto ret = [&] { return Stmt(kRET | kK, in.U8() % 2 ? seccomp::kRetAllow : in.U32()); };
  auto value = [&]() -> uint32_t {
    const uint8_t how = in.U8();
    return how < 200 ? how % 40 : how < 230 ? 0x40000000u + how % 4 : in.U32();
  };
  Program p{{Stmt(kLD | kW | kABS, 4), Jump(kJMP | kJEQ | kK, value(), 1, 0), ret(),
             Stmt(kLD | kW | kABS, 0)}};
  for (int i = 1 + in.U8() % 24; i > 0; --i) {
    const uint16_t op = kOps[in.U8() % 4];
    const uint32_t k = value();
    if (in.U8() % 2) {
      p.insns.push_back(Jump(kJMP | op | kK, k, 0, 4));
      p.insns.push_back(Stmt(kLD | kW | kABS, 16 + 4 * (in.U8() % 12)));
      p.insns.push_back(Jump(kJMP | kOps[in.U8() % 4] | kK, value(), 0, 1));
      p.insns.push_back(ret());
      p.insns.push_back(ret());
      p.insns.push_back(Stmt(kLD | kW | kABS, 0));  // the false edge lands here: nr again
    } else {
      p.insns.push_back(Jump(kJMP | op | kK, k, 0, 1));
      p.insns.push_back(ret());
    }
  }
  p.insns.push_back(ret());
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::ByteReader in(data, size);
  const Program program = in.U8() % 2 ? CompilerShaped(in) : fuzz::StructuredProgram(in, 96);
  Result<VerifiedProgram> verified = Verify(program);
  if (!verified.ok()) return 0;
  const VerifiedProgram& v = *verified;
  const analysis::DataClasses classes = analysis::ClassesOf({&v});
  fuzz::Check(classes.nr.starts.front() == 0 && classes.arch.starts.front() == 0,
              "classes start at 0");
  fuzz::Check(std::is_sorted(classes.nr.starts.begin(), classes.nr.starts.end()),
              "class starts are sorted");
  const std::vector<uint32_t> pool = fuzz::ConstantPool(program);
  for (const SeccompData& d : fuzz::Records(in, pool, 1 + in.U8() % 32)) {
    const uint32_t want = RunFilter(v, d);
    const auto [arch_first, arch_last] = ClassOf(classes.arch, d.arch);
    const auto [nr_first, nr_last] = ClassOf(classes.nr, static_cast<uint32_t>(d.nr));
    for (int end = 0; end < 2; ++end) {
      SeccompData e = d;
      if (classes.arch.exact) e.arch = end ? arch_last : arch_first;
      if (classes.nr.exact) e.nr = static_cast<int32_t>(end ? nr_last : nr_first);
      const uint32_t got = RunFilter(v, e);
      if (got != want) {
        std::fprintf(stderr, "arch 0x%x nr 0x%x: 0x%08x, but 0x%08x at arch 0x%x nr 0x%x\n",
                     d.arch, static_cast<uint32_t>(d.nr), want, got, e.arch,
                     static_cast<uint32_t>(e.nr));
        fuzz::Check(false, "every member of a class gets what the class's ends get");
      }
    }
  }
  return 0;
}
