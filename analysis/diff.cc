#include "analysis/diff.h"

#include "analysis/symbolic.h"
#include "vm/action.h"
#include "vm/interpreter.h"
#include "vm/record_layout.h"

namespace sckit::analysis {

uint32_t ConcreteOutcome(const std::vector<const VerifiedProgram*>& stack, const SeccompData& d) {
  std::vector<uint32_t> rets;
  rets.reserve(stack.size());
  const SeccompData image = LoadedImage(d);
  for (const VerifiedProgram* p : stack) rets.push_back(RunFilter(*p, image));
  return CanonicalValue(ResolveStack(rets).ret);
}

namespace {

z3::expr StackOutcome(z3::context& ctx, const DataWords& words,
                      const std::vector<const VerifiedProgram*>& stack) {
  std::vector<z3::expr> rets;
  for (const VerifiedProgram* p : stack) rets.push_back(Encode(ctx, *p, words).ret);
  return Canonical(ctx, StackRet(ctx, rets));
}

}  // namespace

DiffResult Diff(const std::vector<const VerifiedProgram*>& a,
                const std::vector<const VerifiedProgram*>& b, const DiffOptions& options) {
  DiffResult result;
  z3::context ctx;
  DataWords words(ctx);
  const z3::expr out_a = StackOutcome(ctx, words, a);
  const z3::expr out_b = StackOutcome(ctx, words, b);
  z3::solver solver(ctx);
  z3::params params(ctx);
  params.set("timeout", options.timeout_ms);
  solver.set(params);
  solver.add(out_a != out_b);
  for (;;) {
    const z3::check_result r = solver.check();
    if (r == z3::unknown) {
      result.exact = false;
      break;
    }
    if (r == z3::unsat) break;
    if (result.differences.size() >= options.max_differences) {
      result.truncated = true;
      break;
    }
    z3::model model = solver.get_model();
    const uint32_t nr = EvalU32(model, words.nr());
    const uint32_t arch = EvalU32(model, words.arch());
    const z3::expr same_call = words.nr() == ctx.bv_val(nr, 32) &&
                               words.arch() == ctx.bv_val(arch, 32);
    // Prefer a plain witness: ip and arguments 0 where that still shows the difference.
    solver.push();
    solver.add(same_call);
    for (int i = 2; i < 16; ++i) solver.add(words.w[i] == ctx.bv_val(0, 32));
    if (solver.check() == z3::sat) model = solver.get_model();
    solver.pop();
    Difference d;
    d.record = words.FromModel(model);
    d.a = ConcreteOutcome(a, d.record);
    d.b = ConcreteOutcome(b, d.record);
    if (d.a == d.b) result.exact = false;  // the encoding and the interpreter disagree
    result.differences.push_back(d);
    result.equivalent = false;
    solver.add(!same_call);
  }
  return result;
}

}  // namespace sckit::analysis
