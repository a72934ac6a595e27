// The syscall recorder behind `sckit generate -- CMD` (trace_syscalls.h).
#include "live/trace_syscalls.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <utility>

#include "live/run_command.h"
#include "vm/arch.h"

namespace sckit::live {
namespace {

std::string Comm(pid_t tid) {
  std::ifstream in("/proc/" + std::to_string(tid) + "/comm");
  std::string s;
  std::getline(in, s);
  return s;
}

class Recorder {
 public:
  explicit Recorder(pid_t root) : root_(root) { tasks_[root] = Task{}; }

  SyscallTrace Run() {
    ptrace(PTRACE_SYSCALL, root_, nullptr, nullptr);
    for (;;) {
      int status = 0;
      const pid_t tid = waitpid(-1, &status, __WALL);
      if (tid < 0) {
        if (errno == EINTR) continue;
        break;  // ECHILD: every traced task is gone
      }
      if (WIFEXITED(status) || WIFSIGNALED(status)) {
        if (tid == root_) out_.wait_status = status;
        tasks_.erase(tid);
      } else if (WIFSTOPPED(status)) {
        OnStop(tid, status);
      }
    }
    return std::move(out_);
  }

 private:
  struct Task {
    bool initial_stop_seen = false;  // auto-attached tasks start with a SIGSTOP of their own
    std::string comm;
  };

  void OnStop(pid_t tid, int status) {
    const int sig = WSTOPSIG(status);
    const int event = status >> 16;
    auto [it, fresh] = tasks_.try_emplace(tid);
    Task& t = it->second;
    int inject = 0;
    if (sig == (SIGTRAP | 0x80)) {
      OnSyscall(tid, &t);
    } else if (sig == SIGTRAP && event != 0) {
      if (event == PTRACE_EVENT_EXEC) t.comm.clear();  // a new program: read comm again
      if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK ||
          event == PTRACE_EVENT_CLONE) {
        unsigned long child = 0;
        ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &child);
        tasks_.try_emplace(static_cast<pid_t>(child));
      }
    } else if (sig == SIGSTOP && tid != root_ && !t.initial_stop_seen) {
      t.initial_stop_seen = true;  // the stop of a new task, not a signal for the program
    } else {
      inject = sig;  // a real signal for the tracee
    }
    (void)fresh;
    ptrace(PTRACE_SYSCALL, tid, nullptr, inject);
  }

  void OnSyscall(pid_t tid, Task* t) {
    __ptrace_syscall_info info{};
    if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof info, &info) <= 0) return;
    if (info.op != PTRACE_SYSCALL_INFO_ENTRY) return;
    // sckit's child between its stop and the command's execve: not the program's.
    if (!started_) {
      if (tid != root_ || info.entry.nr != SYS_execve) return;
      started_ = true;
    }
    ++out_.seen;
    TraceCall c;
    c.record.arch = info.arch;
    c.record.nr = static_cast<int32_t>(info.entry.nr);
    c.record.instruction_pointer = info.instruction_pointer;
    for (int i = 0; i < 6; ++i) {
      c.record.args[i] = info.entry.args[i];
      // Registers do not say what they hold: a value in the address range may be a pointer
      // (never checked by `generate --args all`); small and small negative values are not.
      const uint64_t v = info.entry.args[i];
      if (v >= 0x10000 && v < 0xffffffffffff0000u) c.pointer_args |= static_cast<uint8_t>(1u << i);
    }
    c.known_args = 0x3f;  // registers, all of them
    if (out_.calls.size() >= kMaxTraceCalls) {
      out_.truncated = true;
      const uint64_t key = (uint64_t{c.record.arch} << 32) | static_cast<uint32_t>(c.record.nr);
      if (!kept_.insert(key).second) return;
    } else {
      kept_.insert((uint64_t{c.record.arch} << 32) | static_cast<uint32_t>(c.record.nr));
    }
    if (t->comm.empty()) t->comm = Comm(tid);
    c.pid = tid;
    c.process = t->comm;
    c.name = SyscallName(c.record.arch, c.record.nr).value_or("");
    out_.calls.push_back(std::move(c));
  }

  pid_t root_;
  bool started_ = false;
  std::map<pid_t, Task> tasks_;
  std::set<uint64_t> kept_;
  SyscallTrace out_;
};

Error StepError(const std::string& what, int err) {
  return MakeError("trace", what + ": " + std::strerror(err), -1, err);
}

}  // namespace

Result<SyscallTrace> TraceSyscalls(const std::vector<std::string>& argv) {
  if (argv.empty()) return MakeError("exec", "no command given");
  Result<std::string> path = ResolveCommand(argv[0]);
  if (!path.ok()) return path.error();
  std::vector<char*> cargv;
  for (const std::string& s : argv) cargv.push_back(const_cast<char*>(s.c_str()));
  cargv.push_back(nullptr);
  // execve's errno comes back through a close-on-exec pipe: nothing arrives when it succeeds.
  int exec_pipe[2];
  if (pipe2(exec_pipe, O_CLOEXEC) != 0) return StepError("pipe", errno);
  const pid_t child = fork();
  if (child < 0) {
    const int err = errno;
    close(exec_pipe[0]);
    close(exec_pipe[1]);
    return StepError("fork", err);
  }
  if (child == 0) {
    close(exec_pipe[0]);
    ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    raise(SIGSTOP);
    execv(path->c_str(), cargv.data());
    const int err = errno;
    (void)!write(exec_pipe[1], &err, sizeof err);
    _exit(127);
  }
  close(exec_pipe[1]);
  int status = 0;
  if (waitpid(child, &status, 0) != child || !WIFSTOPPED(status)) {
    close(exec_pipe[0]);
    return StepError("the command did not stop for the tracer", ECHILD);
  }
  const long options = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                       PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
  __ptrace_syscall_info probe{};
  if (ptrace(PTRACE_SETOPTIONS, child, nullptr, options) != 0 ||
      (ptrace(PTRACE_GET_SYSCALL_INFO, child, sizeof probe, &probe) < 0 && errno == EIO)) {
    const int err = errno;
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    close(exec_pipe[0]);
    return StepError("ptrace (PTRACE_GET_SYSCALL_INFO needs Linux 5.3)", err);
  }
  SyscallTrace trace = Recorder(child).Run();
  int exec_errno = 0;
  const ssize_t n = read(exec_pipe[0], &exec_errno, sizeof exec_errno);
  close(exec_pipe[0]);
  if (n == static_cast<ssize_t>(sizeof exec_errno)) {
    return MakeError(exec_errno == ENOENT ? "command-not-found" : "cannot-execute",
                     argv[0] + ": " + std::strerror(exec_errno), -1, exec_errno);
  }
  return trace;
}

}  // namespace sckit::live
