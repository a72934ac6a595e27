// sckit fuzz: a minimal set of records covering everything reachable in a stack, written as a
// `sckit test` cases file with the observed outcomes.
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "eval/stack_builder.h"
#include "analysis/policy_fuzz.h"
#include "tools/command.h"
#include "tools/options.h"
#include "verifier/verifier.h"
#include "formats/loader.h"
#include "vm/outcome.h"
#include "formats/records.h"
#include "vm/stack.h"

namespace sckit::tools {

int RunFuzz(const std::vector<std::string>& args) {
  po::options_description visible("options");
  visible.add_options()("help,h", "show this help")(
      "filter,f", po::value<std::vector<std::string>>(), "a filter; repeat for a stack (oldest first)")(
      "time", po::value<double>()->default_value(10.0), "search for at most S seconds")(
      "runs", po::value<uint64_t>()->default_value(2'000'000), "evaluate at most N records")(
      "seed", po::value<uint32_t>()->default_value(1), "random seed (runs are reproducible)")(
      "stall", po::value<uint64_t>()->default_value(1'000'000),
      "end the search after N runs without new coverage (0: never)")(
      "no-solver", "search only: do not close the gaps with the solver")(
      "no-jit", "run the search through the traced interpreter instead of instrumented JIT code")(
      "out,o", po::value<std::string>(), "write the cases file here (default: standard output)")(
      "json", "print the report as JSON on standard error's place (stdout); cases go to --out");
  po::options_description hidden;
  po::positional_options_description pos;
  po::variables_map vm;
  const std::string usage =
      "sckit fuzz --filter F... [--time S | --runs N] [--stall N] [--seed N] [--no-jit] [--out FILE]\n\n"
      "Searches seccomp_data for records that reach every reachable instruction, branch "
      "direction and outcome of the stack, using the constants the filters compare against; "
      "then settles what the search missed exactly with the solver (a witness, or a proof that "
      "the branch can never be taken). Writes a minimal covering set as a `sckit test` cases "
      "file with the outcomes observed now, to bootstrap regression tests.";
  if (auto code = ParseOptions(args, usage, visible, hidden, pos, &vm)) return *code;
  if (!vm.count("filter")) {
    PrintError("fuzz", "no --filter given (see --help)");
    return kExitUsage;
  }
  const auto files = vm["filter"].as<std::vector<std::string>>();
  std::vector<VerifiedProgram> programs;
  FilterStack stack;
  for (const std::string& f : files) {
    Result<Program> p = LoadProgramFile(f);
    if (!p.ok() && p.error().kernel_errno == 0) {
      PrintError("fuzz", f + ": " + p.error().ToString());
      return kExitUsage;
    }
    // A load error with a kernel errno (more than 4096 instructions) is a rejection.
    Result<VerifiedProgram> v = p.ok() ? Verify(*p) : Result<VerifiedProgram>(p.error());
    if (!v.ok()) {
      std::fprintf(stderr, "%s: rejected: %s\n", f.c_str(), v.error().ToString().c_str());
      return kExitFailed;
    }
    programs.push_back(*v);
    stack.Push(std::move(*v), 0, f);
  }
  std::vector<const VerifiedProgram*> ptrs;
  for (const VerifiedProgram& p : programs) ptrs.push_back(&p);
  analysis::FuzzOptions options;
  options.max_seconds = vm["time"].as<double>();
  options.max_runs = vm["runs"].as<uint64_t>();
  options.seed = vm["seed"].as<uint32_t>();
  options.stall_runs = vm["stall"].as<uint64_t>();
  options.solver_assist = vm.count("no-solver") == 0;
  if (vm.count("no-jit") == 0) options.instrumented = eval::JitCoverageEngines();
  const bool tty = isatty(2);
  if (tty) {
    options.progress = [](uint64_t runs, size_t covered, size_t total, double secs) {
      std::fprintf(stderr, "\r%10llu runs  %8.0f/s  coverage %zu/%zu  %5.1fs ",
                   static_cast<unsigned long long>(runs), secs > 0 ? runs / secs : 0.0, covered,
                   total, secs);
    };
  }
  const analysis::FuzzResult r = analysis::FuzzStack(ptrs, options);
  if (tty) std::fprintf(stderr, "\r%60s\r", "");

  std::string cases = "# sckit fuzz: " + std::to_string(r.records.size()) +
                      " records covering " + std::to_string(r.edges_covered) + " of " +
                      std::to_string(r.edges_total) + " instructions and branch directions\n# stack:";
  for (const std::string& f : files) cases += " " + f;
  cases += "\n";
  std::vector<uint32_t> rets(stack.size());
  for (const SeccompData& d : r.records) {
    const Outcome o = Decide(stack, d, KernelContext{}, rets);
    cases += FormatRecord(d) + " => " + o.Text() + "\n";
  }
  if (vm.count("out")) {
    std::ofstream out(vm["out"].as<std::string>());
    out << cases;
    if (!out) {
      PrintError("fuzz", "cannot write " + vm["out"].as<std::string>());
      return kExitUsage;
    }
  } else if (!vm.count("json")) {
    std::fwrite(cases.data(), 1, cases.size(), stdout);
  }
  const double rate =
      r.search_seconds > 0 ? static_cast<double>(r.runs) / r.search_seconds : 0;
  if (vm.count("json")) {
    std::printf("{\"records\": %zu, \"edges_total\": %zu, \"edges_covered\": %zu, "
                "\"covered_by_search\": %zu, \"covered_by_solver\": %zu, \"runs\": %llu, "
                "\"seconds\": %.3f, \"search_seconds\": %.3f, \"runs_per_second\": %.0f, "
                "\"engine\": \"%s\", \"unreachable\": [",
                r.records.size(), r.edges_total, r.edges_covered, r.covered_by_search,
                r.covered_by_solver, static_cast<unsigned long long>(r.runs), r.seconds,
                r.search_seconds, rate, r.engine.c_str());
    for (size_t i = 0; i < r.unreachable.size(); ++i) {
      std::printf("%s\"%s\"", i ? ", " : "", r.unreachable[i].Describe().c_str());
    }
    std::printf("], \"unknown\": %zu}\n", r.unknown.size());
  } else {
    FILE* report = vm.count("out") ? stdout : stderr;
    std::fprintf(report,
                 "fuzz: %llu runs in %.2fs (search %.2fs, %.0f/s, %s); %zu of %zu "
                 "reachable-or-not edges covered (%zu by search, %zu by the solver); %zu "
                 "records kept\n",
                 static_cast<unsigned long long>(r.runs), r.seconds, r.search_seconds, rate,
                 r.engine.c_str(), r.edges_covered,
                 r.edges_total, r.covered_by_search, r.covered_by_solver, r.records.size());
    for (const auto& e : r.unreachable) {
      std::fprintf(report, "  unreachable: %s\n", e.Describe().c_str());
    }
    for (const auto& e : r.unknown) {
      std::fprintf(report, "  not covered (solver gave up): %s\n", e.Describe().c_str());
    }
  }
  return r.unknown.empty() ? kExitOk : kExitFailed;
}

}  // namespace sckit::tools
