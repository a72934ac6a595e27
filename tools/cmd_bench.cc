// sckit bench: what a filter stack costs in the interpreter, the JIT and the live kernel.
// Option parsing and printing only; the measurements live in bench/bench.h.
#include <cstdio>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bench/bench.h"
#include "tools/command.h"
#include "tools/options.h"
#include "tools/output.h"

namespace sckit::tools {
namespace {

std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

struct BenchArgs {
  bench::BenchRequest request;
  bool json = false;
  std::string svg;  // empty: no chart
};

// Fills *a from the command line; an exit code when the command ends here.
std::optional<int> ParseBenchArgs(const std::vector<std::string>& args, BenchArgs* a) {
  po::options_description visible("options");
  visible.add_options()("help,h", "show this help")(
      "filter,f", po::value<std::vector<std::string>>()->multitoken(),
      "filter files of the stack, oldest first (repeat or list several)")(
      "format", po::value<std::string>()->default_value("auto"), "filter format: auto, raw, asm, c")(
      "vectors", po::value<std::string>(), "records file (text or binary, as `sckit eval`)")(
      "workload", po::value<std::string>()->default_value("hot"),
      "uniform (every syscall of --arch once), hot (a mix of common syscalls), or a file "
      "written by `strace -f -o FILE`")(
      "arch", po::value<std::string>()->default_value("x86_64"), "arch of generated workloads")(
      "engines", po::value<std::string>()->default_value("interp,jit,kernel"),
      "comma-separated engines: interp, jit, kernel")(
      "repetitions", po::value<int>()->default_value(31),
      "undisturbed timed samples per engine (samples during which the thread moved to another "
      "CPU or was switched out are dropped, after 3 warm-up samples)")(
      "rep-ms", po::value<double>()->default_value(2.0),
      "duration of one userspace sample, in ms (short samples are less often disturbed)")(
      "kernel-reps", po::value<int>()->default_value(31),
      "kernel engine: repetitions per phase (at most 64)")(
      "calls", po::value<int>()->default_value(2000),
      "kernel engine: syscalls per repetition and syscall")(
      "top", po::value<int>()->default_value(12), "rows of the heaviest-syscalls table")(
      "cpu", po::value<int>()->default_value(-1),
      "CPU to pin to (default: the last allowed one; -2: do not pin)")(
      "json", "print JSON: {\"engines\": {\"interp\": {\"ns_per_eval\": {...}, ...}, ...}, ...}")(
      "svg", po::value<std::string>(), "write an SVG chart of the cost per syscall to FILE");
  po::options_description hidden;
  hidden.add_options()("filters", po::value<std::vector<std::string>>(), "filter files");
  po::positional_options_description pos;
  pos.add("filters", -1);
  po::variables_map vm;
  if (auto code = ParseOptions(
          args,
          "sckit bench --filter F... [--vectors FILE | --workload uniform|hot|FILE] "
          "[--engines interp,jit,kernel] [--json] [--svg FILE]",
          visible, hidden, pos, &vm)) {
    return code;
  }
  bench::BenchRequest& request = a->request;
  if (vm.count("filter")) request.filter_files = vm["filter"].as<std::vector<std::string>>();
  if (vm.count("filters")) {
    for (const std::string& f : vm["filters"].as<std::vector<std::string>>()) {
      request.filter_files.push_back(f);
    }
  }
  if (request.filter_files.empty()) {
    PrintError("bench", "no --filter given (see --help)");
    return kExitUsage;
  }
  Result<Format> format = ParseFormatName(vm["format"].as<std::string>());
  if (!format.ok()) {
    PrintError("bench", format.error());
    return kExitUsage;
  }
  request.format = *format;
  if (vm.count("vectors")) request.vectors = vm["vectors"].as<std::string>();
  if (vm.count("vectors") && !vm["workload"].defaulted()) {
    PrintError("bench", "--vectors and --workload are exclusive");
    return kExitUsage;
  }
  request.workload = vm["workload"].as<std::string>();
  request.arch = vm["arch"].as<std::string>();
  request.engines = SplitCommas(vm["engines"].as<std::string>());
  request.timing.repetitions = vm["repetitions"].as<int>();
  request.timing.min_rep_seconds = vm["rep-ms"].as<double>() / 1000;
  request.kernel.repetitions = vm["kernel-reps"].as<int>();
  request.kernel.calls_per_rep = vm["calls"].as<int>();
  request.top = vm["top"].as<int>();
  request.cpu = vm["cpu"].as<int>();
  if (request.timing.repetitions < 1 || request.kernel.calls_per_rep < 1 || request.top < 0) {
    PrintError("bench", "--repetitions and --calls must be >= 1, --top >= 0");
    return kExitUsage;
  }
  a->json = vm.count("json") > 0;
  if (vm.count("svg")) a->svg = vm["svg"].as<std::string>();
  return std::nullopt;
}

// Bad requests are usage errors; a stack that cannot be measured is a failed check.
int ExitCodeFor(const Error& e) {
  return e.rule == "unknown-engine" || e.rule == "io-error" || e.rule == "unknown-arch" ||
                 e.rule == "no-filter"
             ? kExitUsage
             : kExitFailed;
}

}  // namespace

int CmdBench(const std::vector<std::string>& args) {
  BenchArgs a;
  if (auto code = ParseBenchArgs(args, &a)) return *code;
  Result<bench::BenchReport> report = bench::RunBench(a.request);
  if (!report.ok()) {
    PrintError("bench", report.error());
    return ExitCodeFor(report.error());
  }
  if (!a.svg.empty() && WriteOutput("bench", a.svg, bench::ReportSvg(*report)) != kExitOk) {
    return kExitUsage;
  }
  const std::string text = a.json ? bench::ReportJson(*report) : bench::ReportText(*report);
  std::fwrite(text.data(), 1, text.size(), stdout);
  for (const bench::EngineResult& e : report->engines) {
    if (!e.measured) return kExitFailed;
  }
  return kExitOk;
}

}  // namespace sckit::tools
