// sckit eval: what the kernel would do with system calls, for a filter stack.
// sckit test: policy regression tests, `RECORD => EXPECTED` lines.
// Option parsing, reading and printing only; the semantics live in vm/records, vm/stack and
// vm/outcome.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "jit/compiler.h"
#include "live/kernel_engine.h"
#include "tools/command.h"
#include "tools/filter_flags.h"
#include "tools/options.h"
#include "verifier/stack_check.h"
#include "verifier/verifier.h"
#include "vm/action.h"
#include "vm/bpf.h"
#include "formats/disasm.h"
#include "formats/loader.h"
#include "vm/outcome.h"
#include "formats/read_file.h"
#include "formats/records.h"
#include "vm/stack.h"

namespace sckit::tools {
namespace {

std::string Hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// The options eval and test share: the stack and the kernel context.
void AddStackOptions(po::options_description* d) {
  d->add_options()("filter,f", po::value<std::vector<std::string>>(),
                   "filter file, repeat for a stack (first = oldest, installed first)")(
      "flags", po::value<std::vector<std::string>>(),
      "filter flags of the n-th --filter, repeat per filter: comma-separated log, "
      "new_listener, ... or a number")(
      "format", po::value<std::string>()->default_value("auto"),
      "filter file format: auto, raw, asm, c")(
      "engine", po::value<std::string>()->default_value("interp"),
      "engine that runs the filters: interp (the interpreter), jit (x86-64 machine code), "
      "kernel (the running kernel, in a traced child where the call never executes; needs "
      "root), all (interp, jit and kernel side by side; exit 1 on any disagreement)")(
      "strict", "strict mode (mode 1) instead of filters: read/write/exit/rt_sigreturn only")(
      "tracer", "a ptracer with PTRACE_O_TRACESECCOMP is attached (TRACE stops instead of ENOSYS)")(
      "listener", "every filter has an open notification listener (otherwise only filters "
                  "with --flags new_listener have one)")(
      "kernel-version", po::value<std::string>()->default_value(kDefaultKernel.ToString()),
      "kernel to model: x86-64 uretprobe (335) skips filters from 6.14, uprobe (336) from 6.18");
}

// Loads, checks (as `sckit verify --stack` would) and stacks the filters. Returns an exit code
// to return at once, or nullopt on success.
// The engines a run uses. `stack` always holds the filters (run by the interpreter, or by the
// JIT for --engine jit); --engine all adds a JIT stack and the live kernel, --engine kernel the
// live kernel.
struct Engines {
  std::string name = "interp";  // interp, jit, kernel, all
  FilterStack stack;
  FilterStack jit;  // --engine all
  std::unique_ptr<live::KernelEngine> kernel;
  bool uses_kernel() const { return kernel != nullptr; }
};

std::optional<int> BuildStack(const char* command, const po::variables_map& vm,
                              Engines* engines, KernelContext* ctx) {
  FilterStack* stack = &engines->stack;
  std::vector<std::string> files;
  if (vm.count("filter")) files = vm["filter"].as<std::vector<std::string>>();
  ctx->mode = vm.count("strict") ? Mode::kStrict : Mode::kFilter;
  ctx->tracer = vm.count("tracer") > 0;
  ctx->listener = vm.count("listener") > 0;
  Result<KernelVersion> kernel = ParseKernelVersion(vm["kernel-version"].as<std::string>());
  if (!kernel.ok()) {
    PrintError(command, kernel.error());
    return kExitUsage;
  }
  ctx->kernel = *kernel;
  const std::string engine = vm["engine"].as<std::string>();
  if (engine != "interp" && engine != "jit" && engine != "kernel" && engine != "all") {
    PrintError(command, "unknown engine '" + engine + "' (expected interp, jit, kernel or all)");
    return kExitUsage;
  }
  engines->name = engine;
  if (engine == "kernel" || engine == "all") {
    if (ctx->mode == Mode::kStrict) {
      PrintError(command, "--engine " + engine + " runs filters in the kernel: not with --strict");
      return kExitUsage;
    }
  }
  if (ctx->mode == Mode::kStrict) {
    if (!files.empty()) {
      PrintError(command, "--strict takes no --filter: a thread in strict mode cannot install "
                          "filters (EINVAL), and one with filters cannot enter strict mode");
      return kExitUsage;
    }
    return std::nullopt;
  }
  if (files.empty()) {
    PrintError(command, "no --filter given (see --help)");
    return kExitUsage;
  }
  Result<Format> format = ParseFormatName(vm["format"].as<std::string>());
  if (!format.ok()) {
    PrintError(command, format.error());
    return kExitUsage;
  }
  std::vector<uint32_t> flags(files.size(), 0);
  if (vm.count("flags")) {
    const auto given = vm["flags"].as<std::vector<std::string>>();
    if (given.size() > files.size()) {
      PrintError(command, "more --flags than --filter");
      return kExitUsage;
    }
    for (size_t i = 0; i < given.size(); ++i) {
      Result<uint32_t> f = ParseFilterFlags(given[i]);
      if (!f.ok()) {
        PrintError(command, f.error());
        return kExitUsage;
      }
      flags[i] = *f;
    }
  }
  std::vector<StackEntry> entries;
  for (size_t i = 0; i < files.size(); ++i) {
    Result<Program> program = LoadProgramFile(files[i], *format);
    if (!program.ok()) {
      PrintError(command, files[i] + ": " + program.error().ToString());
      return kExitUsage;
    }
    entries.push_back({std::move(*program), flags[i]});
  }
  const std::vector<AttachOutcome> attached = CheckStack(entries);
  bool rejected = false;
  for (size_t i = 0; i < files.size(); ++i) {
    if (!attached[i].attached) {
      std::fprintf(stderr, "%s: rejected: %s\n", files[i].c_str(),
                   attached[i].error->ToString().c_str());
      rejected = true;
    }
  }
  if (rejected) return kExitFailed;
  for (size_t i = 0; i < files.size(); ++i) {
    Result<VerifiedProgram> v = Verify(entries[i].program);  // accepted above
    if (engine == "all") {
      Result<jit::CompiledFilter> compiled = jit::Compile(*v);
      if (!compiled.ok()) {
        PrintError(command, files[i] + ": " + compiled.error().ToString());
        return kExitUsage;
      }
      engines->jit.Push(*v,
                        std::make_unique<EngineAdapter<jit::CompiledFilter>>(std::move(*compiled)),
                        flags[i], files[i]);
    }
    if (engine == "jit") {
      Result<jit::CompiledFilter> compiled = jit::Compile(*v);
      if (!compiled.ok()) {
        PrintError(command, files[i] + ": " + compiled.error().ToString());
        return kExitUsage;
      }
      stack->Push(std::move(*v),
                  std::make_unique<EngineAdapter<jit::CompiledFilter>>(std::move(*compiled)),
                  flags[i], files[i]);
    } else {
      stack->Push(std::move(*v), flags[i], files[i]);
    }
  }
  if (engine == "kernel" || engine == "all") {
    Result<live::KernelEngine> k = live::KernelEngine::Start(entries);
    if (!k.ok()) {
      PrintError(command, "the live kernel engine could not start: " + k.error().ToString());
      return kExitUsage;
    }
    engines->kernel = std::make_unique<live::KernelEngine>(std::move(*k));
  }
  return std::nullopt;
}

std::string JsonStrings(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", \"" : "\"") + JsonEscape(v[i]) + "\"";
  return out + "]";
}

std::string KernelJson(const live::KernelObservation& k) {
  std::string out = "{\"outcome\": ";
  out += k.reproducible ? "\"" + k.outcome + "\"" : std::string("null");
  out += ", \"possible\": " + JsonStrings(k.possible);
  out += ", \"reproducible\": " + std::string(k.reproducible ? "true" : "false");
  out += ", \"reason\": " + (k.reason.empty() ? std::string("null")
                                                : "\"" + JsonEscape(k.reason) + "\"");
  out += ", \"trail\": \"" + JsonEscape(k.trail) + "\"}";
  return out;
}

// The model's outcome to compare with the live kernel: the kernel engine's probe is traced
// with PTRACE_O_TRACESECCOMP (TRACE stops), and only a filter installed with NEW_LISTENER has a
// listener (answered by the engine's notifier thread); USER_NOTIF of any other filter: ENOSYS.
Outcome ModelForKernel(const FilterStack& stack, const SeccompData& d, KernelContext ctx,
                       std::vector<uint32_t>* rets) {
  ctx.tracer = true;
  ctx.listener = false;
  return Decide(stack, d, ctx, *rets);
}

// --engine kernel / all for one record. Returns false on a disagreement (all) or an engine
// failure.
bool EvalOneLive(const SeccompData& d, Engines& e, const KernelContext& ctx, bool json,
                 std::vector<uint32_t>* rets, std::string* out) {
  const std::string record = FormatRecord(d);
  Result<live::KernelObservation> k = e.kernel->Run(d);
  if (!k.ok()) {
    std::fflush(stdout);
    PrintError("eval", record + ": the live kernel engine failed: " + k.error().ToString());
    return false;
  }
  bool agree = true;
  if (e.name == "kernel") {
    *out = json ? "{\"record\": \"" + record + "\", \"engine\": \"kernel\", \"kernel\": " +
                      KernelJson(*k) + "}\n"
                : record + " -> " + k->ToString() + "\n";
  } else {
    const Outcome oi = Decide(e.stack, d, ctx, *rets);
    const Outcome oj = Decide(e.jit, d, ctx, *rets);
    const Outcome model = ModelForKernel(e.stack, d, ctx, rets);
    agree = oi.Text() == oj.Text() && (!k->reproducible || live::ConsistentWith(*k, model));
    if (json) {
      *out = "{\"record\": \"" + record + "\", \"interp\": \"" + oi.Text() + "\", \"jit\": \"" +
             oj.Text() + "\", \"model_with_tracer\": \"" + model.Text() + "\", \"kernel\": " +
             KernelJson(*k) + ", \"agree\": " + (agree ? "true" : "false") + "}\n";
    } else {
      *out = record + " -> interp " + oi.Text() + ", jit " + oj.Text() + ", kernel " +
             k->ToString() + (agree ? "" : "   MISMATCH") + "\n";
    }
  }
  std::fwrite(out->data(), 1, out->size(), stdout);
  return agree;
}

void AppendTraceText(const FilterStack& stack, const std::vector<FilterTrace>& traces,
                     std::string* out) {
  char buf[160];
  for (const FilterTrace& t : traces) {
    const StackFilter& f = stack.filter(static_cast<size_t>(t.filter));
    *out += "  filter " + std::to_string(t.filter) + " (" + f.name + ") -> " + Hex32(t.ret) +
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
            ", \"ret\": \"" + Hex32(t.ret) + "\", \"steps\": [";
    for (size_t j = 0; j < t.run.steps.size(); ++j) {
      const TraceStep& s = t.run.steps[j];
      *out += (j ? ", " : "") + std::string("{\"pc\": ") + std::to_string(s.pc) +
              ", \"insn\": \"" + JsonEscape(FormatInstruction(insns[s.pc], s.pc, insns.size())) + "\", \"A\": \"" +
              Hex32(s.a) + "\", \"X\": \"" + Hex32(s.x) + "\"}";
    }
    *out += "]}";
  }
  *out += "]";
}

std::string JsonLine(const std::string& record, const Outcome& o, const FilterStack& stack,
                     std::span<const uint32_t> rets, bool filters_ran) {
  std::string out = "{\"record\": \"" + record + "\", \"ret\": \"" + Hex32(o.ret) +
                    "\", \"action\": \"" + std::string(ActionName(o.action)) +
                    "\", \"data\": " + std::to_string(o.data) + ", \"outcome\": \"" + o.Text() +
                    "\", \"matched\": " + (o.matched >= 0 ? std::to_string(o.matched) : "null") +
                    ", \"filters\": ";
  if (filters_ran) {
    out += "[";
    for (size_t i = 0; i < stack.size(); ++i) out += (i ? ", \"" : "\"") + Hex32(rets[i]) + "\"";
    out += "]";
  } else {
    out += "null";
  }
  out += ", \"effect\": \"" + std::string(EffectName(o.effect)) + "\"";
  out += ", \"return\": " +
         (o.effect == Effect::kReturn ? std::to_string(o.return_value) : std::string("null"));
  out += ", \"signal\": " + (o.signal ? std::to_string(o.signal) : std::string("null"));
  if (o.has_siginfo) {
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  ", \"siginfo\": {\"si_signo\": %d, \"si_code\": %d, \"si_errno\": %d, "
                  "\"si_syscall\": %d, \"si_arch\": \"0x%x\", \"si_call_addr\": \"0x%llx\"}",
                  o.sigsys.signo, o.sigsys.code, o.sigsys.error, o.sigsys.syscall_nr,
                  o.sigsys.arch, static_cast<unsigned long long>(o.sigsys.call_addr));
    out += buf;
  }
  out += ", \"passthrough\": ";
  out += o.passthrough != Passthrough::kNone
             ? "\"" + std::string(PassthroughName(o.passthrough)) + "\""
             : std::string("null");
  out += ", \"strict\": ";
  out += o.strict ? "true" : "false";
  out += ", \"logged\": ";
  out += o.logged ? "true" : "false";
  return out;
}

// Evaluates one record and writes its output.
void EvalOne(const SeccompData& data, const FilterStack& stack, const KernelContext& ctx,
             bool json, bool trace, std::vector<uint32_t>* rets,
             std::vector<FilterTrace>* traces, std::string* out) {
  out->clear();
  Outcome o = trace ? DecideTraced(stack, data, ctx, *rets, traces)
                    : Decide(stack, data, ctx, *rets);
  const bool filters_ran = ctx.mode == Mode::kFilter && !stack.empty() &&
                           o.passthrough == Passthrough::kNone;
  const std::string record = FormatRecord(data);
  if (json) {
    *out = JsonLine(record, o, stack, *rets, filters_ran);
    if (trace) AppendTraceJson(stack, *traces, out);
    *out += "}\n";
  } else {
    *out = record + " -> " + o.Text() + "\n";
    if (trace) AppendTraceText(stack, *traces, out);
  }
  std::fwrite(out->data(), 1, out->size(), stdout);
}

}  // namespace

int RunEval(const std::vector<std::string>& args) {
  po::options_description visible("options");
  visible.add_options()("help,h", "show this help");
  AddStackOptions(&visible);
  visible.add_options()("data,d", po::value<std::vector<std::string>>(),
                        "one record, e.g. 'arch=x86_64 nr=openat args=0xffffff9c,0x1000' "
                        "(repeatable)")(
      "vectors", po::value<std::string>(), "file of records, one per line, or '-' for stdin")(
      "vectors-format", po::value<std::string>()->default_value("auto"),
      "records format: auto, text, binary (raw 64-byte seccomp_data)")(
      "json", "JSON Lines output")("trace", "list the executed instructions (pc, A, X)");
  po::options_description hidden;
  po::positional_options_description pos;
  po::variables_map vm;
  if (auto code = ParseOptions(args,
                               "sckit eval --filter F [--filter F2 ...] (--data RECORD | "
                               "--vectors FILE|-) [--json] [--trace]",
                               visible, hidden, pos, &vm)) {
    return *code;
  }
  const bool has_data = vm.count("data") > 0;
  const bool has_vectors = vm.count("vectors") > 0;
  if (has_data == has_vectors) {
    PrintError("eval", "give either --data or --vectors (see --help)");
    return kExitUsage;
  }
  Result<RecordFormat> vformat = ParseRecordFormatName(vm["vectors-format"].as<std::string>());
  if (!vformat.ok()) {
    PrintError("eval", vformat.error());
    return kExitUsage;
  }
  Engines engines;
  KernelContext ctx;
  if (auto code = BuildStack("eval", vm, &engines, &ctx)) return *code;
  const FilterStack& stack = engines.stack;
  const bool json = vm.count("json") > 0;
  const bool trace = vm.count("trace") > 0;
  if (trace && engines.uses_kernel()) {
    PrintError("eval", "--trace lists the interpreter's steps: not with --engine kernel/all");
    return kExitUsage;
  }
  bool all_agree = true;
  auto eval_one = [&](const SeccompData& d, std::vector<uint32_t>* rets,
                      std::vector<FilterTrace>* traces, std::string* out) {
    if (engines.uses_kernel()) {
      all_agree = EvalOneLive(d, engines, ctx, json, rets, out) && all_agree;
    } else {
      EvalOne(d, stack, ctx, json, trace, rets, traces, out);
    }
  };

  std::vector<uint32_t> rets(stack.size(), 0);
  std::vector<FilterTrace> traces;
  std::string out;
  if (has_data) {
    // Parse all first: a bad record prints nothing else.
    std::vector<SeccompData> records;
    for (const std::string& text : vm["data"].as<std::vector<std::string>>()) {
      Result<SeccompData> r = ParseRecord(StripComment(text), 1);
      if (!r.ok()) {
        PrintError("eval", "--data: " + r.error().ToString());
        return kExitUsage;
      }
      records.push_back(*r);
    }
    for (const SeccompData& d : records) eval_one(d, &rets, &traces, &out);
    return all_agree ? kExitOk : kExitFailed;
  }
  const std::string path = vm["vectors"].as<std::string>();
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path == "-") {
    // std::cin is synchronised with stdio, which costs a third more on millions of records.
    file.open("/dev/stdin", std::ios::binary);
    if (file) in = &file;
  } else {
    if (auto e = RefuseDirectory(path)) {
      PrintError("eval", e->message);
      return kExitUsage;
    }
    file.open(path, std::ios::binary);
    if (!file) {
      PrintError("eval", "cannot open " + path + ": " + std::strerror(errno));
      return kExitUsage;
    }
    in = &file;
  }
  RecordReader reader(*in, *vformat);
  SeccompData d;
  for (bool first = true;; first = false) {
    Result<bool> next = reader.Next(&d);
    if (first && *vformat == RecordFormat::kAuto && reader.guess().ambiguous) {
      std::fprintf(stderr, "sckit eval: note: %s read as %s records (%s); say "
                   "--vectors-format text|binary to choose\n", path.c_str(),
                   reader.format() == RecordFormat::kBinary ? "binary" : "text",
                   reader.guess().reason.c_str());
    }
    if (!next.ok()) {
      std::fflush(stdout);
      PrintError("eval", path + ": " + next.error().ToString());
      return kExitUsage;
    }
    if (!*next) break;
    eval_one(d, &rets, &traces, &out);
  }
  return all_agree ? kExitOk : kExitFailed;
}

namespace {

std::string XmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

struct CaseResult {
  int line;
  std::string record;
  std::string expected;
  std::string actual;
  bool passed;
};

struct SuiteResult {
  std::string file;
  std::vector<CaseResult> cases;
  int failures = 0;
};

bool WriteJunit(const std::string& path, const std::vector<SuiteResult>& suites) {
  std::ofstream out(path);
  if (!out) return false;
  size_t total = 0;
  int failures = 0;
  for (const SuiteResult& s : suites) {
    total += s.cases.size();
    failures += s.failures;
  }
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites name=\"sckit test\" tests=\"" << total << "\" failures=\"" << failures
      << "\">\n";
  for (const SuiteResult& s : suites) {
    out << "  <testsuite name=\"" << XmlEscape(s.file) << "\" tests=\"" << s.cases.size()
        << "\" failures=\"" << s.failures << "\" errors=\"0\">\n";
    for (const CaseResult& c : s.cases) {
      out << "    <testcase classname=\"" << XmlEscape(s.file) << "\" name=\"line "
          << c.line << ": " << XmlEscape(c.record) << " =&gt; " << XmlEscape(c.expected)
          << "\"";
      if (c.passed) {
        out << "/>\n";
      } else {
        out << ">\n      <failure message=\"expected " << XmlEscape(c.expected) << ", got "
            << XmlEscape(c.actual) << "\"/>\n    </testcase>\n";
      }
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
  return static_cast<bool>(out);
}

}  // namespace

int RunTest(const std::vector<std::string>& args) {
  po::options_description visible("options");
  visible.add_options()("help,h", "show this help");
  AddStackOptions(&visible);
  visible.add_options()("junit", po::value<std::string>(), "also write JUnit XML to FILE")(
      "verbose,v", "print every case, not only failures");
  po::options_description hidden;
  hidden.add_options()("cases", po::value<std::vector<std::string>>(), "cases files");
  po::positional_options_description pos;
  pos.add("cases", -1);
  po::variables_map vm;
  if (auto code = ParseOptions(args, "sckit test --filter F [--filter F2 ...] CASES... "
                                     "[--junit FILE]",
                               visible, hidden, pos, &vm)) {
    return *code;
  }
  if (!vm.count("cases")) {
    PrintError("test", "no cases file given (see --help)");
    return kExitUsage;
  }
  Engines engines;
  KernelContext ctx;
  if (auto code = BuildStack("test", vm, &engines, &ctx)) return *code;
  const FilterStack& stack = engines.stack;
  const bool verbose = vm.count("verbose") > 0;
  const bool keep_cases = vm.count("junit") > 0;
  int skipped = 0;

  std::vector<uint32_t> rets(stack.size(), 0);
  std::vector<SuiteResult> suites;
  int passed = 0;
  int failed = 0;
  for (const std::string& path : vm["cases"].as<std::vector<std::string>>()) {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (path != "-") {
      if (auto e = RefuseDirectory(path)) {
        PrintError("test", e->message);
        return kExitUsage;
      }
      file.open(path);
      if (!file) {
        PrintError("test", "cannot open " + path + ": " + std::strerror(errno));
        return kExitUsage;
      }
      in = &file;
    }
    SuiteResult suite;
    suite.file = path;
    // Bounded lines, and a cap on the records of the whole file (formats/records.h).
    CaseReader cases(*in, /*require_expected=*/true);
    CaseLine case_line;
    for (;;) {
      Result<bool> more = cases.Next(&case_line);
      if (!more.ok()) {
        PrintError("test", path + ": " + more.error().ToString());
        return kExitUsage;
      }
      if (!*more) break;
      const int line_no = case_line.line;
      const std::vector<SeccompData>* records = &case_line.records;
      Result<Expectation> expected = ParseExpectation(case_line.expected, line_no);
      if (!expected.ok()) {
        PrintError("test", path + ": " + expected.error().ToString());
        return kExitUsage;
      }
      for (const SeccompData& d : *records) {
        const Outcome o = Decide(stack, d, ctx, rets);
        CaseResult c{line_no, FormatRecord(d), expected->text, o.Text(), expected->Matches(o)};
        if (engines.uses_kernel()) {
          Result<live::KernelObservation> k = engines.kernel->Run(d);
          if (!k.ok()) {
            PrintError("test", c.record + ": the live kernel engine failed: " +
                                   k.error().ToString());
            return kExitUsage;
          }
          if (!k->reproducible) {
            ++skipped;
            if (verbose) {
              std::printf("%s:%d: skipped: %s: %s\n", path.c_str(), line_no, c.record.c_str(),
                          k->ToString().c_str());
            }
            continue;
          }
          // The kernel's answer must meet the expectation for one of the outcomes it cannot
          // tell apart; --engine all also needs the JIT and the model to agree with it.
          bool kernel_match = false;
          for (const std::string& p : k->possible) kernel_match |= expected->MatchesText(p);
          if (engines.name == "kernel") {
            c.actual = k->ToString() + " (kernel)";
            c.passed = kernel_match;
          } else {
            const Outcome oj = Decide(engines.jit, d, ctx, rets);
            const Outcome model = ModelForKernel(stack, d, ctx, &rets);
            const bool agree = oj.Text() == o.Text() && live::ConsistentWith(*k, model);
            c.actual = "interp " + o.Text() + ", jit " + oj.Text() + ", kernel " + k->ToString();
            c.passed = c.passed && agree;
          }
        }
        if (c.passed) {
          ++passed;
          if (verbose) {
            std::printf("%s:%d: ok: %s -> %s\n", path.c_str(), line_no, c.record.c_str(),
                        c.actual.c_str());
          }
        } else {
          ++failed;
          ++suite.failures;
          std::printf("%s:%d: FAIL: %s: expected %s, got %s\n", path.c_str(), line_no,
                      c.record.c_str(), c.expected.c_str(), c.actual.c_str());
        }
        if (keep_cases) suite.cases.push_back(std::move(c));  // only JUnit needs them all
      }
    }
    suites.push_back(std::move(suite));
  }
  if (skipped > 0) {
    std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  } else {
    std::printf("%d passed, %d failed\n", passed, failed);
  }
  if (vm.count("junit")) {
    const std::string junit = vm["junit"].as<std::string>();
    if (!WriteJunit(junit, suites)) {
      PrintError("test", "cannot write " + junit);
      return kExitUsage;
    }
  }
  return failed ? kExitFailed : kExitOk;
}

}  // namespace sckit::tools
