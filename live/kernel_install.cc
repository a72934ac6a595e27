// Filters installed for real in forked children, with the kernel's answer per call
// (live/kernel_install.h).
#include "live/kernel_install.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include "live/raw_syscall.h"
#include "vm/bpf.h"

namespace sckit::live {
namespace {

static_assert(sizeof(sock_filter) == sizeof(SockFilter));

// One call's slot in shared memory. state: 0 not reached, 1 in flight, 2 answered.
struct CallSlot {
  uint32_t state;
  uint32_t pad;
  int64_t ret;
};

// The shared page: this header, then one CallSlot per call.
struct InstallPage {
  uint32_t prepared;
  uint32_t pad;
  int64_t base_ret;  // KernelVerdictsWithoutAttaching: the listener filter's own install

  CallSlot* slots() { return reinterpret_cast<CallSlot*>(this + 1); }
};
static_assert(sizeof(InstallPage) % alignof(CallSlot) == 0);

size_t PageBytes(size_t n) { return sizeof(InstallPage) + n * sizeof(CallSlot); }

Result<sock_fprog> ToFprog(const Program& program) {
  if (program.size() > std::numeric_limits<unsigned short>::max()) {
    return MakeError("program-too-long",
                     std::to_string(program.size()) +
                         " instructions do not fit struct sock_fprog's unsigned short len");
  }
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(program.size());
  // An empty vector may have a null data(); the kernel rejects len 0 before reading it anyway.
  prog.filter = reinterpret_cast<sock_filter*>(const_cast<SockFilter*>(program.insns.data()));
  return prog;
}

Result<std::vector<sock_fprog>> ToFprogs(const std::vector<Program>& programs) {
  std::vector<sock_fprog> out;
  out.reserve(programs.size());
  for (const Program& p : programs) {
    Result<sock_fprog> f = ToFprog(p);
    if (!f.ok()) return f.error();
    out.push_back(*f);
  }
  return out;
}

int64_t SeccompSetModeFilter(uint32_t flags, const sock_fprog* prog) noexcept {
  return RawSyscall6(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, reinterpret_cast<uint64_t>(prog))
      .ret;
}

// One call, recorded so that a child dying mid-call leaves state 1 behind.
void RecordedCall(CallSlot* slot, uint32_t flags, const sock_fprog* prog) noexcept {
  slot->state = 1;
  slot->ret = SeccompSetModeFilter(flags, prog);
  slot->state = 2;
}

// The body of a verdict child (RunSharedMemoryChild: raw system calls and stores only).
struct VerdictJob {
  InstallPage* page;
  const sock_fprog* progs;
  uint32_t flags;
  size_t first;
  size_t end;
  bool stop_after_attach;            // a real install ends the child's usefulness
  const sock_fprog* base = nullptr;  // installed first, with `flags` (the listener probe)
};

void RunVerdictJob(void* arg) {
  const VerdictJob* job = static_cast<const VerdictJob*>(arg);
  // PR_SET_NO_NEW_PRIVS is per task; PR_SET_DUMPABLE would be per mm (shared with the
  // parent), and is not needed: this child ends by SIGKILL, which never dumps core.
  if (RawSyscall6(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0).ret != 0) return;
  job->page->prepared = 1;
  if (job->base != nullptr) {
    job->page->base_ret = SeccompSetModeFilter(job->flags, job->base);
    if (job->page->base_ret < 0) return;
  }
  for (size_t i = job->first; i < job->end; ++i) {
    RecordedCall(&job->page->slots()[i], job->flags, &job->progs[i]);
    if (job->stop_after_attach && job->page->slots()[i].ret >= 0) return;
  }
}

int VerdictOf(const CallSlot& slot) {
  if (slot.state != 2) return -1;
  if (slot.ret >= 0) return 0;
  return static_cast<int>(-slot.ret);
}

}  // namespace

std::string KernelCall::ToString() const {
  if (!attempted) return "not attempted";
  if (ret == 0) return "attached";
  if (ret > 0) return "attached (returned " + std::to_string(ret) + ")";
  return ErrnoName(static_cast<int>(-ret));
}

Result<KernelInstallResult> TryInstallInChild(const std::vector<StackEntry>& entries) {
  std::vector<Program> programs;
  programs.reserve(entries.size());
  for (const StackEntry& e : entries) programs.push_back(e.program);
  Result<std::vector<sock_fprog>> fprogs = ToFprogs(programs);
  if (!fprogs.ok()) return fprogs.error();
  Result<SharedRegion> region = SharedRegion::Create(PageBytes(entries.size()));
  if (!region.ok()) return region.error();
  InstallPage* page = region->as<InstallPage>();

  const sock_fprog* progs = fprogs->data();
  const StackEntry* ents = entries.data();
  const size_t n = entries.size();
  Result<ChildEnd> end = RunInChild([&](ChildControl*) {
    if (!PrepareChildForSeccomp()) return;
    page->prepared = 1;
    for (size_t i = 0; i < n; ++i) RecordedCall(&page->slots()[i], ents[i].flags, &progs[i]);
  });
  if (!end.ok()) return end.error();

  KernelInstallResult result;
  result.prepared = page->prepared != 0;
  result.end = *end;
  result.calls.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const CallSlot& s = page->slots()[i];
    result.calls[i].attempted = s.state == 2;
    result.calls[i].ret = s.ret;
  }
  return result;
}

Result<std::vector<int>> KernelVerdicts(const std::vector<Program>& programs, uint32_t flags) {
  Result<std::vector<sock_fprog>> fprogs = ToFprogs(programs);
  if (!fprogs.ok()) return fprogs.error();
  const size_t n = programs.size();
  Result<SharedRegion> region = SharedRegion::Create(PageBytes(n));
  if (!region.ok()) return region.error();
  InstallPage* page = region->as<InstallPage>();
  const sock_fprog* progs = fprogs->data();

  std::vector<int> verdicts(n, -1);
  size_t next = 0;
  while (next < n) {
    const size_t first = next;
    VerdictJob job{page, progs, flags, first, n, /*stop_after_attach=*/true};
    Result<ChildEnd> end = RunSharedMemoryChild(RunVerdictJob, &job);
    if (!end.ok()) return end.error();
    size_t i = first;
    while (i < n && page->slots()[i].state == 2) {
      verdicts[i] = VerdictOf(page->slots()[i]);
      ++i;
    }
    if (i < n && page->slots()[i].state == 1) ++i;  // died inside the call: verdict stays -1
    if (i == first) ++i;  // the child answered nothing at all: give up on this program
    next = i;
  }
  return verdicts;
}

Result<std::vector<int>> KernelVerdictsWithoutAttaching(const std::vector<Program>& programs) {
  Result<std::vector<sock_fprog>> fprogs = ToFprogs(programs);
  if (!fprogs.ok()) return fprogs.error();
  const size_t n = programs.size();
  Result<SharedRegion> region = SharedRegion::Create(PageBytes(n));
  if (!region.ok()) return region.error();
  InstallPage* page = region->as<InstallPage>();
  const sock_fprog* progs = fprogs->data();

  static constexpr sock_filter kAllow[] = {{BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW}};
  const sock_fprog allow{1, const_cast<sock_filter*>(kAllow)};
  page->base_ret = 1;  // "not reached"
  VerdictJob job{page,
                 progs,
                 SECCOMP_FILTER_FLAG_NEW_LISTENER,
                 0,
                 n,
                 /*stop_after_attach=*/false,
                 &allow};
  Result<ChildEnd> end = RunSharedMemoryChild(RunVerdictJob, &job);
  if (!end.ok()) return end.error();
  if (page->base_ret < 0 || page->base_ret == 1) {
    return MakeError("listener-install-failed",
                     "the child could not attach the ALLOW filter with a listener: " +
                         (page->base_ret == 1 ? std::string("not reached")
                                              : ErrnoName(static_cast<int>(-page->base_ret))));
  }
  std::vector<int> verdicts(n, -1);
  for (size_t i = 0; i < n; ++i) {
    const CallSlot& s = page->slots()[i];
    if (s.state != 2) continue;
    if (s.ret == -EBUSY) {
      verdicts[i] = 0;
    } else if (s.ret < 0) {
      verdicts[i] = static_cast<int>(-s.ret);
    } else {
      verdicts[i] = -1;  // attached a second listener: the kernel broke the EBUSY rule
    }
  }
  return verdicts;
}

}  // namespace sckit::live
