// A throwaway child process for everything that changes a process's seccomp state, so the
// caller (a test, the sckit tool) never installs a filter on itself. The kernel side mirrored:
// fork() copies no filter back to the parent (filters are per task and inherited only
// downwards, kernel/seccomp.c copy_seccomp / get_seccomp_filter), and wait4() reports how the
// child ended, including death by SIGSYS from SECCOMP_RET_KILL_* (__seccomp_filter).
//
// Protocol: the child reports through MAP_SHARED anonymous memory (SharedRegion), never through
// pipes or files, because after installing a filter it may only make the calls the filter lets
// through. It leaves with LeaveChild(): exit_group, then exit, and if the filters deny both, it
// raises a flag in shared memory and spins; the parent sees the flag and ends it with SIGKILL.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

#include "vm/status.h"

namespace sckit::live {

// An anonymous MAP_SHARED mapping: writes by a forked child are visible to the parent.
class SharedRegion {
 public:
  static Result<SharedRegion> Create(size_t bytes);
  SharedRegion(SharedRegion&& other) noexcept { *this = std::move(other); }
  SharedRegion& operator=(SharedRegion&& other) noexcept;
  SharedRegion(const SharedRegion&) = delete;
  SharedRegion& operator=(const SharedRegion&) = delete;
  ~SharedRegion();

  void* data() const { return addr_; }
  size_t size() const { return size_; }
  template <typename T>
  T* as() const {
    return static_cast<T*>(addr_);
  }

 private:
  SharedRegion() = default;
  void* addr_ = nullptr;
  size_t size_ = 0;
};

// How a child ended.
struct ChildEnd {
  enum class Kind : uint8_t {
    kExited,           // exit_group/exit; `code` is the exit status
    kSignaled,         // killed by signal `code` (SIGSYS = 31 for seccomp kills)
    kKilledByHarness,  // its filters denied every way out; the parent sent SIGKILL
    kTimedOut,         // still running at the deadline; the parent sent SIGKILL
    kFinished,         // RunSharedMemoryChild: the body returned; the parent sent SIGKILL
  };
  Kind kind = Kind::kExited;
  int code = 0;
  int wait_status = 0;  // raw status from waitpid

  // "exited 0", "killed by signal 31 (SIGSYS)", "killed by harness (exit denied)", ...
  std::string ToString() const;
};

// Shared with the child; the parent polls the flags while waiting.
struct ChildControl {
  std::atomic<uint32_t> exit_blocked{0};
  std::atomic<uint32_t> done{0};  // RunSharedMemoryChild: the body has returned
};
static_assert(std::atomic<uint32_t>::is_always_lock_free);

// Leave the child without libc (no atexit handlers, no stdio flush, no sanitizer reports):
// raw exit_group(code), then raw exit(code); if the installed filters deny both, sets
// control->exit_blocked and spins until the parent kills it.
[[noreturn]] void LeaveChild(ChildControl* control, int code) noexcept;

// Calls that every child body makes before touching seccomp: no core dumps when a filter kills
// it (PR_SET_DUMPABLE 0), and PR_SET_NO_NEW_PRIVS 1 so seccomp() works without CAP_SYS_ADMIN.
// Returns false if a prctl failed (the caller reports it in its shared page).
bool PrepareChildForSeccomp() noexcept;

struct ChildOptions {
  std::chrono::milliseconds timeout{20000};
};

// Forks; the child runs body(control) and then LeaveChild(control, 0). The parent waits for
// the end (bounded by options.timeout) and returns how the child ended. Errors: "fork-failed",
// "mmap-failed", "wait-failed". The body must not return into the caller's stack in a way that
// unwinds past RunInChild (no exceptions), and after installing a filter should only make raw
// system calls (live/raw_syscall.h).
template <typename Body>
Result<ChildEnd> RunInChild(Body&& body, ChildOptions options = {});

// A lighter child for bodies made only of raw system calls (live/raw_syscall.h) and plain
// stores: clone(CLONE_VM | SIGCHLD) on a private stack shares this process's memory, so there
// are no page tables to copy (fork() of a large, sanitizer-instrumented test process costs
// milliseconds). Seccomp state is per task (task->seccomp), so what the child attaches still
// never reaches this process. When `body` returns the child raises control->done and spins,
// making no further system call, so its filters never judge an exit; the parent ends it with
// SIGKILL (ChildEnd::Kind::kFinished; SIGKILL never dumps core). The body must not call libc
// (errno, locks and stdio are shared with this process), must not change per-mm state
// (PR_SET_DUMPABLE), and must not leave through LeaveChild().
Result<ChildEnd> RunSharedMemoryChild(void (*body)(void* arg), void* arg,
                                      ChildOptions options = {});

namespace internal {
Result<ChildEnd> RunInChildImpl(void (*thunk)(void* ctx, ChildControl* control), void* ctx,
                                ChildOptions options);
}  // namespace internal

template <typename Body>
Result<ChildEnd> RunInChild(Body&& body, ChildOptions options) {
  using B = std::remove_reference_t<Body>;
  return internal::RunInChildImpl(
      [](void* ctx, ChildControl* control) { (*static_cast<B*>(ctx))(control); },
      const_cast<void*>(static_cast<const void*>(&body)), options);
}

}  // namespace sckit::live
