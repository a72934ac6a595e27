// Rendering evaluations: eval's text and JSON Lines, the live kernel's observation, JUnit XML
// (eval/report.h).
#include "eval/report.h"

#include <cstdio>

#include "formats/disasm.h"
#include "formats/record_text.h"
#include "vm/action.h"
#include "vm/names.h"
#include "vm/text.h"

namespace sckit::eval {
namespace {

std::string JsonStrings(const std::vector<Verdict>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + JsonString(v[i].Text());
  return out + "]";
}

std::string SiginfoJson(const Outcome& o) {
  char buf[200];
  std::snprintf(buf, sizeof buf,
                ", \"siginfo\": {\"si_signo\": %d, \"si_code\": %d, \"si_errno\": %d, "
                "\"si_syscall\": %d, \"si_arch\": \"0x%x\", \"si_call_addr\": \"0x%llx\"}",
                o.sigsys.signo, o.sigsys.code, o.sigsys.error, o.sigsys.syscall_nr,
                o.sigsys.arch, static_cast<unsigned long long>(o.sigsys.call_addr));
  return buf;
}

}  // namespace

std::string AnswerJsonMembers(const Outcome& o, uint32_t audit_arch) {
  // A call syscall user dispatch stopped has no seccomp action at all.
  const bool seccomp = DispatchPasses(o.dispatch);
  return "\"outcome\": \"" + o.Text() + "\", " + VerdictNameJson(o.verdict(), audit_arch) +
         ", \"ret\": " + (seccomp ? JsonString(Hex(o.ret, 8)) : std::string("null")) +
         ", \"action\": " + (seccomp ? JsonString(ActionName(o.action)) : std::string("null"));
}

std::string OutcomeJsonOpen(const SeccompData& record, bool full, std::string_view engine,
                            const Outcome& o, const FilterStack& stack,
                            std::span<const uint32_t> rets, bool filters_ran) {
  std::string out = "{" + RecordJsonMembers(record, full) + ", \"engine\": " +
                    JsonString(engine) + ", " + AnswerJsonMembers(o, record.arch) +
                    ", \"data\": " + std::to_string(o.data) + ", \"matched\": " +
                    (o.matched >= 0 ? std::to_string(o.matched) : "null") + ", \"filters\": ";
  if (filters_ran) {
    out += "[";
    for (size_t i = 0; i < stack.size(); ++i) out += (i ? ", \"" : "\"") + Hex(rets[i], 8) + "\"";
    out += "]";
  } else {
    out += "null";
  }
  out += ", \"effect\": \"" + std::string(EffectName(o.effect)) + "\"";
  out += ", \"return\": " +
         (o.effect == Effect::kReturn ? std::to_string(o.return_value) : std::string("null"));
  out += ", \"signal\": " + (o.signal ? std::to_string(o.signal) : std::string("null"));
  out += ", \"signal_name\": " +
         (SignalNameOf(o.signal, record.arch).empty()  // none on an arch sckit does not know
              ? std::string("null")
              : JsonString(SignalNameOf(o.signal, record.arch)));
  if (o.has_siginfo) out += SiginfoJson(o);
  out += ", \"passthrough\": ";
  out += o.passthrough != Passthrough::kNone ? JsonString(PassthroughName(o.passthrough))
                                             : std::string("null");
  out += ", \"dispatch\": ";
  out += o.dispatch != DispatchResult::kOff ? JsonString(DispatchResultName(o.dispatch))
                                            : std::string("null");
  out += ", \"strict\": ";
  out += o.strict ? "true" : "false";
  out += ", \"logged\": ";
  out += o.logged ? "true" : "false";
  out += ", \"unavailable_action\": ";
  out += o.unavailable ? "true" : "false";
  return out;
}

void AppendTraceText(const FilterStack& stack, const std::vector<FilterTrace>& traces,
                     std::string* out) {
  char buf[160];
  for (const FilterTrace& t : traces) {
    const StackFilter& f = stack.filter(static_cast<size_t>(t.filter));
    *out += "  filter " + std::to_string(t.filter) + " (" + f.name + ") -> " + Hex(t.ret, 8) +
            " " + std::string(ActionName(ActionOf(t.ret))) + "\n";
    const auto& insns = f.program.original().insns;
    for (const TraceStep& s : t.run.steps) {
      std::snprintf(buf, sizeof buf, "    %4u  %-32s A=0x%08x X=0x%08x\n", s.pc,
                    FormatInstruction(insns[s.pc], s.pc, insns.size()).c_str(), s.a, s.x);
      *out += buf;
    }
    if (t.run.div_by_zero) *out += "    division by X == 0: the filter returns 0\n";
  }
}

void AppendTraceJson(const FilterStack& stack, const std::vector<FilterTrace>& traces,
                     std::string* out) {
  *out += ", \"trace\": [";
  for (size_t i = 0; i < traces.size(); ++i) {
    const FilterTrace& t = traces[i];
    const auto& insns = stack.filter(static_cast<size_t>(t.filter)).program.original().insns;
    *out += (i ? ", " : "") + std::string("{\"filter\": ") + std::to_string(t.filter) +
            ", \"ret\": \"" + Hex(t.ret, 8) + "\", \"steps\": [";
    for (size_t j = 0; j < t.run.steps.size(); ++j) {
      const TraceStep& s = t.run.steps[j];
      *out += (j ? ", " : "") + std::string("{\"pc\": ") + std::to_string(s.pc) +
              ", \"insn\": " + JsonString(FormatInstruction(insns[s.pc], s.pc, insns.size())) +
              ", \"A\": \"" + Hex(s.a, 8) + "\", \"X\": \"" + Hex(s.x, 8) + "\"}";
    }
    *out += "]}";
  }
  *out += "]";
}

std::string KernelJsonMembers(const live::KernelObservation& k, uint32_t audit_arch) {
  std::string out = "\"outcome\": ";
  out += k.reproducible ? JsonString(k.outcome.Text()) : std::string("null");
  out += ", " + VerdictNameJson(k.reproducible ? k.outcome : Verdict{}, audit_arch);
  out += ", \"ret\": null, \"action\": null";
  out += ", \"possible\": " + JsonStrings(k.possible);
  out += ", \"reproducible\": " + std::string(k.reproducible ? "true" : "false");
  out += ", \"reason\": " + (k.reason.empty() ? std::string("null") : JsonString(k.reason));
  out += ", \"trail\": " + JsonString(k.trail);
  return out;
}

std::string KernelText(const live::KernelObservation& k, uint32_t audit_arch) {
  std::string text = k.ToString();
  if (!k.reproducible) return text;
  // ToString starts with the possible outcomes joined by '|': the same list, with names.
  std::string plain, named;
  for (size_t i = 0; i < k.possible.size(); ++i) {
    plain += (i ? "|" : "") + k.possible[i].Text();
    named += (i ? "|" : "") + VerdictText(k.possible[i], audit_arch);
  }
  if (text.rfind(plain, 0) == 0) text.replace(0, plain.size(), named);
  return text;
}

std::string KernelJson(const live::KernelObservation& k, uint32_t audit_arch) {
  return "{" + KernelJsonMembers(k, audit_arch) + "}";
}

std::string JunitXml(const std::vector<SuiteResult>& suites) {
  size_t total = 0;
  int failures = 0;
  for (const SuiteResult& s : suites) {
    total += s.cases.size();
    failures += s.failures;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"sckit test\" tests=\"" + std::to_string(total) + "\" failures=\"" +
         std::to_string(failures) + "\">\n";
  for (const SuiteResult& s : suites) {
    const std::string file = XmlEscape(s.file);
    out += "  <testsuite name=\"" + file + "\" tests=\"" + std::to_string(s.cases.size()) +
           "\" failures=\"" + std::to_string(s.failures) + "\" errors=\"0\">\n";
    for (const CaseResult& c : s.cases) {
      out += "    <testcase classname=\"" + file + "\" name=\"line " + std::to_string(c.line) +
             ": " + XmlEscape(c.record) + " =&gt; " + XmlEscape(c.expected) + "\"";
      if (c.passed) {
        out += "/>\n";
      } else {
        out += ">\n      <failure message=\"expected " + XmlEscape(c.expected) + ", got " +
               XmlEscape(c.actual) + "\"/>\n    </testcase>\n";
      }
    }
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

std::string EngineSummary(const std::vector<SuiteResult>& suites) {
  std::vector<EngineCount> total;
  for (const SuiteResult& s : suites) {
    for (size_t i = 0; i < s.engines.size(); ++i) {
      if (total.size() <= i) total.push_back({s.engines[i].engine, 0, 0});
      total[i].checked += s.engines[i].checked;
      total[i].unchecked += s.engines[i].unchecked;
    }
  }
  if (total.size() < 2 && (total.empty() || total[0].engine != "kernel")) return "";
  std::string out = "checked by";
  for (size_t i = 0; i < total.size(); ++i) {
    out += (i ? ", " : " ") + total[i].engine + " " + std::to_string(total[i].checked);
    if (total[i].unchecked > 0) {
      out += " (" + std::to_string(total[i].unchecked) + " not reproducible)";
    }
  }
  return out;
}

}  // namespace sckit::eval
