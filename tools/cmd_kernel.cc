// sckit kernel: what the running kernel supports around seccomp (read-only). Options and
// printing only; the probes are live/kernel_info.h.
#include <cstdio>
#include <string>
#include <vector>

#include "live/kernel_info.h"
#include "tools/command.h"
#include "tools/options.h"
#include "vm/status.h"
#include "vm/text.h"

namespace sckit::tools {
namespace {

std::string Answer(const live::ProbeAnswer& a) {
  if (!a.asked) return "not asked";
  if (a.ret >= 0) return std::to_string(a.ret);
  return ErrnoName(static_cast<int>(-a.ret));
}

std::string JsonAnswer(const live::ProbeAnswer& a) {
  if (!a.asked) return "null";
  return a.ret >= 0 ? std::to_string(a.ret) : JsonString(ErrnoName(static_cast<int>(-a.ret)));
}

std::string JsonList(const live::SysctlList& l) {
  return l.present ? JsonString(l.text) : std::string("null");
}

std::string Json(const live::KernelInfo& k) {
  std::string out = "{\"release\": " + JsonString(k.release) + ", \"machine\": " +
                    JsonString(k.machine) + ", \"version\": " + JsonString(k.version.ToString());
  out += ", \"strict_mode\": " + std::string(k.strict_mode.ret >= 0 ? "true" : "false");
  out += ", \"filter_mode\": " + std::string(k.filter_mode.ret == -14 ? "true" : "false");
  out += ", \"actions_avail\": " + JsonList(k.actions_avail);
  out += ", \"actions_logged\": " + JsonList(k.actions_logged);
  out += ", \"audit_off_at_boot\": " + std::string(k.audit_off_at_boot ? "true" : "false");
  out += ", \"get_action_avail\": {";
  for (size_t i = 0; i < k.actions.size(); ++i) {
    out += (i ? ", " : "") + JsonString(k.actions[i].name) + ": " +
           JsonAnswer(k.actions[i].avail);
  }
  out += "}, \"notif_sizes\": ";
  if (k.notif_sizes.ret == 0) {
    out += "{\"seccomp_notif\": " + std::to_string(k.notif) + ", \"seccomp_notif_resp\": " +
           std::to_string(k.notif_resp) + ", \"seccomp_data\": " + std::to_string(k.data) + "}";
  } else {
    out += JsonAnswer(k.notif_sizes);
  }
  out += ", \"filter_flags\": {";
  for (size_t i = 0; i < k.flags.size(); ++i) {
    out += (i ? ", " : "") + JsonString(k.flags[i].name) + ": " +
           (k.flags[i].known() ? "true" : "false");
  }
  out += "}, \"syscall_user_dispatch\": " + std::string(k.dispatch.ret == 0 ? "true" : "false");
  out += ", \"dispatch_inclusive\": " +
         std::string(k.dispatch_inclusive.ret == 0 ? "true" : "false");
  out += ", \"uretprobe_passthrough\": " + std::string(k.uretprobe_passthrough ? "true" : "false");
  out += ", \"uprobe_passthrough\": " + std::string(k.uprobe_passthrough ? "true" : "false");
  return out + "}\n";
}

void PrintText(const live::KernelInfo& k) {
  auto yes = [](bool b) { return b ? "yes" : "no"; };
  std::printf("kernel: %s %s %s (version %s)\n", k.sysname.c_str(), k.release.c_str(),
              k.machine.c_str(), k.version.ToString().c_str());
  std::printf("strict mode: %s (PR_GET_SECCOMP: %s)\n", yes(k.strict_mode.ret >= 0),
              Answer(k.strict_mode).c_str());
  std::printf("filter mode: %s (seccomp(SET_MODE_FILTER, 0, NULL): %s)\n",
              yes(k.filter_mode.ret == -14), Answer(k.filter_mode).c_str());
  std::printf("actions_avail: %s\n",
              k.actions_avail.present ? k.actions_avail.text.c_str() : "(no sysctl)");
  std::printf("actions_logged: %s\n",
              k.actions_logged.present ? k.actions_logged.text.c_str() : "(no sysctl)");
  std::printf("audit records: %s\n", k.audit_off_at_boot ? "none (booted with audit=0)"
                                                         : "written (kernel log or auditd)");
  std::printf("SECCOMP_GET_ACTION_AVAIL:");
  for (const live::ActionProbe& a : k.actions) {
    std::printf(" %s=%s", a.name.c_str(), a.avail.ret == 0 ? "yes" : Answer(a.avail).c_str());
  }
  std::printf("\nSECCOMP_GET_NOTIF_SIZES: ");
  if (k.notif_sizes.ret == 0) {
    std::printf("seccomp_notif %u, seccomp_notif_resp %u, seccomp_data %u\n", k.notif,
                k.notif_resp, k.data);
  } else {
    std::printf("%s\n", Answer(k.notif_sizes).c_str());
  }
  std::printf("filter flags:");
  for (const live::FlagProbe& f : k.flags) {
    std::printf(" %s=%s", f.name.c_str(), f.known() ? "yes" : Answer(f.answer).c_str());
  }
  std::printf("\nsyscall user dispatch: %s (inclusive: %s)\n", yes(k.dispatch.ret == 0),
              yes(k.dispatch_inclusive.ret == 0));
  std::printf("passthrough (x86-64, from the version): uretprobe %s, uprobe %s\n",
              yes(k.uretprobe_passthrough), yes(k.uprobe_passthrough));
}

}  // namespace

int CmdKernel(const std::vector<std::string>& args) {
  po::options_description visible("options");
  visible.add_options()("help,h", "show this help")("json", "one JSON object");
  po::options_description hidden;
  po::positional_options_description pos;
  po::variables_map vm;
  if (auto code = ParseOptions(args, "sckit kernel [--json]", visible, hidden, pos, &vm)) {
    return *code;
  }
  Result<live::KernelInfo> info = live::ProbeKernel();
  if (!info.ok()) {
    PrintError("kernel", info.error());
    return kExitUsage;
  }
  if (vm.count("json")) {
    std::fputs(Json(*info).c_str(), stdout);
  } else {
    PrintText(*info);
  }
  return kExitOk;
}

}  // namespace sckit::tools
