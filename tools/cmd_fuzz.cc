// sckit fuzz: a minimal set of records covering everything reachable in a stack, written as a
// `sckit test` cases file with the observed outcomes. The search is analysis/record_search.h, the
// outcomes eval::CaseLines; this file parses options and prints.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "analysis/record_search.h"
#include "eval/evaluate.h"
#include "eval/stack_builder.h"
#include "formats/disasm.h"
#include "formats/loader.h"
#include "tools/command.h"
#include "tools/filter_files.h"
#include "tools/options.h"
#include "tools/output.h"

namespace sckit::tools {
namespace {

struct FuzzArgs {
  std::vector<std::string> files;
  analysis::FuzzOptions options;
  std::string out;  // empty: standard output
  bool json = false;
  bool full = false;  // records whole in the cases (ip, all six args)
};

// Fills *a from the command line; an exit code when the command ends here.
std::optional<int> ParseFuzzArgs(const std::vector<std::string>& args, FuzzArgs* a) {
  po::options_description visible("options");
  visible.add_options()("help,h", "show this help")(
      "filter,f", po::value<std::vector<std::string>>(), "a filter; repeat for a stack (oldest first)")(
      "time", po::value<double>()->default_value(10.0),
      "search for at most S seconds (0: no time limit, --runs and --stall alone end the search, "
      "so the result does not depend on the machine's speed)")(
      "runs", po::value<uint64_t>()->default_value(2'000'000), "evaluate at most N records")(
      "seed", po::value<uint32_t>()->default_value(1), "random seed (runs are reproducible)")(
      "stall", po::value<uint64_t>()->default_value(1'000'000),
      "end the search after N runs without new coverage (0: never)")(
      "no-solver", "search only: do not close the gaps with the solver")(
      "no-jit", "run the search through the traced interpreter instead of instrumented JIT code")(
      "out,o", po::value<std::string>(), "write the cases file here (default or '-': standard output)")(
      "json", "print the report as JSON on standard error's place (stdout); cases go to --out")(
      "full", "write records whole: ip and all six args, zeros too");
  po::options_description hidden;
  po::positional_options_description pos;
  po::variables_map vm;
  const std::string usage =
      "sckit fuzz --filter F... [--time S | --runs N] [--stall N] [--seed N] [--no-jit] [--out FILE] "
      "[--full]\n\n"
      "Searches seccomp_data for records that reach every reachable instruction, branch "
      "direction and outcome of the stack, using the constants the filters compare against; "
      "then settles what the search missed exactly with the solver (a witness, or a proof that "
      "the branch can never be taken). Writes a minimal covering set as a `sckit test` cases "
      "file with the outcomes observed now, to bootstrap regression tests: records and outcomes "
      "with names, each case with a comment saying which branch it is the first to reach.";
  if (auto code = ParseOptions(args, usage, visible, hidden, pos, &vm)) return code;
  if (!vm.count("filter")) {
    PrintError("fuzz", "no --filter given (see --help)");
    return kExitUsage;
  }
  a->files = vm["filter"].as<std::vector<std::string>>();
  a->options.max_seconds = vm["time"].as<double>();
  if (!(a->options.max_seconds >= 0) || std::isinf(a->options.max_seconds)) {
    PrintError("fuzz", "--time must be a number of seconds >= 0 (0: no time limit)");
    return kExitUsage;
  }
  a->options.max_runs = vm["runs"].as<uint64_t>();
  a->options.seed = vm["seed"].as<uint32_t>();
  a->options.stall_runs = vm["stall"].as<uint64_t>();
  a->options.solver_assist = vm.count("no-solver") == 0;
  if (vm.count("no-jit") == 0) a->options.instrumented = eval::JitCoverageEngines();
  if (vm.count("out")) a->out = vm["out"].as<std::string>();
  a->json = vm.count("json") > 0;
  a->full = vm.count("full") > 0;
  return std::nullopt;
}

// Evaluations per CPU-second of the search (a loaded machine slows the wall clock, not this).
double Rate(const analysis::FuzzResult& r) {
  return r.search_cpu_seconds > 0 ? static_cast<double>(r.runs) / r.search_cpu_seconds : 0;
}

void PrintJsonReport(const analysis::FuzzResult& r) {
  std::printf("{\"records\": %zu, \"edges_total\": %zu, \"edges_covered\": %zu, "
              "\"covered_by_search\": %zu, \"covered_by_solver\": %zu, \"runs\": %llu, "
              "\"seconds\": %.3f, \"search_seconds\": %.3f, \"search_cpu_seconds\": %.3f, "
              "\"runs_per_cpu_second\": %.0f, \"runs_per_second\": %.0f, "
              "\"engine\": \"%s\", \"unreachable\": [",
              r.records.size(), r.edges_total, r.edges_covered, r.covered_by_search,
              r.covered_by_solver, static_cast<unsigned long long>(r.runs), r.seconds,
              r.search_seconds, r.search_cpu_seconds, Rate(r),
              r.search_seconds > 0 ? static_cast<double>(r.runs) / r.search_seconds : 0,
              r.engine.c_str());
  for (size_t i = 0; i < r.unreachable.size(); ++i) {
    std::printf("%s\"%s\"", i ? ", " : "", r.unreachable[i].Describe().c_str());
  }
  std::printf("], \"unknown\": %zu}\n", r.unknown.size());
}

void PrintTextReport(FILE* report, const analysis::FuzzResult& r) {
  std::fprintf(report,
               "fuzz: %llu runs in %.2fs (search %.2fs, %.0f per CPU-second, %s); %zu of %zu "
               "reachable-or-not edges covered (%zu by search, %zu by the solver); %zu "
               "records kept\n",
               static_cast<unsigned long long>(r.runs), r.seconds, r.search_seconds, Rate(r),
               r.engine.c_str(), r.edges_covered, r.edges_total, r.covered_by_search,
               r.covered_by_solver, r.records.size());
  for (const auto& e : r.unreachable) {
    std::fprintf(report, "  unreachable: %s\n", e.Describe().c_str());
  }
  for (const auto& e : r.unknown) {
    std::fprintf(report, "  not covered (solver gave up): %s\n", e.Describe().c_str());
  }
}

// Why record i is in the set: the deepest branch direction it is the first to take (the last
// one its run met), else the last instruction it is the first to reach, as "filter F pc P:
// INSN (true|false)", with how many other edges it also reaches first.
std::string ReachComment(const std::vector<analysis::FuzzEdge>& first,
                         const std::vector<std::vector<std::string>>& listings) {
  if (first.empty()) return "";
  const analysis::FuzzEdge* pick = &first.back();
  for (const analysis::FuzzEdge& e : first) {
    if (e.kind != analysis::FuzzEdge::Kind::kInsn) pick = &e;
  }
  std::string out = "reaches ";
  if (listings.size() > 1) out += "filter " + std::to_string(pick->filter) + " ";
  std::string insn = listings[static_cast<size_t>(pick->filter)][pick->pc];
  if (const size_t semi = insn.find(" ; "); semi != std::string::npos) {  // the listing's note
    const size_t start = insn.find_first_not_of(' ', semi + 3);
    const size_t end = insn.find_last_not_of(' ', semi);
    insn = insn.substr(0, end + 1) + " (" + insn.substr(start) + ")";
  }
  out += "pc " + std::to_string(pick->pc) + ": " + insn;
  if (pick->kind == analysis::FuzzEdge::Kind::kTaken) out += " -> true";
  if (pick->kind == analysis::FuzzEdge::Kind::kNotTaken) out += " -> false";
  if (first.size() > 1) out += " (+" + std::to_string(first.size() - 1) + " more edges first)";
  return out;
}

// The cases file: a header naming the stack, then one `RECORD => OUTCOME  # reaches ...` line
// per record.
std::string CasesFile(const analysis::FuzzResult& r, const std::vector<VerifiedProgram>& stack,
                      const std::vector<std::string>& files, bool full) {
  std::string cases = "# sckit fuzz: " + std::to_string(r.records.size()) +
                      " records covering " + std::to_string(r.edges_covered) + " of " +
                      std::to_string(r.edges_total) + " instructions and branch directions\n# stack:";
  for (const std::string& f : files) cases += " " + f;
  cases += "\n";
  std::vector<std::vector<std::string>> listings;
  for (const VerifiedProgram& p : stack) listings.push_back(DisassembleLines(p.original()));
  std::vector<std::string> comments;
  for (const std::vector<analysis::FuzzEdge>& first : r.reaches) {
    comments.push_back(ReachComment(first, listings));
  }
  // The interpreter never fails to build.
  const Result<FilterStack> filters = eval::BuildStack(stack, eval::EngineKind::kInterp, files);
  return cases + eval::CaseLines(*filters, r.records, comments, full);
}

}  // namespace

int CmdFuzz(const std::vector<std::string>& args) {
  FuzzArgs a;
  if (auto code = ParseFuzzArgs(args, &a)) return *code;
  int code = kExitOk;
  const auto stack = LoadVerifiedFiles("fuzz", a.files, Format::kAuto, &code);
  if (!stack) return code;
  const bool tty = isatty(2);
  if (tty) {
    a.options.progress = [](uint64_t runs, size_t covered, size_t total, double secs) {
      std::fprintf(stderr, "\r%10llu runs  %8.0f/s  coverage %zu/%zu  %5.1fs ",
                   static_cast<unsigned long long>(runs), secs > 0 ? runs / secs : 0.0, covered,
                   total, secs);
    };
  }
  const analysis::FuzzResult r = analysis::FuzzStack(Pointers(*stack), a.options);
  if (tty) std::fprintf(stderr, "\r%60s\r", "");

  // Cases on standard output leave the text report to standard error; --json without --out
  // prints only the report.
  const bool cases_to_stdout = a.out.empty() || a.out == "-";
  if (!a.out.empty() || !a.json) {
    if (WriteOutput("fuzz", a.out, CasesFile(r, *stack, a.files, a.full)) != kExitOk) return kExitUsage;
  }
  if (a.json) {
    PrintJsonReport(r);
  } else {
    PrintTextReport(cases_to_stdout ? stderr : stdout, r);
  }
  return r.unknown.empty() ? kExitOk : kExitFailed;
}

}  // namespace sckit::tools
