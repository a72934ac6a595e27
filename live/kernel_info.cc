// What the running kernel supports around seccomp (live/kernel_info.h).
#include "live/kernel_info.h"

#include <sys/utsname.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "live/child_process.h"
#include "live/raw_syscall.h"
#include "vm/action.h"
#include "vm/bpf.h"

namespace sckit::live {
namespace {

constexpr int64_t kNrPrctl = 157, kNrSeccomp = 317;
constexpr uint64_t kPrGetSeccomp = 21, kPrSetSyscallUserDispatch = 59;
constexpr uint64_t kSetModeFilter = 1, kGetActionAvail = 2, kGetNotifSizes = 3;

constexpr struct {
  const char* name;
  uint32_t value;
} kActions[] = {{"kill_process", seccomp::kRetKillProcess}, {"kill_thread", 0x00000000u},
                {"trap", 0x00030000u},       {"errno", 0x00050000u},
                {"user_notif", 0x7fc00000u}, {"trace", 0x7ff00000u},
                {"log", 0x7ffc0000u},        {"allow", seccomp::kRetAllow}};
constexpr size_t kActionCount = std::size(kActions);

constexpr struct {
  const char* name;
  uint32_t flag;
  uint32_t asked;  // what is passed: WAIT_KILLABLE_RECV needs NEW_LISTENER
} kFlags[] = {{"tsync", seccomp::kFlagTsync, seccomp::kFlagTsync},
              {"log", seccomp::kFlagLog, seccomp::kFlagLog},
              {"spec_allow", seccomp::kFlagSpecAllow, seccomp::kFlagSpecAllow},
              {"new_listener", seccomp::kFlagNewListener, seccomp::kFlagNewListener},
              {"tsync_esrch", seccomp::kFlagTsyncEsrch, seccomp::kFlagTsyncEsrch},
              {"wait_killable_recv", seccomp::kFlagWaitKillableRecv,
               seccomp::kFlagWaitKillableRecv | seccomp::kFlagNewListener},
              {"unknown_bit6", 1u << 6, 1u << 6}};
constexpr size_t kFlagCount = std::size(kFlags);

// What the child writes (plain data in shared memory).
struct Answers {
  ProbeAnswer strict_mode, filter_mode, notif_sizes, dispatch, dispatch_inclusive;
  ProbeAnswer actions[kActionCount];
  ProbeAnswer flags[kFlagCount];
  uint16_t sizes[3];
};

ProbeAnswer Ask(int64_t nr, uint64_t a0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
                uint64_t a4 = 0) {
  return ProbeAnswer{true, RawSyscall6(nr, a0, a1, a2, a3, a4).ret};
}

void ProbeInChild(Answers* a) {
  a->strict_mode = Ask(kNrPrctl, kPrGetSeccomp);
  a->filter_mode = Ask(kNrSeccomp, kSetModeFilter, 0, 0);
  for (size_t i = 0; i < kActionCount; ++i) {
    uint32_t action = kActions[i].value;
    a->actions[i] = Ask(kNrSeccomp, kGetActionAvail, 0, reinterpret_cast<uint64_t>(&action));
  }
  a->notif_sizes = Ask(kNrSeccomp, kGetNotifSizes, 0, reinterpret_cast<uint64_t>(a->sizes));
  for (size_t i = 0; i < kFlagCount; ++i) {
    a->flags[i] = Ask(kNrSeccomp, kSetModeFilter, kFlags[i].asked, 0);
  }
  a->dispatch = Ask(kNrPrctl, kPrSetSyscallUserDispatch, 0, 0, 0, 0);
  if (a->dispatch.ret == 0) {
    // A one-byte region at address 1 holds no code: no call of ours is dispatched.
    static char selector = 0;
    a->dispatch_inclusive = Ask(kNrPrctl, kPrSetSyscallUserDispatch, 2, 1, 1,
                                reinterpret_cast<uint64_t>(&selector));
    Ask(kNrPrctl, kPrSetSyscallUserDispatch, 0, 0, 0, 0);
  }
}

Result<std::string> ReadText(const std::string& path, bool* present) {
  std::ifstream in(path);
  *present = static_cast<bool>(in);
  if (!in) return std::string();
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return MakeError("read-failed", "cannot read " + path);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

bool AuditOffAtBoot() {
  bool present = false;
  Result<std::string> cmdline = ReadText("/proc/cmdline", &present);
  if (!cmdline.ok()) return false;
  std::istringstream words(*cmdline);
  std::string w;
  bool off = false;
  while (words >> w) {
    if (w == "--") break;  // what follows goes to init
    if (w.rfind("audit=", 0) == 0) off = w == "audit=0" || w == "audit=off";
  }
  return off;
}

}  // namespace

Result<SysctlList> ReadSysctlList(const std::string& path, bool for_actions_logged) {
  SysctlList list;
  Result<std::string> text = ReadText(path, &list.present);
  if (!text.ok()) return text.error();
  if (!list.present) return list;
  list.text = *text;
  Result<uint32_t> bits = ParseActionNames(list.text, for_actions_logged);
  if (!bits.ok()) {
    Error e = bits.error();
    e.message = path + ": " + e.message;
    return e;
  }
  list.bits = *bits;
  return list;
}

Result<LogConfig> ReadRunningLogConfig() {
  LogConfig config;
  Result<SysctlList> avail = ReadSysctlList(kActionsAvailPath, false);
  if (!avail.ok()) return avail.error();
  Result<SysctlList> logged = ReadSysctlList(kActionsLoggedPath, true);
  if (!logged.ok()) return logged.error();
  if (avail->present) config.actions_avail = avail->bits;
  if (logged->present) config.actions_logged = logged->bits;
  config.audit = !AuditOffAtBoot();
  return config;
}

Result<KernelInfo> ProbeKernel() {
  KernelInfo info;
  struct utsname u {};
  if (uname(&u) == 0) {
    info.sysname = u.sysname;
    info.release = u.release;
    info.machine = u.machine;
  }
  Result<KernelVersion> v = ParseKernelVersion(info.release);
  info.version = v.ok() ? *v : KernelVersion{0, 0};
  info.x86_64 = info.machine == "x86_64";
  info.uretprobe_passthrough = info.x86_64 && info.version >= kUretprobePassthroughSince;
  info.uprobe_passthrough = info.x86_64 && info.version >= kUprobePassthroughSince;

  Result<SysctlList> avail = ReadSysctlList(kActionsAvailPath, false);
  if (!avail.ok()) return avail.error();
  Result<SysctlList> logged = ReadSysctlList(kActionsLoggedPath, true);
  if (!logged.ok()) return logged.error();
  info.actions_avail = *avail;
  info.actions_logged = *logged;
  info.audit_off_at_boot = AuditOffAtBoot();

  Result<SharedRegion> shared = SharedRegion::Create(sizeof(Answers));
  if (!shared.ok()) return shared.error();
  Answers* a = shared->as<Answers>();
  std::memset(static_cast<void*>(a), 0, sizeof(Answers));
  Result<ChildEnd> end = RunInChild([a](ChildControl*) { ProbeInChild(a); });
  if (!end.ok()) return end.error();
  if (end->kind != ChildEnd::Kind::kExited || end->code != 0) {
    return MakeError("probe-failed", "the probe child ended: " + end->ToString());
  }
  info.strict_mode = a->strict_mode;
  info.filter_mode = a->filter_mode;
  for (size_t i = 0; i < kActionCount; ++i) {
    info.actions.push_back({kActions[i].name, kActions[i].value, a->actions[i]});
  }
  info.notif_sizes = a->notif_sizes;
  if (a->notif_sizes.ret == 0) {
    info.notif = a->sizes[0];
    info.notif_resp = a->sizes[1];
    info.data = a->sizes[2];
  }
  for (size_t i = 0; i < kFlagCount; ++i) {
    info.flags.push_back({kFlags[i].name, kFlags[i].flag, a->flags[i]});
  }
  info.dispatch = a->dispatch;
  info.dispatch_inclusive = a->dispatch_inclusive;
  return info;
}

}  // namespace sckit::live
