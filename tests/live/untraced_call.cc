// The untraced-process oracle: a child installs a stack and makes one real call
// (tests/live/untraced_call.h).
#include "tests/live/untraced_call.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>

#include <climits>
#include <csignal>
#include <cstdint>
#include <cstring>

#include "live/raw_syscall.h"

namespace sckit::live {
namespace {

struct RunPage {
  uint32_t prepared;
  uint32_t syscall_attempted;
  uint32_t syscall_returned;
  uint32_t pad;
  int64_t natural_ret;
  int64_t ret;
  uint64_t ip;
  SigsysReport sigsys;
  int64_t install_ret[];  // one per entry; kNotReached until the call returned
};

constexpr int64_t kNotReached = INT64_MIN;

// The child's shared page and control block, for the SIGSYS handler (set in the child only).
RunPage* g_child_page = nullptr;
ChildControl* g_child_control = nullptr;

void OnSigsys(int, siginfo_t* info, void*) {
  RunPage* page = g_child_page;
  if (page == nullptr) return;
  SigsysReport& r = page->sigsys;
  if (r.count++ == 0) {
    r.signo = info->si_signo;
    r.code = info->si_code;
    r.errno_data = info->si_errno;
    r.syscall = info->si_syscall;
    r.arch = info->si_arch;
    r.call_addr = reinterpret_cast<uint64_t>(info->si_call_addr);
  }
  // A restarted call traps again and again (kSigsysLoopLimit): leave from inside the handler.
  if (r.count >= kSigsysLoopLimit) LeaveChild(g_child_control, kSigsysLoopExitCode);
}

}  // namespace

bool IsHarmlessSyscall(int32_t nr) {
  switch (nr) {
    case SYS_getpid:
    case SYS_getppid:
    case SYS_gettid:
    case SYS_getuid:
    case SYS_getgid:
    case SYS_geteuid:
    case SYS_getegid:
      return true;
    default:
      return nr < 0 || (nr >= 1000 && nr < 0x40000000);
  }
}

bool LiveOutcome::all_installed() const {
  for (const KernelCall& c : installs) {
    if (!c.attached()) return false;
  }
  return true;
}

std::string LiveOutcome::ToString() const {
  std::string s;
  if (!syscall_attempted) {
    s += "syscall not reached";
  } else if (!syscall_returned) {
    s += "syscall did not return";
  } else {
    s += "ret=" + std::to_string(ret);
    if (const int e = RawErrno(ret)) s += " (" + ErrnoName(e) + ")";
  }
  s += " natural=" + std::to_string(natural_ret);
  if (sigsys.count == 0) {
    s += " sigsys=none";
  } else {
    s += " sigsys={count=" + std::to_string(sigsys.count) + " code=" + std::to_string(sigsys.code) +
         " errno=" + std::to_string(sigsys.errno_data) +
         " syscall=" + std::to_string(sigsys.syscall) + "}";
  }
  s += " end=" + end.ToString() + " installs=[";
  for (size_t i = 0; i < installs.size(); ++i) {
    if (i) s += ",";
    s += installs[i].ToString();
  }
  return s + "]";
}

Result<LiveOutcome> RunOnKernel(const std::vector<StackEntry>& stack, const SyscallRequest& call,
                                RunOptions options) {
  if (!IsHarmlessSyscall(call.nr)) {
    return MakeError("unsafe-syscall", "system call " + std::to_string(call.nr) +
                                           " is not on RunOnKernel's harmless list");
  }
  std::vector<sock_fprog> fprogs;
  for (const StackEntry& e : stack) {
    if (e.program.size() > 0xffff) {
      return MakeError("program-too-long", "a filter does not fit struct sock_fprog");
    }
    fprogs.push_back(sock_fprog{
        static_cast<unsigned short>(e.program.size()),
        reinterpret_cast<sock_filter*>(const_cast<SockFilter*>(e.program.insns.data()))});
  }
  Result<SharedRegion> region =
      SharedRegion::Create(sizeof(RunPage) + stack.size() * sizeof(int64_t));
  if (!region.ok()) return region.error();
  RunPage* page = region->as<RunPage>();
  for (size_t i = 0; i < stack.size(); ++i) page->install_ret[i] = kNotReached;

  const int64_t nr = call.nr;  // sign-extended: the kernel sees the low 32 bits as nr
  const auto& a = call.args;
  Result<ChildEnd> end = RunInChild([&](ChildControl* control) {
    g_child_page = page;
    g_child_control = control;
    if (options.sigsys_handler) {
      struct sigaction sa;
      std::memset(&sa, 0, sizeof sa);
      sa.sa_sigaction = OnSigsys;
      sa.sa_flags = SA_SIGINFO | (options.sa_restart ? SA_RESTART : 0);
      sigemptyset(&sa.sa_mask);
      if (sigaction(SIGSYS, &sa, nullptr) != 0) return;
    }
    if (!PrepareChildForSeccomp()) return;
    page->prepared = 1;
    const RawSyscallResult natural = RawSyscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    page->natural_ret = natural.ret;
    page->ip = natural.ip_after;  // the same instruction makes the filtered call below
    for (size_t i = 0; i < fprogs.size(); ++i) {
      page->install_ret[i] = RawSyscall6(SYS_seccomp, SECCOMP_SET_MODE_FILTER, stack[i].flags,
                                         reinterpret_cast<uint64_t>(&fprogs[i]))
                                 .ret;
    }
    page->syscall_attempted = 1;
    const RawSyscallResult r = RawSyscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    page->ret = r.ret;
    page->ip = r.ip_after;
    page->syscall_returned = 1;
  });
  if (!end.ok()) return end.error();

  LiveOutcome out;
  out.prepared = page->prepared != 0;
  out.natural_ret = page->natural_ret;
  out.syscall_attempted = page->syscall_attempted != 0;
  out.syscall_returned = page->syscall_returned != 0;
  out.ret = page->ret;
  out.sigsys = page->sigsys;
  out.end = *end;
  for (size_t i = 0; i < stack.size(); ++i) {
    KernelCall c;
    c.attempted = page->install_ret[i] != kNotReached;
    c.ret = page->install_ret[i];
    out.installs.push_back(c);
  }
  // RawSyscall6 is one instruction at one address, so the unfiltered call's ip is the one
  // the filters saw, even when the filtered call never returned.
  out.data.nr = call.nr;
  out.data.arch = kAuditArchX86_64;
  out.data.instruction_pointer = page->ip;
  for (int i = 0; i < 6; ++i) out.data.args[i] = call.args[i];
  return out;
}

}  // namespace sckit::live
