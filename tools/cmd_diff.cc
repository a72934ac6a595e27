// sckit diff: where two stacks differ, grouped for reading: a summary line (per arch, how
// many syscalls differ per pair of outcomes), then per arch the rows (syscalls and number
// ranges, argument conditions, one witness each). analysis::Diff decides; policy/diff_report
// groups and names; this file prints.
#include <cstdio>
#include <string>

#include "analysis/diff.h"
#include "analysis/symbolic.h"
#include "formats/loader.h"
#include "formats/record_text.h"
#include "policy/diff_report.h"
#include "tools/command.h"
#include "tools/dispatch_flags.h"
#include "tools/filter_files.h"
#include "tools/options.h"
#include "vm/arch.h"
#include "vm/text.h"

namespace sckit::tools {
namespace {

std::string PairText(const policy::PairCount& p, bool counts) {
  std::string s = p.a + " -> " + p.b;
  if (!counts) return s;
  std::string n;
  if (p.syscalls) n = std::to_string(p.syscalls);
  if (p.ranges) {
    n += (n.empty() ? "" : " + ") + std::to_string(p.ranges) +
         (p.ranges == 1 ? " range" : " ranges");
  }
  return n + " " + s;
}

std::string ArchSummary(const policy::ReportArch& a) {
  const bool counts = a.name != "every other arch";
  std::string s = a.name + ":";
  if (counts) {
    s += " " + std::to_string(a.syscalls) + (a.syscalls == 1 ? " syscall" : " syscalls");
    if (a.ranges) {
      s += " and " + std::to_string(a.ranges) + " other number range" + (a.ranges == 1 ? "" : "s");
    }
  }
  s += " [";
  for (size_t i = 0; i < a.pairs.size(); ++i) s += (i ? ", " : "") + PairText(a.pairs[i], counts);
  return s + "]";
}

void PrintText(const policy::DiffReport& r) {
  if (r.equivalent) {
    std::printf("equivalent%s\n", r.exact ? "" : " as far as the solver could tell (inexact)");
    return;
  }
  std::string summary;
  for (const auto& a : r.arches) summary += (summary.empty() ? "" : "; ") + ArchSummary(a);
  if (summary.empty()) summary = "no row listed";
  std::printf("differ%s: %s\n", r.truncated ? " (listing cut at --max)" : "", summary.c_str());
  for (const auto& a : r.arches) {
    std::printf("\n%s:\n", a.name.c_str());
    for (const auto& row : a.rows) {
      const std::string n = row.syscalls > 1 && !row.every_nr
                                ? " (" + std::to_string(row.syscalls) + " syscalls)" : "";
      if (!row.a_depends && !row.b_depends) {
        std::printf("  %s%s: A %s, B %s\n", row.label.c_str(), n.c_str(), row.a.c_str(),
                    row.b.c_str());
        continue;
      }
      const Numbering names = NumberingOf(row.witness.record.arch);  // the witness's arch
      std::printf("  %s%s:\n    A: %s\n    B: %s\n    e.g. %s -> A %s, B %s\n", row.label.c_str(),
                  n.c_str(), row.a.c_str(), row.b.c_str(), FormatRecordText(row.witness.record).c_str(),
                  analysis::CanonicalText(row.witness.a, names).c_str(),
                  analysis::CanonicalText(row.witness.b, names).c_str());
    }
  }
  if (r.truncated) std::printf("\nmore rows differ than --max lists\n");
  if (!r.exact) std::printf("note: the analysis was not exact (the solver gave up)\n");
}

std::string Bool(bool b) { return b ? "true" : "false"; }

std::string PairsJson(const policy::ReportArch& a) {
  std::string s;
  for (size_t i = 0; i < a.pairs.size(); ++i) {
    const auto& p = a.pairs[i];
    s += (i ? ", " : "") + std::string("{\"a\": ") + JsonString(p.a) +
         ", \"b\": " + JsonString(p.b) + ", \"syscalls\": " + std::to_string(p.syscalls) +
         ", \"ranges\": " + std::to_string(p.ranges) + "}";
  }
  return "[" + s + "]";
}

std::string RowJson(const policy::ReportRow& row) {
  return "{\"range\": " + JsonString(row.label) + ", \"first\": " + std::to_string(row.first) +
         ", \"last\": " + std::to_string(row.last) + ", \"every_nr\": " + Bool(row.every_nr) +
         ", \"syscalls\": " + std::to_string(row.syscalls) + ", \"a\": " + JsonString(row.a) +
         ", \"b\": " + JsonString(row.b) + ", \"a_depends\": " + Bool(row.a_depends) +
         ", \"b_depends\": " + Bool(row.b_depends) + ", \"witness\": {\"record\": " +
         JsonString(FormatRecordText(row.witness.record)) + ", \"a\": " +
         JsonString(analysis::CanonicalText(row.witness.a)) + ", \"b\": " +
         JsonString(analysis::CanonicalText(row.witness.b)) + "}}";
}

void PrintJson(const policy::DiffReport& r) {
  std::string summary, arches;
  for (const auto& a : r.arches) {
    summary += (summary.empty() ? "" : ", ") + std::string("{\"arch\": ") + JsonString(a.name) +
               ", \"syscalls\": " + std::to_string(a.syscalls) + ", \"ranges\": " +
               std::to_string(a.ranges) + ", \"pairs\": " + PairsJson(a) + "}";
    std::string values, rows;
    for (const auto& [first, last] : a.values) {
      values += (values.empty() ? "" : ", ") + std::string("[") + std::to_string(first) + ", " +
                std::to_string(last) + "]";
    }
    for (const auto& row : a.rows) rows += (rows.empty() ? "" : ", ") + RowJson(row);
    arches += (arches.empty() ? "" : ", ") + std::string("{\"arch\": ") + JsonString(a.name) +
              ", \"values\": [" + values + "], \"rows\": [" + rows + "]}";
  }
  std::printf("{\"equivalent\": %s, \"exact\": %s, \"truncated\": %s, \"summary\": [%s], "
              "\"arches\": [%s]}\n",
              Bool(r.equivalent).c_str(), Bool(r.exact).c_str(), Bool(r.truncated).c_str(),
              summary.c_str(), arches.c_str());
}

}  // namespace

int CmdDiff(const std::vector<std::string>& args) {
  po::options_description visible("options");
  visible.add_options()("help,h", "show this help")(
      "a", po::value<std::vector<std::string>>(), "a filter of stack A (repeat; oldest first)")(
      "b", po::value<std::vector<std::string>>(), "a filter of stack B (repeat; oldest first)")(
      "arch", po::value<std::vector<std::string>>(),
      "compare only this architecture (repeatable): x86_64, i386, aarch64, ...; default: every "
      "arch value")(
      "max", po::value<size_t>()->default_value(512),
      "list at most this many rows, each with its witness; the summary counts the rows listed")(
      "json", "machine-readable output")(
      "format", po::value<std::string>()->default_value("auto"), "input format: auto, raw, asm, c");
  AddByteOrderOption(&visible);
  AddDispatchOptions(&visible);
  visible.add_options()(
      "dispatch-a", po::value<std::string>(),
      "stack A's syscall user dispatch in a record line's words over the --dispatch* options, "
      "e.g. 'dispatch=on region=0x7f0000000000,0x1000 selector=block'")(
      "dispatch-b", po::value<std::string>(), "the same for stack B");
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::vector<std::string>>(), "A and B");
  po::positional_options_description pos;
  pos.add("file", 2);
  po::variables_map vm;
  const std::string usage =
      "sckit diff A B | sckit diff --a F... --b F... [--arch A]... [--max N] [--json]\n\n"
      "Exact semantic difference over every arch value, syscall number, ip and argument. First "
      "a summary (per arch, how many syscalls differ per pair of outcomes), then per arch the "
      "syscalls and number ranges that differ, consecutive numbers with the same pair of "
      "outcomes as one range; where an outcome depends on arguments, each side's condition and "
      "a witness record; arch values neither stack looks into are one group, \"every other "
      "arch\". With --dispatch on|inclusive (both sides) or --dispatch-a/--dispatch-b (one "
      "side each), syscall user dispatch decides first: calls it stops are DISPATCH_SIGSYS, "
      "and a side it makes depend on ip says the condition (ip in [a, b)). Exit 0 when "
      "equivalent, 1 when they differ.";
  if (auto code = ParseOptions(args, usage, visible, hidden, pos, &vm)) return *code;
  std::vector<std::string> a_files, b_files;
  if (vm.count("file")) {
    const auto f = vm["file"].as<std::vector<std::string>>();
    if (f.size() != 2 || vm.count("a") || vm.count("b")) {
      PrintError("diff", "give two files A B, or --a F... --b F...");
      return kExitUsage;
    }
    a_files = {f[0]};
    b_files = {f[1]};
  } else {
    if (!vm.count("a") || !vm.count("b")) {
      PrintError("diff", "give two files A B, or --a F... --b F... (see --help)");
      return kExitUsage;
    }
    a_files = vm["a"].as<std::vector<std::string>>();
    b_files = vm["b"].as<std::vector<std::string>>();
  }
  Result<Format> format = ParseFormatName(vm["format"].as<std::string>());
  if (!format.ok()) {
    PrintError("diff", format.error());
    return kExitUsage;
  }
  analysis::DiffOptions options;
  options.max_differences = vm["max"].as<size_t>();
  DispatchConfig both;
  if (!ParseDispatchOptions("diff", vm, &both)) return kExitUsage;
  options.dispatch_a = options.dispatch_b = both;
  for (const auto& [option, side] : {std::pair{"dispatch-a", &options.dispatch_a},
                                     std::pair{"dispatch-b", &options.dispatch_b}}) {
    if (vm.count(option) &&
        !ParseDispatchKeys("diff", option, vm[option].as<std::string>(), both, side)) {
      return kExitUsage;
    }
  }
  if (vm.count("arch")) {
    for (const std::string& name : vm["arch"].as<std::vector<std::string>>()) {
      const ArchInfo* arch = FindArch(name);
      if (arch == nullptr) {
        PrintError("diff", "unknown arch '" + name + "'");
        return kExitUsage;
      }
      options.arches.push_back(arch->audit_arch);
    }
  }
  int code = kExitOk;
  const std::optional<ByteOrder> order = ByteOrderOption("diff", vm);
  if (!order) return kExitUsage;
  auto a = LoadVerifiedFiles("diff", a_files, FilterLoadOptions(*format, *order), &code);
  if (!a) return code;
  auto b = LoadVerifiedFiles("diff", b_files, FilterLoadOptions(*format, *order), &code);
  if (!b) return code;
  const analysis::DiffResult r = analysis::Diff(Pointers(*a), Pointers(*b), options);
  const policy::DiffReport report =
      policy::Explain(r, Pointers(*a), Pointers(*b), options.dispatch_a, options.dispatch_b);
  if (vm.count("json")) {
    PrintJson(report);
  } else {
    PrintText(report);
  }
  return r.equivalent ? kExitOk : kExitFailed;
}

}  // namespace sckit::tools
