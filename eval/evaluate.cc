#include "eval/evaluate.h"

#include <string_view>
#include <utility>

#include "formats/records.h"
#include "vm/text.h"

namespace sckit::eval {
namespace {

// The model's outcome to compare with the live kernel: the kernel engine's probe is traced
// with PTRACE_O_TRACESECCOMP (TRACE stops), and only a filter installed with NEW_LISTENER has a
// listener (answered by the engine's notifier thread); USER_NOTIF of any other filter: ENOSYS.
Outcome ModelForKernel(const FilterStack& stack, const SeccompData& d, KernelContext ctx,
                       std::vector<uint32_t>* rets) {
  ctx.tracer = true;
  ctx.listener = false;
  return Decide(stack, d, ctx, *rets);
}

Result<bool> EvaluateLive(Session& s, const SeccompData& d, const EvalOptions& o,
                          Scratch* scratch) {
  const std::string record = FormatRecord(d);
  Result<live::KernelObservation> k = s.kernel->Run(d);
  if (!k.ok()) {
    return MakeError("kernel-engine-failed",
                     record + ": the live kernel engine failed: " + k.error().ToString());
  }
  std::string& out = scratch->out;
  if (s.engine == EngineChoice::kKernel) {
    out = o.json ? "{\"record\": " + JsonString(record) + ", \"engine\": \"kernel\", \"kernel\": " +
                       KernelJson(*k) + "}\n"
                 : record + " -> " + k->ToString() + "\n";
    return true;
  }
  const Outcome oi = Decide(s.stack, d, s.ctx, scratch->rets);
  const Outcome oj = Decide(s.jit, d, s.ctx, scratch->rets);
  const Outcome model = ModelForKernel(s.stack, d, s.ctx, &scratch->rets);
  const bool agree =
      oi.Text() == oj.Text() && (!k->reproducible || live::ConsistentWith(*k, model));
  if (o.json) {
    out = "{\"record\": " + JsonString(record) + ", \"interp\": \"" + oi.Text() +
          "\", \"jit\": \"" + oj.Text() + "\", \"model_with_tracer\": \"" + model.Text() +
          "\", \"kernel\": " + KernelJson(*k) + ", \"agree\": " + (agree ? "true" : "false") +
          "}\n";
  } else {
    out = record + " -> interp " + oi.Text() + ", jit " + oj.Text() + ", kernel " +
          k->ToString() + (agree ? "" : "   MISMATCH") + "\n";
  }
  return agree;
}

// One case through the session; nullopt when the kernel engine cannot send the record.
Result<std::optional<CaseResult>> RunCase(Session& s, const SeccompData& d, int line,
                                          const Expectation& expected,
                                          std::vector<uint32_t>* rets, std::string* skip_note) {
  const Outcome o = Decide(s.stack, d, s.ctx, *rets);
  CaseResult c{line, FormatRecord(d), expected.text, o.Text(), expected.Matches(o)};
  if (!s.uses_kernel()) return std::optional<CaseResult>(std::move(c));
  Result<live::KernelObservation> k = s.kernel->Run(d);
  if (!k.ok()) {
    return MakeError("kernel-engine-failed",
                     c.record + ": the live kernel engine failed: " + k.error().ToString());
  }
  if (!k->reproducible) {
    *skip_note = c.record + ": " + k->ToString();
    return std::optional<CaseResult>();
  }
  // The kernel's answer must meet the expectation for one of the outcomes it cannot tell
  // apart; --engine all also needs the JIT and the model to agree with it.
  bool kernel_match = false;
  for (const std::string& p : k->possible) kernel_match |= expected.MatchesText(p);
  if (s.engine == EngineChoice::kKernel) {
    c.actual = k->ToString() + " (kernel)";
    c.passed = kernel_match;
  } else {
    const Outcome oj = Decide(s.jit, d, s.ctx, *rets);
    const Outcome model = ModelForKernel(s.stack, d, s.ctx, rets);
    const bool agree = oj.Text() == o.Text() && live::ConsistentWith(*k, model);
    c.actual = "interp " + o.Text() + ", jit " + oj.Text() + ", kernel " + k->ToString();
    c.passed = c.passed && agree;
  }
  return std::optional<CaseResult>(std::move(c));
}

}  // namespace

Result<bool> EvaluateRecord(Session& session, const SeccompData& data, const EvalOptions& options,
                            Scratch* scratch) {
  scratch->rets.resize(session.stack.size());
  if (session.uses_kernel()) return EvaluateLive(session, data, options, scratch);
  const FilterStack& stack = session.stack;
  const Outcome o = options.trace
                        ? DecideTraced(stack, data, session.ctx, scratch->rets, &scratch->traces)
                        : Decide(stack, data, session.ctx, scratch->rets);
  const bool filters_ran = session.ctx.mode == Mode::kFilter && !stack.empty() &&
                           o.passthrough == Passthrough::kNone;
  const std::string record = FormatRecord(data);
  std::string& out = scratch->out;
  if (options.json) {
    out = OutcomeJsonOpen(record, o, stack, scratch->rets, filters_ran);
    if (options.trace) AppendTraceJson(stack, scratch->traces, &out);
    out += "}\n";
  } else {
    out = record + " -> " + o.Text() + "\n";
    if (options.trace) AppendTraceText(stack, scratch->traces, &out);
  }
  return true;
}

Result<SuiteResult> RunCases(Session& session, std::istream& in, const std::string& path,
                             const CaseOptions& options) {
  SuiteResult suite;
  suite.file = path;
  std::vector<uint32_t> rets(session.stack.size(), 0);
  // Bounded lines and a cap on the file's total (formats/records.h: CaseReader).
  CaseReader cases(in, /*require_expected=*/true, "", kMaxCasesPerFile);
  CaseLine case_line;
  for (;;) {
    Result<bool> more = cases.Next(&case_line);
    if (!more.ok()) return more.error();
    if (!*more) break;
    const int line_no = case_line.line;
    const std::vector<SeccompData>* records = &case_line.records;
    Result<Expectation> expected = ParseExpectation(case_line.expected, line_no);
    if (!expected.ok()) return expected.error();
    for (const SeccompData& d : *records) {
      std::string skip_note;
      Result<std::optional<CaseResult>> c = RunCase(session, d, line_no, *expected, &rets,
                                                    &skip_note);
      if (!c.ok()) return c.error();
      if (!c->has_value()) {
        ++suite.skipped;
        CaseResult skipped{line_no, skip_note, expected->text, "", false};
        if (options.on_case) options.on_case(skipped, true);
        continue;
      }
      CaseResult& r = **c;
      r.passed ? ++suite.passed : ++suite.failures;
      if (options.on_case) options.on_case(r, false);
      if (options.keep_cases) suite.cases.push_back(std::move(r));
    }
  }
  return suite;
}

}  // namespace sckit::eval
