#include "live/kernel_engine.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <set>

#include "live/raw_syscall.h"
#include "verifier/verifier.h"
#include "vm/action.h"
#include "vm/bpf.h"

#if !defined(__x86_64__)
#error "live/kernel_engine.cc drives x86-64 registers through ptrace; port it for this target"
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
extern "C" [[noreturn]] void sckit_kernel_engine_probe_loop();
extern "C" [[noreturn]] void sckit_kernel_engine_probe_loop32();

namespace sckit::live {
namespace {

// include/uapi/linux/ptrace.h, include/uapi/linux/seccomp.h, include/uapi/linux/audit.h.
constexpr int kEventSeccomp = 7;      // PTRACE_EVENT_SECCOMP
constexpr int kEventStop = 128;       // PTRACE_EVENT_STOP
constexpr long kOptTraceSysgood = 1;  // PTRACE_O_TRACESYSGOOD
constexpr long kOptTraceSeccomp = 1 << 7;
constexpr long kOptExitKill = 1 << 20;
constexpr long kOptSuspendSeccomp = 1 << 21;
constexpr long kTraceOptions = kOptTraceSysgood | kOptTraceSeccomp | kOptExitKill;
constexpr int kSysSeccomp = 1;  // si_code SYS_SECCOMP
constexpr uint32_t kArchX86_64 = 0xC000003Eu;
constexpr uint32_t kArchI386 = 0x40000003u;
constexpr int32_t kNrGetpid = 39;
constexpr int32_t kNrGetpid32 = 20;  // i386 getpid
constexpr int kMaxProbes = 2;        // [0] native, [1] ia32 (int $0x80)
constexpr int32_t kNrUretprobe = 335;
constexpr int32_t kNrUprobe = 336;
constexpr uint32_t kNobody = 65534;
constexpr int kNamespaces =
    CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET | CLONE_NEWCGROUP;
constexpr size_t kProbeStackBytes = 64 * 1024;
constexpr int kSetupTimeoutMs = 10000;
constexpr uint16_t kDefaultSentinel = 0x5ecc;
// Exit status of the child when its notifier cannot go on (an unexpected ioctl error): the
// probe would otherwise wait for an answer forever.
constexpr int kNotifierFailedStatus = 113;
constexpr int32_t kListenerPending = -2;

// Where the leader's set-up stopped (LeaderReport::step).
enum SetupStep : int32_t {
  kStepOk = 0,
  kStepParent = 1,
  kStepSetns = 2,
  kStepRlimit = 3,
  kStepDumpable = 4,
  kStepCloseFds = 5,
  kStepDropPrivileges = 6,
  kStepClone = 7,
  kStepCloneNotifier = 8,
};

struct LeaderReport {
  int32_t step = kStepOk;
  int32_t err = 0;
  int32_t tid[kMaxProbes] = {0, 0};
};

// Shared by a probe thread, its notifier thread and (through PTRACE_PEEKDATA) the tracer. Only
// used when the stack has a filter with SECCOMP_FILTER_FLAG_NEW_LISTENER.
struct alignas(8) NotifierSlot {
  int32_t listener = kListenerPending;  // futex word, set by the probe: the listener fd, or -1
  int32_t serving = 0;                  // futex word, set by the notifier before its first RECV
  uint64_t received = 0;                // notifications received (each answered, or vanished)
  seccomp_data last{};                  // the data of the last one, written before the answer
};

// One probe thread's part of the plan.
struct ProbePlan {
  int go_fd = -1;      // read end: "the tracer has seized you"
  int report_fd = -1;  // write end of this probe's report pipe (probe 0's also carries the
                       // leader's report)
  const std::vector<sock_fprog>* progs = nullptr;  // F0 first, then the stack, oldest first
  const std::vector<uint32_t>* flags = nullptr;
  std::vector<int64_t> results;  // [0] = PR_SET_NO_NEW_PRIVS, [1 + i] = seccomp() of progs[i]
  char* stack_top = nullptr;
  NotifierSlot* notifier = nullptr;  // &slot, or nullptr when the stack has no listener
  char* notifier_stack_top = nullptr;
  NotifierSlot slot;
};

// Everything the child needs, laid out before fork() so the child only reads it (the child of
// a multi-threaded tracer may not allocate) and the probe threads write only their `results`
// and, with the notifiers, their `slot`.
struct ChildPlan {
  pid_t tracer_pid = 0;
  int holder_pidfd = -1;  // namespaces to join, -1: stay
  bool drop_privileges = true;
  int ctl_fd = -1;  // leader: socket for the liveness echo
  std::vector<sock_fprog> progs;
  std::vector<uint32_t> flags;
  int probes = 1;  // 1: native only; 2: also the ia32 probe
  ProbePlan probe[kMaxProbes];
};

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

// The leader of the child: namespaces, limits, privileges, then the probe thread, then an echo
// loop on the control socket (its answer tells the tracer the leader is alive).
[[noreturn]] void LeaderMain(ChildPlan* plan) {
  LeaderReport rep;
  auto fail = [&](SetupStep step, int64_t ret) {
    rep.step = step;
    rep.err = static_cast<int32_t>(ret < 0 ? -ret : 0);
    RawWriteAll(plan->probe[0].report_fd, &rep, sizeof rep);
    Raw(SYS_exit_group, 112);
    for (;;) {
    }
  };
  int64_t r = Raw(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (r != 0 || Raw(SYS_getppid) != plan->tracer_pid) fail(kStepParent, r);
  if (plan->holder_pidfd >= 0) {
    r = Raw(SYS_setns, plan->holder_pidfd, kNamespaces);
    if (r != 0) fail(kStepSetns, r);
  }
  const struct rlimit no_core = {0, 0};
  r = Raw(SYS_prlimit64, 0, RLIMIT_CORE, reinterpret_cast<uint64_t>(&no_core), 0);
  if (r != 0) fail(kStepRlimit, r);
  r = Raw(SYS_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (r != 0) fail(kStepDumpable, r);
  // Keep only our own descriptors: nothing of the tracer's stays reachable.
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
      r = Raw(SYS_close_range, from, static_cast<uint64_t>(fd) - 1, 0);
      if (r != 0) fail(kStepCloseFds, r);
    }
    from = static_cast<uint64_t>(fd) + 1;
  }
  r = Raw(SYS_close_range, from, ~0u, 0);
  if (r != 0) fail(kStepCloseFds, r);
  if (plan->drop_privileges) {
    if ((r = Raw(SYS_setgroups, 0, 0)) != 0) fail(kStepDropPrivileges, r);
    if ((r = Raw(SYS_setresgid, kNobody, kNobody, kNobody)) != 0) fail(kStepDropPrivileges, r);
    if ((r = Raw(SYS_setresuid, kNobody, kNobody, kNobody)) != 0) fail(kStepDropPrivileges, r);
  }
  // The notifiers first: running (waiting for their listener) before any probe installs.
  for (int k = 0; k < plan->probes; ++k) {
    if (plan->probe[k].notifier == nullptr) continue;
    const int tid =
        clone(NotifierMain, plan->probe[k].notifier_stack_top,
              CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM,
              plan->probe[k].notifier);
    if (tid <= 0) fail(kStepCloneNotifier, -EAGAIN);
  }
  for (int k = 0; k < plan->probes; ++k) {
    const int tid =
        clone(ProbeMain, plan->probe[k].stack_top,
              CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM,
              &plan->probe[k]);
    if (tid <= 0) fail(kStepClone, -EAGAIN);
    rep.tid[k] = tid;
  }
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

Error SysError(const std::string& rule, const std::string& what, int err) {
  return MakeError(rule, what + ": " + std::strerror(err), -1, err);
}

// Reads exactly n bytes within the time limit; false on EOF, error or timeout.
bool ReadExact(int fd, void* data, size_t n, int timeout_ms) {
  char* p = static_cast<char*>(data);
  while (n > 0) {
    pollfd pfd = {fd, POLLIN, 0};
    const int pr = poll(&pfd, 1, timeout_ms);
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) return false;
    const ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
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

std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// How a waitpid() status of the probe thread reads.
struct Stop {
  enum class Kind : uint8_t { kSyscall, kSeccomp, kEventStop, kSignal, kDied, kOther } kind;
  int sig = 0;  // signal-delivery-stop: the signal; kDied: the terminating signal or exit code
};

Stop Classify(int st) {
  if (WIFEXITED(st)) return {Stop::Kind::kDied, WEXITSTATUS(st)};
  if (WIFSIGNALED(st)) return {Stop::Kind::kDied, WTERMSIG(st)};
  if (!WIFSTOPPED(st)) return {Stop::Kind::kOther, 0};
  const int sig = WSTOPSIG(st);
  const int event = (st >> 16) & 0xffff;
  if (sig == (SIGTRAP | 0x80)) return {Stop::Kind::kSyscall, 0};
  if (sig == SIGTRAP && event == kEventSeccomp) return {Stop::Kind::kSeccomp, 0};
  if (event == kEventStop) return {Stop::Kind::kEventStop, sig};
  if (event == 0) return {Stop::Kind::kSignal, sig};
  return {Stop::Kind::kOther, sig};
}

}  // namespace

// ---- observation ----

std::string KernelObservation::ToString() const {
  if (!reproducible) return "not reproducible: " + reason;
  std::string out;
  for (size_t i = 0; i < possible.size(); ++i) out += (i ? "|" : "") + possible[i];
  if (seen == Seen::kTraceStop && ambiguous()) out += " (sentinel stop)";
  if (has_siginfo) {
    out += " si_errno=" + std::to_string(siginfo.error) +
           " si_syscall=" + std::to_string(siginfo.syscall_nr) + " si_arch=" + Hex(siginfo.arch) +
           " si_call_addr=" + Hex(siginfo.call_addr);
  }
  return out;
}

bool ConsistentWith(const KernelObservation& observation, std::string_view outcome_text) {
  if (!observation.reproducible) return true;
  return std::find(observation.possible.begin(), observation.possible.end(), outcome_text) !=
         observation.possible.end();
}

bool ConsistentWith(const KernelObservation& observation, const Outcome& outcome) {
  if (!observation.reproducible) return true;
  if (!ConsistentWith(observation, outcome.Text())) return false;
  if (observation.has_siginfo && outcome.effect == Effect::kSignal) {
    const KernelSiginfo& k = observation.siginfo;
    const SigsysInfo& m = outcome.sigsys;
    return k.signo == m.signo && k.code == m.code && k.error == m.error &&
           k.syscall_nr == m.syscall_nr && k.arch == m.arch && k.call_addr == m.call_addr;
  }
  return true;
}

// ---- engine ----

struct KernelEngine::Impl {
  KernelEngineOptions options;
  std::vector<StackEntry> stack;
  std::vector<sock_filter> f0;
  uint16_t sentinel = kDefaultSentinel;
  bool may_trace_sentinel = false;  // some filter can return TRACE|sentinel itself
  bool may_weak_unknown = false;    // some filter can return an unknown action F0 outranks
  bool has_listener = false;        // some filter has SECCOMP_FILTER_FLAG_NEW_LISTENER
  // Filters without a listener of their own that can return USER_NOTIF (RET K, or RET A):
  // their USER_NOTIF gives -ENOSYS, like ERRNO(38).
  std::vector<size_t> listenerless_notif;
  std::unique_ptr<char[]> probe_stack;

  pid_t holder = 0;
  int holder_pidfd = -1;

  // The running child.
  struct Probe {
    pid_t tid = 0;
    user_regs_struct home{};  // registers at the loop's syscall-entry stop
    uint64_t slot = 0;        // the child's address of its NotifierSlot; 0: no listener
    uint64_t notified = 0;    // notifications seen answered so far
  };
  pid_t leader = 0;
  int ctl_fd = -1;
  int probes = 0;  // probe threads in the running child: 1, or 2 with the ia32 probe
  int cur = 0;     // the probe the current record runs on
  Probe probe[kMaxProbes];
  bool want_compat = false;         // an I386 record was seen: children get the ia32 probe
  bool compat_unavailable = false;  // int $0x80 did not work here
  uint64_t children = 0;

  ~Impl() {
    KillChild();
    if (holder > 0) {
      kill(holder, SIGKILL);
      while (waitpid(holder, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
    if (holder_pidfd >= 0) close(holder_pidfd);
  }

  Result<bool> StartHolder();
  Result<bool> Spawn(bool compat);
  Result<bool> Settle(int k);
  void KillChild();
  Result<int> Wait();
  Result<KernelObservation> RunAtEntry(const SeccompData& record);
  Result<KernelObservation> Died(int sig, const std::string& trail);
  Result<bool> BackAtEntry();
  Error Internal(const std::string& what);
  Result<bool> CheckNotified(const SeccompData& record);
  void AddSentinelPossibilities(KernelObservation* o) const;
};

Error KernelEngine::Impl::Internal(const std::string& what) {
  KillChild();
  return MakeError("internal-error", what + " (child killed; the next record starts a new one)");
}

void KernelEngine::Impl::KillChild() {
  if (leader <= 0) return;
  kill(leader, SIGKILL);
  for (Probe& p : probe) {
    if (p.tid > 0) {
      while (waitpid(p.tid, nullptr, __WALL) < 0 && errno == EINTR) {
      }
    }
    p.tid = 0;
    p.slot = 0;
    p.notified = 0;
  }
  while (waitpid(leader, nullptr, 0) < 0 && errno == EINTR) {
  }
  if (ctl_fd >= 0) close(ctl_fd);
  leader = 0;
  ctl_fd = -1;
  probes = 0;
}

// A process that only holds fresh namespaces; every child joins them with setns(), which is
// much cheaper than creating a network namespace per child.
Result<bool> KernelEngine::Impl::StartHolder() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return SysError("fork-failed", "pipe2", errno);
  const pid_t tracer = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    const int err = errno;
    close(fds[0]);
    close(fds[1]);
    return SysError("fork-failed", "fork of the namespace holder", err);
  }
  if (pid == 0) {
    int64_t r = Raw(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (r == 0 && Raw(SYS_getppid) != tracer) r = -ESRCH;
    if (r == 0) r = Raw(SYS_unshare, kNamespaces);
    // Hold none of the caller's descriptors (a pipe kept open here would never see EOF).
    if (fds[1] > 0) Raw(SYS_close_range, 0, static_cast<uint64_t>(fds[1]) - 1, 0);
    Raw(SYS_close_range, static_cast<uint64_t>(fds[1]) + 1, ~0u, 0);
    const int32_t err = static_cast<int32_t>(-r);
    RawWriteAll(fds[1], &err, sizeof err);
    Raw(SYS_close, fds[1]);
    for (;;) Raw(SYS_pause);
  }
  close(fds[1]);
  int32_t err = -1;
  const bool got = ReadExact(fds[0], &err, sizeof err, kSetupTimeoutMs);
  close(fds[0]);
  holder = pid;
  if (!got || err != 0) {
    return MakeError("namespaces-failed",
                     std::string("unshare(NEWNS|NEWIPC|NEWUTS|NEWNET|NEWCGROUP) in the holder: ") +
                         (got ? std::strerror(err) : "no answer"),
                     -1, got ? err : 0);
  }
  holder_pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (holder_pidfd < 0) return SysError("namespaces-failed", "pidfd_open of the holder", errno);
  return true;
}

Result<int> KernelEngine::Impl::Wait() {
  const pid_t tid = probe[cur].tid;
  int st = 0;
  for (;;) {
    const pid_t r = waitpid(tid, &st, __WALL);
    if (r == tid) return st;
    if (r < 0 && errno == EINTR) continue;
    return SysError("ptrace-failed", "waitpid of the probe thread", errno);
  }
}

Result<bool> KernelEngine::Impl::Spawn(bool compat) {
  KillChild();
  ChildPlan plan;
  plan.tracer_pid = getpid();
  plan.holder_pidfd = holder_pidfd;
  plan.drop_privileges = options.drop_privileges;
  if (!options.unsafe_omit_sentinel_filter_for_tests) {
    plan.progs.push_back(sock_fprog{static_cast<unsigned short>(f0.size()), f0.data()});
    plan.flags.push_back(0);
  }
  const size_t first_user = plan.progs.size();
  for (const StackEntry& e : stack) {
    plan.progs.push_back(sock_fprog{
        static_cast<unsigned short>(e.program.insns.size()),
        reinterpret_cast<sock_filter*>(const_cast<SockFilter*>(e.program.insns.data()))});
    // TSYNC would put the filters on the idle leader too; it changes nothing for the calling
    // thread's own chain, so it is dropped.
    plan.flags.push_back(e.flags & ~(seccomp::kFlagTsync | seccomp::kFlagTsyncEsrch));
  }
  plan.probes = compat ? 2 : 1;

  // Descriptors: the control socket, and per probe a "go" pipe and a report pipe.
  struct Fd {
    int fd = -1;
    ~Fd() {
      if (fd >= 0) close(fd);
    }
  };
  Fd ctl_parent, ctl_child, go_w[kMaxProbes], go_r[kMaxProbes], rep_r[kMaxProbes],
      rep_w[kMaxProbes];
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return SysError("fork-failed", "socketpair", errno);
  }
  ctl_parent.fd = sv[0];
  ctl_child.fd = sv[1];
  for (int k = 0; k < plan.probes; ++k) {
    int go[2], report[2];
    if (pipe2(go, O_CLOEXEC) != 0) return SysError("fork-failed", "pipe2", errno);
    go_r[k].fd = go[0];
    go_w[k].fd = go[1];
    if (pipe2(report, O_CLOEXEC) != 0) return SysError("fork-failed", "pipe2", errno);
    rep_r[k].fd = report[0];
    rep_w[k].fd = report[1];
    ProbePlan& pp = plan.probe[k];
    pp.go_fd = go[0];
    pp.report_fd = report[1];
    pp.progs = &plan.progs;
    pp.flags = &plan.flags;
    pp.results.assign(1 + plan.progs.size(), 0);
    auto top = [this](int i) {
      char* base = probe_stack.get() + i * kProbeStackBytes;
      return reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(base) + kProbeStackBytes) &
                                     ~uintptr_t{15});
    };
    pp.stack_top = top(k);
    if (has_listener) {
      pp.notifier = &pp.slot;
      pp.notifier_stack_top = top(kMaxProbes + k);
    }
  }
  plan.ctl_fd = ctl_child.fd;

  const pid_t pid = fork();
  if (pid == 0) LeaderMain(&plan);
  if (pid < 0) return SysError("fork-failed", "fork of the child", errno);
  close(ctl_child.fd);
  ctl_child.fd = -1;
  for (int k = 0; k < plan.probes; ++k) {
    close(go_r[k].fd);
    go_r[k].fd = -1;
    close(rep_w[k].fd);
    rep_w[k].fd = -1;
  }
  leader = pid;
  ctl_fd = ctl_parent.fd;
  ctl_parent.fd = -1;
  ++children;

  LeaderReport rep;
  if (!ReadExact(rep_r[0].fd, &rep, sizeof rep, kSetupTimeoutMs)) {
    KillChild();
    return MakeError("child-setup-failed", "the child's leader did not report");
  }
  if (rep.step != kStepOk) {
    KillChild();
    return MakeError("child-setup-failed",
                     std::string(StepName(rep.step)) + ": " + std::strerror(rep.err), -1, rep.err);
  }
  probes = plan.probes;
  for (int k = 0; k < probes; ++k) {
    probe[k].tid = rep.tid[k];
    // The child's copy of `plan` stays where it is: the leader never returns from LeaderMain.
    probe[k].slot = has_listener ? reinterpret_cast<uint64_t>(&plan.probe[k].slot) : 0;
    probe[k].notified = 0;
    if (ptrace(PTRACE_SEIZE, probe[k].tid, nullptr, kTraceOptions | kOptSuspendSeccomp) != 0) {
      const int err = errno;
      KillChild();
      if (err == EPERM) {
        return MakeError("suspend-seccomp-refused",
                         "PTRACE_SEIZE with PTRACE_O_SUSPEND_SECCOMP was refused: the tracer "
                         "needs CAP_SYS_ADMIN in the initial user namespace and must not be "
                         "under seccomp itself (ptrace_setoptions); run as root outside a "
                         "sandbox",
                         -1, err);
      }
      return SysError("ptrace-failed", "PTRACE_SEIZE of a probe thread", err);
    }
  }
  for (int k = 0; k < probes; ++k) {
    const char g = 'g';
    if (write(go_w[k].fd, &g, 1) != 1) {
      const int err = errno;
      KillChild();
      return SysError("child-setup-failed", "write to a probe thread", err);
    }
  }
  for (int k = 0; k < probes; ++k) {
    std::vector<int64_t>& results = plan.probe[k].results;
    if (!ReadExact(rep_r[k].fd, results.data(), results.size() * sizeof(int64_t),
                   kSetupTimeoutMs)) {
      KillChild();
      return MakeError("child-setup-failed", "a probe thread did not report its installs");
    }
    if (results[0] != 0) {
      const int err = static_cast<int>(-results[0]);
      KillChild();
      return MakeError("child-setup-failed", std::string("PR_SET_NO_NEW_PRIVS: ") + strerror(err),
                       -1, err);
    }
    for (size_t i = 0; i < plan.progs.size(); ++i) {
      const int64_t r = results[1 + i];
      if (r >= 0) continue;
      const int err = static_cast<int>(-r);
      KillChild();
      if (i < first_user) {
        return MakeError("child-setup-failed",
                         std::string("installing the sentinel filter F0: ") + strerror(err), -1,
                         err);
      }
      return MakeError("install-refused",
                       "the kernel refused filter " + std::to_string(i - first_user) +
                           " of the stack (" + ErrnoName(err) + ": " + strerror(err) +
                           "); note that F0 adds 9 eBPF instructions to the path length",
                       -1, err);
    }
  }
  for (int k = 0; k < probes; ++k) {
    Result<bool> settled = Settle(k);
    if (!settled.ok()) return settled.error();
  }
  return true;
}

// Stops probe k (blocked in pause, still unfiltered), sends it to the start of its loop
// (orig_rax = -1, so the interrupted pause is not restarted), clears SUSPEND_SECCOMP and runs
// it to the loop's first syscall-entry stop: the home position every record starts from.
Result<bool> KernelEngine::Impl::Settle(int k) {
  cur = k;
  const pid_t tid = probe[k].tid;
  if (ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr) != 0) {
    return Internal(std::string("PTRACE_INTERRUPT: ") + strerror(errno));
  }
  for (int i = 0;; ++i) {
    Result<int> st = Wait();
    if (!st.ok()) return Internal(st.error().message);
    const Stop s = Classify(*st);
    if (s.kind == Stop::Kind::kEventStop) break;
    if (s.kind == Stop::Kind::kDied || i > 10) {
      return Internal("a probe thread did not stop for PTRACE_INTERRUPT");
    }
    ptrace(PTRACE_CONT, tid, nullptr, nullptr);
  }
  const uint64_t loop = k == 0 ? reinterpret_cast<uint64_t>(&sckit_kernel_engine_probe_loop)
                               : reinterpret_cast<uint64_t>(&sckit_kernel_engine_probe_loop32);
  user_regs_struct regs{};
  if (ptrace(PTRACE_GETREGS, tid, nullptr, &regs) != 0) {
    return Internal(std::string("PTRACE_GETREGS: ") + strerror(errno));
  }
  regs.rip = loop;
  regs.orig_rax = static_cast<uint64_t>(-1);
  if (ptrace(PTRACE_SETREGS, tid, nullptr, &regs) != 0) {
    return Internal(std::string("PTRACE_SETREGS: ") + strerror(errno));
  }
  if (ptrace(PTRACE_SETOPTIONS, tid, nullptr, kTraceOptions) != 0) {
    return Internal(std::string("PTRACE_SETOPTIONS: ") + strerror(errno));
  }
  if (ptrace(PTRACE_SYSCALL, tid, nullptr, nullptr) != 0) {
    return Internal(std::string("PTRACE_SYSCALL: ") + strerror(errno));
  }
  Result<int> st = Wait();
  if (!st.ok()) return Internal(st.error().message);
  const Stop s = Classify(*st);
  if (s.kind != Stop::Kind::kSyscall) {
    KillChild();
    if (k == 1) {
      return MakeError("compat-unavailable",
                       "int $0x80 did not reach a syscall-entry stop (stop signal " +
                           std::to_string(s.sig) + "): no ia32 emulation on this kernel");
    }
    return MakeError("internal-error", "the probe thread did not reach its loop");
  }
  __ptrace_syscall_info info{};
  if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof info, &info) <= 0) {
    return Internal(std::string("PTRACE_GET_SYSCALL_INFO: ") + strerror(errno));
  }
  Probe& p = probe[k];
  if (ptrace(PTRACE_GETREGS, tid, nullptr, &p.home) != 0) {
    return Internal(std::string("PTRACE_GETREGS: ") + strerror(errno));
  }
  const int32_t want_nr = k == 0 ? kNrGetpid : kNrGetpid32;
  const uint32_t want_arch = k == 0 ? kArchX86_64 : kArchI386;
  if (info.op != PTRACE_SYSCALL_INFO_ENTRY || info.arch != want_arch ||
      static_cast<int64_t>(p.home.orig_rax) != want_nr || p.home.rip != loop + 7) {
    return Internal("a probe thread's first call is not its loop's getpid (arch " + Hex(info.arch) +
                    ")");
  }
  return true;
}

// After the record: the probe's next syscall-entry stop must be the loop's getpid.
Result<bool> KernelEngine::Impl::BackAtEntry() {
  const pid_t tid = probe[cur].tid;
  const user_regs_struct& home = probe[cur].home;
  const int64_t getpid_nr = cur == 0 ? kNrGetpid : kNrGetpid32;
  Result<int> st = Wait();
  if (!st.ok()) return Internal(st.error().message);
  const Stop s = Classify(*st);
  if (s.kind != Stop::Kind::kSyscall) return Internal("expected the next syscall-entry stop");
  user_regs_struct regs{};
  if (ptrace(PTRACE_GETREGS, tid, nullptr, &regs) != 0) {
    return Internal(std::string("PTRACE_GETREGS: ") + strerror(errno));
  }
  // rax = -ENOSYS is what the entry code presets: an exit stop would carry getpid's result.
  if (regs.rip != home.rip || static_cast<int64_t>(regs.orig_rax) != getpid_nr ||
      static_cast<int64_t>(regs.rax) != -ENOSYS) {
    return Internal("the probe thread is not at its loop's syscall-entry stop (rip " +
                    Hex(regs.rip) + ")");
  }
  return true;
}

// Reads `length` bytes of the child's memory through the stopped thread `tid`.
static Result<bool> PeekInto(pid_t tid, uint64_t address, void* out, size_t length) {
  unsigned char* dst = static_cast<unsigned char*>(out);
  for (size_t done = 0; done < length; done += sizeof(long)) {
    errno = 0;
    const long word = ptrace(PTRACE_PEEKDATA, tid, address + done, nullptr);
    if (errno != 0)
      return SysError("ptrace-failed", "PTRACE_PEEKDATA at " + Hex(address + done), errno);
    std::memcpy(dst + done, &word, std::min(sizeof word, length - done));
  }
  return true;
}

// At the entry stop after a kNotifyAnswer exit: the notifier must have received exactly one
// notification since the last one the tracer saw, and its seccomp_data must be this record.
Result<bool> KernelEngine::Impl::CheckNotified(const SeccompData& record) {
  Probe& p = probe[cur];
  NotifierSlot slot;
  Result<bool> read = PeekInto(p.tid, p.slot, &slot, sizeof slot);
  if (!read.ok()) return Internal(read.error().message);
  bool same = slot.last.nr == record.nr && slot.last.arch == record.arch &&
              slot.last.instruction_pointer == record.instruction_pointer;
  for (int i = 0; i < 6; ++i) same = same && slot.last.args[i] == record.args[i];
  if (slot.received != p.notified + 1 || !same) {
    return Internal(
        "rax held the notifier's answer, but the notifier did not answer this record "
        "(received " +
        std::to_string(slot.received) + ", expected " + std::to_string(p.notified + 1) +
        ", last nr " + std::to_string(slot.last.nr) + ")");
  }
  p.notified = slot.received;
  return true;
}

void KernelEngine::Impl::AddSentinelPossibilities(KernelObservation* o) const {
  o->outcome = "ALLOW";
  o->possible = {"ALLOW", "LOG"};
  o->reason =
      "F0's TRACE|" + std::to_string(sentinel) +
      " won: the stack's own result ranks at or below TRACE (ALLOW or LOG; the kernel tells "
      "them apart only in its audit log)";
  if (may_trace_sentinel) {
    o->possible.push_back("TRACE(" + std::to_string(sentinel) + ")");
    o->reason += ", or a TRACE with the sentinel's data (a newer TRACE wins the tie)";
  }
  if (may_weak_unknown) {
    o->possible.push_back("KILL_PROCESS");
    o->reason +=
        ", or an unknown action ranked between TRACE and ALLOW (it kills the process "
        "without F0, but F0 outranks it)";
  }
}

Result<KernelObservation> KernelEngine::Impl::Died(int sig, const std::string& trail) {
  // The probe thread is gone. SECCOMP_RET_KILL_THREAD ends only it (do_exit(SIGSYS)); for
  // KILL_PROCESS the group exit (zap_other_threads) queued SIGKILL on the leader before the
  // probe's own exit was reported, so the leader can no longer answer: its echo tells.
  KernelObservation o;
  o.exit_signal = sig;
  const char ping = 'p';
  bool alive = false;
  if (send(ctl_fd, &ping, 1, MSG_NOSIGNAL) == 1) {
    char echo = 0;
    alive = ReadExact(ctl_fd, &echo, 1, kSetupTimeoutMs);
  }
  probe[cur].tid = 0;  // reaped by the waitpid that saw the death
  KillChild();
  if (sig == kNotifierFailedStatus) {
    return MakeError("internal-error",
                     "the notifier thread failed (SECCOMP_IOCTL_NOTIF_RECV/SEND gave an "
                     "unexpected error) and ended the child");
  }
  if (sig != SIGSYS) {
    return MakeError("internal-error", "the probe thread ended with signal/status " +
                                           std::to_string(sig) + ", not SIGSYS");
  }
  o.seen = alive ? KernelObservation::Seen::kThreadKilled : KernelObservation::Seen::kProcessKilled;
  o.outcome = alive ? "KILL_THREAD" : "KILL_PROCESS";
  o.possible = {o.outcome};
  o.trail = (trail.empty() ? "" : trail + " ") + "died(" + std::to_string(sig) + ") " +
            (alive ? "leader-alive" : "leader-dead");
  return o;
}

Result<KernelObservation> KernelEngine::Impl::RunAtEntry(const SeccompData& record) {
  const pid_t tid = probe[cur].tid;
  const user_regs_struct& home = probe[cur].home;
  const int64_t getpid_nr = cur == 0 ? kNrGetpid : kNrGetpid32;
  user_regs_struct regs = home;
  regs.orig_rax = static_cast<uint64_t>(static_cast<int64_t>(record.nr));
  if (cur == 0) {  // syscall_get_arguments, native: rdi, rsi, rdx, r10, r8, r9
    regs.rdi = record.args[0];
    regs.rsi = record.args[1];
    regs.rdx = record.args[2];
    regs.r10 = record.args[3];
    regs.r8 = record.args[4];
    regs.r9 = record.args[5];
  } else {  // TS_COMPAT: rbx, rcx, rdx, rsi, rdi, rbp (the full 64-bit pt_regs slots)
    regs.rbx = record.args[0];
    regs.rcx = record.args[1];
    regs.rdx = record.args[2];
    regs.rsi = record.args[3];
    regs.rdi = record.args[4];
    regs.rbp = record.args[5];
  }
  regs.rip = record.instruction_pointer;
  if (ptrace(PTRACE_SETREGS, tid, nullptr, &regs) != 0) {
    return Internal(std::string("PTRACE_SETREGS at the entry stop: ") + strerror(errno));
  }
  if (ptrace(PTRACE_SYSCALL, tid, nullptr, nullptr) != 0) {
    return Internal(std::string("PTRACE_SYSCALL: ") + strerror(errno));
  }
  Result<int> st = Wait();
  if (!st.ok()) return Internal(st.error().message);
  Stop s = Classify(*st);
  KernelObservation o;

  if (s.kind == Stop::Kind::kSeccomp) {
    // A TRACE won (F0's or the stack's). Cancel the call: nr = -1 makes __seccomp_filter skip
    // it without re-running the filters.
    unsigned long msg = 0;
    if (ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &msg) != 0) {
      return Internal(std::string("PTRACE_GETEVENTMSG: ") + strerror(errno));
    }
    o.trail = "seccomp(" + std::to_string(msg) + ")";
    if (ptrace(PTRACE_POKEUSER, tid, offsetof(user, regs.orig_rax), -1L) != 0) {
      return Internal(std::string("PTRACE_POKEUSER orig_rax: ") + strerror(errno));
    }
    errno = 0;
    const long nr_now = ptrace(PTRACE_PEEKUSER, tid, offsetof(user, regs.orig_rax), nullptr);
    if (errno != 0 || nr_now != -1) return Internal("orig_rax did not become -1");
    if (ptrace(PTRACE_SYSCALL, tid, nullptr, nullptr) != 0) {
      return Internal(std::string("PTRACE_SYSCALL: ") + strerror(errno));
    }
    st = Wait();
    if (!st.ok()) return Internal(st.error().message);
    s = Classify(*st);
    if (s.kind == Stop::Kind::kDied) return Died(s.sig, o.trail);
    if (s.kind != Stop::Kind::kSyscall) return Internal("expected the exit stop after a skip");
    o.trail += " exit entry";
    if (ptrace(PTRACE_SETREGS, tid, nullptr, &home) != 0 ||
        ptrace(PTRACE_SYSCALL, tid, nullptr, nullptr) != 0) {
      return Internal(std::string("restoring the probe loop: ") + strerror(errno));
    }
    Result<bool> back = BackAtEntry();
    if (!back.ok()) return back.error();
    o.seen = KernelObservation::Seen::kTraceStop;
    o.event_msg = static_cast<uint16_t>(msg);
    if (o.event_msg == sentinel) {
      AddSentinelPossibilities(&o);
    } else {
      o.outcome = "TRACE(" + std::to_string(o.event_msg) + ")";
      o.possible = {o.outcome};
    }
    return o;
  }

  if (s.kind == Stop::Kind::kDied) return Died(s.sig, "");
  if (s.kind != Stop::Kind::kSyscall) return Internal("unexpected stop after the entry stop");
  o.trail = "exit";

  // Syscall-exit stop without a seccomp stop: the kernel skipped the call itself (ERRNO,
  // USER_NOTIF without listener, TRAP, KILL_PROCESS). What follows tells them apart.
  user_regs_struct exit_regs{};
  if (ptrace(PTRACE_GETREGS, tid, nullptr, &exit_regs) != 0) {
    return Internal(std::string("PTRACE_GETREGS at the exit stop: ") + strerror(errno));
  }
  if (ptrace(PTRACE_SETREGS, tid, nullptr, &home) != 0 ||
      ptrace(PTRACE_SYSCALL, tid, nullptr, nullptr) != 0) {
    return Internal(std::string("restoring the probe loop: ") + strerror(errno));
  }
  st = Wait();
  if (!st.ok()) return Internal(st.error().message);
  s = Classify(*st);
  if (s.kind == Stop::Kind::kDied) return Died(s.sig, o.trail);
  if (s.kind == Stop::Kind::kSignal && s.sig == SIGSYS) {
    o.trail += " sigsys(31) entry";
    siginfo_t si{};
    if (ptrace(PTRACE_GETSIGINFO, tid, nullptr, &si) != 0) {
      return Internal(std::string("PTRACE_GETSIGINFO: ") + strerror(errno));
    }
    o.seen = KernelObservation::Seen::kSigsys;
    o.has_siginfo = true;
    o.siginfo.signo = si.si_signo;
    o.siginfo.code = si.si_code;
    o.siginfo.error = si.si_errno;
    o.siginfo.syscall_nr = si.si_syscall;
    o.siginfo.arch = si.si_arch;
    o.siginfo.call_addr = reinterpret_cast<uint64_t>(si.si_call_addr);
    if (si.si_code != kSysSeccomp) return Internal("a SIGSYS that seccomp did not send");
    // Suppress the signal (resume with signal 0): the probe goes on looping.
    if (ptrace(PTRACE_SYSCALL, tid, nullptr, nullptr) != 0) {
      return Internal(std::string("PTRACE_SYSCALL: ") + strerror(errno));
    }
    Result<bool> back = BackAtEntry();
    if (!back.ok()) return back.error();
    o.outcome = "TRAP(" + std::to_string(static_cast<uint16_t>(si.si_errno)) + ")";
    o.possible = {o.outcome};
    return o;
  }
  if (s.kind != Stop::Kind::kSyscall) {
    return Internal("unexpected stop after the exit stop (signal " + std::to_string(s.sig) + ")");
  }
  user_regs_struct regs_now{};
  if (ptrace(PTRACE_GETREGS, tid, nullptr, &regs_now) != 0) {
    return Internal(std::string("PTRACE_GETREGS: ") + strerror(errno));
  }
  if (regs_now.rip != home.rip || static_cast<int64_t>(regs_now.orig_rax) != getpid_nr ||
      static_cast<int64_t>(regs_now.rax) != -ENOSYS) {
    return Internal("the probe thread is not at its loop's syscall-entry stop (rip " +
                    Hex(regs_now.rip) + ")");
  }
  // USER_NOTIF of the filter that owns the listener: the notifier answered with kNotifyAnswer,
  // the whole of rax (syscall_set_return_value writes all 64 bits, for the ia32 probe too).
  // Accepted only when the notifier's own record says it answered exactly this record, so the
  // value cannot stand for a call that ran; without a listener it falls to the check below.
  if (exit_regs.rax == kNotifyAnswer && probe[cur].slot != 0) {
    Result<bool> checked = CheckNotified(record);
    if (!checked.ok()) return checked.error();
    o.trail += " entry";
    o.seen = KernelObservation::Seen::kNotified;
    o.return_value = static_cast<int64_t>(kNotifyAnswer);
    o.outcome = "USER_NOTIF";
    o.possible = {o.outcome};
    return o;
  }
  // A compat call's result is its low 32 bits (syscall_get_return_value).
  const int64_t rv = cur == 0 ? static_cast<int64_t>(exit_regs.rax)
                              : static_cast<int64_t>(static_cast<int32_t>(exit_regs.rax));
  if (rv > 0 || rv < -static_cast<int64_t>(seccomp::kMaxErrno)) {
    // Not an ERRNO value: only a call that ran could return this. By construction it cannot
    // happen (F0 stops every call the stack lets through); stop rather than go on.
    return Internal("syscall-exit without a seccomp stop returned " + std::to_string(rv) +
                    ", which no skip path produces");
  }
  o.trail += " entry";
  o.seen = KernelObservation::Seen::kReturn;
  o.return_value = rv;
  o.outcome = "ERRNO(" + std::to_string(-rv) + ")";
  o.possible = {o.outcome};
  // -ENOSYS is also USER_NOTIF from a filter without a listener of its own
  // (seccomp_do_user_notification: !match->notif), whatever other filter holds one. The
  // listener's own filter is answered with kNotifyAnswer instead, so it cannot be that.
  if (rv == -ENOSYS && !listenerless_notif.empty()) {
    o.possible.push_back("USER_NOTIF");
    std::string which;
    for (size_t i : listenerless_notif) which += (which.empty() ? "" : ", ") + std::to_string(i);
    o.reason =
        "-ENOSYS is also what USER_NOTIF gives when the matched filter has no listener "
        "of its own (filter " +
        which + " can return USER_NOTIF without one)";
  }
  return o;
}

KernelEngine::KernelEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KernelEngine::KernelEngine(KernelEngine&&) noexcept = default;
KernelEngine& KernelEngine::operator=(KernelEngine&&) noexcept = default;
KernelEngine::~KernelEngine() = default;

Result<KernelEngine> KernelEngine::Start(std::vector<StackEntry> stack,
                                         KernelEngineOptions options) {
  if (stack.empty()) {
    return MakeError("empty-stack", "the kernel engine needs at least one filter");
  }
  auto impl = std::make_unique<Impl>();
  std::set<uint16_t> trace_data;  // TRACE data that some RET K returns
  bool ret_a = false;             // some filter returns A: any value is possible
  for (size_t i = 0; i < stack.size(); ++i) {
    const bool own_listener = (stack[i].flags & seccomp::kFlagNewListener) != 0;
    impl->has_listener = impl->has_listener || own_listener;
    bool may_notify = false;
    Result<VerifiedProgram> v = Verify(stack[i].program);
    if (!v.ok()) {
      Error e = v.error();
      e.message = "filter " + std::to_string(i) + ": " + e.message;
      e.rule = "invalid-filter";
      return e;
    }
    if (std::optional<Error> e = CheckFilterFlags(stack[i].flags)) {
      e->message = "filter " + std::to_string(i) + ": " + e->message;
      return *e;
    }
    for (const SockFilter& insn : stack[i].program.insns) {
      if (bpf::Class(insn.code) != bpf::kRET) continue;
      if ((insn.code & 0x18) == bpf::kRetA) {
        ret_a = true;
        may_notify = true;
        continue;
      }
      const uint32_t k = insn.k;
      if (ActionOf(k) == Action::kUserNotif) may_notify = true;
      if (ActionOf(k) == Action::kTrace) trace_data.insert(static_cast<uint16_t>(k));
      if (ActionOf(k) == Action::kUnknown && static_cast<int32_t>(k & seccomp::kRetActionFull) >
                                                 static_cast<int32_t>(seccomp::kRetTrace)) {
        impl->may_weak_unknown = true;
      }
    }
    if (may_notify && !own_listener) impl->listenerless_notif.push_back(i);
  }
  uint16_t s = options.sentinel != 0 ? options.sentinel : kDefaultSentinel;
  if (options.sentinel == 0) {
    while (trace_data.count(s) != 0) ++s;
  }
  impl->sentinel = s;
  impl->may_trace_sentinel = ret_a || trace_data.count(s) != 0;
  impl->may_weak_unknown = impl->may_weak_unknown || ret_a;
  impl->f0 = {
      sock_filter{static_cast<uint16_t>(bpf::kRET | bpf::kK), 0, 0, seccomp::kRetTrace | s}};
  impl->options = options;
  impl->stack = std::move(stack);
  // Probe threads, then notifier threads.
  impl->probe_stack = std::make_unique<char[]>(2 * kMaxProbes * kProbeStackBytes);
  if (options.new_namespaces) {
    Result<bool> h = impl->StartHolder();
    if (!h.ok()) return h.error();
  }
  Result<bool> spawned = impl->Spawn(false);
  if (!spawned.ok()) return spawned.error();
  return KernelEngine(std::move(impl));
}

Result<KernelObservation> KernelEngine::Run(const SeccompData& record) {
  Impl& m = *impl_;
  KernelObservation o;
  o.reproducible = false;
  if (record.arch != kArchX86_64 && record.arch != kArchI386) {
    o.not_reproducible_rule = "unsupported-arch";
    o.reason = "arch " + Hex(record.arch) +
               " is neither AUDIT_ARCH_X86_64 nor AUDIT_ARCH_I386: the kernel fills "
               "seccomp_data.arch from how the calling task entered it";
    return o;
  }
  if (record.arch == kArchX86_64 && (record.nr == kNrUretprobe || record.nr == kNrUprobe)) {
    o.not_reproducible_rule = "passthrough-syscall";
    o.reason = "nr " + std::to_string(record.nr) +
               " (uretprobe/uprobe) is allowed before any filter runs "
               "(seccomp_is_const_allow), so no stop would cancel it: not sent";
    return o;
  }
  const int k = record.arch == kArchX86_64 ? 0 : 1;
  if (k == 1 && m.compat_unavailable) {
    o.not_reproducible_rule = "unsupported-arch";
    o.reason = "AUDIT_ARCH_I386 needs int $0x80, which this kernel does not offer";
    return o;
  }
  if (k == 1) m.want_compat = true;
  if (m.leader <= 0 || m.probes <= k) {
    Result<bool> spawned = m.Spawn(m.want_compat);
    if (!spawned.ok() && spawned.error().rule == "compat-unavailable") {
      m.compat_unavailable = true;
      m.want_compat = false;
      o.not_reproducible_rule = "unsupported-arch";
      o.reason = spawned.error().message;
      return o;
    }
    if (!spawned.ok()) return spawned.error();
  }
  m.cur = k;
  return m.RunAtEntry(record);
}

uint16_t KernelEngine::sentinel() const { return impl_->sentinel; }
pid_t KernelEngine::probe_tid() const { return impl_->probe[0].tid; }
pid_t KernelEngine::child_pid() const { return impl_->leader; }
uint64_t KernelEngine::children_started() const { return impl_->children; }

Result<std::vector<uint8_t>> KernelEngine::ReadProbeMemory(uint64_t address, size_t length) {
  if (impl_->leader <= 0) {
    Result<bool> spawned = impl_->Spawn(impl_->want_compat);
    if (!spawned.ok()) return spawned.error();
  }
  std::vector<uint8_t> out;
  out.reserve(length);
  for (uint64_t a = address; out.size() < length; a += sizeof(long)) {
    errno = 0;
    const long word = ptrace(PTRACE_PEEKDATA, impl_->probe[0].tid, a, nullptr);
    if (errno != 0) return SysError("ptrace-failed", "PTRACE_PEEKDATA at " + Hex(a), errno);
    unsigned char bytes[sizeof(long)];
    std::memcpy(bytes, &word, sizeof word);
    for (unsigned char b : bytes) {
      if (out.size() < length) out.push_back(b);
    }
  }
  return out;
}

}  // namespace sckit::live
