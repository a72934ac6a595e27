// sckit optimize: rewrite a filter so the kernel runs fewer instructions for it, proven
// equivalent. Option parsing, dispatch and printing only; the optimizer is optimize/.
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bench/kernel_compare.h"
#include "bench/workload.h"
#include "formats/carray.h"
#include "formats/codec.h"
#include "formats/disasm.h"
#include "optimize/merge.h"
#include "optimize/optimize.h"
#include "tools/command.h"
#include "tools/filter_files.h"
#include "tools/options.h"
#include "tools/output.h"

namespace sckit::tools {
namespace {

constexpr const char* kCommand = "optimize";

Result<std::string> Render(const Program& p, const std::string& emit, const ArchInfo* arch,
                           ByteOrder order) {
  DisasmOptions d;
  d.arch = arch;
  if (emit == "raw") {
    std::vector<uint8_t> raw = EncodeRaw(p, order);
    return std::string(raw.begin(), raw.end());
  }
  if (emit == "asm") return DisassembleCanonical(p, d);
  if (emit == "c") return EmitCArray(p, true);
  if (emit == "c-install") return EmitCInstaller(p, true);
  return MakeError("bad-emit", "unknown output form '" + emit + "' (raw, asm, c, c-install)");
}

int WriteOut(const std::string& path, const std::string& data, bool binary) {
  if (binary && RefuseRawOnTerminal(kCommand, path, "use -o FILE or --emit asm")) {
    return kExitUsage;
  }
  return WriteOutput(kCommand, path, data);
}

std::string CacheText(const optimize::Metrics& m) {
  std::string s;
  for (const auto& c : m.cache) {
    s += (s.empty() ? "" : ", ") + c.arch + " " + std::to_string(c.allowed);
  }
  return s;
}

std::string MetricsJson(const optimize::Metrics& m) {
  char buf[160];
  std::snprintf(buf, sizeof buf,
                "{\"mean_insns\": %.3f, \"max_insns\": %u, \"total_insns\": %zu, \"cache\": {",
                m.mean_insns, m.max_insns, m.total_insns);
  std::string s = buf;
  for (size_t i = 0; i < m.cache.size(); ++i) {
    s += (i ? ", " : "") + std::string("\"") + JsonEscape(m.cache[i].arch) +
         "\": " + std::to_string(m.cache[i].allowed);
  }
  return s + "}}";
}

// What --merge and --bench add to the report (absent parts are not printed).
struct Extra {
  const optimize::MergeResult* merge = nullptr;
  size_t filters = 1;
  bool bench_asked = false;
  const bench::KernelCompareResult* bench = nullptr;
  std::string bench_error;
};

void PrintMergeText(FILE* out, const Extra& x) {
  if (x.merge == nullptr) return;
  std::fprintf(out, "  merged: %zu filters flattened into one (%zu instructions before "
                    "optimizing); proof against the stack: equivalent on every input (Z3, %.2f s)\n",
               x.filters, x.merge->flattened_insns, x.merge->stack_proof_seconds);
  for (const std::string& n : x.merge->notes) std::fprintf(out, "  note: %s\n", n.c_str());
}

void PrintBenchText(FILE* out, const Extra& x) {
  if (!x.bench_asked) return;
  if (x.bench == nullptr) {
    std::fprintf(out, "  in-kernel cost: not measured: %s\n", x.bench_error.c_str());
    return;
  }
  const bench::KernelCompareResult& b = *x.bench;
  std::fprintf(out, "  in-kernel cost       %8.2f %8.2f ns (%+.0f%%; sckit bench's kernel harness, "
                    "every filter run, median over %d syscalls x %zu rounds, CPU %d)\n",
               b.before_ns, b.after_ns, 100 * b.Change(), b.after.filtered.samples,
               b.before_rounds.size(), b.cpu);
}

std::string BenchJson(const Extra& x) {
  if (!x.bench_asked) return "";
  if (x.bench == nullptr) return ",\n \"bench\": {\"error\": \"" + JsonEscape(x.bench_error) + "\"}";
  const bench::KernelCompareResult& b = *x.bench;
  auto rounds = [](const std::vector<double>& v) {
    std::string s;
    char buf[32];
    for (double d : v) {
      std::snprintf(buf, sizeof buf, "%.3f", d);
      s += (s.empty() ? "" : ", ") + std::string(buf);
    }
    return "[" + s + "]";
  };
  char buf[256];
  std::snprintf(buf, sizeof buf, "{\"before_ns\": %.3f, \"after_ns\": %.3f, \"change\": %.4f, "
                "\"syscalls\": %d, \"cpu\": %d, ", b.before_ns, b.after_ns, b.Change(),
                b.after.filtered.samples, b.cpu);
  return ",\n \"bench\": " + std::string(buf) + "\"before_rounds\": " + rounds(b.before_rounds) +
         ", \"after_rounds\": " + rounds(b.after_rounds) + "}";
}

std::string MergeJson(const Extra& x) {
  if (x.merge == nullptr) return "";
  std::string notes;
  for (const std::string& n : x.merge->notes) {
    notes += (notes.empty() ? "\"" : ", \"") + JsonEscape(n) + "\"";
  }
  char buf[200];
  std::snprintf(buf, sizeof buf, "{\"filters\": %zu, \"flattened_insns\": %zu, "
                "\"proven_against_stack\": %s, \"stack_proof_seconds\": %.3f, ", x.filters,
                x.merge->flattened_insns, x.merge->proven ? "true" : "false",
                x.merge->stack_proof_seconds);
  return ",\n \"merge\": " + std::string(buf) + "\"notes\": [" + notes + "]}";
}

void PrintText(FILE* out, const std::string& file, const optimize::OptimizeResult& r,
               const std::string& workload, const Extra& x) {
  const auto& b = r.before;
  const auto& a = r.after;
  std::fprintf(out, "%s: %s\n", file.c_str(),
              r.chosen == "unchanged" ? "unchanged (no proven improvement)"
                                      : ("optimized by " + r.chosen).c_str());
  std::fprintf(out, "  workload %-10s %8s %8s\n", workload.c_str(), "before", "after");
  std::fprintf(out, "  mean insns executed  %8.2f %8.2f\n", b.mean_insns, a.mean_insns);
  std::fprintf(out, "  max insns executed   %8u %8u\n", b.max_insns, a.max_insns);
  std::fprintf(out, "  total instructions   %8zu %8zu\n", b.total_insns, a.total_insns);
  std::fprintf(out, "  cache allows         %s -> %s\n", CacheText(b).c_str(),
               CacheText(a).c_str());
  PrintBenchText(out, x);
  std::fprintf(out, "  proof: %s (%.2f s; total %.2f s)\n",
              r.chosen == "unchanged" ? "not needed" : "equivalent on every input (Z3)",
              r.proof_seconds, r.total_seconds);
  PrintMergeText(out, x);
  for (const auto& c : r.candidates) {
    std::fprintf(out, "  candidate %-19s %s", c.name.c_str(),
                c.accepted ? "chosen" : c.built ? "not chosen" : "not built");
    if (c.built) {
      std::fprintf(out, " (mean %.2f, %zu insns)", c.metrics.mean_insns, c.metrics.total_insns);
    }
    if (!c.note.empty()) std::fprintf(out, ": %s", c.note.c_str());
    std::fprintf(out, "\n");
  }
}

void PrintJson(FILE* out, const std::string& file, const optimize::OptimizeResult& r,
               const std::string& workload, const Extra& x) {
  std::fprintf(out, "{\"file\": \"%s\", \"workload\": \"%s\", \"chosen\": \"%s\", \"proven\": %s, "
              "\"proof_failed\": %s, \"proof_seconds\": %.3f, \"total_seconds\": %.3f,\n "
              "\"before\": %s,\n \"after\": %s,\n \"candidates\": [",
              JsonEscape(file).c_str(), JsonEscape(workload).c_str(), r.chosen.c_str(),
              r.proven ? "true" : "false", r.proof_failed ? "true" : "false", r.proof_seconds,
              r.total_seconds, MetricsJson(r.before).c_str(), MetricsJson(r.after).c_str());
  for (size_t i = 0; i < r.candidates.size(); ++i) {
    const auto& c = r.candidates[i];
    std::fprintf(out, "%s{\"name\": \"%s\", \"built\": %s, \"accepted\": %s, \"note\": \"%s\"%s%s}",
                i ? ", " : "", c.name.c_str(), c.built ? "true" : "false",
                c.accepted ? "true" : "false", JsonEscape(c.note).c_str(),
                c.built ? ", \"metrics\": " : "", c.built ? MetricsJson(c.metrics).c_str() : "");
  }
  std::fprintf(out, "]%s%s}\n", MergeJson(x).c_str(), BenchJson(x).c_str());
}

// --arch (default x86_64) and the workload records of every arch; an exit code.
int ArchesAndWorkload(const po::variables_map& vm, const std::string& spec,
                      optimize::OptimizeOptions* options, std::vector<SeccompData>* records) {
  std::vector<std::string> arch_names = {"x86_64"};
  if (vm.count("arch")) arch_names = vm["arch"].as<std::vector<std::string>>();
  for (const std::string& name : arch_names) {
    const ArchInfo* a = FindArch(name);
    if (a == nullptr) {
      PrintError(kCommand, "unknown architecture '" + name + "'");
      return kExitUsage;
    }
    options->arches.push_back(a);
  }
  for (const ArchInfo* a : options->arches) {
    Result<bench::Workload> w = bench::LoadWorkload(spec, *a);
    if (!w.ok()) {
      PrintError(kCommand, "workload " + spec + ": " + w.error().ToString());
      return kExitUsage;
    }
    records->insert(records->end(), w->records.begin(), w->records.end());
  }
  return kExitOk;
}

// --bench: the in-kernel cost of the input (stack) and of the output, one process, pinned.
void RunBench(const po::variables_map& vm, const std::vector<VerifiedProgram>& inputs,
              const Program& output, Extra* x, std::optional<bench::KernelCompareResult>* store) {
  x->bench_asked = vm.count("bench") != 0;
  if (!x->bench_asked) return;
  std::vector<Program> before;
  for (const VerifiedProgram& p : inputs) before.push_back(p.original());
  bench::KernelCompareOptions o;
  o.kernel.repetitions = vm["kernel-reps"].as<int>();
  o.kernel.calls_per_rep = vm["calls"].as<int>();
  o.rounds = vm["bench-rounds"].as<int>();
  Result<bench::KernelCompareResult> k = bench::CompareKernelCost(before, {output}, o);
  if (!k.ok()) {
    x->bench_error = k.error().ToString();
    return;
  }
  *store = std::move(*k);
  x->bench = &**store;
}

// Optimize one filter, or flatten and optimize a stack (--merge); nullopt after printing an
// error (exit code in *code).
std::optional<optimize::OptimizeResult> Run(const std::vector<VerifiedProgram>& programs,
                                            bool merge, std::span<const SeccompData> records,
                                            const optimize::OptimizeOptions& options,
                                            std::optional<optimize::MergeResult>* merged,
                                            int* code) {
  if (merge) {
    Result<optimize::MergeResult> m = optimize::MergeStack(Pointers(programs), records, options);
    if (!m.ok()) {
      PrintError(kCommand, "cannot merge: " + m.error().message);
      *code = kExitFailed;
      return std::nullopt;
    }
    *merged = std::move(*m);
    return (*merged)->optimized;
  }
  Result<optimize::OptimizeResult> r = optimize::Optimize(programs[0], records, options);
  if (!r.ok()) {
    PrintError(kCommand, r.error());
    *code = kExitFailed;
    return std::nullopt;
  }
  return std::move(*r);
}

constexpr const char* kUsage =
    "sckit optimize FILTER [-o OUT] [--emit raw|asm|c|c-install] "
    "[--workload uniform|hot|STRACE_FILE] [--arch A]... [--bench] [--json]\n"
    "sckit optimize --merge FILTER FILTER... [same options]\n\n"
    "Rewrites FILTER so that the kernel runs fewer instructions per system call: the\n"
    "decision on (arch, nr) is re-synthesized as an arch dispatch and a search over\n"
    "syscall-number ranges, then generic passes (dead code, redundant loads, jump threading,\n"
    "merged returns). The result is kept only if the kernel would accept it, the kernel's\n"
    "constant-action cache still allows every syscall it allowed before, and the solver\n"
    "proves it equivalent on every input (as `sckit diff`). With --merge, the filters are a\n"
    "stack (oldest first) flattened into one filter with the kernel's precedence, optimized,\n"
    "and proven equal to the whole stack; refused (exit 1, with the reason) where one filter\n"
    "cannot do it (two USER_NOTIF filters, no free scratch word, over 4096 instructions, a\n"
    "smaller cache). All filters of a stack are assumed installed with the same flags. Exit 1\n"
    "when a proof refused a candidate and no other improvement was proven; 2 on usage or I/O\n"
    "errors.";

void DescribeOptions(po::options_description* visible) {
  visible->add_options()("help,h", "show this help")(
      "output,o", po::value<std::string>(),
      "write the optimized filter to FILE ('-': stdout, the report then goes to stderr)")(
      "emit,e", po::value<std::string>()->default_value("raw"),
      "output form: raw (struct sock_filter array), asm, c, c-install")(
      "workload", po::value<std::string>()->default_value("uniform"),
      "records the cost is measured and the search trees weighted on: uniform (every syscall "
      "of each --arch once), hot (a mix of common syscalls), or an `strace -f -o` file")(
      "arch", po::value<std::vector<std::string>>(),
      "arch of the workload and of the cache report (repeatable; default x86_64)")(
      "format", po::value<std::string>()->default_value("auto"), "input format: auto, raw, asm, c")(
      "no-resynthesis", "only the generic passes")(
      "merge", "FILTER... is a stack, oldest first (as installed): flatten it into one filter "
               "where the kernel's precedence allows, optimize it and prove it equal to the stack")(
      "bench", "also measure the in-kernel cost before and after (sckit bench's kernel harness: "
               "real syscalls in a child, every filter made to run; x86-64, needs seccomp)")(
      "bench-rounds", po::value<int>()->default_value(2),
      "--bench: alternating before/after measurements (1..8); the median is reported")(
      "kernel-reps", po::value<int>()->default_value(31),
      "--bench: repetitions per syscall and phase (at most 64)")(
      "calls", po::value<int>()->default_value(2000), "--bench: syscalls per repetition")(
      "json", "print the report as JSON");
  AddByteOrderOption(visible);  // raw input and output (auto: output as the input)
}

// What the command line asks for, checked.
struct OptimizeArgs {
  std::vector<std::string> files;
  bool merge = false;
  Format format = Format::kAuto;
  std::string emit;
  std::string workload;
  ByteOrder order = ByteOrder::kAuto;
  optimize::OptimizeOptions options;
  std::vector<SeccompData> records;
};

// Fills *a from the options; an exit code when the command ends here (the error printed).
std::optional<int> CheckArgs(const po::variables_map& vm, OptimizeArgs* a) {
  a->merge = vm.count("merge") != 0;
  const size_t n_files = vm.count("file") ? vm["file"].as<std::vector<std::string>>().size() : 0;
  if ((!a->merge && n_files != 1) || (a->merge && n_files < 1)) {
    PrintError(kCommand, a->merge ? "--merge needs the stack's filter files, oldest first"
                                  : "exactly one input filter expected (--merge for a stack; see --help)");
    return kExitUsage;
  }
  a->files = vm["file"].as<std::vector<std::string>>();
  Result<Format> format = ParseFormatName(vm["format"].as<std::string>());
  if (!format.ok()) {
    PrintError(kCommand, format.error());
    return kExitUsage;
  }
  a->format = *format;
  a->emit = vm["emit"].as<std::string>();
  if (a->emit != "raw" && a->emit != "asm" && a->emit != "c" && a->emit != "c-install") {
    PrintError(kCommand, "unknown output form '" + a->emit + "' (raw, asm, c, c-install)");
    return kExitUsage;
  }
  const int rounds = vm["bench-rounds"].as<int>(), reps = vm["kernel-reps"].as<int>();
  if (rounds < 1 || rounds > 8 || reps < 1 || reps > 64 || vm["calls"].as<int>() < 1) {
    PrintError(kCommand, "--bench-rounds must be 1..8, --kernel-reps 1..64, --calls >= 1");
    return kExitUsage;
  }
  a->options.resynthesize = vm.count("no-resynthesis") == 0;
  a->workload = vm["workload"].as<std::string>();
  if (int code = ArchesAndWorkload(vm, a->workload, &a->options, &a->records); code != kExitOk) {
    return code;
  }
  const std::optional<ByteOrder> order = ByteOrderOption(kCommand, vm);
  if (!order) return kExitUsage;
  a->order = *order;
  return std::nullopt;
}

// Prints the report (on stderr when the filter goes to stdout) and writes -o; the exit code.
int Report(const po::variables_map& vm, const OptimizeArgs& a, const optimize::OptimizeResult& r,
           const Extra& extra, const std::vector<LoadInfo>& infos) {
  std::string label = a.files[0];
  for (size_t i = 1; i < a.files.size(); ++i) label += " + " + a.files[i];
  // With the filter on standard output, the report goes to standard error.
  const bool filter_to_stdout = vm.count("output") && vm["output"].as<std::string>() == "-";
  FILE* report = filter_to_stdout ? stderr : stdout;
  if (vm.count("json")) {
    PrintJson(report, label, r, a.workload, extra);
  } else {
    PrintText(report, label, r, a.workload, extra);
  }
  if (r.proof_failed && r.chosen == "unchanged" && !a.merge) {
    PrintError(kCommand, "a candidate failed the equivalence proof and nothing else was "
                         "proven better: no output written");
    return kExitFailed;
  }
  if (vm.count("output")) {
    Result<std::string> out =
        Render(r.output, a.emit, a.options.arches[0], OutputByteOrder(a.order, infos));
    if (!out.ok()) {
      PrintError(kCommand, out.error());
      return kExitUsage;
    }
    return WriteOut(vm["output"].as<std::string>(), *out, a.emit == "raw");
  }
  return kExitOk;
}

}  // namespace

int CmdOptimize(const std::vector<std::string>& args) {
  po::options_description visible("options");
  DescribeOptions(&visible);
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::vector<std::string>>(), "input file");
  po::positional_options_description pos;
  pos.add("file", -1);
  po::variables_map vm;
  if (auto code = ParseOptions(args, kUsage, visible, hidden, pos, &vm)) return *code;
  OptimizeArgs a;
  if (auto code = CheckArgs(vm, &a)) return *code;
  int exit_code = kExitOk;
  std::vector<LoadInfo> infos;
  auto programs = LoadVerifiedFiles(kCommand, a.files, FilterLoadOptions(a.format, a.order),
                                    &exit_code, &infos);
  if (!programs) return exit_code;
  std::optional<optimize::MergeResult> merged;
  std::optional<optimize::OptimizeResult> r =
      Run(*programs, a.merge, a.records, a.options, &merged, &exit_code);
  if (!r) return exit_code;
  Extra extra;
  extra.merge = merged ? &*merged : nullptr;
  extra.filters = programs->size();
  std::optional<bench::KernelCompareResult> bench_result;
  RunBench(vm, *programs, r->output, &extra, &bench_result);
  return Report(vm, a, *r, extra, infos);
}

}  // namespace sckit::tools
