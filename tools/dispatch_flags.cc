// The --dispatch* options, declared and parsed once (tools/dispatch_flags.h).
#include "tools/dispatch_flags.h"

#include <vector>

#include "formats/record_dispatch.h"

namespace sckit::tools {

void AddDispatchOptions(po::options_description* d) {
  d->add_options()(
      "dispatch", po::value<std::string>()->default_value("off"),
      "syscall user dispatch, checked before seccomp: off, on (calls from outside the region "
      "are dispatched), inclusive (calls from inside are)")(
      "dispatch-region", po::value<std::string>(),
      "OFFSET,LEN: the region of prctl(PR_SET_SYSCALL_USER_DISPATCH), compared with each "
      "call's ip (default 0,0: no region)")(
      "dispatch-selector", po::value<std::string>()->default_value("block"),
      "the selector byte at the time of the call: allow, block, a byte value (other than 0/1 "
      "kills by SIGSYS), none (NULL selector: always dispatched), fault (unreadable: SIGSEGV)")(
      "dispatch-vdso-sigreturn", po::value<std::string>(),
      "ADDR[,ADDR]: the 32-bit vDSO's sigreturn landing pads (i386 calls from them are never "
      "dispatched)");
}

bool ParseDispatchOptions(const char* command, const po::variables_map& vm, DispatchConfig* d) {
  Result<DispatchMode> mode = ParseDispatchMode(vm["dispatch"].as<std::string>());
  if (!mode.ok()) {
    PrintError(command, mode.error().message);
    return false;
  }
  d->mode = *mode;
  const bool given = vm.count("dispatch-region") || !vm["dispatch-selector"].defaulted() ||
                     vm.count("dispatch-vdso-sigreturn");
  if (!d->on() && given) {
    PrintError(command, "--dispatch-region, --dispatch-selector and --dispatch-vdso-sigreturn "
                        "need --dispatch on or inclusive");
    return false;
  }
  std::vector<Result<bool>> parsed;
  parsed.push_back(ParseDispatchSelector(vm["dispatch-selector"].as<std::string>(), d));
  if (vm.count("dispatch-region")) {
    parsed.push_back(ParseDispatchRegion(vm["dispatch-region"].as<std::string>(), d));
  }
  if (vm.count("dispatch-vdso-sigreturn")) {
    parsed.push_back(ParseDispatchVdso(vm["dispatch-vdso-sigreturn"].as<std::string>(), d));
  }
  parsed.push_back(CheckDispatchConfig(*d));
  for (const Result<bool>& r : parsed) {
    if (!r.ok()) {
      PrintError(command, (r.error().rule == "bad-dispatch-region" ? "--dispatch-region: " : "") +
                              r.error().message);
      return false;
    }
  }
  return true;
}

bool ParseDispatchKeys(const char* command, const std::string& option, const std::string& text,
                       const DispatchConfig& base, DispatchConfig* out) {
  LineDispatch keys;
  size_t pos = 0;
  const std::string_view all = text;
  while ((pos = all.find_first_not_of(" \t", pos)) != std::string_view::npos) {
    size_t end = all.find_first_of(" \t", pos);
    if (end == std::string_view::npos) end = all.size();
    const std::string_view token = all.substr(pos, end - pos);
    pos = end;
    const size_t eq = token.find('=');
    const std::string_view key = token.substr(0, eq == std::string_view::npos ? 0 : eq);
    if (eq == std::string_view::npos || !IsLineDispatchKey(key)) {
      PrintError(command, "--" + option + ": '" + std::string(token) +
                              "' is not dispatch=, region=, selector= or vdso-sigreturn=");
      return false;
    }
    Result<bool> r = ParseLineDispatchToken(key, token.substr(eq + 1), token, -1, &keys);
    if (!r.ok()) {
      PrintError(command, "--" + option + ": " + r.error().message);
      return false;
    }
  }
  if (!keys.any()) {
    PrintError(command, "--" + option + ": no configuration (e.g. 'dispatch=on region=A,L')");
    return false;
  }
  Result<DispatchConfig> c = ApplyLineDispatch(base, keys);
  if (!c.ok()) {
    PrintError(command, "--" + option + ": " + c.error().message);
    return false;
  }
  *out = *c;
  return true;
}

}  // namespace sckit::tools
