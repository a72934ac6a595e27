// sckit coverage and sckit cfg: how much of a filter a set of records exercises, and the
// filter's control-flow graph.
#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
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
#include "formats/read_file.h"
#include "formats/records.h"

namespace sckit::tools {
namespace {

// Records from a cases file (the RECORD side of `RECORD => EXPECTED`, patterns expanded), a
// text vectors file, or binary seccomp_data records (a NUL byte in the first 64). Streams into
// `sink` in bounded memory (formats/records.h).
std::optional<Error> ForEachRecord(const std::string& path,
                                   const std::function<void(const SeccompData&)>& sink) {
  if (auto e = RefuseDirectory(path)) return e;
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) return MakeError("io-error", "cannot open " + path + ": " + std::strerror(errno));
    in = &file;
  }
  std::string head(sizeof(SeccompData), '\0');
  in->read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in->gcount()));
  in->clear(in->rdstate() & ~std::ios::failbit);
  if (head.find('\0') != std::string::npos) {
    if (head.size() < sizeof(SeccompData)) {
      return MakeError("truncated-record",
                       "record 1 has " + std::to_string(head.size()) + " of 64 bytes");
    }
    SeccompData d;
    std::memcpy(&d, head.data(), sizeof d);  // the head is the first record
    sink(d);
    RecordReader reader(*in, RecordFormat::kBinary);
    for (;;) {
      Result<bool> more = reader.Next(&d);
      if (!more.ok()) return more.error();
      if (!*more) return std::nullopt;
      sink(d);
    }
  }
  CaseReader cases(*in, /*require_expected=*/false, std::move(head));
  CaseLine line;
  for (;;) {
    Result<bool> more = cases.Next(&line);
    if (!more.ok()) return more.error();
    if (!*more) return std::nullopt;
    for (const SeccompData& d : line.records) sink(d);
  }
}

std::vector<analysis::FilterCoverage> Measure(const std::vector<VerifiedProgram>& stack,
                                              const std::string& records, size_t* count,
                                              std::optional<Error>* error) {
  analysis::CoverageCollector collector(Pointers(stack));
  *error = ForEachRecord(records, [&](const SeccompData& d) { collector.Add(d); });
  *count = collector.records();
  return collector.Finish();
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
    char tmp[] = "/tmp/sckit-cfg-XXXXXX";
    const int fd = mkstemp(tmp);
    if (fd < 0) {
      PrintError("cfg", "cannot create a temporary file");
      return kExitUsage;
    }
    FILE* f = fdopen(fd, "w");
    std::fwrite(out.data(), 1, out.size(), f);
    std::fclose(f);
    FILE* p = popen(("dot -Tsvg " + std::string(tmp) + " 2>/dev/null").c_str(), "r");
    std::string svg;
    char buf[4096];
    size_t n;
    while (p != nullptr && (n = std::fread(buf, 1, sizeof buf, p)) > 0) svg.append(buf, n);
    const int rc = p ? pclose(p) : -1;
    std::remove(tmp);
    if (rc != 0 || svg.empty()) {
      PrintError("cfg", "Graphviz's `dot` is needed for SVG: apt-get install graphviz "
                        "(or use --format dot)");
      return kExitUsage;
    }
    out = svg;
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
