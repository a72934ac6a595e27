// Generators of the benchmark filter shapes (see shapes.h): hand-built classic BPF in the layouts
// of libseccomp, Chromium and hand-written allow-lists, and libseccomp's own export.
#include "bench/shapes.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <functional>
#include <string>

#include "vm/bpf.h"

namespace sckit::bench {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

constexpr uint32_t kArchX86_64 = 0xC000003E;
constexpr uint32_t kNrOffset = 0;
constexpr uint32_t kArchOffset = 4;
constexpr uint32_t ArgLo(int i) { return 16 + 8 * static_cast<uint32_t>(i); }
constexpr uint32_t ArgHi(int i) { return ArgLo(i) + 4; }

using Code = std::vector<SockFilter>;

void Append(Code* out, const Code& more) { out->insert(out->end(), more.begin(), more.end()); }

SockFilter Ret(uint32_t k) { return Stmt(kRET | kK, k); }
SockFilter Load(uint32_t offset) { return Stmt(kLD | kW | kABS, offset); }

// The arch check every shape starts with.
Code ArchCheck() {
  return {Load(kArchOffset), Jump(kJMP | kJEQ | kK, kArchX86_64, 1, 0),
          Ret(seccomp::kRetKillProcess)};
}

}  // namespace

Program ArchCheckFilter() {
  Program p;
  p.insns = {Load(kArchOffset), Jump(kJMP | kJEQ | kK, kArchX86_64, 0, 1),
             Ret(seccomp::kRetAllow), Ret(seccomp::kRetKillProcess)};
  return p;
}

Program AllowChainFilter(std::span<const int> nrs) {
  Program p;
  p.insns = ArchCheck();
  p.insns.push_back(Load(kNrOffset));
  for (size_t s = 0; s < nrs.size(); ++s) {
    // jt lands on the shared ret ALLOW after the default ret ERRNO.
    const uint8_t jt = static_cast<uint8_t>(nrs.size() - s);
    p.insns.push_back(Jump(kJMP | kJEQ | kK, static_cast<uint32_t>(nrs[s]), jt, 0));
  }
  p.insns.push_back(Ret(seccomp::kRetErrno | EPERM));
  p.insns.push_back(Ret(seccomp::kRetAllow));
  return p;
}

Result<Program> LibseccompAllowFilter(std::span<const int> nrs, bool binary_tree) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
  if (ctx == nullptr) return MakeError("libseccomp", "seccomp_init failed");
  struct Release {
    scmp_filter_ctx ctx;
    ~Release() { seccomp_release(ctx); }
  } release{ctx};
  int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
  if (rc == 0 && binary_tree) rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  for (size_t i = 0; rc == 0 && i < nrs.size(); ++i) {
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nrs[i], 0);
  }
  if (rc != 0) return MakeError("libseccomp", std::string("rule: ") + std::strerror(-rc));
  const int fd = memfd_create("sckit-bench-filter", MFD_CLOEXEC);
  if (fd < 0) return MakeError("io-error", std::string("memfd_create: ") + std::strerror(errno));
  rc = seccomp_export_bpf(ctx, fd);
  std::vector<SockFilter> insns(kMaxInsns + 1);
  ssize_t got = rc == 0 ? pread(fd, insns.data(), insns.size() * sizeof(SockFilter), 0) : -1;
  close(fd);
  if (rc != 0 || got <= 0 || got % sizeof(SockFilter) != 0 ||
      static_cast<size_t>(got) > kMaxInsns * sizeof(SockFilter)) {
    return MakeError("libseccomp", "seccomp_export_bpf gave no usable filter");
  }
  insns.resize(static_cast<size_t>(got) / sizeof(SockFilter));
  Program p;
  p.insns = std::move(insns);
  return p;
}

namespace {

// ---- the Chromium-like renderer policy ----

// One rule per syscall number; arg-check rules are distinct per syscall, so ranges break there.
enum RuleKind : int { kAllow, kEperm, kEnosys, kTrap, kArgs };
struct Rule {
  int kind = kTrap;
  int nr = -1;  // for kArgs: which check
  bool operator==(const Rule&) const = default;
};

constexpr uint32_t kTrapRet = seccomp::kRetTrap;
constexpr uint32_t kEpermRet = seccomp::kRetErrno | EPERM;

// `ld args[i]` as Chromium checks 64-bit values: the high word must be 0 (else `bad`), then A
// holds the low word.
Code LoadArg(int i, uint32_t bad) {
  return {Load(ArgHi(i)), Jump(kJMP | kJEQ | kK, 0, 1, 0), Ret(bad), Load(ArgLo(i))};
}

// A in `values` ? ALLOW : bad, as a jeq chain.
Code OneOf(std::initializer_list<uint32_t> values, uint32_t bad) {
  Code c;
  uint8_t left = static_cast<uint8_t>(values.size());
  for (uint32_t v : values) c.push_back(Jump(kJMP | kJEQ | kK, v, left--, 0));
  c.push_back(Ret(bad));
  c.push_back(Ret(seccomp::kRetAllow));
  return c;
}

// mmap and mprotect: `jset` masks on prot and flags; madvise: `jgt`/`jge` ranges of advice.
Code MemoryCheck(int nr) {
  Code c;
  switch (nr) {
    case SYS_mmap: {
      c = LoadArg(2, kEpermRet);  // prot: only R, W, X
      c.push_back(Jump(kJMP | kJSET | kK, ~uint32_t{PROT_READ | PROT_WRITE | PROT_EXEC}, 4, 0));
      Append(&c, {Load(ArgLo(3))});  // flags
      const uint32_t ok = MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE |
                          MAP_FIXED | MAP_DENYWRITE;
      c.push_back(Jump(kJMP | kJSET | kK, ~ok, 1, 0));
      c.push_back(Ret(seccomp::kRetAllow));
      c.push_back(Ret(kEpermRet));
      c.push_back(Ret(kEpermRet));
      break;
    }
    case SYS_mprotect:
      c = LoadArg(2, kEpermRet);
      c.push_back(Jump(kJMP | kJSET | kK, ~uint32_t{PROT_READ | PROT_WRITE | PROT_EXEC}, 1, 0));
      c.push_back(Ret(seccomp::kRetAllow));
      c.push_back(Ret(kEpermRet));
      break;
    case SYS_madvise:  // advice <= MADV_DONTNEED, or MADV_FREE..MADV_COLD: range checks
      c = LoadArg(2, kEpermRet);
      c.push_back(Jump(kJMP | kJGT | kK, MADV_DONTNEED, 0, 3));
      c.push_back(Jump(kJMP | kJGE | kK, MADV_FREE, 0, 3));
      c.push_back(Jump(kJMP | kJGT | kK, MADV_COLD, 2, 1));
      c.push_back(Ret(seccomp::kRetAllow));
      c.push_back(Ret(seccomp::kRetAllow));
      c.push_back(Ret(kEpermRet));
      c.push_back(Ret(kEpermRet));
      break;
    default:
      break;
  }
  return c;
}

Code ArgCheck(int nr) {
  Code c;
  switch (nr) {
    case SYS_fcntl:
      c = LoadArg(1, kTrapRet);
      Append(&c, OneOf({F_GETFL, F_SETFL, F_GETFD, F_SETFD, F_DUPFD_CLOEXEC, F_SETLK, F_SETLKW,
                        F_GETLK, F_ADD_SEALS},
                       kTrapRet));
      break;
    case SYS_futex:
      c = LoadArg(1, kTrapRet);
      c.push_back(Stmt(kALU | kAND | kK, ~uint32_t{FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME}));
      Append(&c, OneOf({FUTEX_WAIT, FUTEX_WAKE, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP,
                        FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET},
                       kTrapRet));
      break;
    case SYS_mmap:
    case SYS_mprotect:
    case SYS_madvise:
      return MemoryCheck(nr);
    case SYS_clone: {
      const uint32_t thread = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                              CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |
                              CLONE_CHILD_CLEARTID;
      c = LoadArg(0, kTrapRet);
      c.push_back(Jump(kJMP | kJEQ | kK, thread, 1, 0));
      c.push_back(Ret(kTrapRet));
      c.push_back(Ret(seccomp::kRetAllow));
      break;
    }
    case SYS_prctl:
      c = LoadArg(0, kEpermRet);
      Append(&c, OneOf({PR_SET_NAME, PR_GET_NAME, PR_SET_DUMPABLE, PR_GET_DUMPABLE,
                        PR_SET_TIMERSLACK, PR_SET_VMA},
                       kEpermRet));
      break;
    case SYS_ioctl:
      c = LoadArg(1, seccomp::kRetErrno | ENOTTY);
      c.push_back(Jump(kJMP | kJEQ | kK, TCGETS, 1, 0));
      c.push_back(Jump(kJMP | kJEQ | kK, FIONREAD, 0, 1));
      c.push_back(Ret(seccomp::kRetAllow));
      c.push_back(Ret(seccomp::kRetErrno | ENOTTY));
      break;
    case SYS_socketpair:
      c = LoadArg(0, kEpermRet);
      c.push_back(Jump(kJMP | kJEQ | kK, AF_UNIX, 0, 1));
      c.push_back(Ret(seccomp::kRetAllow));
      c.push_back(Ret(kEpermRet));
      break;
    default:  // prlimit64: pid 0 and no new limit
      c = LoadArg(0, kEpermRet);
      c.push_back(Jump(kJMP | kJEQ | kK, 0, 1, 0));
      c.push_back(Ret(kEpermRet));
      Append(&c, LoadArg(2, kEpermRet));
      c.push_back(Jump(kJMP | kJEQ | kK, 0, 0, 1));
      c.push_back(Ret(seccomp::kRetAllow));
      c.push_back(Ret(kEpermRet));
      break;
  }
  return c;
}

constexpr int kChromiumAllow[] = {
    SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_pread64, SYS_pwrite64, SYS_close,
    SYS_lseek, SYS_fstat, SYS_newfstatat, SYS_brk, SYS_mremap, SYS_munmap, SYS_rt_sigaction,
    SYS_rt_sigprocmask, SYS_rt_sigreturn, SYS_sched_yield, SYS_nanosleep, SYS_clock_nanosleep,
    SYS_clock_gettime, SYS_clock_getres, SYS_gettimeofday, SYS_getpid, SYS_gettid, SYS_getuid,
    SYS_geteuid, SYS_getgid, SYS_getegid, SYS_exit, SYS_exit_group, SYS_epoll_create1,
    SYS_epoll_ctl, SYS_epoll_wait, SYS_epoll_pwait, SYS_poll, SYS_ppoll, SYS_pselect6,
    SYS_select, SYS_pipe, SYS_pipe2, SYS_dup, SYS_dup2, SYS_dup3, SYS_recvmsg, SYS_sendmsg,
    SYS_recvfrom, SYS_sendto, SYS_shutdown, SYS_eventfd2, SYS_wait4, SYS_restart_syscall,
    SYS_sigaltstack, SYS_uname, SYS_getrandom, SYS_sched_getaffinity, SYS_sysinfo, SYS_times,
    SYS_getdents64, SYS_memfd_create, SYS_fdatasync, SYS_fsync, SYS_ftruncate, SYS_fallocate,
    SYS_rseq, SYS_membarrier, SYS_tgkill, SYS_getpriority, SYS_sched_getparam,
    SYS_sched_getscheduler, SYS_set_robust_list, SYS_get_robust_list, SYS_futex_waitv,
};
constexpr int kChromiumEperm[] = {
    SYS_open, SYS_openat, SYS_access, SYS_faccessat, SYS_stat, SYS_lstat, SYS_mkdir, SYS_unlink,
    SYS_rename, SYS_rmdir, SYS_socket, SYS_connect, SYS_bind, SYS_listen, SYS_accept,
    SYS_accept4, SYS_ptrace, SYS_setpriority, SYS_sched_setscheduler, SYS_kill,
    SYS_perf_event_open, SYS_bpf, SYS_readlink, SYS_readlinkat, SYS_statfs, SYS_fstatfs,
    SYS_chmod, SYS_fchmod, SYS_chown, SYS_fchown, SYS_getcwd, SYS_chdir, SYS_fchdir,
};
constexpr int kChromiumEnosys[] = {
    SYS_statx, SYS_io_uring_setup, SYS_io_uring_enter, SYS_io_uring_register, SYS_pidfd_open,
    SYS_clone3, SYS_landlock_create_ruleset, SYS_getrlimit, SYS_setrlimit,
};
constexpr int kChromiumArgs[] = {
    SYS_fcntl, SYS_futex, SYS_mmap, SYS_mprotect, SYS_madvise, SYS_clone, SYS_prctl,
    SYS_ioctl, SYS_socketpair, SYS_prlimit64,
};

constexpr int kChromiumTableSize = 512;  // numbers above: the default (trap)

Rule ChromiumRule(int nr) {
  for (int a : kChromiumArgs) {
    if (a == nr) return {kArgs, nr};
  }
  for (int a : kChromiumAllow) {
    if (a == nr) return {kAllow};
  }
  for (int a : kChromiumEperm) {
    if (a == nr) return {kEperm};
  }
  for (int a : kChromiumEnosys) {
    if (a == nr) return {kEnosys};
  }
  return {kTrap};
}

Code Leaf(const Rule& rule) {
  switch (rule.kind) {
    case kAllow: return {Ret(seccomp::kRetAllow)};
    case kEperm: return {Ret(kEpermRet)};
    case kEnosys: return {Ret(seccomp::kRetErrno | ENOSYS)};
    case kArgs: return ArgCheck(rule.nr);
    default: return {Ret(kTrapRet)};
  }
}

struct Range {
  uint32_t start;  // first syscall number of the range
  Rule rule;
};

// ranges[lo, hi) as a `jge` binary search: jt to the upper half, jf (fall through) to the lower
// one; a `ja` carries jt when the lower half is longer than a jump offset can say.
Code SearchTree(const std::vector<Range>& ranges, size_t lo, size_t hi,
                const std::function<Code(const Range&)>& leaf) {
  if (hi - lo == 1) return leaf(ranges[lo]);
  const size_t mid = lo + (hi - lo) / 2;
  const Code below = SearchTree(ranges, lo, mid, leaf);
  const Code above = SearchTree(ranges, mid, hi, leaf);
  Code c;
  if (below.size() <= 255) {
    c.push_back(Jump(kJMP | kJGE | kK, ranges[mid].start, static_cast<uint8_t>(below.size()), 0));
  } else {
    c.push_back(Jump(kJMP | kJGE | kK, ranges[mid].start, 0, 1));
    c.push_back(Stmt(kJMP | kJA, static_cast<uint32_t>(below.size())));
  }
  Append(&c, below);
  Append(&c, above);
  return c;
}

}  // namespace

Program ChromiumLikeFilter() {
  std::vector<Range> ranges;
  for (int nr = 0; nr <= kChromiumTableSize; ++nr) {
    const Rule rule = nr == kChromiumTableSize ? Rule{kTrap} : ChromiumRule(nr);
    if (ranges.empty() || !(ranges.back().rule == rule)) {
      ranges.push_back({static_cast<uint32_t>(nr), rule});
    }
  }
  Program p;
  p.insns = ArchCheck();
  p.insns.push_back(Load(kNrOffset));
  Append(&p.insns, SearchTree(ranges, 0, ranges.size(),
                              [](const Range& r) { return Leaf(r.rule); }));
  return p;
}

Program TreeFilter4096() {
  // Ranges of width 2 with alternating returns: leaves are one `ret` each, so n ranges take
  // 2n - 1 instructions plus the arch check and the load.
  // The `ja` of far jumps take a few more: the largest tree that fits is kept.
  for (size_t n = (kMaxInsns - 4 + 1) / 2;; --n) {
    std::vector<Range> ranges;
    for (size_t i = 0; i < n; ++i) ranges.push_back({static_cast<uint32_t>(2 * i), {kAllow}});
    Program p;
    p.insns = ArchCheck();
    p.insns.push_back(Load(kNrOffset));
    Append(&p.insns, SearchTree(ranges, 0, ranges.size(), [](const Range& r) {
      return Code{Ret(r.start % 4 == 0 ? seccomp::kRetAllow : kEpermRet)};
    }));
    if (p.insns.size() <= kMaxInsns) return p;
  }
}

}  // namespace sckit::bench
