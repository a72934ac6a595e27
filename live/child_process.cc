// Throwaway child processes for everything that changes seccomp state
// (live/child_process.h).
#include "live/child_process.h"

#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <new>

#include "live/raw_syscall.h"

namespace sckit::live {
namespace {

Error SysError(const char* rule, const char* what) {
  return MakeError(rule, std::string(what) + ": " + std::strerror(errno));
}

}  // namespace

Result<SharedRegion> SharedRegion::Create(size_t bytes) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t size = (bytes + page - 1) / page * page;
  void* addr = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (addr == MAP_FAILED) return SysError("mmap-failed", "mmap(MAP_SHARED|MAP_ANONYMOUS)");
  SharedRegion region;
  region.addr_ = addr;  // fresh anonymous pages are zero-filled
  region.size_ = size;
  return region;
}

SharedRegion& SharedRegion::operator=(SharedRegion&& other) noexcept {
  if (this != &other) {
    if (addr_ != nullptr) munmap(addr_, size_);
    addr_ = std::exchange(other.addr_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SharedRegion::~SharedRegion() {
  if (addr_ != nullptr) munmap(addr_, size_);
}

std::string ChildEnd::ToString() const {
  switch (kind) {
    case Kind::kExited:
      return "exited " + std::to_string(code);
    case Kind::kSignaled: {
      std::string s = "killed by signal " + std::to_string(code);
      if (code == SIGSYS) s += " (SIGSYS)";
      if (code == SIGKILL) s += " (SIGKILL)";
      return s;
    }
    case Kind::kKilledByHarness:
      return "killed by harness (its filters denied exit)";
    case Kind::kTimedOut:
      return "timed out";
    case Kind::kFinished:
      return "finished (ended by the parent)";
  }
  return "?";
}

void LeaveChild(ChildControl* control, int code) noexcept {
  RawSyscall6(SYS_exit_group, static_cast<uint64_t>(code));
  RawSyscall6(SYS_exit, static_cast<uint64_t>(code));
  // Both denied (ERRNO, TRACE or USER_NOTIF without a tracer/listener, a returning TRAP...).
  control->exit_blocked.store(1, std::memory_order_release);
  for (;;) asm volatile("pause");
}

bool PrepareChildForSeccomp() noexcept {
  const bool dumpable = RawSyscall6(SYS_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0).ret == 0;
  const bool nnp = RawSyscall6(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0).ret == 0;
  return dumpable && nnp;
}

namespace {

// Waits for child `pid`: until it ends, or raises control->done (ended with SIGKILL:
// kFinished) or control->exit_blocked (SIGKILL: kKilledByHarness), or the deadline passes.
// A pidfd makes ppoll() return as soon as the child ends; the flags are looked at every 20 us
// for the first 2 ms, then every millisecond.
Result<ChildEnd> Reap(pid_t pid, const ChildControl* control, ChildOptions options) {
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + options.timeout;
  ChildEnd end;
  int status = 0;
  for (;;) {
    const pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) {
      Error e = SysError("wait-failed", "waitpid");
      kill(pid, SIGKILL);
      if (pidfd >= 0) close(pidfd);
      return e;
    }
    const auto now = std::chrono::steady_clock::now();
    const bool done = control->done.load(std::memory_order_acquire) != 0;
    const bool blocked = control->exit_blocked.load(std::memory_order_acquire) != 0;
    const bool late = now > deadline;
    if (done || blocked || late) {
      kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      end.kind = done      ? ChildEnd::Kind::kFinished
                 : blocked ? ChildEnd::Kind::kKilledByHarness
                           : ChildEnd::Kind::kTimedOut;
      end.code = SIGKILL;
      end.wait_status = status;
      if (pidfd >= 0) close(pidfd);
      return end;
    }
    const bool early = now - start < std::chrono::milliseconds(2);
    const timespec step{0, early ? 20'000 : 1'000'000};
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      ppoll(&p, 1, &step, nullptr);
    } else {
      nanosleep(&step, nullptr);
    }
  }
  if (pidfd >= 0) close(pidfd);
  end.wait_status = status;
  if (WIFSIGNALED(status)) {
    end.kind = ChildEnd::Kind::kSignaled;
    end.code = WTERMSIG(status);
  } else {
    end.kind = ChildEnd::Kind::kExited;
    end.code = WEXITSTATUS(status);
  }
  return end;
}

struct SharedMemoryChildArgs {
  void (*body)(void*);
  void* arg;
  ChildControl* control;
};

// The clone() child's entry: the body, then the flag, then nothing (see RunSharedMemoryChild).
int SharedMemoryChildMain(void* p) {
  const SharedMemoryChildArgs* a = static_cast<const SharedMemoryChildArgs*>(p);
  a->body(a->arg);
  a->control->done.store(1, std::memory_order_release);
  for (;;) asm volatile("pause");
}

}  // namespace

Result<ChildEnd> RunSharedMemoryChild(void (*body)(void* arg), void* arg, ChildOptions options) {
  constexpr size_t kStackBytes = 256 * 1024;
  Result<SharedRegion> region = SharedRegion::Create(sizeof(ChildControl));
  if (!region.ok()) return region.error();
  ChildControl* control = new (region->data()) ChildControl;
  void* stack = mmap(nullptr, kStackBytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) return SysError("mmap-failed", "mmap(child stack)");
  SharedMemoryChildArgs args{body, arg, control};
  const pid_t pid = clone(SharedMemoryChildMain, static_cast<char*>(stack) + kStackBytes,
                          CLONE_VM | SIGCHLD, &args);
  if (pid < 0) {
    Error e = SysError("fork-failed", "clone(CLONE_VM)");
    munmap(stack, kStackBytes);
    return e;
  }
  Result<ChildEnd> end = Reap(pid, control, options);
  munmap(stack, kStackBytes);  // the child is gone: Reap() always waits for it
  return end;
}

namespace internal {

Result<ChildEnd> RunInChildImpl(void (*thunk)(void* ctx, ChildControl* control), void* ctx,
                                ChildOptions options) {
  Result<SharedRegion> region = SharedRegion::Create(sizeof(ChildControl));
  if (!region.ok()) return region.error();
  ChildControl* control = new (region->data()) ChildControl;

  const pid_t pid = fork();
  if (pid < 0) return SysError("fork-failed", "fork");
  if (pid == 0) {
    thunk(ctx, control);
    LeaveChild(control, 0);
  }
  return Reap(pid, control, options);
}

}  // namespace internal
}  // namespace sckit::live
