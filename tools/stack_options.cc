// The options `sckit eval` and `sckit test` share (tools/stack_options.h): declared, parsed and
// turned into an eval::Session; errors printed here, decisions made by eval/.
#include "tools/stack_options.h"

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "live/kernel_info.h"
#include "tools/command.h"
#include "tools/dispatch_flags.h"
#include "tools/filter_files.h"
#include "tools/filter_flags.h"
#include "vm/outcome.h"
#include "vm/seccomp_log.h"

namespace sckit::tools {

void AddStackOptions(po::options_description* d) {
  AddByteOrderOption(d);
  d->add_options()("filter,f", po::value<std::vector<std::string>>(),
                   "filter file, repeat for a stack (first = oldest, installed first)")(
      "flags", po::value<std::vector<std::string>>(),
      "filter flags of the n-th --filter, repeat per filter: comma-separated log, "
      "new_listener, ... or a number")(
      "format", po::value<std::string>()->default_value("auto"),
      "filter file format: auto, raw, asm, c")(
      "engine", po::value<std::string>()->default_value("interp"),
      "engine that runs the filters: interp (the interpreter), jit (x86-64 machine code), "
      "kernel (the running kernel, in a traced child where the call never executes; needs "
      "root), all (interp, jit and kernel side by side; exit 1 on any disagreement)")(
      "strict", "strict mode (mode 1) instead of filters: read/write/exit/rt_sigreturn only")(
      "tracer", "a ptracer with PTRACE_O_TRACESECCOMP is attached (TRACE stops instead of ENOSYS)")(
      "listener", "every filter has an open notification listener (otherwise only filters "
                  "with --flags new_listener have one)")(
      "kernel-version", po::value<std::string>()->default_value(kDefaultKernel.ToString()),
      "kernel to model: x86-64 uretprobe (335) skips filters from 6.14, uprobe (336) from 6.18");
  AddDispatchOptions(d);
  d->add_options()(
      "actions-logged", po::value<std::string>(),
      "the actions the kernel may log (`logged`), as /proc/sys/kernel/seccomp/actions_logged "
      "lists them, e.g. 'kill_process kill_thread log' or 'errno,trap'; 'default' = all but "
      "allow. Without it: the running kernel's sysctl where it exists")(
      "actions-avail", po::value<std::string>(),
      "the actions the kernel knows (others kill the process), e.g. 'kill_process kill_thread "
      "trap errno trace allow'; 'default' = all 8. Without it: the running kernel's sysctl");
}

namespace {

// --actions-logged / --actions-avail, else the running kernel's sysctls; false after printing.
bool ParseLogOptions(const char* command, const po::variables_map& vm, LogConfig* log) {
  Result<LogConfig> running = live::ReadRunningLogConfig();
  if (!running.ok()) {
    PrintError(command, running.error().message +
                            " (give --actions-logged and --actions-avail to model a kernel)");
    return false;
  }
  *log = *running;
  const struct {
    const char* option;
    bool logged;
    uint32_t* bits;
    uint32_t fallback;
  } lists[] = {{"actions-logged", true, &log->actions_logged, kDefaultActionsLogged},
               {"actions-avail", false, &log->actions_avail, kAllActionBits}};
  for (const auto& l : lists) {
    if (!vm.count(l.option)) continue;
    const std::string text = vm[l.option].as<std::string>();
    if (text == "default") {
      *l.bits = l.fallback;
      continue;
    }
    Result<uint32_t> bits = ParseActionNames(text, l.logged);
    if (!bits.ok()) {
      PrintError(command, "--" + std::string(l.option) + ": " + bits.error().message);
      return false;
    }
    *l.bits = *bits;
  }
  return true;
}

}  // namespace

std::unique_ptr<eval::Session> OpenStack(const char* command, const po::variables_map& vm,
                                    int* exit_code) {
  eval::SessionOptions o;
  *exit_code = kExitUsage;
  if (vm.count("filter")) o.files = vm["filter"].as<std::vector<std::string>>();
  o.ctx.mode = vm.count("strict") ? Mode::kStrict : Mode::kFilter;
  o.ctx.tracer = vm.count("tracer") > 0;
  o.ctx.listener = vm.count("listener") > 0;
  Result<KernelVersion> kernel = ParseKernelVersion(vm["kernel-version"].as<std::string>());
  Result<eval::EngineChoice> engine = eval::ParseEngineChoice(vm["engine"].as<std::string>());
  Result<Format> format = ParseFormatName(vm["format"].as<std::string>());
  for (const Error* e : {kernel.ok() ? nullptr : &kernel.error(),
                         engine.ok() ? nullptr : &engine.error(),
                         format.ok() ? nullptr : &format.error()}) {
    if (e != nullptr) {
      PrintError(command, e->message);
      return nullptr;
    }
  }
  o.ctx.kernel = *kernel;
  if (!ParseDispatchOptions(command, vm, &o.ctx.dispatch)) return nullptr;
  if (!ParseLogOptions(command, vm, &o.ctx.log)) return nullptr;
  o.engine = *engine;
  o.format = *format;
  const std::optional<ByteOrder> order = ByteOrderOption(command, vm);
  if (!order) return nullptr;
  o.byte_order = *order;
  if (vm.count("flags")) {
    for (const std::string& given : vm["flags"].as<std::vector<std::string>>()) {
      Result<uint32_t> f = ParseFilterFlags(given);
      if (!f.ok()) {
        PrintError(command, f.error());
        return nullptr;
      }
      o.flags.push_back(*f);
    }
  }
  Result<std::unique_ptr<eval::Session>> session = eval::OpenSession(o);
  if (!session.ok()) {
    if (session.error().rule == eval::kStackRejected) {
      std::fprintf(stderr, "%s\n", session.error().message.c_str());
      *exit_code = kExitFailed;
    } else {
      PrintError(command, session.error().message);
    }
    return nullptr;
  }
  for (const std::string& note : (*session)->notes) {
    std::fprintf(stderr, "sckit %s: %s\n", command, note.c_str());
  }
  return std::move(*session);
}

}  // namespace sckit::tools
