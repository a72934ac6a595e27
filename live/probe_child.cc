// The kernel engine's child process: the leader, the probe threads and the notifiers
// (live/probe_child.h). Raw system calls only, no allocation.
#include "live/probe_child.h"

#include <linux/futex.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "live/kernel_engine.h"
#include "live/raw_syscall.h"
#include "vm/bpf.h"

#if !defined(__x86_64__)
#error "live/probe_child.cc runs x86-64 probe loops; port it for this target"
#endif

// The probe threads' loops: getpid forever, touching no memory and no stack, natively
// (`syscall`, arch X86_64) and through `int $0x80` (the ia32 entry: arch I386, arguments from
// rbx, rcx, rdx, rsi, rdi, rbp). In assembly so the address after the call instruction is fixed
// and the tracer can point rip back at it after every record.
asm(R"(
    .text
    .globl sckit_kernel_engine_probe_loop
    .type sckit_kernel_engine_probe_loop, @function
sckit_kernel_engine_probe_loop:
1:  movl $39, %eax     # b8 27 00 00 00   mov eax, 39 (getpid)
    syscall            # 0f 05            syscall: the call ends at loop + 7
    jmp 1b             # eb f7            jmp loop
    .size sckit_kernel_engine_probe_loop, .-sckit_kernel_engine_probe_loop

    .globl sckit_kernel_engine_probe_loop32
    .type sckit_kernel_engine_probe_loop32, @function
sckit_kernel_engine_probe_loop32:
2:  movl $20, %eax     # b8 14 00 00 00   mov eax, 20 (i386 getpid)
    int $0x80          # cd 80            int 0x80: the call ends at loop32 + 7
    jmp 2b             # eb f7            jmp loop32
    .size sckit_kernel_engine_probe_loop32, .-sckit_kernel_engine_probe_loop32
)");
namespace sckit::live::engine {
namespace {

int64_t Raw(int64_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
            uint64_t a4 = 0) {
  return RawSyscall6(nr, a0, a1, a2, a3, a4).ret;
}

bool RawWriteAll(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const int64_t r = Raw(SYS_write, fd, reinterpret_cast<uint64_t>(p), n);
    if (r == -EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

// The probe thread: waits for the tracer's seize, installs F0 and the stack (with
// PTRACE_O_SUSPEND_SECCOMP set, so these calls are not filtered), reports, then blocks until
// the tracer moves it into the probe loop. Raw system calls only: it shares the leader's TLS
// (clone without CLONE_SETTLS).
int ProbeMain(void* arg) {
  auto* plan = static_cast<ProbePlan*>(arg);
  char go = 0;
  int64_t r;
  do {
    r = Raw(SYS_read, plan->go_fd, reinterpret_cast<uint64_t>(&go), 1);
  } while (r == -EINTR);
  if (r != 1) Raw(SYS_exit_group, 111);
  plan->results[0] = Raw(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  const std::vector<sock_fprog>& progs = *plan->progs;
  const std::vector<uint32_t>& flags = *plan->flags;
  for (size_t i = 0; i < progs.size(); ++i) plan->results[1 + i] = -ECANCELED;
  if (plan->results[0] == 0) {
    for (size_t i = 0; i < progs.size(); ++i) {
      r = Raw(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags[i],
              reinterpret_cast<uint64_t>(&progs[i]));
      plan->results[1 + i] = r;
      if (r < 0) break;
    }
  }
  // Syscall user dispatch, armed after the installs (still unfiltered: SUSPEND_SECCOMP) with an
  // empty region at 0 (no call is exempt by region) and a selector that reads ALLOW until the
  // tracer pokes it.
  plan->results.back() = 0;
  if (plan->arm_dispatch && plan->results[0] == 0) {
    plan->results.back() = Raw(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, 0, 0,
                               reinterpret_cast<uint64_t>(&plan->selector));
  }
  // Hand the listener (the fd seccomp() returned for the NEW_LISTENER filter; the kernel allows
  // one per chain) to the notifier and wait until it serves, so that no notification can wait
  // for an answerer that is not there yet.
  if (plan->notifier != nullptr) {
    int32_t listener = -1;
    for (size_t i = 0; i < progs.size(); ++i) {
      if ((flags[i] & seccomp::kFlagNewListener) != 0 && plan->results[1 + i] >= 0) {
        listener = static_cast<int32_t>(plan->results[1 + i]);
      }
    }
    NotifierSlot* slot = plan->notifier;
    __atomic_store_n(&slot->listener, listener, __ATOMIC_RELEASE);
    Raw(SYS_futex, reinterpret_cast<uint64_t>(&slot->listener), FUTEX_WAKE_PRIVATE, 1);
    while (listener >= 0 && __atomic_load_n(&slot->serving, __ATOMIC_ACQUIRE) == 0) {
      Raw(SYS_futex, reinterpret_cast<uint64_t>(&slot->serving), FUTEX_WAIT_PRIVATE, 0, 0);
    }
  }
  RawWriteAll(plan->report_fd, plan->results.data(), plan->results.size() * sizeof(int64_t));
  // Block (a spinning thread would steal the tracer's CPU): the tracer interrupts this pause
  // and sends the thread to its probe loop.
  for (;;) Raw(SYS_pause);
}

// A probe's notifier: a thread of the child with no filter (it is cloned by the unfiltered
// leader, and the probe installs its filters on itself only: no TSYNC), so its own calls are
// never filtered. It answers every notification of the probe's listener with error 0 and
// kNotifyAnswer, never with SECCOMP_USER_NOTIF_FLAG_CONTINUE: the notified call is skipped.
// Raw system calls only, like the probe.
int NotifierMain(void* arg) {
  auto* slot = static_cast<NotifierSlot*>(arg);
  int32_t fd;
  while ((fd = __atomic_load_n(&slot->listener, __ATOMIC_ACQUIRE)) == kListenerPending) {
    Raw(SYS_futex, reinterpret_cast<uint64_t>(&slot->listener), FUTEX_WAIT_PRIVATE,
        static_cast<uint32_t>(kListenerPending), 0);
  }
  if (fd < 0) {
    for (;;) Raw(SYS_pause);  // the install failed: the tracer kills the child
  }
  __atomic_store_n(&slot->serving, 1, __ATOMIC_RELEASE);
  Raw(SYS_futex, reinterpret_cast<uint64_t>(&slot->serving), FUTEX_WAKE_PRIVATE, 1);
  for (;;) {
    seccomp_notif req;
    std::memset(&req, 0, sizeof req);  // NOTIF_RECV wants a zeroed buffer (check_zeroed_user)
    int64_t r = Raw(SYS_ioctl, static_cast<uint64_t>(fd), SECCOMP_IOCTL_NOTIF_RECV,
                    reinterpret_cast<uint64_t>(&req));
    // ENOENT: the notifying thread went away (killed) between the wake-up and the RECV.
    if (r == -EINTR || r == -ENOENT) continue;
    if (r != 0) Raw(SYS_exit_group, kNotifierFailedStatus);
    // For the tracer's check, before the answer lets the probe reach its exit stop.
    slot->last = req.data;
    __atomic_store_n(&slot->received, slot->received + 1, __ATOMIC_RELEASE);
    seccomp_notif_resp resp;
    std::memset(&resp, 0, sizeof resp);
    resp.id = req.id;
    resp.val = static_cast<int64_t>(kNotifyAnswer);
    resp.error = 0;
    resp.flags = 0;  // never SECCOMP_USER_NOTIF_FLAG_CONTINUE: that would run the call
    do {
      r = Raw(SYS_ioctl, static_cast<uint64_t>(fd), SECCOMP_IOCTL_NOTIF_SEND,
              reinterpret_cast<uint64_t>(&resp));
    } while (r == -EINTR);
    // ENOENT: the id is no longer valid (the notifying thread was killed meanwhile): nothing
    // waits for this answer.
    if (r != 0 && r != -ENOENT) Raw(SYS_exit_group, kNotifierFailedStatus);
  }
}

}  // namespace

namespace {

constexpr uint32_t kNobody = 65534;

[[noreturn]] void LeaderFail(ChildPlan* plan, SetupStep step, int64_t ret) {
  LeaderReport rep;
  rep.step = step;
  rep.err = static_cast<int32_t>(ret < 0 ? -ret : 0);
  RawWriteAll(plan->probe[0].report_fd, &rep, sizeof rep);
  Raw(SYS_exit_group, 112);
  for (;;) {
  }
}

// Keeps only the child's own descriptors: nothing of the tracer's stays reachable.
int64_t CloseAllButOurs(const ChildPlan* plan) {
  int keep[1 + 2 * kMaxProbes];
  int nkeep = 0;
  keep[nkeep++] = plan->ctl_fd;
  for (int k = 0; k < plan->probes; ++k) {
    keep[nkeep++] = plan->probe[k].go_fd;
    keep[nkeep++] = plan->probe[k].report_fd;
  }
  std::sort(keep, keep + nkeep);
  uint64_t from = 0;
  for (int j = 0; j < nkeep; ++j) {
    const int fd = keep[j];
    if (static_cast<uint64_t>(fd) > from) {
      const int64_t r = Raw(SYS_close_range, from, static_cast<uint64_t>(fd) - 1, 0);
      if (r != 0) return r;
    }
    from = static_cast<uint64_t>(fd) + 1;
  }
  return Raw(SYS_close_range, from, ~0u, 0);
}

int64_t DropPrivileges() {
  int64_t r;
  if ((r = Raw(SYS_setgroups, 0, 0)) != 0) return r;
  if ((r = Raw(SYS_setresgid, kNobody, kNobody, kNobody)) != 0) return r;
  return Raw(SYS_setresuid, kNobody, kNobody, kNobody);
}

// The notifiers first (running, waiting for their listener, before any probe installs), then
// the probes; returns the report with the probes' tids.
LeaderReport StartThreads(ChildPlan* plan) {
  constexpr int kThread =
      CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
  LeaderReport rep;
  for (int k = 0; k < plan->probes; ++k) {
    if (plan->probe[k].notifier == nullptr) continue;
    const int tid = clone(NotifierMain, plan->probe[k].notifier_stack_top, kThread,
                          plan->probe[k].notifier);
    if (tid <= 0) LeaderFail(plan, kStepCloneNotifier, -EAGAIN);
  }
  for (int k = 0; k < plan->probes; ++k) {
    const int tid = clone(ProbeMain, plan->probe[k].stack_top, kThread, &plan->probe[k]);
    if (tid <= 0) LeaderFail(plan, kStepClone, -EAGAIN);
    rep.tid[k] = tid;
  }
  return rep;
}

}  // namespace

void LeaderMain(ChildPlan* plan) {
  int64_t r = Raw(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (r != 0 || Raw(SYS_getppid) != plan->tracer_pid) LeaderFail(plan, kStepParent, r);
  if (plan->holder_pidfd >= 0) {
    r = Raw(SYS_setns, plan->holder_pidfd, kNamespaces);
    if (r != 0) LeaderFail(plan, kStepSetns, r);
  }
  const struct rlimit no_core = {0, 0};
  r = Raw(SYS_prlimit64, 0, RLIMIT_CORE, reinterpret_cast<uint64_t>(&no_core), 0);
  if (r != 0) LeaderFail(plan, kStepRlimit, r);
  r = Raw(SYS_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (r != 0) LeaderFail(plan, kStepDumpable, r);
  if ((r = CloseAllButOurs(plan)) != 0) LeaderFail(plan, kStepCloseFds, r);
  if (plan->drop_privileges && (r = DropPrivileges()) != 0) {
    LeaderFail(plan, kStepDropPrivileges, r);
  }
  const LeaderReport rep = StartThreads(plan);
  RawWriteAll(plan->probe[0].report_fd, &rep, sizeof rep);
  for (;;) {
    char c = 0;
    r = Raw(SYS_read, plan->ctl_fd, reinterpret_cast<uint64_t>(&c), 1);
    if (r == -EINTR) continue;
    if (r != 1) break;
    if (!RawWriteAll(plan->ctl_fd, &c, 1)) break;
  }
  Raw(SYS_exit_group, 0);
  for (;;) {
  }
}

void HolderMain(pid_t tracer, int report_fd) {
  int64_t r = Raw(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (r == 0 && Raw(SYS_getppid) != tracer) r = -ESRCH;
  if (r == 0) r = Raw(SYS_unshare, kNamespaces);
  // Hold none of the caller's descriptors (a pipe kept open here would never see EOF).
  if (report_fd > 0) Raw(SYS_close_range, 0, static_cast<uint64_t>(report_fd) - 1, 0);
  Raw(SYS_close_range, static_cast<uint64_t>(report_fd) + 1, ~0u, 0);
  const int32_t err = static_cast<int32_t>(-r);
  RawWriteAll(report_fd, &err, sizeof err);
  Raw(SYS_close, report_fd);
  for (;;) Raw(SYS_pause);
}

const char* StepName(int32_t step) {
  switch (step) {
    case kStepParent: return "PR_SET_PDEATHSIG";
    case kStepSetns: return "setns into the namespace holder";
    case kStepRlimit: return "RLIMIT_CORE 0";
    case kStepDumpable: return "PR_SET_DUMPABLE 0";
    case kStepCloseFds: return "close_range";
    case kStepDropPrivileges: return "setgroups/setresgid/setresuid 65534";
    case kStepClone: return "clone of the probe thread";
    case kStepCloneNotifier: return "clone of the notifier thread";
    default: return "set-up";
  }
}

}  // namespace sckit::live::engine
