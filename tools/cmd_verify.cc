// sckit verify: the kernel's acceptance of filters, one by one or as a stack installed in order.
#include <cstdio>
#include <optional>
#include <iostream>
#include <sstream>

#include "tools/command.h"
#include "tools/filter_flags.h"
#include "tools/options.h"
#include "verifier/stack_check.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "formats/loader.h"

namespace sckit::tools {
namespace {

struct Report {
  std::string file;
  bool accepted = false;
  std::vector<Error> errors;
  size_t insns = 0;
  uint32_t converted_len = 0;
  uint32_t path_len = 0;
  bool in_stack = false;
};

void PrintText(const Report& r) {
  if (r.accepted) {
    std::printf("%s: ok (%zu instructions", r.file.c_str(), r.insns);
    if (r.in_stack) {
      std::printf(", %u after conversion, chain total %u of %u", r.converted_len, r.path_len,
                  seccomp::kMaxInsnsPerPath);
    }
    std::printf(")\n");
    return;
  }
  for (const Error& e : r.errors) {
    std::printf("%s: rejected: %s\n", r.file.c_str(), e.ToString().c_str());
  }
}

std::string JsonError(const Error& e) {
  std::string out = "{\"errno\": ";
  out += e.kernel_errno ? "\"" + ErrnoName(e.kernel_errno) + "\"" : std::string("null");
  out += ", \"pc\": " + (e.pc >= 0 ? std::to_string(e.pc) : std::string("null"));
  out += ", \"rule\": \"" + JsonEscape(e.rule) + "\"";
  out += ", \"message\": \"" + JsonEscape(e.message) + "\"}";
  return out;
}

std::string JsonReport(const Report& r, bool all) {
  std::string out = "{\"file\": \"" + JsonEscape(r.file) + "\", \"accepted\": ";
  out += r.accepted ? "true" : "false";
  if (r.accepted) {
    out += ", \"errno\": null, \"pc\": null, \"rule\": null, \"message\": null";
  } else {
    const std::string first = JsonError(r.errors.front());
    out += ", " + first.substr(1, first.size() - 2);
  }
  out += ", \"instructions\": " + std::to_string(r.insns);
  if (r.in_stack) {
    out += ", \"converted_len\": " + std::to_string(r.converted_len);
    out += ", \"path_len\": " + std::to_string(r.path_len);
  }
  if (all) {
    out += ", \"problems\": [";
    for (size_t i = 0; i < r.errors.size(); ++i) {
      out += (i ? ", " : "") + JsonError(r.errors[i]);
    }
    out += "]";
  }
  return out + "}";
}

}  // namespace

int RunVerify(const std::vector<std::string>& args) {
  po::options_description visible("options");
  visible.add_options()("help,h", "show this help")(
      "stack", "install the files in the given order (first = oldest) on one thread and apply "
               "the chain limits (MAX_INSNS_PER_PATH, one listener)")(
      "flags", po::value<std::vector<std::string>>(),
      "filter flags for the n-th file, in order (repeat per file): comma-separated tsync, log, "
      "spec_allow, new_listener, tsync_esrch, wait_killable_recv, or a number")(
      "all", "list every problem of each filter, not only the first the kernel reports")(
      "json", "print a JSON array of {file, accepted, errno, pc, rule, message}")(
      "format", po::value<std::string>()->default_value("auto"), "input format: auto, raw, asm, c");
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::vector<std::string>>(), "filter files");
  po::positional_options_description pos;
  pos.add("file", -1);
  po::variables_map vm;
  if (auto code = ParseOptions(args, "sckit verify [--stack] [--all] [--json] FILE...", visible,
                               hidden, pos, &vm)) {
    return *code;
  }
  if (!vm.count("file")) {
    PrintError("verify", "no filter file given (see --help)");
    return kExitUsage;
  }
  const auto files = vm["file"].as<std::vector<std::string>>();
  Result<Format> format = ParseFormatName(vm["format"].as<std::string>());
  if (!format.ok()) {
    PrintError("verify", format.error());
    return kExitUsage;
  }
  std::vector<uint32_t> flags(files.size(), 0);
  if (vm.count("flags")) {
    const auto given = vm["flags"].as<std::vector<std::string>>();
    if (given.size() > files.size()) {
      PrintError("verify", "more --flags than files");
      return kExitUsage;
    }
    for (size_t i = 0; i < given.size(); ++i) {
      Result<uint32_t> f = ParseFilterFlags(given[i]);
      if (!f.ok()) {
        PrintError("verify", f.error());
        return kExitUsage;
      }
      flags[i] = *f;
    }
  }
  const bool all = vm.count("all") > 0;
  const bool json = vm.count("json") > 0;
  const bool stack = vm.count("stack") > 0;

  std::vector<StackEntry> entries;
  // The loader's verdicts (a file of more than 4096 instructions): such a file stands in the
  // stack as an empty program, which the kernel rejects with the same errno.
  std::vector<std::optional<Error>> load_verdicts(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    Result<Program> program = LoadProgramFile(files[i], *format);
    if (!program.ok() && program.error().kernel_errno == 0) {
      PrintError("verify", files[i] + ": " + program.error().ToString());
      return kExitUsage;
    }
    if (!program.ok()) load_verdicts[i] = program.error();
    entries.push_back({program.ok() ? std::move(*program) : Program{}, flags[i]});
  }

  std::vector<Report> reports;
  if (stack) {
    std::vector<AttachOutcome> outcomes = CheckStack(entries);
    for (size_t i = 0; i < entries.size(); ++i) {
      Report r{files[i], outcomes[i].attached, {}, entries[i].program.size(),
               outcomes[i].converted_len, outcomes[i].path_len, true};
      if (!r.accepted) {
        if (all && outcomes[i].error->pc >= 0) {
          r.errors = VerifyAll(entries[i].program);
        } else {
          r.errors.push_back(*outcomes[i].error);
        }
      }
      reports.push_back(std::move(r));
    }
  } else {
    for (size_t i = 0; i < entries.size(); ++i) {
      Report r{files[i], false, {}, entries[i].program.size(), 0, 0, false};
      if (auto e = CheckFilterFlags(entries[i].flags)) {
        r.errors.push_back(*e);
      } else if (all) {
        r.errors = VerifyAll(entries[i].program);
        r.accepted = r.errors.empty();
      } else {
        Result<VerifiedProgram> v = Verify(entries[i].program);
        r.accepted = v.ok();
        if (!v.ok()) r.errors.push_back(v.error());
      }
      reports.push_back(std::move(r));
    }
  }

  for (size_t i = 0; i < reports.size(); ++i) {
    if (!load_verdicts[i]) continue;
    reports[i].accepted = false;
    reports[i].errors = {*load_verdicts[i]};
  }

  bool every_ok = true;
  if (json) std::printf("[");
  for (size_t i = 0; i < reports.size(); ++i) {
    every_ok = every_ok && reports[i].accepted;
    if (json) {
      std::printf("%s%s", i ? ",\n " : "", JsonReport(reports[i], all).c_str());
    } else {
      PrintText(reports[i]);
    }
  }
  if (json) std::printf("]\n");
  return every_ok ? kExitOk : kExitFailed;
}

}  // namespace sckit::tools
