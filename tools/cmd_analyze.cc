// sckit analyze: what a stack does over the whole syscall space (sckit diff: cmd_diff.cc).
// Logic lives in analysis/.
#include <cstdio>
#include <map>

#include "analysis/symbolic.h"
#include "analysis/table.h"
#include "tools/command.h"
#include "tools/dispatch_flags.h"
#include "tools/filter_files.h"
#include "tools/options.h"
#include "vm/program.h"
#include "formats/loader.h"
#include "formats/record_text.h"
#include "formats/records.h"
#include "vm/bpf.h"
#include "vm/names.h"
#include "vm/text.h"

namespace sckit::tools {
namespace {

// The errno's name of an ERRNO outcome ("EPERM") in the numbering of its witness's arch (none
// for the foreign arches), else "".
std::string_view ErrnoOf(const analysis::OutcomeCase& c) {
  if ((c.outcome & seccomp::kRetActionFull) != seccomp::kRetErrno) return "";
  return ErrnoNameOf(static_cast<int>(c.outcome & seccomp::kRetData), c.witness.arch);
}

std::string Outcomes(const analysis::SyscallRow& r, const char* sep) {
  std::string s;
  for (const auto& c : r.outcomes) {
    if (!s.empty()) s += sep;
    s += analysis::CanonicalText(c.outcome, NumberingOf(c.witness.arch));
  }
  return s;
}

std::string DependsOn(uint16_t words, bool json, bool big_endian) {
  std::string s;
  for (int i = 2; i < 16; ++i) {
    if (!(words & (1u << i))) continue;
    if (!s.empty()) s += json ? ", " : " ";
    s += json ? "\"" + std::string(analysis::WordName(i, big_endian)) + "\""
              : analysis::WordName(i, big_endian);
  }
  return s;
}

std::string RowJson(const analysis::SyscallRow& r, bool big_endian = false) {
  std::string s = "{\"nr\": " + std::to_string(r.nr) + ", \"name\": ";
  s += r.name.empty() ? "null" : "\"" + JsonEscape(r.name) + "\"";
  s += ", \"constant\": " + std::string(r.constant() ? "true" : "false");
  s += ", \"outcomes\": [";
  for (size_t i = 0; i < r.outcomes.size(); ++i) {
    s += (i ? ", " : "") + std::string("{\"outcome\": \"") +
         analysis::CanonicalText(r.outcomes[i].outcome) + "\", \"errno_name\": " +
         (ErrnoOf(r.outcomes[i]).empty() ? std::string("null")
                                         : JsonString(ErrnoOf(r.outcomes[i]))) +
         ", \"witness\": \"" +
         JsonEscape(FormatRecord(r.outcomes[i].witness)) + "\", \"witness_text\": " +
         JsonString(FormatRecordText(r.outcomes[i].witness)) + "}";
  }
  s += "], \"depends_on\": [" + DependsOn(r.deciding_words, true, big_endian) + "]";
  s += ", \"dispatch_stop\": " + (r.dispatch_stop.empty() ? std::string("null")
                                                         : JsonString(r.dispatch_stop));
  s += ", \"cached\": " + std::string(r.cached ? "true" : "false");
  s += ", \"exact\": " + std::string(r.exact ? "true" : "false") + "}";
  return s;
}

void PrintRowText(const analysis::SyscallRow& r, bool big_endian) {
  std::string label = r.name.empty() ? "-" : r.name;
  std::printf("  %-11d %-22s %s", r.nr, label.c_str(), Outcomes(r, " | ").c_str());
  if (!r.constant()) {
    std::printf("   (decided by %s)", DependsOn(r.deciding_words, false, big_endian).c_str());
  }
  if (!r.dispatch_stop.empty()) std::printf("   (dispatch: %s)", r.dispatch_stop.c_str());
  if (r.cached) std::printf("   [cache]");
  if (!r.exact) std::printf("   [inexact]");
  std::printf("\n");
}

void PrintArchJson(bool first, const analysis::ArchTable& table) {
  std::printf("%s{\"arch\": \"%s\", \"audit_arch\": \"0x%x\", \"syscalls\": [",
              first ? "" : ", ", std::string(table.arch->name).c_str(), table.arch->audit_arch);
  for (size_t i = 0; i < table.rows.size(); ++i) {
    std::printf("%s%s", i ? ", " : "", RowJson(table.rows[i], table.arch->big_endian).c_str());
  }
  std::printf("], \"special\": [");
  for (size_t i = 0; i < table.special.size(); ++i) {
    std::printf("%s%s", i ? ", " : "", RowJson(table.special[i], table.arch->big_endian).c_str());
  }
  std::printf("]}");
}

void PrintAnalysisJson(const analysis::Analysis& a, const std::vector<std::string>& files) {
  std::printf("{\"filters\": [");
  for (size_t i = 0; i < files.size(); ++i) {
    std::printf("%s\"%s\"", i ? ", " : "", JsonEscape(files[i]).c_str());
  }
  std::printf("], \"arches\": [");
  for (size_t t = 0; t < a.tables.size(); ++t) PrintArchJson(t == 0, a.tables[t]);
  std::printf("], \"foreign_arch\": %s, \"findings\": [", RowJson(a.foreign_arch).c_str());
  for (size_t i = 0; i < a.findings.size(); ++i) {
    const auto& f = a.findings[i];
    std::printf("%s{\"rule\": \"%s\", \"message\": \"%s\", \"filter\": %s, \"pc\": %s, "
                "\"witness\": %s, \"witness_text\": %s}",
                i ? ", " : "", f.rule.c_str(), JsonEscape(f.message).c_str(),
                f.filter >= 0 ? std::to_string(f.filter).c_str() : "null",
                f.pc >= 0 ? std::to_string(f.pc).c_str() : "null",
                f.has_witness ? ("\"" + JsonEscape(FormatRecord(f.witness)) + "\"").c_str()
                              : "null",
                f.has_witness ? JsonString(FormatRecordText(f.witness)).c_str() : "null");
  }
  std::printf("]}\n");
}

// Counts per outcome and, without `summary`, every syscall of the arch.
void PrintArchText(const analysis::ArchTable& table, bool summary) {
  std::map<std::string, int> counts;
  int cached = 0;
  for (const auto& r : table.rows) {
    counts[r.constant()                ? Outcomes(r, "")
           : r.dispatch_stop.empty() ? "depends on arguments"
                                     : "depends on ip (syscall user dispatch) or arguments"]++;
    cached += r.cached;
  }
  std::printf("arch %s (AUDIT_ARCH 0x%08x): %zu named syscalls\n",
              std::string(table.arch->name).c_str(), table.arch->audit_arch, table.rows.size());
  for (const auto& [outcome, n] : counts) std::printf("  %5d  %s\n", n, outcome.c_str());
  std::printf("  %5d  let through by the kernel's constant-action cache\n", cached);
  if (!summary) {
    std::printf("\n  %-11s %-22s %s\n", "nr", "name", "outcome");
    for (const auto& r : table.rows) PrintRowText(r, table.arch->big_endian);
    std::printf("  numbers outside the table:\n");
    for (const auto& r : table.special) PrintRowText(r, table.arch->big_endian);
  }
  std::printf("\n");
}

void PrintAnalysisText(const analysis::Analysis& a, bool summary) {
  for (const auto& table : a.tables) PrintArchText(table, summary);
  std::printf("foreign arch (none of the %zu known AUDIT_ARCH values): %s\n\n",
              AllArches().size(), Outcomes(a.foreign_arch, " | ").c_str());
  if (a.findings.empty()) {
    std::printf("findings: none\n");
    return;
  }
  std::printf("findings:\n");
  for (const auto& f : a.findings) {
    std::printf("  warning: %s: ", f.rule.c_str());
    if (f.filter >= 0) std::printf("filter %d pc %d: ", f.filter, f.pc);
    std::printf("%s\n", f.message.c_str());
    if (f.has_witness) std::printf("           e.g. %s\n", FormatRecordText(f.witness).c_str());
  }
}

}  // namespace

int CmdAnalyze(const std::vector<std::string>& args) {
  po::options_description visible("options");
  visible.add_options()("help,h", "show this help")(
      "arch", po::value<std::vector<std::string>>(),
      "architecture to tabulate (repeatable; default x86_64): x86_64, i386, x32, aarch64, ...")(
      "json", "machine-readable output")(
      "summary", "print counts per outcome and the findings, not every syscall")(
      "format", po::value<std::string>()->default_value("auto"), "input format: auto, raw, asm, c");
  AddByteOrderOption(&visible);
  AddDispatchOptions(&visible);
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::vector<std::string>>(), "filter files");
  po::positional_options_description pos;
  pos.add("file", -1);
  po::variables_map vm;
  const std::string usage =
      "sckit analyze FILE... [--arch A]... [--summary] [--json]\n\n"
      "FILE... is a stack, oldest first. For every syscall of each arch: its outcome, or all "
      "possible outcomes and the fields that decide; numbers outside the table; foreign "
      "arches; which calls the kernel's constant-action cache lets through; findings. With "
      "--dispatch on|inclusive, syscall user dispatch decides first: calls it stops show "
      "DISPATCH_SIGSYS (KILL_PROCESS for an invalid selector), with the ip condition.";
  if (auto code = ParseOptions(args, usage, visible, hidden, pos, &vm)) return *code;
  const std::optional<FilterArgs> input = ParseFilterArgs("analyze", vm);
  if (!input) return kExitUsage;
  analysis::AnalyzeOptions options;
  if (!ParseDispatchOptions("analyze", vm, &options.dispatch)) return kExitUsage;
  if (vm.count("arch")) {
    for (const std::string& a : vm["arch"].as<std::vector<std::string>>()) {
      const ArchInfo* arch = FindArch(a);
      if (arch == nullptr) {
        PrintError("analyze", "unknown arch '" + a + "'");
        return kExitUsage;
      }
      options.arches.push_back(arch);
    }
  }
  int code = kExitOk;
  auto stack = ReadFilterStack("analyze", *input, vm, &code);
  if (!stack) return code;
  const analysis::Analysis a = analysis::Analyze(Pointers(*stack), options);
  if (vm.count("json")) {
    PrintAnalysisJson(a, input->files);
  } else {
    PrintAnalysisText(a, vm.count("summary") > 0);
  }
  return kExitOk;
}

}  // namespace sckit::tools
