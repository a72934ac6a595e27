// sckit decompile: a verified filter or stack back to minijail's rules language
// (policy/decompile.h), then the proof that compiling it again gives the same filter. This file
// parses options, prints, and writes the output (whole or not at all, tools/output.h).
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "policy/decompile.h"
#include "tools/command.h"
#include "tools/filter_files.h"
#include "tools/options.h"
#include "tools/output.h"
#include "vm/arch.h"

namespace sckit::tools {
namespace {

constexpr const char* kUsage =
    "sckit decompile FILTER... [--arch A]... [-o OUT] [--strict] [--no-proof]\n\n"
    "FILTER... is a stack, oldest first (any format sckit reads). Writes a policy in\n"
    "minijail's rules language (docs/policy-language.md): per syscall the condition under\n"
    "which each action is returned, syscalls grouped by action, the default action; a comment\n"
    "names what the language cannot express. The header names the `sckit compile` options\n"
    "that give back the filter. Then compiles the policy again and proves with the solver\n"
    "that it decides every record as the stack does, or lists the syscalls where it cannot\n"
    "and why (on standard error). Exit 0 (also with such syscalls, unless --strict), 1 with\n"
    "--strict when the round trip is not exact, 2 on usage or I/O errors.";

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

std::optional<int> ArchesFrom(const po::variables_map& vm, std::vector<const ArchInfo*>* out) {
  if (!vm.count("arch")) return std::nullopt;
  for (const std::string& v : vm["arch"].as<std::vector<std::string>>()) {
    std::stringstream ss(v);
    std::string name;
    while (std::getline(ss, name, ',')) {
      if (name.empty()) continue;
      const ArchInfo* a = FindArch(name);
      if (a == nullptr) {
        PrintError("decompile", "unknown architecture '" + name + "'");
        return kExitUsage;
      }
      out->push_back(a);
    }
  }
  return std::nullopt;
}

}  // namespace

int CmdDecompile(const std::vector<std::string>& args) {
  po::options_description visible("options");
  visible.add_options()("help,h", "show this help")(
      "output,o", po::value<std::string>(), "output file (default: standard output)")(
      "arch", po::value<std::vector<std::string>>()->composing(),
      "architectures, repeatable or comma-separated (default: every arch the stack checks "
      "for)")("strict", "exit 1 unless the round trip is proven exact")(
      "no-proof", "do not compile again and prove the result")(
      "format", po::value<std::string>()->default_value("auto"), "input format: auto, raw, asm, c");
  AddByteOrderOption(&visible);
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::vector<std::string>>(), "filter files");
  po::positional_options_description pos;
  pos.add("file", -1);
  po::variables_map vm;
  if (auto code = ParseOptions(args, kUsage, visible, hidden, pos, &vm)) return *code;
  const std::optional<FilterArgs> input = ParseFilterArgs("decompile", vm);
  if (!input) return kExitUsage;
  policy::DecompileOptions options;
  if (auto code = ArchesFrom(vm, &options.arches)) return *code;
  options.sources = input->files;
  int code = kExitOk;
  auto stack = ReadFilterStack("decompile", *input, vm, &code);
  if (!stack) return code;
  const std::vector<const VerifiedProgram*> ptrs = Pointers(*stack);
  Result<policy::Decompiled> d = policy::Decompile(ptrs, options);
  if (!d.ok()) {
    PrintError("decompile", d.error());
    return kExitUsage;
  }
  bool exact = d->inexpressible.empty();
  if (!vm.count("no-proof")) {
    Result<policy::RoundTrip> proof = policy::ProveRoundTrip(ptrs, *d);
    if (!proof.ok()) {  // the text does not compile: a decompiler bug, said plainly
      PrintError("decompile", "the policy does not compile again: " + proof.error().ToString());
      return kExitFailed;
    }
    exact = proof->equivalent;
    if (proof->equivalent) {
      std::fprintf(stderr, "sckit decompile: proven: `sckit compile POLICY %s` decides every "
                   "record as the stack does\n", d->compile_flags.c_str());
    } else {
      std::fprintf(stderr, "sckit decompile: %s: the compiled policy differs on:\n",
                   proof->exact ? "inexact" : "inexact (the solver gave up on part)");
      for (const policy::Inexpressible& e : proof->differences) {
        std::fprintf(stderr, "  %s%s: %s\n", e.syscall.c_str(),
                     e.arches.empty() ? "" : (" (" + Join(e.arches) + ")").c_str(),
                     e.reason.c_str());
      }
    }
  } else {
    for (const policy::Inexpressible& e : d->inexpressible) {
      std::fprintf(stderr, "sckit decompile: warning: %s: %s\n", e.syscall.c_str(),
                   e.reason.c_str());
    }
  }
  const std::string out = vm.count("output") ? vm["output"].as<std::string>() : "";
  const int written = WriteOutput("decompile", out, d->text);
  if (written != kExitOk) return written;
  return vm.count("strict") && !exact ? kExitFailed : kExitOk;
}

}  // namespace sckit::tools
