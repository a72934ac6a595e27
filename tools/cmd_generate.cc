// sckit generate: a least-privilege policy in the rules language from what a program did:
// strace logs, seccomp audit records, or the command itself run under the tracer. Reading is
// formats/strace.h and formats/audit.h (tools/trace_inputs.h), tracing live/trace_syscalls.h,
// the policy policy/generate.h; this file parses options, prints, and writes the output (whole
// or not at all, tools/output.h).
#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <vector>

#include "live/trace_syscalls.h"
#include "policy/generate.h"
#include "policy/rules_compile.h"
#include "policy/rules_parser.h"
#include "tools/command.h"
#include "tools/filter_render.h"
#include "tools/options.h"
#include "tools/output.h"
#include "tools/trace_inputs.h"
#include "vm/arch.h"

namespace sckit::tools {
namespace {

constexpr const char* kUsage =
    "sckit generate (--strace FILE... | --audit FILE... | -- CMD [ARGS...]) [-o POLICY]\n"
    "               [--arch A]... [--args auto|none|all] [--default-action A]\n"
    "               [--emit raw|asm|c|c-install|listing] [--json]\n\n"
    "Writes a policy in the rules language (docs/policy-language.md) that allows the system\n"
    "calls a program was seen making, for `sckit compile`: from `strace -f` output, from\n"
    "kernel audit records of seccomp decisions (type=SECCOMP / type=1326 lines of audit.log or\n"
    "the kernel log), or by running CMD under a tracer that records every call (no filter is\n"
    "installed; the command runs normally). Flags and enumerations (socket family/type, ioctl\n"
    "request, prctl option, fcntl command, mmap/mprotect protection, clone flags, madvise\n"
    "advice, personality) are checked with the values seen, by name; pointers never. Calls a\n"
    "runtime needs but a trace may not show are added with a comment, and `return ENOSYS` for\n"
    "newer calls (clone3, faccessat2, ...) whose older fallback the trace shows. Findings (newer\n"
    "syscalls and the kernel that added them, escape hatches allowed) go to standard error and\n"
    "into the policy's header. The policy is compiled and its own trace run through it before\n"
    "it is written. See docs/generate.md.";

struct Inputs {
  std::vector<TraceCall> calls;
  std::string source;
  int command_status = -1;  // wait status of CMD, when traced
};

// The calls of every --strace/--audit file, or of CMD; false after printing the error.
bool Gather(const po::variables_map& vm, const ArchInfo& arch, Inputs* in) {
  const struct {
    const char* option;
    TraceKind kind;
  } kinds[] = {{"strace", TraceKind::kStrace}, {"audit", TraceKind::kAudit}};
  for (const auto& k : kinds) {
    if (!vm.count(k.option)) continue;
    for (const std::string& path : vm[k.option].as<std::vector<std::string>>()) {
      std::string summary;
      Result<std::vector<TraceCall>> calls = ReadTraceFile(k.kind, path, arch, &summary);
      if (!calls.ok()) {
        PrintError("generate", calls.error().message);
        return false;
      }
      std::fprintf(stderr, "sckit generate: %s: %s\n", path.c_str(), summary.c_str());
      in->calls.insert(in->calls.end(), calls->begin(), calls->end());
      in->source += (in->source.empty() ? "" : ", ") + std::string(k.option) + " " + path;
    }
  }
  if (!vm.count("command")) return true;
  const std::vector<std::string> argv = vm["command"].as<std::vector<std::string>>();
  Result<live::SyscallTrace> traced = live::TraceSyscalls(argv);
  if (!traced.ok()) {
    PrintError("generate", traced.error().message);
    return false;
  }
  std::fflush(stdout);
  in->command_status = traced->wait_status;
  std::string cmd;
  for (const std::string& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
  std::fprintf(stderr, "sckit generate: traced `%s`: %zu calls%s\n", cmd.c_str(), traced->seen,
               traced->truncated ? " (past the cap only each syscall's first call kept)" : "");
  if (WIFEXITED(traced->wait_status) && WEXITSTATUS(traced->wait_status) != 0) {
    std::fprintf(stderr, "sckit generate: note: the command exited with status %d\n",
                 WEXITSTATUS(traced->wait_status));
  } else if (WIFSIGNALED(traced->wait_status)) {
    std::fprintf(stderr, "sckit generate: note: the command was killed by signal %d\n",
                 WTERMSIG(traced->wait_status));
  }
  in->calls.insert(in->calls.end(), traced->calls.begin(), traced->calls.end());
  in->source += (in->source.empty() ? "" : ", ") + std::string("command `") + cmd + "`";
  return true;
}

std::string Json(const policy::GeneratedPolicy& g) {
  std::string out = "{\"calls\": " + std::to_string(g.calls) +
                    ", \"syscalls\": " + std::to_string(g.syscalls) +
                    ", \"constrained\": " + std::to_string(g.constrained) +
                    ", \"added\": " + std::to_string(g.added) + ", \"arches\": [";
  for (size_t i = 0; i < g.arches.size(); ++i) {
    out += (i ? ", \"" : "\"") + JsonEscape(g.arches[i]) + "\"";
  }
  out += "], \"compile_args\": \"" + JsonEscape(policy::CompileArguments(g)) +
         "\", \"findings\": [";
  for (size_t i = 0; i < g.findings.size(); ++i) {
    const policy::Finding& f = g.findings[i];
    out += std::string(i ? ", " : "") + "{\"kind\": \"" + JsonEscape(f.kind) +
           "\", \"syscall\": \"" + JsonEscape(f.syscall) + "\", \"message\": \"" +
           JsonEscape(f.message) + "\"}";
  }
  return out + "], \"policy\": \"" + JsonEscape(g.text) + "\"}\n";
}

// --emit: the policy compiled with the arguments its header names.
Result<std::string> Emit(const policy::GeneratedPolicy& g, const std::string& emit,
                         const std::vector<const ArchInfo*>& arches) {
  Result<policy::Policy> parsed = policy::ParsePolicyText(g.text, "generated policy");
  if (!parsed.ok()) return parsed.error();
  policy::ResolveOptions ro;
  for (const std::string& a : g.arches) ro.arches.push_back(FindArch(a));
  ro.kill_process = true;
  if (!g.default_action.empty()) {
    Result<policy::RuleAction> a = policy::ParseActionText(g.default_action);
    if (!a.ok()) return a.error();
    ro.default_action = *a;
  }
  Result<policy::CompiledPolicy> compiled = policy::CompilePolicy(*parsed, ro);
  if (!compiled.ok()) return compiled.error();
  return RenderFilter(compiled->program, emit, arches.empty() ? ro.arches[0] : arches[0]);
}

// --arch, --args, --default-action; false after printing the error.
bool OptionsFrom(const po::variables_map& vm, policy::GenerateOptions* options) {
  if (vm.count("arch")) {
    for (const std::string& name : vm["arch"].as<std::vector<std::string>>()) {
      const ArchInfo* a = FindArch(name);
      if (!a) {
        PrintError("generate", "unknown arch '" + name + "'");
        return false;
      }
      options->arches.push_back(a);
    }
  }
  const std::string mode = vm["args"].as<std::string>();
  if (mode != "auto" && mode != "none" && mode != "all") {
    PrintError("generate", "--args: expected auto, none or all, not '" + mode + "'");
    return false;
  }
  options->args = mode == "none" ? policy::ArgMode::kNone
                  : mode == "all" ? policy::ArgMode::kAll : policy::ArgMode::kAuto;
  options->default_action = vm["default-action"].as<std::string>();
  return true;
}

}  // namespace

int CmdGenerate(const std::vector<std::string>& args) {
  po::options_description visible("options");
  visible.add_options()("help,h", "show this help")(
      "strace", po::value<std::vector<std::string>>()->composing(),
      "`strace -f` output (with or without -e raw=all / -X raw, -k, timestamps); repeatable")(
      "audit", po::value<std::vector<std::string>>()->composing(),
      "kernel audit log with seccomp records (audit.log, dmesg, journalctl -k); repeatable")(
      "output,o", po::value<std::string>(), "write the policy (or --emit's filter) to FILE, "
                                            "atomically (default: standard output)")(
      "arch", po::value<std::vector<std::string>>()->composing(),
      "architectures to compile for, native first (default: those of the calls); the first "
      "is also the arch of strace's calls (x86_64 by default)")(
      "args", po::value<std::string>()->default_value("auto"),
      "argument checks: auto (flags and enumerations seen), none (names only), all (every "
      "argument that was always a plain value)")(
      "default-action", po::value<std::string>()->default_value("kill-process"),
      "action for calls not in the policy: kill-process, kill-thread, trap, user-notify, "
      "log, 'return EPERM', ...")(
      "emit,e", po::value<std::string>(),
      "write the compiled filter instead of the policy: raw, asm, c, c-install, listing")(
      "json", "print a JSON summary (with the policy text) on standard output");
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::vector<std::string>>(), "command");
  po::positional_options_description pos;
  pos.add("command", -1);
  po::variables_map vm;
  if (auto code = ParseOptions(args, kUsage, visible, hidden, pos, &vm)) return *code;
  if (!vm.count("strace") && !vm.count("audit") && !vm.count("command")) {
    PrintError("generate", "give --strace FILE, --audit FILE or -- CMD (see --help)");
    return kExitUsage;
  }
  policy::GenerateOptions options;
  if (!OptionsFrom(vm, &options)) return kExitUsage;
  Inputs in;
  const ArchInfo& base = options.arches.empty() ? *FindArch("x86_64") : *options.arches[0];
  if (!Gather(vm, base, &in)) return kExitUsage;
  options.source = in.source;
  Result<policy::GeneratedPolicy> g = policy::GeneratePolicy(in.calls, options);
  if (!g.ok()) {
    PrintError("generate", g.error().ToString());
    return g.error().rule == "generate-check" ? kExitFailed : kExitUsage;
  }
  for (const policy::Finding& f : g->findings) {
    std::fprintf(stderr, "sckit generate: %s: %s\n", f.kind.c_str(), f.message.c_str());
  }
  std::fprintf(stderr, "sckit generate: %zu calls, %zu syscalls (%zu with argument checks), "
               "%zu rules added; compile with: sckit compile POLICY %s\n", g->calls, g->syscalls,
               g->constrained, g->added, policy::CompileArguments(*g).c_str());
  const std::string out = vm.count("output") ? vm["output"].as<std::string>() : "";
  std::string data = g->text;
  if (vm.count("emit")) {
    const std::string emit = vm["emit"].as<std::string>();
    Result<std::string> filter = Emit(*g, emit, options.arches);
    if (!filter.ok()) {
      PrintError("generate", filter.error().ToString());
      return filter.error().rule == "bad-emit" ? kExitUsage : kExitFailed;
    }
    if (emit == "raw" && RefuseRawOnTerminal("generate", out, "use -o FILE or --emit asm|c")) {
      return kExitUsage;
    }
    data = *filter;
  }
  if (vm.count("json")) {
    std::fputs(Json(*g).c_str(), stdout);
    if (out.empty()) return kExitOk;
  }
  return WriteOutput("generate", out, data);
}

}  // namespace sckit::tools
