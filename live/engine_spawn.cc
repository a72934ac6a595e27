// The kernel engine's child life cycle, tracer side: the namespace holder, the fork of a child
// from its plan (live/probe_child.h), PTRACE_SEIZE of each probe with SUSPEND_SECCOMP while it
// installs F0 and the stack, the install results, and settling each probe at its loop's first
// syscall-entry stop, where every record starts (docs/kernel-engine.md "The child").
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "live/kernel_engine_impl.h"
#include "vm/bpf.h"

namespace sckit::live {

using namespace engine;  // NOLINT: the engine's internal constants and plan types

namespace engine {

Error SysError(const std::string& rule, const std::string& what, int err) {
  return MakeError(rule, what + ": " + std::strerror(err), -1, err);
}

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

}  // namespace engine

namespace {

// A descriptor closed when it goes out of scope.
struct Fd {
  int fd = -1;
  Fd() = default;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  void Close() {
    if (fd >= 0) close(fd);
    fd = -1;
  }
  int Release() {
    const int f = fd;
    fd = -1;
    return f;
  }
};

// The descriptors of one spawn: the control socket, and per probe a "go" pipe and a report pipe.
struct SpawnFds {
  Fd ctl_parent, ctl_child, go_w[kMaxProbes], go_r[kMaxProbes], rep_r[kMaxProbes],
      rep_w[kMaxProbes];
};

}  // namespace

KernelEngine::Impl::~Impl() {
  KillChild();
  if (holder > 0) {
    kill(holder, SIGKILL);
    while (waitpid(holder, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  if (holder_pidfd >= 0) close(holder_pidfd);
}

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
  if (pid == 0) HolderMain(tracer, fds[1]);
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

namespace {

// The plan's programs (F0 first unless omitted, then the stack) and its per-probe descriptors
// and stacks. Returns the index of the stack's first filter in plan->progs.
Result<size_t> LayOutPlan(const KernelEngine::Impl& m, bool compat, ChildPlan* plan,
                          SpawnFds* fds) {
  plan->tracer_pid = getpid();
  plan->holder_pidfd = m.holder_pidfd;
  plan->drop_privileges = m.options.drop_privileges;
  if (!m.options.unsafe_omit_sentinel_filter_for_tests) {
    plan->progs.push_back(sock_fprog{static_cast<unsigned short>(m.f0.size()),
                                     const_cast<sock_filter*>(m.f0.data())});
    plan->flags.push_back(0);
  }
  const size_t first_user = plan->progs.size();
  for (size_t i = 0; i < m.stack.size(); ++i) {
    const Program& p = m.stack[i].program;
    plan->progs.push_back(
        sock_fprog{static_cast<unsigned short>(p.insns.size()),
                   reinterpret_cast<sock_filter*>(const_cast<SockFilter*>(p.insns.data()))});
    plan->flags.push_back(m.install_flags[i]);
  }
  plan->probes = compat ? 2 : 1;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return SysError("fork-failed", "socketpair", errno);
  }
  fds->ctl_parent.fd = sv[0];
  fds->ctl_child.fd = sv[1];
  plan->ctl_fd = sv[1];
  auto top = [&m](int i) {
    char* base = m.probe_stack.get() + i * kProbeStackBytes;
    return reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(base) + kProbeStackBytes) &
                                   ~uintptr_t{15});
  };
  for (int k = 0; k < plan->probes; ++k) {
    int go[2], report[2];
    if (pipe2(go, O_CLOEXEC) != 0) return SysError("fork-failed", "pipe2", errno);
    fds->go_r[k].fd = go[0];
    fds->go_w[k].fd = go[1];
    if (pipe2(report, O_CLOEXEC) != 0) return SysError("fork-failed", "pipe2", errno);
    fds->rep_r[k].fd = report[0];
    fds->rep_w[k].fd = report[1];
    ProbePlan& pp = plan->probe[k];
    pp.go_fd = go[0];
    pp.report_fd = report[1];
    pp.progs = &plan->progs;
    pp.flags = &plan->flags;
    pp.results.assign(2 + plan->progs.size(), 0);
    pp.arm_dispatch = m.want_dispatch;
    pp.stack_top = top(k);
    if (m.has_listener) {
      pp.notifier = &pp.slot;
      pp.notifier_stack_top = top(kMaxProbes + k);
    }
  }
  return first_user;
}

}  // namespace

Result<bool> KernelEngine::Impl::Spawn(bool compat) {
  KillChild();
  ChildPlan plan;
  SpawnFds fds;
  Result<size_t> first_user = LayOutPlan(*this, compat, &plan, &fds);
  if (!first_user.ok()) return first_user.error();
  const pid_t pid = fork();
  if (pid == 0) LeaderMain(&plan);
  if (pid < 0) return SysError("fork-failed", "fork of the child", errno);
  fds.ctl_child.Close();
  for (int k = 0; k < plan.probes; ++k) {
    fds.go_r[k].Close();
    fds.rep_w[k].Close();
  }
  leader = pid;
  ctl_fd = fds.ctl_parent.Release();
  ++children;

  LeaderReport rep;
  if (!ReadExact(fds.rep_r[0].fd, &rep, sizeof rep, kSetupTimeoutMs)) {
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
  }
  Result<bool> seized = Seize(plan);
  if (!seized.ok()) return seized.error();
  for (int k = 0; k < probes; ++k) {
    const char g = 'g';
    if (write(fds.go_w[k].fd, &g, 1) != 1) {
      const int err = errno;
      KillChild();
      return SysError("child-setup-failed", "write to a probe thread", err);
    }
  }
  for (int k = 0; k < probes; ++k) {
    std::vector<int64_t>& results = plan.probe[k].results;
    if (!ReadExact(fds.rep_r[k].fd, results.data(), results.size() * sizeof(int64_t),
                   kSetupTimeoutMs)) {
      KillChild();
      return MakeError("child-setup-failed", "a probe thread did not report its installs");
    }
  }
  Result<bool> installed = CheckInstalls(plan, *first_user);
  if (!installed.ok()) return installed.error();
  armed = want_dispatch;
  for (int k = 0; k < probes; ++k) {
    probe[k].selector = reinterpret_cast<uint64_t>(&plan.probe[k].selector);
    const int64_t r = plan.probe[k].results.back();
    if (r == 0) continue;
    KillChild();
    armed = false;
    return MakeError("dispatch-unavailable",
                     std::string("prctl(PR_SET_SYSCALL_USER_DISPATCH) failed: ") +
                         strerror(static_cast<int>(-r)) + " (syscall user dispatch needs Linux 5.11)",
                     -1, static_cast<int>(-r));
  }
  for (int k = 0; k < probes; ++k) {
    Result<bool> settled = Settle(k);
    if (!settled.ok()) return settled.error();
  }
  return true;
}

Result<bool> KernelEngine::Impl::Seize(const ChildPlan& plan) {
  for (int k = 0; k < plan.probes; ++k) {
    if (ptrace(PTRACE_SEIZE, probe[k].tid, nullptr, kTraceOptions | kOptSuspendSeccomp) == 0) {
      continue;
    }
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
  return true;
}

Result<bool> KernelEngine::Impl::CheckInstalls(ChildPlan& plan, size_t first_user) {
  for (int k = 0; k < probes; ++k) {
    const std::vector<int64_t>& results = plan.probe[k].results;
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
  Result<Stop> s = ResumeHome();
  if (!s.ok()) return s.error();
  if (s->kind != Stop::Kind::kSyscall) {
    KillChild();
    if (k == 1) {
      return MakeError("compat-unavailable",
                       "int $0x80 did not reach a syscall-entry stop (stop signal " +
                           std::to_string(s->sig) + "): no ia32 emulation on this kernel");
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
      static_cast<int64_t>(p.home.orig_rax) != want_nr || p.home.rip != loop + kLoopCallEnd) {
    return Internal("a probe thread's first call is not its loop's getpid (arch " + Hex(info.arch) +
                    ")");
  }
  return true;
}

}  // namespace sckit::live
