// sckit run: install filters for real, then execute the command under them.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "live/enforce.h"
#include "tools/command.h"
#include "tools/filter_files.h"
#include "tools/filter_flags.h"
#include "tools/options.h"
#include "vm/bpf.h"
#include "formats/loader.h"

namespace sckit::tools {
namespace {

// Exit codes of sckit run, as env(1)/timeout(1) use them, so that they do not collide with the
// command's own status (which passes through when the command runs).
constexpr int kRunFailed = 125;      // sckit failed before the command started
constexpr int kCannotExecute = 126;  // execve() failed (denied by the filter, not executable)
constexpr int kNotFound = 127;       // the command was not found

// Every --flag (and --log-denials) together; nullopt after printing a bad flag's error.
std::optional<uint32_t> FlagsFor(const po::variables_map& vm) {
  uint32_t flags = vm.count("log-denials") ? seccomp::kFlagLog : 0;
  if (!vm.count("flag")) return flags;
  for (const std::string& f : vm["flag"].as<std::vector<std::string>>()) {
    Result<uint32_t> parsed = ParseFilterFlags(f);
    if (!parsed.ok()) {
      PrintError("run", parsed.error());
      return std::nullopt;
    }
    flags |= *parsed;
  }
  return flags;
}

// The request the command line asks for; an exit code when the command ends here (help, a usage
// error, a filter file that does not load).
std::optional<int> ParseRunRequest(const std::vector<std::string>& args,
                                   live::EnforceRequest* request) {
  po::options_description visible("options");
  visible.add_options()("help,h", "show this help")(
      "filter,f", po::value<std::vector<std::string>>(),
      "a filter file; repeat for a stack (first = oldest, installed first)")(
      "flag", po::value<std::vector<std::string>>(),
      "SECCOMP_FILTER_FLAG_* for every seccomp() call: tsync, log, spec_allow, new_listener, "
      "tsync_esrch, wait_killable_recv (repeatable, or comma-separated)")(
      "log-denials", "same as --flag log: the kernel audits ERRNO/TRAP/TRACE results")(
      "no-nnp", "do not set no_new_privs (installing then needs CAP_SYS_ADMIN)")(
      "strict", "enter strict mode (mode 1) instead: only read, write, exit and sigreturn are "
                "allowed, so even the execve() of the command is killed (SIGKILL)")(
      "format", po::value<std::string>()->default_value("auto"), "filter format: auto, raw, asm, c");
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::vector<std::string>>(), "command");
  po::positional_options_description pos;
  pos.add("command", -1);

  // Everything after "--" is the command, untouched by option parsing.
  auto [own, command] = SplitAtDoubleDash(args);
  po::variables_map vm;
  const std::string usage =
      "sckit run --filter F [--filter F2 ...] [--flag FLAGS] [--no-nnp] [--strict] -- CMD "
      "[ARGS...]\n\nInstalls the filters on this process, then executes CMD under them; CMD's "
      "exit status is passed through.\nIf anything fails before CMD starts, CMD is never run "
      "and sckit exits with 125 (install/verification failed), 126 (execve failed, e.g. "
      "denied by the filter) or 127 (CMD not found); 2 for usage errors.";
  if (auto code = ParseOptions(own, usage, visible, hidden, pos, &vm)) return code;
  if (vm.count("command")) {
    const auto extra = vm["command"].as<std::vector<std::string>>();
    command.insert(command.begin(), extra.begin(), extra.end());
  }
  if (command.empty()) {
    PrintError("run", "no command given: sckit run --filter F -- CMD [ARGS...]");
    return kExitUsage;
  }
  const bool strict = vm.count("strict") > 0;
  if (!strict && !vm.count("filter")) {
    PrintError("run", "no --filter given (or use --strict)");
    return kExitUsage;
  }
  if (strict && vm.count("filter")) {
    PrintError("run", "--strict and --filter exclude each other (mode 1 cannot be stacked)");
    return kExitUsage;
  }
  Result<Format> format = ParseFormatName(vm["format"].as<std::string>());
  if (!format.ok()) {
    PrintError("run", format.error());
    return kExitUsage;
  }
  const std::optional<uint32_t> flags = FlagsFor(vm);
  if (!flags) return kExitUsage;

  request->set_no_new_privs = vm.count("no-nnp") == 0;
  request->strict = strict;
  request->argv = command;
  if (!strict) {
    for (const std::string& file : vm["filter"].as<std::vector<std::string>>()) {
      Result<Program> program = LoadProgramFile(file, *format);
      if (!program.ok()) {
        PrintError("run", file + ": " + program.error().ToString());
        return kExitUsage;
      }
      request->filters.push_back({std::move(*program), *flags});
    }
  }
  return std::nullopt;
}

// After InstallAndExec failed: the command did not run. Once a filter is installed, even this
// report may be denied: it is best effort, and the exit happens either way.
[[noreturn]] void ReportAndExit(const Error& e) {
  std::string text = "sckit run: " + e.rule + ": " + e.message;
  if (e.kernel_errno != 0) text += " (" + ErrnoName(e.kernel_errno) + ")";
  text += "; the command was not started\n";
  ssize_t ignored = ::write(2, text.data(), text.size());
  (void)ignored;
  int code = kRunFailed;
  if (e.rule == "command-not-found") code = kNotFound;
  if (e.rule == "exec") code = kCannotExecute;
  _exit(code);
}

}  // namespace

int CmdRun(const std::vector<std::string>& args) {
  live::EnforceRequest request;
  if (auto code = ParseRunRequest(args, &request)) return *code;
  std::fflush(stdout);
  std::fflush(stderr);
  ReportAndExit(live::InstallAndExec(request));  // returns only on failure
}

}  // namespace sckit::tools
