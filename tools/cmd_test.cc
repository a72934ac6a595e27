// sckit test: policy regression tests: `RECORD => EXPECTED` cases files, and traces replayed
// (--strace, --audit: every call must be allowed), with a JUnit report.
// Options, reading and printing only: the stack's options are tools/stack_options.h, running
// cases and the reports are eval/'s.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "eval/evaluate.h"
#include "eval/report.h"
#include "eval/session.h"
#include "formats/read_file.h"
#include "tools/command.h"
#include "tools/options.h"
#include "tools/output.h"
#include "tools/stack_options.h"
#include "tools/trace_inputs.h"
#include "vm/arch.h"

namespace sckit::tools {
namespace {

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

}  // namespace

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
  if (auto code = ParseOptions(args,
                               "sckit test --filter F [--filter F2 ...] (CASES... | --strace FILE "
                               "| --audit FILE) [--junit FILE] [--full]",
                               visible, hidden, pos, &vm)) {
    return *code;
  }
  if (!vm.count("cases") && !vm.count("strace") && !vm.count("audit")) {
    PrintError("test", "no cases file, --strace or --audit given (see --help)");
    return kExitUsage;
  }
  int code = kExitUsage;
  std::unique_ptr<eval::Session> session = OpenStack("test", vm, &code);
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
