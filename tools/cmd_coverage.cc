// sckit coverage and sckit cfg: how much of a filter a set of records exercises, and the
// filter's control-flow graph. Measuring and the gaps are analysis/coverage.h, the graph
// analysis/cfg.h, reading records eval/record_file.h; this file parses options and prints.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "analysis/cfg.h"
#include "analysis/coverage.h"
#include "eval/record_file.h"
#include "formats/disasm.h"
#include "formats/dot_svg.h"
#include "formats/loader.h"
#include "tools/command.h"
#include "tools/filter_files.h"
#include "tools/options.h"
#include "tools/output.h"
#include "vm/program.h"

namespace sckit::tools {
namespace {

std::vector<analysis::FilterCoverage> Measure(const std::vector<VerifiedProgram>& stack,
                                              const std::string& records, size_t* count,
                                              std::optional<Error>* error) {
  analysis::CoverageCollector collector(Pointers(stack));
  *error = eval::ForEachRecordInFile(records, [&](const SeccompData& d) { collector.Add(d); });
  *count = collector.records();
  return collector.Finish();
}

std::string BranchName(const analysis::CoverageGaps::Branch& b) {
  return std::to_string(b.pc) + (b.taken ? " true" : " false");
}

std::string JsonList(const std::vector<size_t>& v) {
  std::string s = "[";
  for (size_t j = 0; j < v.size(); ++j) s += (j ? ", " : "") + std::to_string(v[j]);
  return s + "]";
}

// One element of the "filters" array; `first` has no leading comma.
void PrintFilterJson(bool first, const std::string& file, const analysis::FilterCoverage& c,
                     const analysis::CoverageGaps& gaps) {
  std::string branches = "[";
  for (size_t j = 0; j < gaps.missed_branches.size(); ++j) {
    branches += (j ? ", \"" : "\"") + BranchName(gaps.missed_branches[j]) + "\"";
  }
  branches += "]";
  std::printf("%s{\"file\": \"%s\", \"instructions\": {\"hit\": %zu, \"reachable\": %zu, "
              "\"percent\": %.2f}, \"branches\": {\"hit\": %zu, \"reachable\": %zu, "
              "\"percent\": %.2f}, \"missed_returns\": %s, \"missed_instructions\": %s, "
              "\"missed_branches\": %s, \"unreachable\": %s}",
              first ? "" : ", ", JsonEscape(file).c_str(), c.insns_hit, c.insns_feasible,
              c.InsnPercent(), c.branches_hit, c.branches_feasible, c.BranchPercent(),
              JsonList(gaps.missed_returns).c_str(), JsonList(gaps.missed_instructions).c_str(),
              branches.c_str(), JsonList(gaps.unreachable).c_str());
}

// Every instruction with its hit count ("MISS", "dead") and branch counts.
void PrintAnnotated(const analysis::FilterCoverage& c, const std::vector<std::string>& lines) {
  for (size_t pc = 0; pc < c.insns.size(); ++pc) {
    const auto& in = c.insns[pc];
    std::string mark = !in.feasible ? "dead" : (in.hits ? std::to_string(in.hits) : "MISS");
    std::string br;
    if (in.is_branch) {
      br = " [T " + std::to_string(in.taken) + " / F " + std::to_string(in.not_taken) + "]";
    }
    std::printf("  %8s %4zu: %s%s\n", mark.c_str(), pc, lines[pc].c_str(), br.c_str());
  }
}

void PrintFilterText(const std::string& file, size_t count, const analysis::FilterCoverage& c,
                     const analysis::CoverageGaps& gaps, const VerifiedProgram& program,
                     bool annotate) {
  const std::vector<std::string> lines = DisassembleLines(program.original());
  std::printf("%s: %zu records\n", file.c_str(), count);
  std::printf("  instructions      %zu of %zu reachable (%.1f%%)\n", c.insns_hit,
              c.insns_feasible, c.InsnPercent());
  std::printf("  branch directions %zu of %zu reachable (%.1f%%)\n", c.branches_hit,
              c.branches_feasible, c.BranchPercent());
  for (size_t pc : gaps.missed_returns) {
    std::printf("  never reached: return at pc %zu: %s\n", pc, lines[pc].c_str());
  }
  for (const auto& b : gaps.missed_branches) {
    std::printf("  never taken: branch at pc %s\n", BranchName(b).c_str());
  }
  if (!gaps.unreachable.empty()) {
    std::printf("  unreachable by any record (not counted): %zu instruction(s)\n",
                gaps.unreachable.size());
  }
  if (annotate) PrintAnnotated(c, lines);
}

}  // namespace

int CmdCoverage(const std::vector<std::string>& args) {
  po::options_description visible("options");
  visible.add_options()("help,h", "show this help")(
      "filter,f", po::value<std::vector<std::string>>(), "a filter; repeat for a stack (oldest first)")(
      "min", po::value<double>(), "exit 1 when instruction or branch coverage of a filter is below PCT")(
      "annotate", "print every instruction with its hit and branch counts")(
      "json", "machine-readable output");
  AddByteOrderOption(&visible);
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
  const std::optional<ByteOrder> order = ByteOrderOption("coverage", vm);
  if (!order) return kExitUsage;
  auto stack = LoadVerifiedFiles("coverage", files, FilterLoadOptions(Format::kAuto, *order), &code);
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
    const analysis::CoverageGaps gaps = analysis::FindGaps(c, (*stack)[i]);
    if (json) {
      PrintFilterJson(i == 0, files[i], c, gaps);
    } else {
      PrintFilterText(files[i], count, c, gaps, (*stack)[i], vm.count("annotate") > 0);
    }
  }
  if (json) std::printf("], \"below_min\": %s}\n", below ? "true" : "false");
  if (below && !json) std::printf("coverage below --min %.1f%%\n", min);
  return below ? kExitFailed : kExitOk;
}

int CmdCfg(const std::vector<std::string>& args) {
  po::options_description visible("options");
  visible.add_options()("help,h", "show this help")(
      "format", po::value<std::string>()->default_value("dot"), "dot or svg (svg runs Graphviz's dot)")(
      "out,o", po::value<std::string>(), "write to this file instead of standard output")(
      "coverage", po::value<std::string>(), "overlay hit counts from a cases or vectors file");
  AddByteOrderOption(&visible);
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
  const std::optional<ByteOrder> order = ByteOrderOption("cfg", vm);
  if (!order) return kExitUsage;
  auto stack = LoadVerifiedFiles("cfg", {file}, FilterLoadOptions(Format::kAuto, *order), &code);
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
    DotOptions dot_options;
    dot_options.fast_layout = size.nodes() > analysis::kSvgFastLayoutAbove;
    Result<std::string> svg = DotToSvg(out, dot_options);
    if (!svg.ok()) {
      PrintError("cfg", svg.error().message);
      return kExitUsage;
    }
    out = std::move(*svg);
  }
  return WriteOutput("cfg", vm.count("out") ? vm["out"].as<std::string>() : "", out);
}

}  // namespace sckit::tools
