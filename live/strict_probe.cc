// The kernel engine in strict mode: a traced child in SECCOMP_MODE_STRICT (live/strict_probe.h).
#include "live/strict_probe.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "live/kernel_engine_impl.h"
#include "live/raw_syscall.h"
#include "vm/arch.h"

// The child's two loops: read(-1, 0, 0) natively and through int $0x80 (ia32 read is 3). Both
// are allowed in strict mode and fail with EBADF; their syscall-entry stops are where records
// start.
asm(R"(
  .text
  .globl sckit_strict_loop64
  .type sckit_strict_loop64, @function
sckit_strict_loop64:
  mov $0, %eax
  mov $-1, %rdi
  xor %esi, %esi
  xor %edx, %edx
  syscall
  .globl sckit_strict_after64
sckit_strict_after64:
  jmp sckit_strict_loop64
  .globl sckit_strict_loop32
sckit_strict_loop32:
  mov $3, %eax
  mov $-1, %ebx
  xor %ecx, %ecx
  xor %edx, %edx
  int $0x80
  .globl sckit_strict_after32
sckit_strict_after32:
  jmp sckit_strict_loop32
  .size sckit_strict_loop64, . - sckit_strict_loop64
)");
extern "C" void sckit_strict_loop64();
extern "C" char sckit_strict_loop32[], sckit_strict_after64[], sckit_strict_after32[];

namespace sckit::live {

using engine::Classify;
using engine::Stop;

namespace {

constexpr int kExitMarker = 0x5c;  // exit()'s status in a record: the call ran
constexpr int kTimeoutMs = 10000;
constexpr uint64_t kNobody = 65534;
constexpr int64_t kNrExit = 60, kNrRtSigreturn = 15;
constexpr int64_t kNrExit32 = 1, kNrSigreturn32 = 119;

// The child, after fork(): raw system calls only.
[[noreturn]] void ChildMain(int go_fd, int ready_fd, bool drop) {
  auto die = [](int code) {
    for (;;) RawSyscall6(SYS_exit_group, static_cast<uint64_t>(code));
  };
  RawSyscall6(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL);
  char byte = 0;
  if (RawSyscall6(SYS_read, static_cast<uint64_t>(go_fd), reinterpret_cast<uint64_t>(&byte), 1)
          .ret != 1) {
    die(100);
  }
  if (drop && (RawSyscall6(SYS_setgroups, 0, 0).ret != 0 ||
               RawSyscall6(SYS_setresgid, kNobody, kNobody, kNobody).ret != 0 ||
               RawSyscall6(SYS_setresuid, kNobody, kNobody, kNobody).ret != 0)) {
    die(101);
  }
  if (RawSyscall6(SYS_prctl, PR_SET_SECCOMP, 1 /* SECCOMP_MODE_STRICT */).ret != 0) die(102);
  // From here on only read, write, exit and rt_sigreturn survive.
  RawSyscall6(SYS_write, static_cast<uint64_t>(ready_fd), reinterpret_cast<uint64_t>("s"), 1);
  // A jump, not a call of a noreturn function: AddressSanitizer instruments those with
  // __asan_handle_no_return, which calls sigaltstack, and strict mode would kill the child.
  asm volatile("jmp sckit_strict_loop64");
  __builtin_unreachable();
}

std::string ChildFailure(int status) {
  if (WIFEXITED(status)) {
    switch (WEXITSTATUS(status)) {
      case 100: return "the child lost its control pipe";
      case 101: return "the child could not drop to uid/gid 65534";
      case 102: return "prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT) failed in the child";
      default: return "the child exited with " + std::to_string(WEXITSTATUS(status));
    }
  }
  if (WIFSIGNALED(status)) return "the child died by signal " + std::to_string(WTERMSIG(status));
  return "the child stopped unexpectedly";
}

// The sigreturns strict mode lets run (ia32 rt_sigreturn 173 is not on the compat list: it is
// killed before it runs, so it is sent).
bool IsAllowedSigreturn(const SeccompData& r) {
  return (r.arch == kAuditArchX86_64 && r.nr == kNrRtSigreturn) ||
         (r.arch == kAuditArchI386 && r.nr == kNrSigreturn32);
}

}  // namespace

StrictProbe::~StrictProbe() { Kill(); }

Error StrictProbe::Internal(const std::string& what) {
  Kill();
  return MakeError("internal-error", "strict-mode probe: " + what);
}

void StrictProbe::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status;
  while (waitpid(pid_, &status, __WALL) < 0 && errno == EINTR) {
  }
  pid_ = 0;
}

Result<int> StrictProbe::WaitChild() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, __WALL | WNOHANG);
    if (r == pid_) {
      if (WIFEXITED(status) || WIFSIGNALED(status)) pid_ = 0;
      return status;
    }
    if (r < 0 && errno != EINTR) return engine::SysError("ptrace-failed", "waitpid", errno);
    if (std::chrono::steady_clock::now() > deadline) return Internal("no stop within 10 s");
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

Result<bool> StrictProbe::Start() { return Spawn(); }

Result<bool> StrictProbe::Spawn() {
  Kill();
  int go[2], ready[2];
  if (pipe2(go, O_CLOEXEC) != 0) return engine::SysError("child-setup-failed", "pipe", errno);
  if (pipe2(ready, O_CLOEXEC) != 0) {
    const int err = errno;
    close(go[0]);
    close(go[1]);
    return engine::SysError("child-setup-failed", "pipe", err);
  }
  const pid_t pid = fork();
  if (pid == 0) ChildMain(go[0], ready[1], drop_privileges_);
  close(go[0]);
  close(ready[1]);
  auto done = [&] {
    close(go[1]);
    close(ready[0]);
  };
  if (pid < 0) {
    const int err = errno;
    done();
    return engine::SysError("fork-failed", "fork", err);
  }
  pid_ = pid;
  ++children_;
  if (ptrace(PTRACE_SEIZE, pid, nullptr, engine::kOptTraceSysgood | engine::kOptExitKill) != 0) {
    const int err = errno;
    done();
    Kill();
    return engine::SysError("ptrace-failed", "PTRACE_SEIZE of the strict-mode child", err);
  }
  char byte = 'g';
  bool ok = write(go[1], &byte, 1) == 1 && engine::ReadExact(ready[0], &byte, 1, kTimeoutMs);
  done();
  if (!ok) {
    Result<int> status = WaitChild();
    const std::string why = status.ok() ? ChildFailure(*status) : status.error().message;
    Kill();
    return MakeError("child-setup-failed", "strict-mode child: " + why);
  }
  in_compat_ = false;
  return SettleAtLoop(false, true);
}

// Brings the child to the syscall-entry stop of the loop `compat` names: with `interrupt`, a
// running child is stopped first (PTRACE_INTERRUPT); otherwise it was just resumed. Stops on
// the way (the interrupt's, exit stops, another call's entry) are passed with PTRACE_SYSCALL.
Result<bool> StrictProbe::SettleAtLoop(bool compat, bool interrupt) {
  if (interrupt && ptrace(PTRACE_INTERRUPT, pid_, nullptr, nullptr) != 0) {
    return engine::SysError("ptrace-failed", "PTRACE_INTERRUPT", errno);
  }
  const uint64_t want_ip = reinterpret_cast<uint64_t>(compat ? sckit_strict_after32
                                                             : sckit_strict_after64);
  for (int i = 0; i < 16; ++i) {
    Result<int> st = WaitChild();
    if (!st.ok()) return st.error();
    const Stop s = Classify(*st);
    if (s.kind == Stop::Kind::kDied) return Internal("the child ended: " + ChildFailure(*st));
    if (s.kind == Stop::Kind::kSyscall) {
      __ptrace_syscall_info info{};
      if (ptrace(PTRACE_GET_SYSCALL_INFO, pid_, sizeof info, &info) <= 0) {
        return Internal(std::string("PTRACE_GET_SYSCALL_INFO: ") + std::strerror(errno));
      }
      if (info.op == PTRACE_SYSCALL_INFO_ENTRY && info.instruction_pointer == want_ip &&
          info.entry.nr == (compat ? 3u : 0u)) {
        if (ptrace(PTRACE_GETREGS, pid_, nullptr, &home_) != 0) {
          return engine::SysError("ptrace-failed", "PTRACE_GETREGS", errno);
        }
        in_compat_ = compat;
        return true;
      }
    }
    if (ptrace(PTRACE_SYSCALL, pid_, nullptr, nullptr) != 0) {
      return engine::SysError("ptrace-failed", "PTRACE_SYSCALL", errno);
    }
  }
  return Internal("the child never reached its loop's syscall-entry stop");
}

Result<KernelObservation> StrictProbe::Run(const SeccompData& record) {
  KernelObservation o;
  if (IsAllowedSigreturn(record)) {
    o.reproducible = false;
    o.not_reproducible_rule = "sigreturn-not-sent";
    o.reason = "nr " + std::to_string(record.nr) +
               " is a sigreturn, which strict mode allows and which would restore the probe's "
               "registers from a signal frame it never pushed: not sent";
    return o;
  }
  if (pid_ <= 0) {
    Result<bool> spawned = Spawn();
    if (!spawned.ok()) return spawned.error();
  }
  const bool compat = record.arch == kAuditArchI386;
  if (compat != in_compat_) {
    // Let the loop's own read(-1) run, returning into the other loop.
    user_regs_struct regs = home_;
    regs.rip = compat ? reinterpret_cast<uint64_t>(sckit_strict_loop32)
                      : reinterpret_cast<uint64_t>(&sckit_strict_loop64);
    if (ptrace(PTRACE_SETREGS, pid_, nullptr, &regs) != 0 ||
        ptrace(PTRACE_SYSCALL, pid_, nullptr, nullptr) != 0) {
      return engine::SysError("ptrace-failed", "switching loops", errno);
    }
    Result<bool> settled = SettleAtLoop(compat, false);
    if (!settled.ok()) {
      o.reproducible = false;
      o.not_reproducible_rule = "unsupported-arch";
      o.reason = "the strict-mode child could not switch to its int $0x80 loop: " +
                 settled.error().message;
      return o;
    }
  }
  return Send(record);
}

Result<KernelObservation> StrictProbe::Send(const SeccompData& record) {
  const bool compat = record.arch == kAuditArchI386;
  user_regs_struct regs = home_;
  regs.orig_rax = static_cast<uint64_t>(static_cast<int64_t>(record.nr));
  regs.rax = static_cast<uint64_t>(-ENOSYS);
  // Neutral arguments: strict mode never reads them.
  if (compat) {
    regs.rbx = record.nr == kNrExit32 ? kExitMarker : 0xffffffffu;
    regs.rcx = regs.rdx = regs.rsi = regs.rdi = regs.rbp = 0;
  } else {
    regs.rdi = record.nr == kNrExit ? static_cast<uint64_t>(kExitMarker) : ~0ull;
    regs.rsi = regs.rdx = regs.r10 = regs.r8 = regs.r9 = 0;
  }
  if (ptrace(PTRACE_SETREGS, pid_, nullptr, &regs) != 0 ||
      ptrace(PTRACE_SYSCALL, pid_, nullptr, nullptr) != 0) {
    return engine::SysError("ptrace-failed", "PTRACE_SETREGS/PTRACE_SYSCALL", errno);
  }
  Result<int> st = WaitChild();
  if (!st.ok()) return st.error();
  KernelObservation o;
  const Stop s = Classify(*st);
  if (s.kind == Stop::Kind::kSyscall) {  // the exit stop: the call ran
    user_regs_struct after{};
    if (ptrace(PTRACE_GETREGS, pid_, nullptr, &after) != 0) {
      return engine::SysError("ptrace-failed", "PTRACE_GETREGS", errno);
    }
    o.seen = KernelObservation::Seen::kReturn;
    o.return_value = static_cast<int64_t>(after.rax);
    o.outcome = Verdict::Of(Verdict::Kind::kAllow);
    o.trail = "exit (rax " + std::to_string(o.return_value) + ")";
    // Back to the loop's next entry stop; the loop's registers are restored there.
    if (ptrace(PTRACE_SETREGS, pid_, nullptr, &home_) != 0 ||
        ptrace(PTRACE_SYSCALL, pid_, nullptr, nullptr) != 0) {
      return engine::SysError("ptrace-failed", "returning to the loop", errno);
    }
    Result<int> next = WaitChild();
    if (!next.ok()) return next.error();
    if (Classify(*next).kind != Stop::Kind::kSyscall) {
      return Internal("no entry stop after an allowed call");
    }
  } else if (WIFEXITED(*st) && WEXITSTATUS(*st) == kExitMarker &&
             record.nr == (compat ? kNrExit32 : kNrExit)) {
    o.seen = KernelObservation::Seen::kReturn;
    o.outcome = Verdict::Of(Verdict::Kind::kAllow);
    o.trail = "exited(" + std::to_string(kExitMarker) + ")";
  } else if (WIFSIGNALED(*st) && WTERMSIG(*st) == SIGKILL) {
    o.seen = KernelObservation::Seen::kThreadKilled;
    o.exit_signal = SIGKILL;
    o.outcome = Verdict::Of(Verdict::Kind::kKillThread);
    o.trail = "died(9)";
  } else {
    return Internal("unexpected: " + ChildFailure(*st));
  }
  o.possible = {o.outcome};
  return o;
}

}  // namespace sckit::live
