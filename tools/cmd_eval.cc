// sckit eval: what the kernel would do with system calls, for a filter stack.
// sckit test: policy regression tests, `RECORD => EXPECTED` lines, and traces replayed
// (--strace, --audit: every call must be allowed).
// Options, reading and printing only: loading, engines, evaluation and reports are eval/'s.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "eval/evaluate.h"
#include "eval/report.h"
#include "eval/session.h"
#include "eval/vector_sink.h"
#include "formats/loader.h"
#include "formats/read_file.h"
#include "formats/records.h"
#include "live/kernel_info.h"
#include "tools/command.h"
#include "tools/dispatch_flags.h"
#include "tools/filter_files.h"
#include "tools/filter_flags.h"
#include "tools/options.h"
#include "tools/output.h"
#include "tools/trace_inputs.h"
#include "vm/outcome.h"
#include "vm/seccomp_log.h"

namespace sckit::tools {
namespace {

// The options eval and test share: the stack and the kernel context.
void AddStackOptions(po::options_description* d) {
  AddByteOrderOption(d);
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
  AddDispatchOptions(d);
  d->add_options()(
      "actions-logged", po::value<std::string>(),
      "the actions the kernel may log (`logged`), as /proc/sys/kernel/seccomp/actions_logged "
      "lists them, e.g. 'kill_process kill_thread log' or 'errno,trap'; 'default' = all but "
      "allow. Without it: the running kernel's sysctl where it exists")(
      "actions-avail", po::value<std::string>(),
      "the actions the kernel knows (others kill the process), e.g. 'kill_process kill_thread "
      "trap errno trace allow'; 'default' = all 8. Without it: the running kernel's sysctl");
}

// --actions-logged / --actions-avail, else the running kernel's sysctls; false after printing.
bool ParseLogOptions(const char* command, const po::variables_map& vm, LogConfig* log) {
  Result<LogConfig> running = live::ReadRunningLogConfig();
  if (!running.ok()) {
    PrintError(command, running.error().message +
                            " (give --actions-logged and --actions-avail to model a kernel)");
    return false;
  }
  *log = *running;
  const struct {
    const char* option;
    bool logged;
    uint32_t* bits;
    uint32_t fallback;
  } lists[] = {{"actions-logged", true, &log->actions_logged, kDefaultActionsLogged},
               {"actions-avail", false, &log->actions_avail, kAllActionBits}};
  for (const auto& l : lists) {
    if (!vm.count(l.option)) continue;
    const std::string text = vm[l.option].as<std::string>();
    if (text == "default") {
      *l.bits = l.fallback;
      continue;
    }
    Result<uint32_t> bits = ParseActionNames(text, l.logged);
    if (!bits.ok()) {
      PrintError(command, "--" + std::string(l.option) + ": " + bits.error().message);
      return false;
    }
    *l.bits = *bits;
  }
  return true;
}

// The session the options ask for, or the exit code to return at once.
std::unique_ptr<eval::Session> Open(const char* command, const po::variables_map& vm,
                                    int* exit_code) {
  eval::SessionOptions o;
  *exit_code = kExitUsage;
  if (vm.count("filter")) o.files = vm["filter"].as<std::vector<std::string>>();
  o.ctx.mode = vm.count("strict") ? Mode::kStrict : Mode::kFilter;
  o.ctx.tracer = vm.count("tracer") > 0;
  o.ctx.listener = vm.count("listener") > 0;
  Result<KernelVersion> kernel = ParseKernelVersion(vm["kernel-version"].as<std::string>());
  Result<eval::EngineChoice> engine = eval::ParseEngineChoice(vm["engine"].as<std::string>());
  Result<Format> format = ParseFormatName(vm["format"].as<std::string>());
  for (const Error* e : {kernel.ok() ? nullptr : &kernel.error(),
                         engine.ok() ? nullptr : &engine.error(),
                         format.ok() ? nullptr : &format.error()}) {
    if (e != nullptr) {
      PrintError(command, e->message);
      return nullptr;
    }
  }
  o.ctx.kernel = *kernel;
  if (!ParseDispatchOptions(command, vm, &o.ctx.dispatch)) return nullptr;
  if (!ParseLogOptions(command, vm, &o.ctx.log)) return nullptr;
  o.engine = *engine;
  o.format = *format;
  const std::optional<ByteOrder> order = ByteOrderOption(command, vm);
  if (!order) return nullptr;
  o.byte_order = *order;
  if (vm.count("flags")) {
    for (const std::string& given : vm["flags"].as<std::vector<std::string>>()) {
      Result<uint32_t> f = ParseFilterFlags(given);
      if (!f.ok()) {
        PrintError(command, f.error());
        return nullptr;
      }
      o.flags.push_back(*f);
    }
  }
  Result<std::unique_ptr<eval::Session>> session = eval::OpenSession(o);
  if (!session.ok()) {
    if (session.error().rule == eval::kStackRejected) {
      std::fprintf(stderr, "%s\n", session.error().message.c_str());
      *exit_code = kExitFailed;
    } else {
      PrintError(command, session.error().message);
    }
    return nullptr;
  }
  for (const std::string& note : (*session)->notes) {
    std::fprintf(stderr, "sckit %s: %s\n", command, note.c_str());
  }
  return std::move(*session);
}

// EvalAll without --trace or the live kernel: eval/vector_sink.h's formatter, lines written in
// blocks of ~64 KiB. The same bytes, in the same order, as EvalAll's one-by-one path.
template <typename Next>
int EvalAllBuffered(eval::Session& session, const eval::EvalOptions& options,
                    const std::string& source, Next next) {
  constexpr size_t kBlock = 64 * 1024;
  eval::VectorSink sink(session, options);
  std::string buffer;
  buffer.reserve(kBlock + 4096);
  auto flush = [&buffer] {
    std::fwrite(buffer.data(), 1, buffer.size(), stdout);
    buffer.clear();
    return !StandardOutputFailed();
  };
  bool all_agree = true;
  SeccompData d;
  eval::Scratch scratch;
  for (;;) {
    const DispatchConfig* dispatch = nullptr;
    Result<bool> more = next(&d, &dispatch);
    if (!more.ok()) {
      flush();
      std::fflush(stdout);
      PrintError("eval", source + more.error().ToString());
      return kExitUsage;
    }
    if (!*more) break;
    // A line with its own dispatch configuration: evaluated on its own, in the same order.
    Result<bool> agree = dispatch == nullptr
                             ? sink.Append(d, &buffer)
                             : eval::EvaluateRecord(session, d, options, &scratch, dispatch);
    if (dispatch != nullptr && agree.ok()) buffer += scratch.out;
    if (!agree.ok()) {  // a harness failure: said, counted, and the next record goes on
      flush();
      std::fflush(stdout);
      PrintError("eval", agree.error().message);
      all_agree = false;
      continue;
    }
    all_agree = *agree && all_agree;
    if (buffer.size() >= kBlock && !flush()) break;  // the dispatcher reports it
  }
  flush();
  return all_agree ? kExitOk : kExitFailed;
}

// Evaluates and prints each record; returns the exit code.
template <typename Next>
int EvalAll(eval::Session& session, const eval::EvalOptions& options, const std::string& source,
            Next next) {
  if (eval::VectorSink::Supports(session, options)) {
    return EvalAllBuffered(session, options, source, next);
  }
  eval::Scratch scratch;
  bool all_agree = true;
  SeccompData d;
  for (;;) {
    const DispatchConfig* dispatch = nullptr;
    Result<bool> more = next(&d, &dispatch);
    if (!more.ok()) {
      std::fflush(stdout);
      PrintError("eval", source + more.error().ToString());
      return kExitUsage;
    }
    if (!*more) break;
    Result<bool> agree = eval::EvaluateRecord(session, d, options, &scratch, dispatch);
    if (!agree.ok()) {  // a harness failure: said, counted, and the next record goes on
      std::fflush(stdout);
      PrintError("eval", agree.error().message);
      all_agree = false;
      continue;
    }
    all_agree = *agree && all_agree;
    std::fwrite(scratch.out.data(), 1, scratch.out.size(), stdout);
    if (StandardOutputFailed()) break;  // the dispatcher reports it; no point going on
  }
  return all_agree ? kExitOk : kExitFailed;
}

// `--data` records: all checked first (counted, not expanded), so a bad one prints nothing
// else; each may be a pattern (sets, ranges, nr=*), expanded one at a time while evaluating.
int EvalData(eval::Session& session, const eval::EvalOptions& options,
             const std::vector<std::string>& texts) {
  uint64_t total = 0;
  std::vector<std::optional<DispatchConfig>> configs;  // per --data: its own dispatch keys
  for (const std::string& text : texts) {
    LineDispatch line;
    Result<uint64_t> n = CountRecordPattern(StripComment(text), 1, &line);
    if (n.ok() && (total += *n) > eval::kMaxCasesPerFile) {
      n = MakeError("too-many-records", "the --data records expand to more than " +
                                            std::to_string(eval::kMaxCasesPerFile));
    }
    Result<std::optional<DispatchConfig>> config = eval::LineDispatchConfig(session, line);
    if (n.ok() && !config.ok()) n = config.error();
    if (!n.ok()) {
      PrintError("eval", "--data: " + n.error().ToString());
      return kExitUsage;
    }
    configs.push_back(*config);
  }
  size_t next_text = 0, i = 0;
  std::vector<SeccompData> records;
  LineDispatch scratch_line;
  return EvalAll(session, options, "--data: ",
                 [&](SeccompData* d, const DispatchConfig** dispatch) -> Result<bool> {
                   while (i == records.size()) {
                     if (next_text == texts.size()) return false;
                     Result<std::vector<SeccompData>> r = ParseRecordPattern(
                         StripComment(texts[next_text++]), 1, &scratch_line);
                     if (!r.ok()) return r.error();  // not reached: counted above
                     records = std::move(*r);
                     i = 0;
                   }
                   const std::optional<DispatchConfig>& c = configs[next_text - 1];
                   *dispatch = c ? &*c : nullptr;
                   *d = records[i++];
                   return true;
                 });
}

}  // namespace

int CmdEval(const std::vector<std::string>& args) {
  po::options_description visible("options");
  visible.add_options()("help,h", "show this help");
  AddStackOptions(&visible);
  visible.add_options()("data,d", po::value<std::vector<std::string>>(),
                        "one record, e.g. 'arch=x86_64 nr=openat args=0xffffff9c,0x1000', or a pattern "
                        "('nr=read,write a0=0-3', 'nr=*') (repeatable)")(
      "vectors", po::value<std::string>(), "file of records, one per line, or '-' for stdin")(
      "vectors-format", po::value<std::string>()->default_value("auto"),
      "records format: auto, text, binary (raw 64-byte seccomp_data)")(
      "json", "JSON Lines output")("trace", "list the executed instructions (pc, A, X)")(
      "full", "print records whole: ip and all six args, zeros too (default: names, and only "
              "what is not zero)");
  po::options_description hidden;
  po::positional_options_description pos;
  po::variables_map vm;
  if (auto code = ParseOptions(args,
                               "sckit eval --filter F [--filter F2 ...] (--data RECORD | "
                               "--vectors FILE|-) [--json] [--trace] [--full]",
                               visible, hidden, pos, &vm)) {
    return *code;
  }
  const bool has_data = vm.count("data") > 0;
  if (has_data == (vm.count("vectors") > 0)) {
    PrintError("eval", "give either --data or --vectors (see --help)");
    return kExitUsage;
  }
  Result<RecordFormat> vformat = ParseRecordFormatName(vm["vectors-format"].as<std::string>());
  if (!vformat.ok()) {
    PrintError("eval", vformat.error());
    return kExitUsage;
  }
  int code = kExitUsage;
  std::unique_ptr<eval::Session> session = Open("eval", vm, &code);
  if (!session) return code;
  const eval::EvalOptions options{vm.count("json") > 0, vm.count("trace") > 0,
                                  vm.count("full") > 0};
  if (options.trace && session->uses_kernel()) {
    PrintError("eval", "--trace lists the interpreter's steps: not with --engine kernel/all");
    return kExitUsage;
  }
  if (has_data) {
    return EvalData(*session, options, vm["data"].as<std::vector<std::string>>());
  }
  const std::string path = vm["vectors"].as<std::string>();
  if (auto e = RefuseDirectory(path)) {  // std::ifstream would read a directory as empty
    PrintError("eval", e->message);
    return kExitUsage;
  }
  // std::cin is synchronised with stdio, which costs a third more on millions of records.
  std::ifstream file(path == "-" ? std::string("/dev/stdin") : path, std::ios::binary);
  if (!file) {
    PrintError("eval", "cannot open " + path + ": " + std::strerror(errno));
    return kExitUsage;
  }
  struct stat st;  // a regular file's size helps tell binary records from text
  const int64_t size = path != "-" && stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)
                           ? static_cast<int64_t>(st.st_size)
                           : -1;
  RecordReader reader(file, *vformat, size, eval::kMaxCasesPerFile);
  bool first = true;
  LineDispatch line;
  std::optional<DispatchConfig> config;
  return EvalAll(*session, options, path + ": ",
                 [&](SeccompData* d, const DispatchConfig** dispatch) -> Result<bool> {
    Result<bool> next = reader.Next(d, &line);
    if (next.ok() && *next && line.any()) {  // the line's own configuration
      Result<std::optional<DispatchConfig>> c = eval::LineDispatchConfig(*session, line);
      if (!c.ok()) return c.error();
      config = *c;
      *dispatch = &*config;
    }
    if (first && *vformat == RecordFormat::kAuto && reader.guess().ambiguous) {
      std::fprintf(stderr,
                   "sckit eval: note: %s read as %s records (%s); say --vectors-format "
                   "text|binary to choose\n",
                   path.c_str(), reader.format() == RecordFormat::kBinary ? "binary" : "text",
                   reader.guess().reason.c_str());
    }
    first = false;
    return next;
  });
}

// One case as `sckit test` prints it: failures always, passes and skips with --verbose.
void PrintCase(const std::string& path, const eval::CaseResult& c, bool skip, bool verbose) {
  if (skip) {
    if (verbose) std::printf("%s:%d: skipped: %s\n", path.c_str(), c.line, c.record.c_str());
  } else if (!c.passed) {
    // The line as written (a cases line, a trace line), then this record of it (a pattern line
    // has many), then the expectation against the answer.
    std::printf("%s:%d: FAIL: %s\n  record:   %s\n  expected: %s\n  got:      %s\n",
                path.c_str(), c.line, c.source.c_str(), c.record.c_str(), c.expected.c_str(),
                c.actual.c_str());
  } else if (verbose) {
    std::printf("%s:%d: ok: %s -> %s\n", path.c_str(), c.line, c.record.c_str(),
                c.actual.c_str());
  }
}

// --strace / --audit: every call of each trace as a case that must be allowed; the suites are
// appended. Returns an exit code on an error (after printing it), else nullopt.
std::optional<int> RunTraces(
    const po::variables_map& vm, eval::Session& session,
    const std::function<void(const std::string&, const eval::CaseResult&, bool)>& print_case,
    std::vector<eval::SuiteResult>* suites) {
  const ArchInfo* arch = FindArch(vm["trace-arch"].as<std::string>());
  if (!arch) {
    PrintError("test", "--trace-arch: unknown arch '" + vm["trace-arch"].as<std::string>() + "'");
    return kExitUsage;
  }
  for (const auto& [option, kind] : {std::pair{"strace", TraceKind::kStrace},
                                     std::pair{"audit", TraceKind::kAudit}}) {
    if (!vm.count(option)) continue;
    for (const std::string& path : vm[option].as<std::vector<std::string>>()) {
      std::string summary;
      Result<std::vector<TraceCall>> calls = ReadTraceFile(kind, path, *arch, &summary);
      if (!calls.ok()) {
        PrintError("test", calls.error().message);
        return kExitUsage;
      }
      std::vector<eval::CallCase> cases;
      cases.reserve(calls->size());
      for (const TraceCall& c : *calls) {
        // An audit record names the call by number only: say its name first.
        const bool named = kind == TraceKind::kAudit && !c.name.empty();
        cases.push_back({c.line, named ? c.name + ": " + c.text : c.text, c.record});
      }
      eval::CaseOptions options;
      options.keep_cases = vm.count("junit") > 0;
      options.full = vm.count("full") > 0;
      options.on_case = [&](const eval::CaseResult& c, bool skip) { print_case(path, c, skip); };
      Result<eval::SuiteResult> suite = eval::RunCallCases(session, cases, path, options);
      if (!suite.ok()) {
        std::fflush(stdout);
        PrintError("test", path + ": " + suite.error().ToString());
        return kExitUsage;
      }
      suites->push_back(std::move(*suite));
    }
  }
  return std::nullopt;
}

int CmdTest(const std::vector<std::string>& args) {
  po::options_description visible("options");
  visible.add_options()("help,h", "show this help");
  AddStackOptions(&visible);
  visible.add_options()("junit", po::value<std::string>(), "also write JUnit XML to FILE")(
      "verbose,v", "print every case, not only failures")(
      "strace", po::value<std::vector<std::string>>()->composing(),
      "replay every call of an `strace -f` log: each must be allowed (ALLOW or LOG)")(
      "audit", po::value<std::vector<std::string>>()->composing(),
      "replay every seccomp audit record (audit.log, kernel log): each must be allowed")(
      "trace-arch", po::value<std::string>()->default_value("x86_64"),
      "the arch of the --strace logs' calls (strace's 32-bit mode notes change it)")(
      "full", "print records whole: ip and all six args, zeros too");
  po::options_description hidden;
  hidden.add_options()("cases", po::value<std::vector<std::string>>(), "cases files");
  po::positional_options_description pos;
  pos.add("cases", -1);
  po::variables_map vm;
  if (auto code = ParseOptions(args, "sckit test --filter F [--filter F2 ...] (CASES... | --strace FILE | --audit FILE) "
                                     "[--junit FILE] [--full]",
                               visible, hidden, pos, &vm)) {
    return *code;
  }
  if (!vm.count("cases") && !vm.count("strace") && !vm.count("audit")) {
    PrintError("test", "no cases file, --strace or --audit given (see --help)");
    return kExitUsage;
  }
  int code = kExitUsage;
  std::unique_ptr<eval::Session> session = Open("test", vm, &code);
  if (!session) return code;
  const bool verbose = vm.count("verbose") > 0;
  std::vector<eval::SuiteResult> suites;
  int passed = 0, failed = 0, skipped = 0;
  const auto print_case = [verbose](const std::string& path, const eval::CaseResult& c,
                                   bool skip) { PrintCase(path, c, skip, verbose); };
  if (auto code = RunTraces(vm, *session, print_case, &suites)) return *code;
  const std::vector<std::string> no_cases;
  for (const std::string& path :
       vm.count("cases") ? vm["cases"].as<std::vector<std::string>>() : no_cases) {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (path != "-") {
      if (auto e = RefuseDirectory(path)) {  // std::ifstream would read it as empty
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
    eval::CaseOptions options;
    options.keep_cases = vm.count("junit") > 0;
    options.full = vm.count("full") > 0;
    options.on_case = [&](const eval::CaseResult& c, bool skip) { print_case(path, c, skip); };
    Result<eval::SuiteResult> suite = eval::RunCases(*session, *in, path, options);
    if (!suite.ok()) {
      std::fflush(stdout);
      PrintError("test", path + ": " + suite.error().ToString());
      return kExitUsage;
    }
    suites.push_back(std::move(*suite));
  }
  for (const eval::SuiteResult& suite : suites) {
    passed += suite.passed;
    failed += suite.failures;
    skipped += suite.skipped;
  }
  const std::string engines = eval::EngineSummary(suites);
  std::printf("%d passed, %d failed%s%s\n", passed, failed,
              skipped > 0 ? (", " + std::to_string(skipped) + " skipped").c_str() : "",
              engines.empty() ? "" : ("; " + engines).c_str());
  if (vm.count("junit") &&
      WriteOutput("test", vm["junit"].as<std::string>(), eval::JunitXml(suites)) != kExitOk) {
    return kExitUsage;
  }
  return failed ? kExitFailed : kExitOk;
}

}  // namespace sckit::tools
