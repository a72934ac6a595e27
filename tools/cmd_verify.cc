// sckit verify: the kernel's acceptance of filters, one by one or as a stack installed in order.
// The verdicts are verifier/verdict.h's; this file parses options, loads the files and prints.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "formats/loader.h"
#include "tools/command.h"
#include "tools/filter_files.h"
#include "tools/filter_flags.h"
#include "tools/options.h"
#include "verifier/verdict.h"
#include "vm/bpf.h"

namespace sckit::tools {
namespace {

struct VerifyArgs {
  std::vector<std::string> files;
  std::vector<uint32_t> flags;  // one per file
  Format format = Format::kAuto;
  ByteOrder byte_order = ByteOrder::kAuto;
  bool all = false;
  bool json = false;
  bool stack = false;
};

// Fills *a from the command line; an exit code when the command ends here.
std::optional<int> ParseVerifyArgs(const std::vector<std::string>& args, VerifyArgs* a) {
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
  AddByteOrderOption(&visible);
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::vector<std::string>>(), "filter files");
  po::positional_options_description pos;
  pos.add("file", -1);
  po::variables_map vm;
  if (auto code = ParseOptions(args, "sckit verify [--stack] [--all] [--json] FILE...", visible,
                               hidden, pos, &vm)) {
    return code;
  }
  const std::optional<FilterArgs> input = ParseFilterArgs("verify", vm);
  if (!input) return kExitUsage;
  a->files = input->files;
  a->format = input->format;
  const std::optional<ByteOrder> order = ByteOrderOption("verify", vm);
  if (!order) return kExitUsage;
  a->byte_order = *order;
  a->flags.assign(a->files.size(), 0);
  if (vm.count("flags")) {
    const auto given = vm["flags"].as<std::vector<std::string>>();
    if (given.size() > a->files.size()) {
      PrintError("verify", "more --flags than files");
      return kExitUsage;
    }
    for (size_t i = 0; i < given.size(); ++i) {
      Result<uint32_t> f = ParseFilterFlags(given[i]);
      if (!f.ok()) {
        PrintError("verify", f.error());
        return kExitUsage;
      }
      a->flags[i] = *f;
    }
  }
  a->all = vm.count("all") > 0;
  a->json = vm.count("json") > 0;
  a->stack = vm.count("stack") > 0;
  return std::nullopt;
}

// "big-endian" for raw files read big-endian, else "" (the host's order goes unsaid).
std::string OrderOf(const LoadInfo& info) {
  return info.format == Format::kRaw && info.byte_order == ByteOrder::kBig ? "big-endian" : "";
}

void PrintText(const std::string& file, const FilterVerdict& v, const LoadInfo& info) {
  if (v.accepted) {
    std::printf("%s: ok (%zu instructions", file.c_str(), v.insns);
    if (!OrderOf(info).empty()) std::printf(", %s", OrderOf(info).c_str());
    if (v.in_stack) {
      std::printf(", %u after conversion, chain total %u of %u", v.converted_len, v.path_len,
                  seccomp::kMaxInsnsPerPath);
    }
    std::printf(")\n");
    return;
  }
  for (const Error& e : v.errors) {
    std::printf("%s: rejected: %s\n", file.c_str(), e.ToString().c_str());
  }
}

std::string JsonVerdict(const std::string& file, const FilterVerdict& v, bool all,
                        const LoadInfo& info) {
  std::string out = "{\"file\": \"" + JsonEscape(file) + "\", \"accepted\": ";
  out += v.accepted ? "true" : "false";
  if (v.accepted) {
    out += ", \"errno\": null, \"pc\": null, \"rule\": null, \"message\": null";
  } else {
    out += ", " + ErrorJsonFields(v.errors.front());
  }
  out += ", \"instructions\": " + std::to_string(v.insns);
  out += ", \"byte_order\": ";
  out += info.format != Format::kRaw ? "null"
                                     : "\"" + std::string(ByteOrderName(info.byte_order)) + "\"";
  if (v.in_stack) {
    out += ", \"converted_len\": " + std::to_string(v.converted_len);
    out += ", \"path_len\": " + std::to_string(v.path_len);
  }
  if (all) {
    out += ", \"problems\": [";
    for (size_t i = 0; i < v.errors.size(); ++i) {
      out += (i ? ", {" : "{") + ErrorJsonFields(v.errors[i]) + "}";
    }
    out += "]";
  }
  return out + "}";
}

}  // namespace

int CmdVerify(const std::vector<std::string>& args) {
  VerifyArgs a;
  if (auto code = ParseVerifyArgs(args, &a)) return *code;
  std::vector<StackEntry> entries;
  // The loader's own verdicts (a file of more than 4096 instructions carries the kernel's
  // EINVAL): such a file stands in the stack as an empty program, which the kernel rejects
  // with the same errno, and its verdict is the loader's.
  std::vector<std::optional<Error>> load_verdicts(a.files.size());
  std::vector<LoadInfo> infos(a.files.size());
  const LoadOptions load = FilterLoadOptions(a.format, a.byte_order);
  for (size_t i = 0; i < a.files.size(); ++i) {
    Result<Program> program = LoadProgramFile(a.files[i], load, &infos[i]);
    if (!program.ok() && program.error().kernel_errno == 0) {
      PrintError("verify", a.files[i] + ": " + program.error().ToString());
      return kExitUsage;
    }
    if (!program.ok()) load_verdicts[i] = program.error();
    entries.push_back({program.ok() ? std::move(*program) : Program{}, a.flags[i]});
  }
  std::vector<FilterVerdict> verdicts = JudgeFilters(entries, a.stack, a.all);
  for (size_t i = 0; i < verdicts.size(); ++i) {
    if (!load_verdicts[i]) continue;
    verdicts[i].accepted = false;
    verdicts[i].errors = {*load_verdicts[i]};
  }
  bool every_ok = true;
  if (a.json) std::printf("[");
  for (size_t i = 0; i < verdicts.size(); ++i) {
    every_ok = every_ok && verdicts[i].accepted;
    if (a.json) {
      std::printf("%s%s", i ? ",\n " : "", JsonVerdict(a.files[i], verdicts[i], a.all, infos[i]).c_str());
    } else {
      PrintText(a.files[i], verdicts[i], infos[i]);
    }
  }
  if (a.json) std::printf("]\n");
  return every_ok ? kExitOk : kExitFailed;
}

}  // namespace sckit::tools
