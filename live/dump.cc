// Reading live seccomp filters (PTRACE_SECCOMP_GET_FILTER) and capturing those a traced
// command installs, with each task's resulting stack (live/dump.h).
#include "live/dump.h"

#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>

#include "vm/arch.h"

namespace sckit::live {
namespace {

// include/uapi/linux/ptrace.h; spelled out so the build does not depend on libc headers
// exposing them.
constexpr long kPtraceSeccompGetFilter = 0x420c;
constexpr long kPtraceSeccompGetMetadata = 0x420d;

struct SeccompMetadata {
  uint64_t filter_off;
  uint64_t flags;
};

Error StepError(const std::string& step, int err, const std::string& what) {
  return MakeError(step, what, -1, err);
}

std::string ExplainAttach(int err) {
  switch (err) {
    case EPERM:
      return "not allowed to ptrace this task (needs root or CAP_SYS_PTRACE, a Yama "
             "ptrace_scope that permits it, and a task not already traced)";
    case ESRCH:
      return "no such task";
    default:
      return std::strerror(err);
  }
}

std::string ExplainGetFilter(int err) {
  switch (err) {
    case EACCES:
      return "PTRACE_SECCOMP_GET_FILTER needs CAP_SYS_ADMIN in the initial user namespace and "
             "a caller that is not itself under seccomp";
    case EINVAL:
      return "the task is not in seccomp filter mode (or the kernel lacks "
             "CONFIG_CHECKPOINT_RESTORE, which provides the request)";
    case EMEDIUMTYPE:
      return "the kernel kept no copy of the original program";
    case EIO:
      return "the kernel does not know PTRACE_SECCOMP_GET_FILTER";
    default:
      return std::strerror(err);
  }
}

// "Seccomp:" and "Seccomp_filters:" from /proc/<tid>/status.
bool ReadStatus(pid_t tid, int* mode, int* count) {
  std::ifstream in("/proc/" + std::to_string(tid) + "/status");
  if (!in) return false;
  std::string line;
  *mode = 0;
  *count = -1;
  while (std::getline(in, line)) {
    if (line.rfind("Seccomp:", 0) == 0) *mode = std::atoi(line.c_str() + 8);
    if (line.rfind("Seccomp_filters:", 0) == 0) *count = std::atoi(line.c_str() + 16);
  }
  return true;
}

Result<std::vector<DumpedFilter>> ReadFiltersStopped(pid_t tid) {
  std::vector<DumpedFilter> out;
  for (unsigned long index = 0;; ++index) {
    errno = 0;
    long n = ptrace(static_cast<__ptrace_request>(kPtraceSeccompGetFilter), tid, index, nullptr);
    if (n < 0) {
      if (errno == ENOENT) break;  // past the newest filter
      return StepError("get-filter", errno, ExplainGetFilter(errno));
    }
    DumpedFilter f;
    f.program.insns.resize(static_cast<size_t>(n));
    n = ptrace(static_cast<__ptrace_request>(kPtraceSeccompGetFilter), tid, index,
               f.program.insns.data());
    if (n < 0) return StepError("get-filter", errno, ExplainGetFilter(errno));
    SeccompMetadata md{index, 0};
    if (ptrace(static_cast<__ptrace_request>(kPtraceSeccompGetMetadata), tid, sizeof md, &md) >= 0) {
      f.flags = md.flags;
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

Result<TaskFilters> DumpTask(pid_t tid) {
  TaskFilters t;
  t.tid = tid;
  if (!ReadStatus(tid, &t.mode, &t.filter_count)) {
    return StepError("attach", ESRCH, "no task " + std::to_string(tid) + " in /proc");
  }
  if (t.mode != 2) return t;  // disabled or strict: no filters to read
  if (ptrace(PTRACE_SEIZE, tid, nullptr, nullptr) != 0) {
    return StepError("attach", errno, ExplainAttach(errno));
  }
  if (ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr) != 0) {
    const int err = errno;
    ptrace(PTRACE_DETACH, tid, nullptr, nullptr);
    return StepError("attach", err, "PTRACE_INTERRUPT failed");
  }
  int status = 0;
  if (waitpid(tid, &status, __WALL) != tid || !WIFSTOPPED(status)) {
    return StepError("attach", ESRCH, "the task ended while sckit attached");
  }
  Result<std::vector<DumpedFilter>> filters = ReadFiltersStopped(tid);
  ptrace(PTRACE_DETACH, tid, nullptr, nullptr);  // the task goes on running, unharmed
  if (!filters.ok()) return filters.error();
  t.filters = std::move(*filters);
  return t;
}

namespace {

// Where the kernel put the filter: SECCOMP_FILTER_FLAG_TSYNC without NEW_LISTENER returns 0 on
// success and a thread id when a thread could not be synchronised (nothing attached).
bool Attached(const CapturedInstall& c) {
  if (c.result < 0) return false;
  if ((c.flags & SECCOMP_FILTER_FLAG_TSYNC) && !(c.flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)) {
    return c.result == 0;
  }
  return true;
}

bool ReadTracee(pid_t tid, uint64_t addr, void* buf, size_t len) {
  iovec local{buf, len};
  iovec remote{reinterpret_cast<void*>(addr), len};
  return process_vm_readv(tid, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(len);
}

// A "Name:\tvalue" number of /proc/<pid>/status; nullopt when the field is absent.
std::optional<int> StatusField(const std::string& pid, const std::string& name) {
  std::ifstream in("/proc/" + pid + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + ":", 0) == 0) return std::atoi(line.c_str() + name.size() + 1);
  }
  return std::nullopt;
}

// At syscall entry: is this a filter install, and if so, what does it install?
std::optional<CapturedInstall> InspectEntry(pid_t tid, const __ptrace_syscall_info& info) {
  const uint64_t nr = info.entry.nr;
  const uint64_t* a = info.entry.args;
  const bool native = info.arch == kAuditArchX86_64;
  const bool i386 = info.arch == kAuditArchI386;
  if (!native && !i386) return std::nullopt;
  const uint64_t nr_seccomp = native ? 317 : 354;
  const uint64_t nr_prctl = native ? 157 : 172;
  CapturedInstall c;
  c.tid = tid;
  uint64_t fprog_addr = 0;
  if (nr == nr_seccomp && a[0] == SECCOMP_SET_MODE_FILTER) {
    c.flags = static_cast<uint32_t>(a[1]);
    fprog_addr = a[2];
  } else if (nr == nr_prctl && a[0] == PR_SET_SECCOMP && a[1] == SECCOMP_MODE_FILTER) {
    c.via_prctl = true;
    fprog_addr = a[2];
  } else {
    return std::nullopt;
  }
  // struct sock_fprog: native {u16 len; pad; u64 filter}, compat {u16 len; pad; u32 filter}.
  unsigned char fprog[16] = {};
  const size_t fprog_size = native ? 16 : 8;
  if (fprog_addr != 0 && ReadTracee(tid, fprog_addr, fprog, fprog_size)) {
    uint16_t len;
    std::memcpy(&len, fprog, 2);
    uint64_t filter = 0;
    if (native) {
      std::memcpy(&filter, fprog + 8, 8);
    } else {
      uint32_t f32;
      std::memcpy(&f32, fprog + 4, 4);
      filter = f32;
    }
    std::vector<SockFilter> insns(len);
    if (len > 0 && ReadTracee(tid, filter, insns.data(), len * sizeof(SockFilter))) {
      c.program.insns = std::move(insns);
    }
  }
  return c;
}

// One traced task, and its stack as the kernel keeps it.
struct TracedTask {
  pid_t tgid = 0;
  std::vector<size_t> stack;  // indices into TraceReport::installs, oldest first
  bool changed = false;       // an attached install changed the stack
  bool announced = false;     // its parent's fork/clone event has been seen (or it is the root)
  bool awaiting_stop = false;  // announced, its initial SIGSTOP not seen yet
  bool held = false;           // stopped before it was announced: kept stopped until it is
  int held_signal = 0;
  std::optional<CapturedInstall> pending;  // an install between syscall entry and exit
};

// The wait loop of DumpWhileRunning: every traced task's stops, in the order waitpid gives them.
class CommandTracer {
 public:
  explicit CommandTracer(pid_t root) : root_(root) {
    TracedTask& t = tasks_[root];
    t.tgid = root;
    t.announced = true;
  }

  TraceReport Run() {
    ptrace(PTRACE_SYSCALL, root_, nullptr, nullptr);
    while (!tasks_.empty()) {
      int status = 0;
      const pid_t tid = waitpid(-1, &status, __WALL);
      if (tid < 0) {
        if (errno == EINTR) continue;
        break;  // ECHILD: every traced task is gone
      }
      if (WIFEXITED(status) || WIFSIGNALED(status)) {
        if (tid == root_) report_.wait_status = status;
        Finish(tid);
      } else if (WIFSTOPPED(status)) {
        OnStop(tid, status);
      }
    }
    for (auto& [tid, t] : tasks_) Finish(tid, &t);  // only if waitpid failed oddly
    return std::move(report_);
  }

 private:
  void OnStop(pid_t tid, int status) {
    const int sig = WSTOPSIG(status);
    auto it = tasks_.find(tid);
    if (it == tasks_.end()) {  // a new task's first stop, before its parent's event
      TracedTask& t = tasks_[tid];
      t.tgid = tid;
      t.held = true;
      t.held_signal = sig == SIGSTOP ? 0 : sig;
      return;  // stays stopped until the event says what it inherited
    }
    TracedTask& t = it->second;
    const int event = status >> 16;
    int inject = 0;
    if (sig == (SIGTRAP | 0x80)) {
      OnSyscall(tid, &t);
    } else if (sig == SIGTRAP && event != 0) {
      OnEvent(tid, event);
    } else if (sig == SIGSTOP && t.awaiting_stop) {
      t.awaiting_stop = false;  // the initial stop of an auto-attached task
    } else {
      inject = sig;  // a real signal for the tracee
    }
    ptrace(PTRACE_SYSCALL, tid, nullptr, inject);
  }

  void OnSyscall(pid_t tid, TracedTask* t) {
    __ptrace_syscall_info info{};
    if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof info, &info) <= 0) return;
    if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
      t->pending = InspectEntry(tid, info);
    } else if (info.op == PTRACE_SYSCALL_INFO_EXIT && t->pending) {
      CapturedInstall c = std::move(*t->pending);
      t->pending.reset();
      c.result = info.exit.rval;
      c.attached = Attached(c);
      const bool tsync = (c.flags & SECCOMP_FILTER_FLAG_TSYNC) != 0;
      report_.installs.push_back(std::move(c));
      if (report_.installs.back().attached) Push(tid, report_.installs.size() - 1, tsync);
    }
  }

  // The filter is on the caller's stack; with TSYNC, every other thread of its process gets
  // the caller's whole stack (seccomp_sync_threads).
  void Push(pid_t tid, size_t index, bool tsync) {
    TracedTask& t = tasks_[tid];
    t.stack.push_back(index);
    t.changed = true;
    if (!tsync) return;
    for (auto& [other_tid, other] : tasks_) {
      if (other_tid == tid || other.tgid != t.tgid) continue;
      other.stack = t.stack;
      other.changed = true;
    }
  }

  void OnEvent(pid_t tid, int event) {
    unsigned long msg = 0;
    ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &msg);
    const pid_t other = static_cast<pid_t>(msg);
    if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK ||
        event == PTRACE_EVENT_CLONE) {
      // The parent is stopped inside fork/clone: its stack now is what the new task copied.
      const std::vector<size_t> inherited = tasks_[tid].stack;
      TracedTask& child = tasks_[other];
      if (child.announced) return;
      child.announced = true;
      child.stack = inherited;
      child.tgid = event == PTRACE_EVENT_CLONE
                       ? StatusField(std::to_string(other), "Tgid").value_or(other)
                       : other;
      if (child.held) {
        child.held = false;
        ptrace(PTRACE_SYSCALL, other, nullptr, child.held_signal);
      } else {
        child.awaiting_stop = true;
      }
    } else if (event == PTRACE_EVENT_EXEC && other != tid && tasks_.count(other)) {
      // A non-leader thread exec'd and took the leader's id; the old leader is gone.
      Finish(tid);
      tasks_[tid] = std::move(tasks_[other]);
      tasks_.erase(other);
    }
  }

  void Finish(pid_t tid, TracedTask* t) {
    if (t->changed) {
      report_.stacks.push_back(TaskStack{tid, t->stack});
    } else {
      ++report_.unchanged_tasks;
    }
  }

  void Finish(pid_t tid) {
    auto it = tasks_.find(tid);
    if (it == tasks_.end()) return;
    Finish(tid, &it->second);
    tasks_.erase(it);
  }

  pid_t root_;
  std::map<pid_t, TracedTask> tasks_;
  TraceReport report_;
};

// The filters this process runs under, which the command inherits: 0, N, or -1 when
// /proc/self/status has no Seccomp_filters line (kernels before 5.9) while in filter mode.
int OwnFilterCount() {
  if (StatusField("self", "Seccomp").value_or(0) != 2) return 0;
  return StatusField("self", "Seccomp_filters").value_or(-1);
}

}  // namespace

Result<TraceReport> DumpWhileRunning(const std::vector<std::string>& argv) {
  if (argv.empty()) return MakeError("exec", "no command given");
  std::vector<char*> cargv;
  for (const std::string& s : argv) cargv.push_back(const_cast<char*>(s.c_str()));
  cargv.push_back(nullptr);
  // execvp's errno comes back through a close-on-exec pipe: nothing arrives when it succeeds.
  int exec_pipe[2];
  if (pipe2(exec_pipe, O_CLOEXEC) != 0) return StepError("pipe", errno, std::strerror(errno));

  const pid_t child = fork();
  if (child < 0) {
    const int err = errno;
    close(exec_pipe[0]);
    close(exec_pipe[1]);
    return StepError("fork", err, std::strerror(err));
  }
  if (child == 0) {
    close(exec_pipe[0]);
    ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    raise(SIGSTOP);
    execvp(cargv[0], cargv.data());
    const int err = errno;
    (void)!write(exec_pipe[1], &err, sizeof err);
    _exit(127);
  }
  close(exec_pipe[1]);
  int status = 0;
  if (waitpid(child, &status, 0) != child || !WIFSTOPPED(status)) {
    close(exec_pipe[0]);
    return StepError("trace", ECHILD, "the command did not stop for the tracer");
  }
  const long options = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                       PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
  if (ptrace(PTRACE_SETOPTIONS, child, nullptr, options) != 0) {
    const int err = errno;
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    close(exec_pipe[0]);
    return StepError("trace", err, "PTRACE_SETOPTIONS failed");
  }
  TraceReport report = CommandTracer(child).Run();
  report.tracer_filters = OwnFilterCount();
  int exec_errno = 0;
  const ssize_t n = read(exec_pipe[0], &exec_errno, sizeof exec_errno);
  close(exec_pipe[0]);
  if (n == static_cast<ssize_t>(sizeof exec_errno)) {
    return MakeError(exec_errno == ENOENT ? "command-not-found" : "cannot-execute",
                     argv[0] + ": " + std::strerror(exec_errno), -1, exec_errno);
  }
  return report;
}

}  // namespace sckit::live
