#include "live/dump.h"

#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

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
    if (line.rfind("Seccomp:", 0) == 0) *mode = std::stoi(line.substr(8));
    if (line.rfind("Seccomp_filters:", 0) == 0) *count = std::stoi(line.substr(16));
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

struct Pending {
  bool active = false;
  CapturedInstall install;
};

bool ReadTracee(pid_t tid, uint64_t addr, void* buf, size_t len) {
  iovec local{buf, len};
  iovec remote{reinterpret_cast<void*>(addr), len};
  return process_vm_readv(tid, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(len);
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

}  // namespace

Result<TraceReport> DumpWhileRunning(const std::vector<std::string>& argv) {
  if (argv.empty()) return MakeError("exec", "no command given");
  std::vector<char*> cargv;
  for (const std::string& s : argv) cargv.push_back(const_cast<char*>(s.c_str()));
  cargv.push_back(nullptr);

  const pid_t child = fork();
  if (child < 0) return StepError("fork", errno, std::strerror(errno));
  if (child == 0) {
    ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    raise(SIGSTOP);
    execvp(cargv[0], cargv.data());
    _exit(127);
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child || !WIFSTOPPED(status)) {
    return StepError("trace", ECHILD, "the command did not stop for the tracer");
  }
  const long options = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                       PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
  if (ptrace(PTRACE_SETOPTIONS, child, nullptr, options) != 0) {
    const int err = errno;
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    return StepError("trace", err, "PTRACE_SETOPTIONS failed");
  }
  TraceReport report;
  std::map<pid_t, Pending> pending;
  // Auto-attached new tasks start with a SIGSTOP that belongs to the tracer, not the tracee.
  // It may arrive before or after the parent's PTRACE_EVENT_FORK/CLONE stop.
  std::set<pid_t> known = {child};
  std::set<pid_t> fresh;  // announced by an event, initial SIGSTOP not yet seen
  ptrace(PTRACE_SYSCALL, child, nullptr, nullptr);
  for (;;) {
    const pid_t tid = waitpid(-1, &status, __WALL);
    if (tid < 0) {
      if (errno == EINTR) continue;
      break;  // ECHILD: every traced task is gone
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      if (tid == child) report.wait_status = status;
      pending.erase(tid);
      known.erase(tid);
      fresh.erase(tid);
      if (known.empty()) break;  // every traced task is gone; leave other children alone
      continue;
    }
    if (!WIFSTOPPED(status)) continue;
    const int sig = WSTOPSIG(status);
    if (!known.count(tid)) {  // first stop of a new task, before its parent's event
      known.insert(tid);
      ptrace(PTRACE_SYSCALL, tid, nullptr, sig == SIGSTOP ? 0 : sig);
      continue;
    }
    const int event = status >> 16;
    int inject = 0;
    if (sig == (SIGTRAP | 0x80)) {
      __ptrace_syscall_info info{};
      if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof info, &info) > 0) {
        if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
          std::optional<CapturedInstall> c = InspectEntry(tid, info);
          pending[tid] = Pending{c.has_value(), c.value_or(CapturedInstall{})};
        } else if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
          auto it = pending.find(tid);
          if (it != pending.end() && it->second.active) {
            it->second.install.result = info.exit.rval;
            report.installs.push_back(std::move(it->second.install));
            it->second.active = false;
          }
        }
      }
    } else if (sig == SIGTRAP && event != 0) {
      if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK ||
          event == PTRACE_EVENT_CLONE) {
        unsigned long new_tid = 0;
        ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &new_tid);
        if (!known.count(static_cast<pid_t>(new_tid))) {
          known.insert(static_cast<pid_t>(new_tid));
          fresh.insert(static_cast<pid_t>(new_tid));
        }
      }
    } else if (sig == SIGSTOP && fresh.count(tid)) {
      fresh.erase(tid);  // the initial stop of an auto-attached task
    } else {
      inject = sig;  // a real signal for the tracee
    }
    ptrace(PTRACE_SYSCALL, tid, nullptr, inject);
  }
  return report;
}

}  // namespace sckit::live
