// sckit compile: minijail's seccomp policy language to a verified filter. Parsing is
// policy/rules_parser.h, names and actions policy/rules_resolve.h, code generation
// policy/rules_compile.h, per-syscall costs policy/rules_cost.h; output forms are vm/'s
// (tools/filter_render.h). This file parses options,
// prints, and writes the output (whole or not at all, tools/output.h).
#include <cstdio>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "policy/rules_compile.h"
#include "policy/rules_cost.h"
#include "policy/rules_parser.h"
#include "policy/rules_resolve.h"
#include "tools/command.h"
#include "tools/filter_files.h"
#include "tools/filter_render.h"
#include "tools/options.h"
#include "tools/output.h"
#include "formats/carray.h"
#include "formats/codec.h"
#include "formats/disasm.h"
#include "vm/arch.h"

namespace sckit::tools {
namespace {

std::vector<std::string> SplitCommas(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const std::string& v : values) {
    std::stringstream ss(v);
    std::string item;
    while (std::getline(ss, item, ',')) {
      if (!item.empty()) out.push_back(item);
    }
  }
  return out;
}

std::string RetName(uint32_t ret) {
  std::optional<std::string> n = ReturnValueName(ret);
  return n ? *n : "UNKNOWN";
}

// The --json summary: per arch and named syscall, the outcomes and instructions executed.
std::string JsonSummary(const std::string& file, const Program& program,
                        const policy::ResolvedPolicy& r) {
  std::string out = "{\"policy\": \"" + JsonEscape(file) + "\", \"instructions\": " +
                    std::to_string(program.size()) + ", \"default\": \"" +
                    RetName(r.default_ret) + "\", \"foreign_arch\": \"" + RetName(r.kill_ret) +
                    "\", \"warnings\": [";
  for (size_t i = 0; i < r.warnings.size(); ++i) {
    out += (i ? ", \"" : "\"") + JsonEscape(r.warnings[i]) + "\"";
  }
  out += "], \"arches\": [";
  bool first_group = true;
  for (const policy::ArchGroup& g : r.groups) {
    std::string names;
    for (const ArchInfo* a : g.arches) names += (names.empty() ? "" : ",") + std::string(a->name);
    const policy::PathCost unlisted = policy::PathsFor(program, g.audit_arch, 0xfffffffeu);
    char head[160];
    std::snprintf(head, sizeof head, "{\"arch\": \"%s\", \"audit_arch\": \"0x%08x\", "
                  "\"unlisted_insns\": %u, \"syscalls\": [", names.c_str(), g.audit_arch,
                  unlisted.max_insns);
    out += std::string(first_group ? "" : ", ") + head;
    first_group = false;
    bool first = true;
    for (const auto& [nr, index] : g.rules) {
      const policy::PathCost c = policy::PathsFor(program, g.audit_arch, nr);
      std::string actions;
      for (uint32_t ret : c.rets) actions += (actions.empty() ? "\"" : ", \"") + RetName(ret) + "\"";
      out += std::string(first ? "" : ", ") + "{\"name\": \"" +
             JsonEscape(r.policy->rules[index].name) + "\", \"nr\": " + std::to_string(nr) +
             ", \"actions\": [" + actions + "], \"min_insns\": " + std::to_string(c.min_insns) +
             ", \"max_insns\": " + std::to_string(c.max_insns) + "}";
      first = false;
    }
    out += "]}";
  }
  return out + "]}\n";
}

// --return-semantics, --kill-process, --arch and --default-action into the library options;
// an exit code when one is bad.
std::optional<int> OptionsFrom(const po::variables_map& vm, policy::ParseOptions* parse,
                               policy::ResolveOptions* options) {
  const std::string semantics = vm["return-semantics"].as<std::string>();
  if (semantics == "python") {
    parse->return_semantics = policy::ReturnSemantics::kPython;
  } else if (semantics != "man") {
    PrintError("compile", "unknown --return-semantics '" + semantics + "' (expected man or python)");
    return kExitUsage;
  }
  options->kill_process = vm.count("kill-process") > 0;
  parse->allow_duplicate_syscalls = vm.count("allow-duplicate-syscalls") > 0;
  if (vm.count("arch")) {
    for (const std::string& name : SplitCommas(vm["arch"].as<std::vector<std::string>>())) {
      const ArchInfo* a = FindArch(name);
      if (a == nullptr) {
        PrintError("compile", "unknown architecture '" + name + "'");
        return kExitUsage;
      }
      options->arches.push_back(a);
    }
  }
  if (vm.count("default-action")) {
    Result<policy::RuleAction> a = policy::ParseActionText(vm["default-action"].as<std::string>());
    if (!a.ok()) {
      PrintError("compile", "--default-action: " + a.error().message);
      return kExitUsage;
    }
    if (a->kind == policy::ActionKind::kDefault) {
      PrintError("compile", "--default-action: a bare 'return' needs an errno");
      return kExitUsage;
    }
    options->default_action = *a;
  }
  return std::nullopt;
}

// To `out` (empty or "-": standard output, never raw bytes on a terminal).
int WriteFilter(const std::string& out, const std::string& emit, const std::string& rendered) {
  if (emit == "raw" && RefuseRawOnTerminal("compile", out, "use -o FILE, redirect standard "
                                                          "output, or --emit asm|c")) {
    return kExitUsage;
  }
  return WriteOutput("compile", out, rendered);
}

constexpr const char* kUsage =
    "sckit compile POLICY [-o OUT] [--arch A]... [--default-action ACTION] "
    "[--allow-duplicate-syscalls] [--emit raw|asm|c|c-install|listing] [--json]\n\n"
    "Compiles a policy in minijail's seccomp policy language (minijail0(5); see\n"
    "docs/policy-language.md) to a classic BPF seccomp filter that `sckit verify` accepts:\n"
    "an arch check first (foreign arches get the kill action), then a balanced search over\n"
    "syscall numbers, 64-bit argument comparisons as two 32-bit words. Named constants take\n"
    "each arch's own value (from its headers; names on arches without a table are errors),\n"
    "and `name[arch=...]` metadata limits a statement to those arches. Errors are reported\n"
    "as FILE:LINE:COL: message; nothing is written then. The output file is replaced\n"
    "atomically. With --json a summary goes to standard output (per syscall the possible\n"
    "actions and the instructions executed), and the filter is written only with -o.";

void DescribeOptions(po::options_description* visible) {
  visible->add_options()("help,h", "show this help")(
      "output,o", po::value<std::string>(), "output file (default: standard output; raw output "
                                            "is refused on a terminal)")(
      "arch", po::value<std::vector<std::string>>()->composing(),
      "architectures, repeatable or comma-separated (default x86_64); one filter dispatches "
      "on each, with each arch's constant values; x32 shares x86_64's AUDIT_ARCH and matches "
      "numbers with bit 30")(
      "default-action", po::value<std::string>(),
      "action for calls no rule decides, overriding @default: kill, kill-process, kill-thread, "
      "trap, trace, log, user-notify, allow or 'return ERRNO' (default: @default, else kill; "
      "allow for @denylist policies)")(
      "kill-process", "`kill` and foreign arches mean KILL_PROCESS (default KILL_THREAD, as "
                      "minijail without --use-kill-process)")(
      "return-semantics", po::value<std::string>()->default_value("man"),
      "how `expr; return N` reads: man (minijail0(5) and minijail's C parser: expr true -> "
      "allow, else ERRNO N) or python (minijail's Python compiler: expr true -> ERRNO N, else "
      "the next rule or the default)")(
      "allow-duplicate-syscalls",
      "as minijail's C parser built with ALLOW_DUPLICATE_SYSCALLS (Android): the first "
      "statement naming a syscall decides it, later ones are left out with a warning (two "
      "with conditions are still an error); default: statements for one syscall are tried in "
      "order, as minijail's Python compiler does")(
      "emit,e", po::value<std::string>()->default_value("raw"),
      "output form: raw (struct sock_filter array), asm (sckit assembly), c (C array), "
      "c-install (C source with sckit_install_filter()), listing")(
      "json", "print a JSON summary on standard output");
  AddByteOrderOption(visible);  // auto: big-endian when every --arch is, as libseccomp writes
}

// The policy parsed, resolved and generated; an exit code when the command ends here (the
// error printed: an I/O error on the policy file is exit 2, a policy error exit 1).
struct Compiled {
  Compiled() = default;
  Compiled(const Compiled&) = delete;  // resolved.policy points at parsed
  Compiled& operator=(const Compiled&) = delete;
  policy::Policy parsed;
  policy::ResolvedPolicy resolved;
  Program program;
};
std::optional<int> CompilePolicy(const std::string& file, const policy::ParseOptions& parse,
                                 const policy::ResolveOptions& options, Compiled* c) {
  Result<policy::Policy> parsed = policy::ParsePolicyFile(file, parse);
  if (!parsed.ok()) {
    if (parsed.error().rule == "io") {  // the policy file itself: an I/O error, exit 2
      PrintError("compile", parsed.error().message);
      return kExitUsage;
    }
    std::fprintf(stderr, "%s\n", parsed.error().message.c_str());
    return kExitFailed;
  }
  c->parsed = std::move(*parsed);  // ResolvedPolicy points at it: resolve the kept copy
  Result<policy::ResolvedPolicy> resolved = policy::ResolvePolicy(c->parsed, options);
  if (!resolved.ok()) {
    std::fprintf(stderr, "%s\n", resolved.error().message.c_str());
    return kExitFailed;
  }
  for (const std::string& w : resolved->warnings) {
    std::fprintf(stderr, "sckit compile: warning: %s\n", w.c_str());
  }
  Result<Program> program = policy::GenerateFilter(*resolved);
  if (!program.ok()) {
    PrintError("compile", file + ": " + program.error().ToString());
    return kExitFailed;
  }
  c->resolved = std::move(*resolved);
  c->program = std::move(*program);
  return std::nullopt;
}

// --byte-order; auto: the machines' order when they share one, else little-endian.
std::optional<ByteOrder> OutputOrder(const po::variables_map& vm,
                                     const policy::ResolvedPolicy& resolved) {
  std::optional<ByteOrder> order = ByteOrderOption("compile", vm);
  if (!order) return std::nullopt;
  if (*order == ByteOrder::kAuto) {  // the machines' order when they share one
    bool all_big = true;
    for (const auto& g : resolved.groups) {
      for (const ArchInfo* a : g.arches) all_big = all_big && a->big_endian;
    }
    order = all_big ? ByteOrder::kBig : ByteOrder::kLittle;
  }
  return order;
}

}  // namespace

int CmdCompile(const std::vector<std::string>& args) {
  po::options_description visible("options");
  DescribeOptions(&visible);
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::vector<std::string>>(), "policy");
  po::positional_options_description pos;
  pos.add("file", -1);
  po::variables_map vm;
  if (auto code = ParseOptions(args, kUsage, visible, hidden, pos, &vm)) return *code;
  if (!vm.count("file") || vm["file"].as<std::vector<std::string>>().size() != 1) {
    PrintError("compile", "exactly one policy file expected (see --help)");
    return kExitUsage;
  }
  const std::string file = vm["file"].as<std::vector<std::string>>()[0];
  policy::ParseOptions parse;
  policy::ResolveOptions options;
  if (auto code = OptionsFrom(vm, &parse, &options)) return *code;
  const std::string emit = vm["emit"].as<std::string>();
  Compiled c;
  if (auto code = CompilePolicy(file, parse, options, &c)) return *code;
  const ArchInfo* first = c.resolved.groups.front().arches.front();
  const std::optional<ByteOrder> order = OutputOrder(vm, c.resolved);
  if (!order) return kExitUsage;
  Result<std::string> rendered = RenderFilter(c.program, emit, first, *order);
  if (!rendered.ok()) {
    PrintError("compile", rendered.error());
    return kExitUsage;
  }
  const std::string out = vm.count("output") ? vm["output"].as<std::string>() : "";
  if (vm.count("json")) {
    std::fputs(JsonSummary(file, c.program, c.resolved).c_str(), stdout);
    if (out.empty()) return kExitOk;
  } else {
    std::fprintf(stderr, "sckit compile: %s: %zu instructions, %zu syscall rules, default %s\n",
                 file.c_str(), c.program.size(), c.parsed.rules.size(),
                 RetName(c.resolved.default_ret).c_str());
  }
  return WriteFilter(out, emit, *rendered);
}

}  // namespace sckit::tools
