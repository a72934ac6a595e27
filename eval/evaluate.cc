// `sckit eval` and `sckit test`: records and cases through a Session (eval/evaluate.h).
#include "eval/evaluate.h"

#include <optional>
#include <string_view>
#include <utility>

#include "formats/record_text.h"
#include "formats/records.h"
#include "vm/text.h"

namespace sckit::eval {
namespace {

// The line's configuration after the record: text, or a JSON member (with its comma).
std::string DispatchSuffix(const DispatchConfig* dispatch, bool json) {
  if (dispatch == nullptr) return "";
  return json ? ", \"dispatch_config\": " + DispatchConfigJson(*dispatch)
              : " " + LineDispatchText(*dispatch);
}

Result<bool> EvaluateLive(Session& s, const SeccompData& d, const EvalOptions& o,
                          Scratch* scratch, const KernelContext& ctx) {
  const std::string record = FormatRecordText(d, o.full);
  Result<live::KernelObservation> k = s.kernel->Run(d, ctx.dispatch);
  if (!k.ok()) {
    return MakeError("kernel-engine-failed",
                     record + ": the live kernel engine failed: " + k.error().ToString());
  }
  std::string& out = scratch->out;
  if (s.engine == EngineChoice::kKernel) {
    out = o.json ? "{" + RecordJsonMembers(d, o.full) + ", \"engine\": \"kernel\", " +
                       KernelJsonMembers(*k, d.arch) + "}\n"
                 : record + " -> " + KernelText(*k, d.arch) + "\n";
    return true;
  }
  // Like with like: the kernel engine answers for the session's configuration (tracer,
  // listener), so it is compared with the interpreter's outcome in that same configuration.
  const Outcome oi = Decide(s.stack, d, ctx, scratch->rets);
  const bool filters_ran = oi.filters_ran(s.stack.size());
  std::string interp_json;
  if (o.json) interp_json = OutcomeJsonOpen(d, o.full, "all", oi, s.stack, scratch->rets, filters_ran);
  const Outcome oj = Decide(s.jit, d, ctx, scratch->rets);
  const bool agree = oi.verdict() == oj.verdict() && live::ConsistentWith(*k, oi);
  if (o.json) {
    // The top level is the interpreter's answer (the reference); each engine's beside it.
    out = std::move(interp_json) + ", \"engines\": {\"interp\": {" +
          AnswerJsonMembers(oi, d.arch) + "}, \"jit\": {" + AnswerJsonMembers(oj, d.arch) +
          "}, \"kernel\": " + KernelJson(*k, d.arch) +
          "}, \"agree\": " + (agree ? "true" : "false") + "}\n";
  } else {
    out = record + " -> interp " + OutcomeText(oi, d.arch) + ", jit " + OutcomeText(oj, d.arch) +
          ", kernel " + KernelText(*k, d.arch) + (agree ? "" : "   MISMATCH") + "\n";
  }
  return agree;
}

// One case through the session, and which engines answered it.
struct CaseRun {
  CaseResult result;
  bool skipped = false;          // no engine of the session could answer
  bool kernel_checked = false;   // the kernel engine answered (--engine kernel/all)
};

std::vector<EngineCount> SessionEngines(const Session& s) {
  switch (s.engine) {
    case EngineChoice::kInterp: return {{"interp"}};
    case EngineChoice::kJit: return {{"jit"}};
    case EngineChoice::kKernel: return {{"kernel"}};
    case EngineChoice::kAll: return {{"interp"}, {"jit"}, {"kernel"}};
  }
  return {};
}

// A case fails when any engine that answers contradicts the expectation or another engine. The
// kernel engine cannot answer every record (other arches, x86-64 335/336): with --engine kernel
// such a case is skipped; with --engine all the interpreter and the JIT still decide it, and
// only the kernel's count of unchecked cases grows.
// What a case accepts: one expectation, or any of several (a replayed trace: ALLOW or LOG).
struct Expected {
  std::span<const Expectation> any;
  std::string text;
  template <typename V>
  bool Matches(const V& v) const {
    for (const Expectation& e : any) {
      if (e.Matches(v)) return true;
    }
    return false;
  }
};

// `line` and `source`: where the case is written and how (a cases line, a trace line).
// `dispatch`: the line's own configuration (nullptr: the session's).
Result<CaseRun> RunCase(Session& s, const SeccompData& d, int line, const std::string& source,
                        const Expected& expected, bool full, std::vector<uint32_t>* rets,
                        const DispatchConfig* dispatch = nullptr) {
  KernelContext line_ctx;
  if (dispatch != nullptr) {
    line_ctx = s.ctx;
    line_ctx.dispatch = *dispatch;
  }
  const KernelContext& ctx = dispatch != nullptr ? line_ctx : s.ctx;
  const Outcome o = Decide(s.stack, d, ctx, *rets);
  CaseRun run;
  CaseResult& c = run.result;
  c = CaseResult{line, source, FormatRecordText(d, full) + DispatchSuffix(dispatch, false),
                 expected.text, OutcomeText(o, d.arch), expected.Matches(o)};
  if (!s.uses_kernel()) return run;
  Result<live::KernelObservation> k = s.kernel->Run(d, ctx.dispatch);
  if (!k.ok()) {
    return MakeError("kernel-engine-failed",
                     c.record + ": the live kernel engine failed: " + k.error().ToString());
  }
  run.kernel_checked = k->reproducible;
  // The kernel's answer must meet the expectation for one of the outcomes it cannot tell apart.
  bool kernel_match = false;
  for (const Verdict& p : k->possible) kernel_match |= expected.Matches(p);
  if (s.engine == EngineChoice::kKernel) {
    if (!k->reproducible) {
      run.skipped = true;
      c.record += ": " + k->ToString();
      return run;
    }
    c.actual = KernelText(*k, d.arch) + " (kernel)";
    c.passed = kernel_match;
    return run;
  }
  const Outcome oj = Decide(s.jit, d, ctx, *rets);
  c.actual = "interp " + OutcomeText(o, d.arch) + ", jit " + OutcomeText(oj, d.arch) +
             ", kernel " + KernelText(*k, d.arch);
  c.passed = c.passed && expected.Matches(oj) && oj.verdict() == o.verdict();
  if (k->reproducible) c.passed = c.passed && kernel_match && live::ConsistentWith(*k, o);
  return run;
}

void Count(const CaseRun& run, SuiteResult* suite) {
  for (EngineCount& e : suite->engines) {
    const bool answered = e.engine != "kernel" || run.kernel_checked;
    answered ? ++e.checked : ++e.unchecked;
  }
  if (run.skipped) {
    ++suite->skipped;
  } else {
    run.result.passed ? ++suite->passed : ++suite->failures;
  }
}

}  // namespace

Result<std::optional<DispatchConfig>> LineDispatchConfig(const Session& session,
                                                         const LineDispatch& line) {
  if (!line.any()) return std::optional<DispatchConfig>();
  Result<DispatchConfig> c = ApplyLineDispatch(session.ctx.dispatch, line);
  if (!c.ok()) return c.error();
  if (!c->on()) return std::optional<DispatchConfig>(*c);
  const std::string& token = line.FirstToken();
  if (session.ctx.kernel < kDispatchSince) {
    return MakeLineError("usage",
                         "'" + token + "': syscall user dispatch exists from Linux " +
                             kDispatchSince.ToString() + "; --kernel-version " +
                             session.ctx.kernel.ToString() + " has none",
                         line.line);
  }
  if (session.uses_kernel() &&
      (c->selector_kind == SelectorKind::kFault || session.ctx.mode == Mode::kStrict)) {
    return MakeLineError("dispatch-unsupported",
                         "'" + token + "': --engine " +
                             std::string(EngineChoiceName(session.engine)) +
                             " cannot show syscall user dispatch with an unreadable selector "
                             "or strict mode (docs/kernel-engine.md); use --engine interp or jit",
                         line.line);
  }
  return std::optional<DispatchConfig>(*c);
}

Outcome DecideRecord(const Session& session, const SeccompData& data,
                     const DispatchConfig* dispatch, std::vector<uint32_t>* rets) {
  rets->resize(session.stack.size());
  if (dispatch == nullptr) return Decide(session.stack, data, session.ctx, *rets);
  KernelContext ctx = session.ctx;
  ctx.dispatch = *dispatch;
  return Decide(session.stack, data, ctx, *rets);
}

Result<bool> EvaluateRecord(Session& session, const SeccompData& data, const EvalOptions& options,
                            Scratch* scratch, const DispatchConfig* dispatch) {
  scratch->rets.resize(session.stack.size());
  KernelContext line_ctx;
  if (dispatch != nullptr) {
    line_ctx = session.ctx;
    line_ctx.dispatch = *dispatch;
  }
  const KernelContext& ctx = dispatch != nullptr ? line_ctx : session.ctx;
  if (session.uses_kernel()) {
    Result<bool> agree = EvaluateLive(session, data, options, scratch, ctx);
    if (agree.ok() && dispatch != nullptr) {
      std::string& out = scratch->out;
      const size_t at = options.json ? out.size() - 2 : out.find(" -> ");
      if (at != std::string::npos) out.insert(at, DispatchSuffix(dispatch, options.json));
    }
    return agree;
  }
  const FilterStack& stack = session.stack;
  const Outcome o = options.trace
                        ? DecideTraced(stack, data, ctx, scratch->rets, &scratch->traces)
                        : Decide(stack, data, ctx, scratch->rets);
  const bool filters_ran = o.filters_ran(stack.size());
  std::string& out = scratch->out;
  if (options.json) {
    out = OutcomeJsonOpen(data, options.full, EngineChoiceName(session.engine), o, stack,
                          scratch->rets, filters_ran);
    out += DispatchSuffix(dispatch, true);
    if (options.trace) AppendTraceJson(stack, scratch->traces, &out);
    out += "}\n";
  } else {
    out = FormatRecordText(data, options.full) + DispatchSuffix(dispatch, false) + " -> " +
          OutcomeText(o, data.arch);
    if (!DispatchPasses(o.dispatch) && o.effect != Effect::kDispatchSignal) {
      out += " (syscall user dispatch: " + std::string(DispatchResultName(o.dispatch)) +
             ", signal " + SignalText(o.signal, data.arch) + ")";
    }
    if (o.unavailable) {
      out += " (" + std::string(LogBitName(LogBitOf(o.action))) +
             " is not in actions_avail: the kernel treats it as unknown)";
    }
    out += "\n";
    if (options.trace) AppendTraceText(stack, scratch->traces, &out);
  }
  return true;
}

Result<SuiteResult> RunCases(Session& session, std::istream& in, const std::string& path,
                             const CaseOptions& options) {
  SuiteResult suite;
  suite.file = path;
  suite.engines = SessionEngines(session);
  std::vector<uint32_t> rets(session.stack.size(), 0);
  // Bounded lines and a cap on the file's total (formats/records.h: CaseReader).
  CaseReader cases(in, /*require_expected=*/true, "", kMaxCasesPerFile);
  CaseLine case_line;
  for (;;) {
    Result<bool> more = cases.Next(&case_line);
    if (!more.ok()) return more.error();
    if (!*more) break;
    // An errno name means the number of each record's arch (ERRNO(ENOSYS) is 89 on mips):
    // parsed again whenever the arch changes.
    Result<Expectation> expected = ParseExpectation(case_line.expected, case_line.line);
    if (case_line.records.empty() && !expected.ok()) return expected.error();
    Result<std::optional<DispatchConfig>> dispatch =
        LineDispatchConfig(session, case_line.dispatch);
    if (!dispatch.ok()) return dispatch.error();
    const DispatchConfig* line_dispatch = dispatch->has_value() ? &**dispatch : nullptr;
    std::optional<uint32_t> parsed_for;
    for (const SeccompData& d : case_line.records) {
      if (parsed_for != d.arch) {
        expected = ParseExpectation(case_line.expected, case_line.line, d.arch);
        parsed_for = d.arch;
      }
      if (!expected.ok()) return expected.error();
      const Expected one{std::span<const Expectation>(&*expected, 1), expected->text};
      Result<CaseRun> run = RunCase(session, d, case_line.line, case_line.text, one,
                                    options.full, &rets, line_dispatch);
      if (!run.ok()) return run.error();
      Count(*run, &suite);
      if (options.on_case) options.on_case(run->result, run->skipped);
      if (!run->skipped && options.keep_cases) suite.cases.push_back(std::move(run->result));
    }
  }
  return suite;
}

Result<SuiteResult> RunCallCases(Session& session, std::span<const CallCase> calls,
                                 const std::string& path, const CaseOptions& options) {
  SuiteResult suite;
  suite.file = path;
  suite.engines = SessionEngines(session);
  std::vector<uint32_t> rets(session.stack.size(), 0);
  const Expectation runs[] = {*ParseExpectation("ALLOW"), *ParseExpectation("LOG")};
  const Expected expected{runs, "ALLOW"};
  for (const CallCase& c : calls) {
    Result<CaseRun> run = RunCase(session, c.data, c.line, c.label, expected, options.full, &rets);
    if (!run.ok()) return run.error();
    Count(*run, &suite);
    if (options.on_case) options.on_case(run->result, run->skipped);
    if (!run->skipped && options.keep_cases) suite.cases.push_back(std::move(run->result));
  }
  return suite;
}

std::string CaseLines(const FilterStack& stack, std::span<const SeccompData> records,
                      std::span<const std::string> comments, bool full) {
  std::string out;
  std::vector<uint32_t> rets(stack.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const Outcome o = Decide(stack, records[i], KernelContext{}, rets);
    out += FormatRecordText(records[i], full) + " => " + OutcomeText(o, records[i].arch);
    if (i < comments.size() && !comments[i].empty()) out += "  # " + comments[i];
    out += "\n";
  }
  return out;
}

}  // namespace sckit::eval
