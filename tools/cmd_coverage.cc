// sckit coverage and sckit cfg: how much of a filter a set of records exercises, and the
// filter's control-flow graph.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <optional>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "analysis/cfg.h"
#include "analysis/coverage.h"
#include "tools/command.h"
#include "tools/filter_files.h"
#include "tools/options.h"
#include "vm/program.h"
#include "formats/disasm.h"
#include "formats/loader.h"
#include "formats/records.h"

namespace sckit::tools {
namespace {

// Records from a cases file (the RECORD side of `RECORD => EXPECTED`, patterns expanded), a
// text vectors file, or binary seccomp_data records. Streams into `sink`.
std::optional<Error> ForEachRecord(const std::string& path,
                                   const std::function<void(const SeccompData&)>& sink) {
  Result<std::vector<uint8_t>> bytes = ReadFileBytes(path);
  if (!bytes.ok()) return bytes.error();
  const bool binary = std::find(bytes->begin(), bytes->end(), 0) != bytes->end();
  std::string text(bytes->begin(), bytes->end());
  std::istringstream in(text);
  if (binary) {
    RecordReader reader(in, RecordFormat::kBinary);
    SeccompData d;
    for (;;) {
      Result<bool> more = reader.Next(&d);
      if (!more.ok()) return more.error();
      if (!*more) return std::nullopt;
      sink(d);
    }
  }
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    std::string_view record = StripComment(line);
    const size_t arrow = record.find("=>");
    if (arrow != std::string_view::npos) record = record.substr(0, arrow);
    while (!record.empty() && (record.back() == ' ' || record.back() == '\t')) {
      record.remove_suffix(1);
    }
    if (record.empty()) continue;
    Result<std::vector<SeccompData>> records = ParseRecordPattern(record, line_no);
    if (!records.ok()) return records.error();
    for (const SeccompData& d : *records) sink(d);
  }
  return std::nullopt;
}

std::vector<analysis::FilterCoverage> Measure(const std::vector<VerifiedProgram>& stack,
                                              const std::string& records, size_t* count,
                                              std::optional<Error>* error) {
  analysis::CoverageCollector collector(Pointers(stack));
  *error = ForEachRecord(records, [&](const SeccompData& d) { collector.Add(d); });
  *count = collector.records();
  return collector.Finish();
}

// Runs argv (found in PATH) and returns its standard output; its standard error is dropped.
// Killed after `seconds`. Errors: "not-found" (exit 127 from the exec), "timeout", "failed".
Result<std::string> RunWithDeadline(const std::vector<std::string>& argv, int seconds) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return MakeError("failed", std::strerror(errno));
  const pid_t pid = fork();
  if (pid < 0) {
    close(out[0]);
    close(out[1]);
    return MakeError("failed", std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    const int null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, STDERR_FILENO);
    std::vector<char*> cargv;
    for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    execvp(cargv[0], cargv.data());
    _exit(127);
  }
  close(out[1]);
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;  // the deadline check above ends it
    char buf[65536];
    const ssize_t n = read(out[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return MakeError("timeout", argv[0] + " did not finish within " + std::to_string(seconds) +
                                    " s and was stopped (use --format dot)");
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) return MakeError("not-found", argv[0]);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || text.empty()) {
    return MakeError("failed", argv[0] + " failed (" +
                                   (WIFEXITED(status)
                                        ? "exit status " + std::to_string(WEXITSTATUS(status))
                                        : "signal " + std::to_string(WTERMSIG(status))) +
                                   ")");
  }
  return text;
}

}  // namespace

int RunCoverage(const std::vector<std::string>& args) {
  po::options_description visible("options");
  visible.add_options()("help,h", "show this help")(
      "filter,f", po::value<std::vector<std::string>>(), "a filter; repeat for a stack (oldest first)")(
      "min", po::value<double>(), "exit 1 when instruction or branch coverage of a filter is below PCT")(
      "annotate", "print every instruction with its hit and branch counts")(
      "json", "machine-readable output");
  po::options_description hidden;
  hidden.add_options()("records", po::value<std::string>(), "cases or vectors file");
  po::positional_options_description pos;
  pos.add("records", 1);
  po::variables_map vm;
  const std::string usage =
      "sckit coverage --filter F... CASES|VECTORS [--min PCT] [--annotate] [--json]\n\n"
      "Runs the records (a `sckit test` cases file, a text vectors file or binary records) and "
      "reports instructions and branch directions exercised, out of those that some record can "
      "reach at all (decided exactly): 100% means every reachable path was tested.";
  if (auto code = ParseOptions(args, usage, visible, hidden, pos, &vm)) return *code;
  if (!vm.count("filter") || !vm.count("records")) {
    PrintError("coverage", "need --filter F and a records file (see --help)");
    return kExitUsage;
  }
  int code = kExitOk;
  const auto files = vm["filter"].as<std::vector<std::string>>();
  auto stack = LoadVerifiedFiles("coverage", files, Format::kAuto, &code);
  if (!stack) return code;
  size_t count = 0;
  std::optional<Error> error;
  const auto cov = Measure(*stack, vm["records"].as<std::string>(), &count, &error);
  if (error) {
    PrintError("coverage", vm["records"].as<std::string>() + ": " + error->ToString());
    return kExitUsage;
  }
  const bool json = vm.count("json") > 0;
  bool below = false;
  const double min = vm.count("min") ? vm["min"].as<double>() : 0.0;
  if (json) std::printf("{\"records\": %zu, \"filters\": [", count);
  for (size_t i = 0; i < cov.size(); ++i) {
    const auto& c = cov[i];
    below = below || c.InsnPercent() < min || c.BranchPercent() < min;
    const std::vector<std::string> lines = DisassembleLines((*stack)[i].original());
    std::vector<size_t> missed_returns, missed_insns, dead;
    std::vector<std::string> missed_branches;
    for (size_t pc = 0; pc < c.insns.size(); ++pc) {
      const auto& in = c.insns[pc];
      const bool is_ret = bpf::Class((*stack)[i].insns()[pc].code) == bpf::kRET;
      if (!in.feasible) dead.push_back(pc);
      if (in.feasible && in.hits == 0) (is_ret ? missed_returns : missed_insns).push_back(pc);
      if (in.is_branch) {
        if (in.taken_feasible && in.taken == 0) missed_branches.push_back(std::to_string(pc) + " true");
        if (in.not_taken_feasible && in.not_taken == 0) missed_branches.push_back(std::to_string(pc) + " false");
      }
    }
    if (json) {
      auto list = [](const std::vector<size_t>& v) {
        std::string s = "[";
        for (size_t j = 0; j < v.size(); ++j) s += (j ? ", " : "") + std::to_string(v[j]);
        return s + "]";
      };
      std::string branches = "[";
      for (size_t j = 0; j < missed_branches.size(); ++j) {
        branches += (j ? ", \"" : "\"") + missed_branches[j] + "\"";
      }
      branches += "]";
      std::printf("%s{\"file\": \"%s\", \"instructions\": {\"hit\": %zu, \"reachable\": %zu, "
                  "\"percent\": %.2f}, \"branches\": {\"hit\": %zu, \"reachable\": %zu, "
                  "\"percent\": %.2f}, \"missed_returns\": %s, \"missed_instructions\": %s, "
                  "\"missed_branches\": %s, \"unreachable\": %s}",
                  i ? ", " : "", JsonEscape(files[i]).c_str(), c.insns_hit, c.insns_feasible,
                  c.InsnPercent(), c.branches_hit, c.branches_feasible, c.BranchPercent(),
                  list(missed_returns).c_str(), list(missed_insns).c_str(), branches.c_str(),
                  list(dead).c_str());
      continue;
    }
    std::printf("%s: %zu records\n", files[i].c_str(), count);
    std::printf("  instructions      %zu of %zu reachable (%.1f%%)\n", c.insns_hit,
                c.insns_feasible, c.InsnPercent());
    std::printf("  branch directions %zu of %zu reachable (%.1f%%)\n", c.branches_hit,
                c.branches_feasible, c.BranchPercent());
    for (size_t pc : missed_returns) {
      std::printf("  never reached: return at pc %zu: %s\n", pc, lines[pc].c_str());
    }
    for (const std::string& b : missed_branches) std::printf("  never taken: branch at pc %s\n", b.c_str());
    if (!dead.empty()) {
      std::printf("  unreachable by any record (not counted): %zu instruction(s)\n", dead.size());
    }
    if (vm.count("annotate")) {
      for (size_t pc = 0; pc < c.insns.size(); ++pc) {
        const auto& in = c.insns[pc];
        std::string mark = !in.feasible ? "dead" : (in.hits ? std::to_string(in.hits) : "MISS");
        std::string br;
        if (in.is_branch) br = " [T " + std::to_string(in.taken) + " / F " + std::to_string(in.not_taken) + "]";
        std::printf("  %8s %4zu: %s%s\n", mark.c_str(), pc, lines[pc].c_str(), br.c_str());
      }
    }
  }
  if (json) std::printf("], \"below_min\": %s}\n", below ? "true" : "false");
  if (below && !json) std::printf("coverage below --min %.1f%%\n", min);
  return below ? kExitFailed : kExitOk;
}

namespace {

// Graphviz's dot -Tsvg on `dot_text`, ended after kDotDeadline (a guard: the size limits keep
// real layouts to seconds). `fast`: fewer layout passes and straight edges.
constexpr int kDotDeadlineSeconds = 60;

Result<std::string> RunDot(const std::string& dot_text, bool fast) {
  char tmp[] = "/tmp/sckit-cfg-XXXXXX";
  const int fd = mkstemp(tmp);
  if (fd < 0) return MakeError("io-error", std::string("cannot create a temporary file: ") +
                                               std::strerror(errno));
  size_t done = 0;
  while (done < dot_text.size()) {
    const ssize_t n = write(fd, dot_text.data() + done, dot_text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      close(fd);
      unlink(tmp);
      return MakeError("io-error", std::string("cannot write ") + tmp + ": " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  close(fd);
  std::vector<std::string> argv = {"dot", "-Tsvg"};
  if (fast) {
    for (const char* o : {"-Gnslimit=2", "-Gnslimit1=2", "-Gmclimit=0.1", "-Gsplines=line"}) {
      argv.push_back(o);
    }
  }
  argv.push_back(tmp);
  Result<std::string> svg = RunWithDeadline(argv, kDotDeadlineSeconds);
  unlink(tmp);
  if (!svg.ok() && svg.error().rule == "not-found") {
    return MakeError("not-found", "Graphviz's `dot` is needed for SVG: apt-get install graphviz "
                                  "(or use --format dot)");
  }
  return svg;
}

}  // namespace

int RunCfg(const std::vector<std::string>& args) {
  po::options_description visible("options");
  visible.add_options()("help,h", "show this help")(
      "format", po::value<std::string>()->default_value("dot"), "dot or svg (svg runs Graphviz's dot)")(
      "out,o", po::value<std::string>(), "write to this file instead of standard output")(
      "coverage", po::value<std::string>(), "overlay hit counts from a cases or vectors file");
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::string>(), "filter");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (auto code = ParseOptions(args, "sckit cfg FILE [--format dot|svg] [-o OUT] [--coverage CASES]",
                               visible, hidden, pos, &vm)) {
    return *code;
  }
  if (!vm.count("file")) {
    PrintError("cfg", "no filter file given (see --help)");
    return kExitUsage;
  }
  const std::string format = vm["format"].as<std::string>();
  if (format != "dot" && format != "svg") {
    PrintError("cfg", "unknown --format '" + format + "' (dot or svg)");
    return kExitUsage;
  }
  int code = kExitOk;
  const std::string file = vm["file"].as<std::string>();
  auto stack = LoadVerifiedFiles("cfg", {file}, Format::kAuto, &code);
  if (!stack) return code;
  std::optional<analysis::FilterCoverage> cov;
  if (vm.count("coverage")) {
    size_t count = 0;
    std::optional<Error> error;
    auto all = Measure(*stack, vm["coverage"].as<std::string>(), &count, &error);
    if (error) {
      PrintError("cfg", error->ToString());
      return kExitUsage;
    }
    cov = all[0];
  }
  std::string out = analysis::ToDot((*stack)[0].original(), file, cov ? &*cov : nullptr);
  if (format == "svg") {
    const analysis::LayoutSize size = analysis::DotLayoutSize((*stack)[0].original());
    if (size.blocks > analysis::kSvgMaxBlocks || size.nodes() > analysis::kSvgMaxLayoutNodes) {
      PrintError("cfg", file + ": too large for an SVG layout: " + std::to_string(size.blocks) +
                            " blocks and " + std::to_string(size.virtual_nodes) +
                            " virtual nodes for the jumps that cross ranks (the limits are " +
                            std::to_string(analysis::kSvgMaxBlocks) + " blocks and " +
                            std::to_string(analysis::kSvgMaxLayoutNodes) +
                            " nodes in all; past them Graphviz's layout takes minutes); use "
                            "--format dot with a viewer for large graphs");
      return kExitUsage;
    }
    Result<std::string> svg = RunDot(out, size.nodes() > analysis::kSvgFastLayoutAbove);
    if (!svg.ok()) {
      PrintError("cfg", svg.error().message);
      return kExitUsage;
    }
    out = std::move(*svg);
  }
  if (vm.count("out")) {
    std::ofstream f(vm["out"].as<std::string>(), std::ios::binary);
    f << out;
    if (!f) {
      PrintError("cfg", "cannot write " + vm["out"].as<std::string>());
      return kExitUsage;
    }
  } else {
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  return kExitOk;
}

}  // namespace sckit::tools
