// The kernel engine's child process, seen from inside (docs/kernel-engine.md "The child"): the
// plan the tracer lays out before fork(), and the code the child runs on it -- a leader that
// sets up namespaces, limits and privileges and then idles, one probe thread per entry path
// (native `syscall`, ia32 `int $0x80`) that installs F0 and the stack on itself and loops on
// getpid, and, when a filter has a listener, one notifier thread per probe that answers every
// notification without ever letting the call run. Raw system calls only: the child of a
// multi-threaded tracer may not allocate, and the probe threads share the leader's TLS.
// The tracer's side is live/kernel_engine_impl.h.
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <vector>

// The probe threads' loops (probe_child.cc): getpid forever, natively (`syscall`, arch X86_64)
// and through `int $0x80` (arch I386). The call instruction ends at loop + 7.
extern "C" [[noreturn]] void sckit_kernel_engine_probe_loop();
extern "C" [[noreturn]] void sckit_kernel_engine_probe_loop32();

namespace sckit::live::engine {

inline constexpr uint32_t kArchX86_64 = 0xC000003Eu;
inline constexpr uint32_t kArchI386 = 0x40000003u;
inline constexpr int32_t kNrGetpid = 39;
inline constexpr int32_t kNrGetpid32 = 20;  // i386 getpid
inline constexpr int kMaxProbes = 2;        // [0] native, [1] ia32 (int $0x80)
inline constexpr uint64_t kLoopCallEnd = 7;  // mov eax, n (5 bytes) + syscall / int 0x80 (2)
inline constexpr int kNamespaces =
    CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET | CLONE_NEWCGROUP;
inline constexpr size_t kProbeStackBytes = 64 * 1024;
// Exit status of the child when its notifier cannot go on (an unexpected ioctl error): the
// probe would otherwise wait for an answer forever.
inline constexpr int kNotifierFailedStatus = 113;
inline constexpr int32_t kListenerPending = -2;

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
const char* StepName(int32_t step);

struct LeaderReport {
  int32_t step = kStepOk;
  int32_t err = 0;
  int32_t tid[kMaxProbes] = {0, 0};
};

// Shared by a probe thread, its notifier thread and (through PTRACE_PEEKDATA) the tracer. Only
// used when a filter of the installed stack has SECCOMP_FILTER_FLAG_NEW_LISTENER.
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
  // [0] = PR_SET_NO_NEW_PRIVS, [1 + i] = seccomp() of progs[i], last = the dispatch prctl (0
  // when not armed)
  std::vector<int64_t> results;
  bool arm_dispatch = false;  // PR_SET_SYSCALL_USER_DISPATCH on, region 0,0, selector below
  uint8_t selector = 0;       // the selector byte (SYSCALL_DISPATCH_FILTER_ALLOW until poked)
  char* stack_top = nullptr;
  NotifierSlot* notifier = nullptr;  // &slot, or nullptr when the stack has no listener
  char* notifier_stack_top = nullptr;
  NotifierSlot slot;
};

// Everything the child needs, laid out before fork() so the child only reads it and the probe
// threads write only their `results` and, with the notifiers, their `slot`.
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

// The leader of the child (call right after fork(), never returns): PR_SET_PDEATHSIG, setns,
// no core dumps, not dumpable, only its own descriptors, optionally uid/gid 65534; then the
// notifiers and the probe threads, a LeaderReport on probe 0's report pipe, and an echo loop on
// the control socket (its answer tells the tracer the leader is alive).
[[noreturn]] void LeaderMain(ChildPlan* plan);

// The namespace holder (call right after fork(), never returns): PR_SET_PDEATHSIG, unshare of
// kNamespaces, closes every descriptor but `report_fd`, writes the unshare errno (0 on success)
// there, then pauses forever.
[[noreturn]] void HolderMain(pid_t tracer, int report_fd);

}  // namespace sckit::live::engine
