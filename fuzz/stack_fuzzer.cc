// libFuzzer target: filter stacks. Up to four structured programs with arbitrary
// SECCOMP_FILTER_FLAG_* bits go through CheckStack() (the kernel's per-call checks); the ones it
// attaches form a FilterStack run three ways: the interpreter, the JIT (EngineAdapter), and by
// hand (RunFilter per filter + ResolveStack). The decisions, the traced evaluation and the
// outcomes (Decide / DecideTraced) under varied kernel contexts must all agree.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "vm/record_layout.h"
#include "fuzz/fuzz_input.h"
#include "eval/stack_builder.h"
#include "verifier/stack_check.h"
#include "verifier/verifier.h"
#include "vm/action.h"
#include "vm/interpreter.h"
#include "vm/outcome.h"
#include "vm/stack.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sckit;  // NOLINT
  fuzz::ByteReader in(data, size);
  const size_t n = 1 + in.U8() % 4;
  std::vector<StackEntry> entries;
  std::vector<uint32_t> pool;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t flag_bits = in.U8();
    // Mostly valid flag sets (LOG, NEW_LISTENER, SPEC_ALLOW), sometimes any of the 8 bits.
    const uint32_t flags = (flag_bits & 0x80) ? (flag_bits & 0x7f)
                                              : (flag_bits & (seccomp::kFlagLog |
                                                              seccomp::kFlagNewListener |
                                                              seccomp::kFlagSpecAllow));
    StackEntry e{fuzz::StructuredProgram(in, 24), flags};
    const std::vector<uint32_t> more = fuzz::ConstantPool(e.program);
    pool.insert(pool.end(), more.begin(), more.end());
    entries.push_back(std::move(e));
  }
  const std::vector<AttachOutcome> outcomes = CheckStack(entries);
  fuzz::Check(outcomes.size() == entries.size(), "one outcome per seccomp() call");

  FilterStack interpreted, compiled;
  bool jit = true;
  for (size_t i = 0; i < entries.size(); ++i) {
    fuzz::Check(outcomes[i].attached != outcomes[i].error.has_value(),
                "a call attaches exactly when it has no error");
    if (!outcomes[i].attached) continue;
    Result<VerifiedProgram> v = Verify(entries[i].program);
    fuzz::Check(v.ok(), "an attached filter verifies");
    fuzz::Check(outcomes[i].converted_len == v->converted_len(), "converted lengths agree");
    Result<std::unique_ptr<FilterEngine>> c = eval::MakeEngine(*v, eval::EngineKind::kJit);
    if (c.ok()) {
      compiled.Push(*v, std::move(*c), entries[i].flags);
    } else {
      fuzz::Check(c.error().rule == "jit-unavailable", "a verified program compiles");
      jit = false;
    }
    interpreted.Push(std::move(*v), entries[i].flags);
  }

  const size_t count = 1 + in.U8() % 8;
  std::vector<uint32_t> rets(interpreted.size()), jit_rets(interpreted.size()),
      traced_rets(interpreted.size()), hand(interpreted.size());
  std::vector<FilterTrace> traces;
  for (const SeccompData& d : fuzz::Records(in, pool, count)) {
    const StackDecision a = interpreted.Evaluate(d, rets);
    const StackDecision t = interpreted.EvaluateTraced(d, traced_rets, &traces);
    for (size_t i = 0; i < interpreted.size(); ++i) {
      hand[i] = RunFilter(interpreted.filter(i).program, LoadedImage(d));  // what stacks run on
    }
    const StackDecision h = ResolveStack(hand);
    fuzz::Check(rets == hand && traced_rets == hand, "every filter's value agrees");
    fuzz::Check(a.ret == h.ret && a.matched == h.matched, "Evaluate agrees with ResolveStack");
    fuzz::Check(t.ret == h.ret && t.matched == h.matched, "EvaluateTraced agrees");
    fuzz::Check(traces.size() == interpreted.size(), "one trace per filter");
    if (jit) {
      const StackDecision j = compiled.Evaluate(d, jit_rets);
      fuzz::Check(jit_rets == hand, "JIT filter values agree with the interpreter");
      fuzz::Check(j.ret == h.ret && j.matched == h.matched, "JIT stack decision agrees");
    }
    KernelContext ctx;
    const uint8_t how = in.U8();
    ctx.tracer = how & 1;
    ctx.listener = how & 2;
    ctx.mode = (how & 4) ? Mode::kStrict : Mode::kFilter;
    ctx.kernel = (how & 8) ? KernelVersion{6, 13} : kDefaultKernel;
    const Outcome o = Decide(interpreted, d, ctx, rets);
    std::vector<FilterTrace> outcome_traces;
    const Outcome ot = DecideTraced(interpreted, d, ctx, traced_rets, &outcome_traces);
    fuzz::Check(o.verdict() == ot.verdict() && o.ret == ot.ret && o.matched == ot.matched &&
                    o.effect == ot.effect,
                "Decide and DecideTraced agree");
    if (jit) {
      const Outcome oj = Decide(compiled, d, ctx, jit_rets);
      fuzz::Check(o.verdict() == oj.verdict() && o.effect == oj.effect &&
                      o.return_value == oj.return_value,
                  "outcomes agree across engines");
    }
    (void)o.Text();
  }
  return 0;
}
