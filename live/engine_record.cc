// One record through the kernel engine's probe, tracer side: the ptrace protocol from the
// probe's loop entry stop back to it (docs/kernel-engine.md "One record"). The record is
// written into the registers at the syscall-entry stop, which comes before seccomp; what
// follows tells the outcome: a PTRACE_EVENT_SECCOMP stop (TRACE; the call is cancelled with
// nr = -1), an exit stop (ERRNO, or USER_NOTIF answered by the notifier), a SIGSYS
// signal-delivery-stop after the exit stop (TRAP, suppressed), or the probe's death (KILL_*).
// Without --tracer, a TRACE of the stack is run a second time with PTRACE_O_TRACESECCOMP
// cleared, so the answer is what the kernel does for a task with no seccomp tracer.
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/user.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>

#include "live/kernel_engine_impl.h"
#include "vm/bpf.h"

namespace sckit::live {

using namespace engine;  // NOLINT: the engine's internal constants and plan types

namespace {

constexpr int kSysSeccomp = 1;  // si_code SYS_SECCOMP

std::string Errno(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// Reads `length` bytes of the child's memory through the stopped thread `tid`.
Result<bool> PeekInto(pid_t tid, uint64_t address, void* out, size_t length) {
  unsigned char* dst = static_cast<unsigned char*>(out);
  for (size_t done = 0; done < length; done += sizeof(long)) {
    errno = 0;
    const long word = ptrace(PTRACE_PEEKDATA, tid, address + done, nullptr);
    if (errno != 0) {
      return SysError("ptrace-failed", "PTRACE_PEEKDATA at " + Hex(address + done), errno);
    }
    std::memcpy(dst + done, &word, std::min(sizeof word, length - done));
  }
  return true;
}

}  // namespace

Result<Stop> KernelEngine::Impl::Resume() { return ResumeWith(PTRACE_SYSCALL); }

Result<Stop> KernelEngine::Impl::ResumeWith(int request) {
  if (ptrace(static_cast<__ptrace_request>(request), probe[cur].tid, nullptr, nullptr) != 0) {
    return Internal(Errno(request == PTRACE_SYSCALL ? "PTRACE_SYSCALL" : "PTRACE_SYSEMU"));
  }
  Result<int> st = Wait();
  if (!st.ok()) return Internal(st.error().message);
  return Classify(*st);
}

// On to the loop's next syscall-entry stop. An armed probe parks there under PTRACE_SYSEMU, so
// that the parked call is skipped without reaching seccomp and the record's own call comes
// after dispatch has read the selector byte poked for it (PassDispatch).
Result<Stop> KernelEngine::Impl::ResumeHome() {
  return ResumeWith(armed ? PTRACE_SYSEMU : PTRACE_SYSCALL);
}

// Writes the armed probe's selector byte (the rest of its word unchanged).
Result<bool> KernelEngine::Impl::PokeSelector(uint8_t value) {
  const uint64_t at = probe[cur].selector;
  errno = 0;
  long word = ptrace(PTRACE_PEEKDATA, probe[cur].tid, at, nullptr);
  if (errno != 0) return Internal(Errno("PTRACE_PEEKDATA of the dispatch selector"));
  word = static_cast<long>((static_cast<unsigned long>(word) & ~0xfful) | value);
  if (ptrace(PTRACE_POKEDATA, probe[cur].tid, at, word) != 0) {
    return Internal(Errno("PTRACE_POKEDATA of the dispatch selector"));
  }
  return true;
}

// An armed probe at its PTRACE_SYSEMU home: the selector byte is set for this record, the
// parked call is skipped (its exit stop), and the loop's next call meets syscall user dispatch
// (syscall_user_dispatch, before the entry stop). It passes (an entry stop: nullopt, the
// record goes on as usual), is dispatched (SIGSYS with SYS_USER_DISPATCH), or kills the task
// (an invalid selector: force_exit_sig(SIGSYS), seen as an exit stop without an entry stop).
Result<std::optional<KernelObservation>> KernelEngine::Impl::PassDispatch(
    const SeccompData& record) {
  Result<bool> poked = PokeSelector(dispatch_byte);
  if (!poked.ok()) return poked.error();
  Result<Stop> s = Resume();
  if (!s.ok()) return s.error();
  if (s->kind != Stop::Kind::kSyscall) return Internal("the parked call gave no exit stop");
  s = Resume();
  if (!s.ok()) return s.error();
  if (s->kind == Stop::Kind::kDied) {
    Result<KernelObservation> o = Died(s->sig, "dispatch");
    if (!o.ok()) return o.error();
    return std::optional<KernelObservation>(std::move(*o));
  }
  if (s->kind == Stop::Kind::kSignal && s->sig == SIGSYS) {
    Result<KernelObservation> o = DispatchSigsys(record);
    if (!o.ok()) return o.error();
    return std::optional<KernelObservation>(std::move(*o));
  }
  if (s->kind != Stop::Kind::kSyscall) return Internal("unexpected stop after dispatch");
  __ptrace_syscall_info info{};
  if (ptrace(PTRACE_GET_SYSCALL_INFO, probe[cur].tid, sizeof info, &info) <= 0) {
    return Internal(Errno("PTRACE_GET_SYSCALL_INFO"));
  }
  if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
    // Stopped by dispatch without a rollback: force_exit_sig() is pending.
    s = Resume();
    if (!s.ok()) return s.error();
    if (s->kind != Stop::Kind::kDied) return Internal("dispatch stopped a call, no signal came");
    Result<KernelObservation> o = Died(s->sig, "dispatch exit");
    if (!o.ok()) return o.error();
    return std::optional<KernelObservation>(std::move(*o));
  }
  poked = PokeSelector(kDispatchAllow);
  if (!poked.ok()) return poked.error();
  Result<bool> back = CheckAtHome(*s);
  if (!back.ok()) return back.error();
  return std::optional<KernelObservation>();
}

// Dispatch stopped the probe's call: read the SIGSYS (si_code SYS_USER_DISPATCH) and suppress
// it. The kernel's si_syscall and si_call_addr are the probe's own call (getpid at home); the
// translation stands it for the record, so they are reported as the record's nr and ip.
Result<KernelObservation> KernelEngine::Impl::DispatchSigsys(const SeccompData& record) {
  siginfo_t si{};
  if (ptrace(PTRACE_GETSIGINFO, probe[cur].tid, nullptr, &si) != 0) {
    return Internal(Errno("PTRACE_GETSIGINFO"));
  }
  const int32_t own_nr = cur == 0 ? kNrGetpid : kNrGetpid32;
  if (si.si_code != kSysUserDispatch || si.si_syscall != own_nr ||
      reinterpret_cast<uint64_t>(si.si_call_addr) != probe[cur].home.rip) {
    return Internal("a SIGSYS that syscall user dispatch did not send for the probe's call");
  }
  KernelObservation o;
  o.trail = "dispatch-sigsys(31) entry";
  o.seen = KernelObservation::Seen::kDispatchSigsys;
  o.has_siginfo = true;
  o.siginfo.signo = si.si_signo;
  o.siginfo.code = si.si_code;
  o.siginfo.error = si.si_errno;
  o.siginfo.syscall_nr = record.nr;
  o.siginfo.arch = si.si_arch;
  o.siginfo.call_addr = record.instruction_pointer;
  Result<bool> poked = PokeSelector(kDispatchAllow);
  if (!poked.ok()) return poked.error();
  Result<Stop> s = ResumeHome();
  if (!s.ok()) return s.error();
  Result<bool> back = CheckAtHome(*s);
  if (!back.ok()) return back.error();
  o.outcome = Verdict::Of(Verdict::Kind::kDispatchSigsys);
  o.possible = {o.outcome};
  return o;
}

// At the loop's entry stop: the record's nr, arguments and ip in the registers seccomp reads
// (syscall_get_nr, syscall_get_arguments, instruction_pointer), then on to the next stop.
Result<Stop> KernelEngine::Impl::EnterRecord(const SeccompData& record) {
  user_regs_struct regs = probe[cur].home;
  regs.orig_rax = static_cast<uint64_t>(static_cast<int64_t>(record.nr));
  if (cur == 0) {  // native: rdi, rsi, rdx, r10, r8, r9
    regs.rdi = record.args[0];
    regs.rsi = record.args[1];
    regs.rdx = record.args[2];
    regs.r10 = record.args[3];
    regs.r8 = record.args[4];
    regs.r9 = record.args[5];
  } else {  // TS_COMPAT: rbx, rcx, rdx, rsi, rdi, rbp (the full 64-bit pt_regs slots)
    regs.rbx = record.args[0];
    regs.rcx = record.args[1];
    regs.rdx = record.args[2];
    regs.rsi = record.args[3];
    regs.rdi = record.args[4];
    regs.rbp = record.args[5];
  }
  regs.rip = record.instruction_pointer;
  if (ptrace(PTRACE_SETREGS, probe[cur].tid, nullptr, &regs) != 0) {
    return Internal(Errno("PTRACE_SETREGS at the entry stop"));
  }
  return Resume();
}

Result<KernelObservation> KernelEngine::Impl::RunAtEntry(const SeccompData& record) {
  if (armed) {
    Result<std::optional<KernelObservation>> d = PassDispatch(record);
    if (!d.ok()) return d.error();
    if (d->has_value()) return std::move(**d);
  }
  Result<Stop> s = EnterRecord(record);
  if (!s.ok()) return s.error();
  if (s->kind == Stop::Kind::kSeccomp) {
    Result<KernelObservation> o = AfterTraceStop(record);
    if (!o.ok() || o->seen != KernelObservation::Seen::kTraceStop ||
        o->event_msg == sentinel || options.context.tracer) {
      return o;
    }
    return RerunWithoutTraceSeccomp(record, std::move(*o));
  }
  if (s->kind == Stop::Kind::kDied) return Died(s->sig, "");
  if (s->kind != Stop::Kind::kSyscall) return Internal("unexpected stop after the entry stop");
  return AfterExitStop(record);
}

// Back to the loop: the home registers (rip after the call instruction), on to the next stop.
Result<Stop> KernelEngine::Impl::ReturnHome() {
  if (ptrace(PTRACE_SETREGS, probe[cur].tid, nullptr, &probe[cur].home) != 0) {
    return Internal(Errno("restoring the probe loop"));
  }
  return ResumeHome();
}

// The stop after a record must be the loop's getpid entry stop.
Result<bool> KernelEngine::Impl::CheckAtHome(const Stop& s) {
  if (s.kind != Stop::Kind::kSyscall) return Internal("expected the next syscall-entry stop");
  const user_regs_struct& home = probe[cur].home;
  user_regs_struct regs{};
  if (ptrace(PTRACE_GETREGS, probe[cur].tid, nullptr, &regs) != 0) {
    return Internal(Errno("PTRACE_GETREGS"));
  }
  // rax = -ENOSYS is what the entry code presets: an exit stop would carry getpid's result.
  const int64_t getpid_nr = cur == 0 ? kNrGetpid : kNrGetpid32;
  if (regs.rip != home.rip || static_cast<int64_t>(regs.orig_rax) != getpid_nr ||
      static_cast<int64_t>(regs.rax) != -ENOSYS) {
    return Internal("the probe thread is not at its loop's syscall-entry stop (rip " +
                    Hex(regs.rip) + ")");
  }
  return true;
}

// A TRACE won (F0's or the stack's). Cancel the call: nr = -1 makes __seccomp_filter skip it
// without re-running the filters.
Result<KernelObservation> KernelEngine::Impl::AfterTraceStop(const SeccompData& record) {
  (void)record;
  const pid_t tid = probe[cur].tid;
  KernelObservation o;
  unsigned long msg = 0;
  if (ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &msg) != 0) {
    return Internal(Errno("PTRACE_GETEVENTMSG"));
  }
  o.trail = "seccomp(" + std::to_string(msg) + ")";
  if (ptrace(PTRACE_POKEUSER, tid, offsetof(user, regs.orig_rax), -1L) != 0) {
    return Internal(Errno("PTRACE_POKEUSER orig_rax"));
  }
  errno = 0;
  const long nr_now = ptrace(PTRACE_PEEKUSER, tid, offsetof(user, regs.orig_rax), nullptr);
  if (errno != 0 || nr_now != -1) return Internal("orig_rax did not become -1");
  Result<Stop> s = Resume();
  if (!s.ok()) return s.error();
  if (s->kind == Stop::Kind::kDied) return Died(s->sig, o.trail);
  if (s->kind != Stop::Kind::kSyscall) return Internal("expected the exit stop after a skip");
  o.trail += " exit entry";
  s = ReturnHome();
  if (!s.ok()) return s.error();
  Result<bool> back = CheckAtHome(*s);
  if (!back.ok()) return back.error();
  o.seen = KernelObservation::Seen::kTraceStop;
  o.event_msg = static_cast<uint16_t>(msg);
  if (o.event_msg == sentinel) {
    AddSentinelPossibilities(&o);
  } else {
    o.outcome = Verdict::Of(Verdict::Kind::kTrace, o.event_msg);
    o.possible = {o.outcome};
  }
  return o;
}

// The stack's TRACE(n) won, and the user asked for no tracer: SECCOMP_RET_TRACE then fails the
// call with -ENOSYS when the task's tracer did not set PTRACE_O_TRACESECCOMP
// (`ptrace_event_enabled(current, PTRACE_EVENT_SECCOMP)` in __seccomp_filter). Run the record
// again with the option cleared and report what the kernel did. Still safe: F0's TRACE now
// also ends in -ENOSYS, so no call can run; the exit stop must show -ENOSYS.
Result<KernelObservation> KernelEngine::Impl::RerunWithoutTraceSeccomp(const SeccompData& record,
                                                                       KernelObservation traced) {
  const pid_t tid = probe[cur].tid;
  if (ptrace(PTRACE_SETOPTIONS, tid, nullptr, kTraceOptions & ~kOptTraceSeccomp) != 0) {
    return Internal(Errno("PTRACE_SETOPTIONS without TRACESECCOMP"));
  }
  if (armed) {  // the record passed dispatch the first time: it passes again
    Result<std::optional<KernelObservation>> d = PassDispatch(record);
    if (!d.ok()) return d.error();
    if (d->has_value()) return Internal("dispatch did not pass the record a second time");
  }
  Result<Stop> s = EnterRecord(record);
  if (!s.ok()) return s.error();
  if (s->kind != Stop::Kind::kSyscall) {
    return Internal("without PTRACE_O_TRACESECCOMP the TRACE did not end at the exit stop");
  }
  user_regs_struct exit_regs{};
  if (ptrace(PTRACE_GETREGS, tid, nullptr, &exit_regs) != 0) {
    return Internal(Errno("PTRACE_GETREGS at the exit stop"));
  }
  s = ReturnHome();
  if (!s.ok()) return s.error();
  Result<bool> back = CheckAtHome(*s);
  if (!back.ok()) return back.error();
  if (ptrace(PTRACE_SETOPTIONS, tid, nullptr, kTraceOptions) != 0) {
    return Internal(Errno("PTRACE_SETOPTIONS"));
  }
  const int64_t rv = ReturnValue(exit_regs.rax);
  if (rv != -ENOSYS) {
    return Internal("without PTRACE_O_TRACESECCOMP the TRACE returned " + std::to_string(rv) +
                    ", not -ENOSYS");
  }
  KernelObservation o = std::move(traced);
  o.trail += " | untraced: exit entry";
  o.seen = KernelObservation::Seen::kReturn;
  o.return_value = rv;
  o.outcome = Verdict::Of(Verdict::Kind::kErrno, static_cast<uint32_t>(-rv));
  o.possible = {o.outcome};
  o.reason = "the stack's TRACE(" + std::to_string(o.event_msg) +
             ") won; with no tracer that set PTRACE_O_TRACESECCOMP (no --tracer) the kernel "
             "fails the call with ENOSYS (seen on a second run without that option)";
  return o;
}

// Exit stop without a seccomp stop: the kernel skipped the call itself (ERRNO, USER_NOTIF,
// TRAP, KILL_PROCESS). What follows tells them apart.
Result<KernelObservation> KernelEngine::Impl::AfterExitStop(const SeccompData& record) {
  KernelObservation o;
  o.trail = "exit";
  user_regs_struct exit_regs{};
  if (ptrace(PTRACE_GETREGS, probe[cur].tid, nullptr, &exit_regs) != 0) {
    return Internal(Errno("PTRACE_GETREGS at the exit stop"));
  }
  Result<Stop> s = ReturnHome();
  if (!s.ok()) return s.error();
  if (s->kind == Stop::Kind::kDied) return Died(s->sig, o.trail);
  if (s->kind == Stop::Kind::kSignal && s->sig == SIGSYS) return TrapStop();
  if (s->kind != Stop::Kind::kSyscall) {
    return Internal("unexpected stop after the exit stop (signal " + std::to_string(s->sig) + ")");
  }
  Result<bool> back = CheckAtHome(*s);
  if (!back.ok()) return back.error();
  o.trail += " entry";
  // USER_NOTIF of a filter whose listener the notifier serves: rax = kNotifyAnswer, the whole
  // register (syscall_set_return_value writes all 64 bits, for the ia32 probe too). Accepted
  // only when the notifier's own record says it answered exactly this record, so the value
  // cannot stand for a call that ran; without a listener it falls to the check below.
  if (exit_regs.rax == kNotifyAnswer && probe[cur].slot != 0) {
    Result<bool> checked = CheckNotified(record);
    if (!checked.ok()) return checked.error();
    o.seen = KernelObservation::Seen::kNotified;
    o.return_value = static_cast<int64_t>(kNotifyAnswer);
    o.outcome = Verdict::Of(Verdict::Kind::kUserNotif);
    o.possible = {o.outcome};
    return o;
  }
  const int64_t rv = ReturnValue(exit_regs.rax);
  if (rv > 0 || rv < -static_cast<int64_t>(seccomp::kMaxErrno)) {
    // Not an ERRNO value: only a call that ran could return this. By construction it cannot
    // happen (F0 stops every call the stack lets through); stop rather than go on.
    return Internal("syscall-exit without a seccomp stop returned " + std::to_string(rv) +
                    ", which no skip path produces");
  }
  o.seen = KernelObservation::Seen::kReturn;
  o.return_value = rv;
  o.outcome = Verdict::Of(Verdict::Kind::kErrno, static_cast<uint32_t>(-rv));
  o.possible = {o.outcome};
  if (rv == -ENOSYS) AddEnosysPossibilities(&o);
  return o;
}

// The exit stop was followed by a SIGSYS signal-delivery-stop: TRAP. Read its siginfo and
// suppress it (resume with signal 0): the probe goes on looping.
Result<KernelObservation> KernelEngine::Impl::TrapStop() {
  KernelObservation o;
  o.trail = "exit sigsys(31) entry";
  siginfo_t si{};
  if (ptrace(PTRACE_GETSIGINFO, probe[cur].tid, nullptr, &si) != 0) {
    return Internal(Errno("PTRACE_GETSIGINFO"));
  }
  if (si.si_code != kSysSeccomp) return Internal("a SIGSYS that seccomp did not send");
  o.seen = KernelObservation::Seen::kSigsys;
  o.has_siginfo = true;
  o.siginfo.signo = si.si_signo;
  o.siginfo.code = si.si_code;
  o.siginfo.error = si.si_errno;
  o.siginfo.syscall_nr = si.si_syscall;
  o.siginfo.arch = si.si_arch;
  o.siginfo.call_addr = reinterpret_cast<uint64_t>(si.si_call_addr);
  Result<Stop> s = ResumeHome();
  if (!s.ok()) return s.error();
  Result<bool> back = CheckAtHome(*s);
  if (!back.ok()) return back.error();
  o.outcome = Verdict::Of(Verdict::Kind::kTrap, static_cast<uint16_t>(si.si_errno));
  o.possible = {o.outcome};
  return o;
}

// A compat call's result is its low 32 bits (syscall_get_return_value).
int64_t KernelEngine::Impl::ReturnValue(uint64_t rax) const {
  return cur == 0 ? static_cast<int64_t>(rax) : static_cast<int64_t>(static_cast<int32_t>(rax));
}

// At the entry stop after a kNotifyAnswer exit: the notifier must have received exactly one
// notification since the last one the tracer saw, and its seccomp_data must be this record.
Result<bool> KernelEngine::Impl::CheckNotified(const SeccompData& record) {
  Probe& p = probe[cur];
  NotifierSlot slot;
  Result<bool> read = PeekInto(p.tid, p.slot, &slot, sizeof slot);
  if (!read.ok()) return Internal(read.error().message);
  bool same = slot.last.nr == record.nr && slot.last.arch == record.arch &&
              slot.last.instruction_pointer == record.instruction_pointer;
  for (int i = 0; i < 6; ++i) same = same && slot.last.args[i] == record.args[i];
  if (slot.received != p.notified + 1 || !same) {
    return Internal(
        "rax held the notifier's answer, but the notifier did not answer this record "
        "(received " +
        std::to_string(slot.received) + ", expected " + std::to_string(p.notified + 1) +
        ", last nr " + std::to_string(slot.last.nr) + ")");
  }
  p.notified = slot.received;
  return true;
}

// F0's TRACE|sentinel won: the stack's own winner ranks at or below TRACE. In the asked
// configuration a TRACE with the sentinel's data is TRACE(sentinel) with --tracer, ERRNO(38)
// without.
void KernelEngine::Impl::AddSentinelPossibilities(KernelObservation* o) const {
  o->outcome = Verdict::Of(Verdict::Kind::kAllow);
  o->possible = {o->outcome, Verdict::Of(Verdict::Kind::kLog)};
  o->reason =
      "F0's TRACE|" + std::to_string(sentinel) +
      " won: the stack's own result ranks at or below TRACE (ALLOW or LOG; the kernel tells "
      "them apart only in its audit log)";
  if (may_trace_sentinel) {
    o->possible.push_back(options.context.tracer ? Verdict::Of(Verdict::Kind::kTrace, sentinel)
                                                 : Verdict::Of(Verdict::Kind::kErrno, ENOSYS));
    o->reason += ", or a TRACE with the sentinel's data (a newer TRACE wins the tie)";
  }
  if (may_weak_unknown) {
    o->possible.push_back(Verdict::Of(Verdict::Kind::kKillProcess));
    o->reason +=
        ", or an unknown action ranked between TRACE and ALLOW (it kills the process "
        "without F0, but F0 outranks it)";
  }
}

// -ENOSYS is also what USER_NOTIF gives when the matched filter has no listener
// (seccomp_do_user_notification: !match->notif). That is ERRNO(38) in the asked configuration
// too, unless --listener asked for a listener on a filter that has none here.
void KernelEngine::Impl::AddEnosysPossibilities(KernelObservation* o) const {
  if (unserved_notif.empty()) return;
  o->possible.push_back(Verdict::Of(Verdict::Kind::kUserNotif));
  std::string which;
  for (size_t i : unserved_notif) which += (which.empty() ? "" : ", ") + std::to_string(i);
  o->reason =
      "--listener gives every filter a listener, but the kernel allows one per chain "
      "(has_duplicate_listener): filter " +
      which +
      " can return USER_NOTIF and has none here, and USER_NOTIF without a listener gives "
      "-ENOSYS like ERRNO(38)";
}

Result<KernelObservation> KernelEngine::Impl::Died(int sig, const std::string& trail) {
  // The probe thread is gone. SECCOMP_RET_KILL_THREAD ends only it (do_exit(SIGSYS)); for
  // KILL_PROCESS the group exit (zap_other_threads) queued SIGKILL on the leader before the
  // probe's own exit was reported, so the leader can no longer answer: its echo tells.
  KernelObservation o;
  o.exit_signal = sig;
  const char ping = 'p';
  bool alive = false;
  if (send(ctl_fd, &ping, 1, MSG_NOSIGNAL) == 1) {
    char echo = 0;
    alive = ReadExact(ctl_fd, &echo, 1, kSetupTimeoutMs);
  }
  probe[cur].tid = 0;  // reaped by the waitpid that saw the death
  KillChild();
  if (sig == kNotifierFailedStatus) {
    return MakeError("internal-error",
                     "the notifier thread failed (SECCOMP_IOCTL_NOTIF_RECV/SEND gave an "
                     "unexpected error) and ended the child");
  }
  if (sig != SIGSYS) {
    return MakeError("internal-error", "the probe thread ended with signal/status " +
                                           std::to_string(sig) + ", not SIGSYS");
  }
  o.seen = alive ? KernelObservation::Seen::kThreadKilled : KernelObservation::Seen::kProcessKilled;
  o.outcome = Verdict::Of(alive ? Verdict::Kind::kKillThread : Verdict::Kind::kKillProcess);
  o.possible = {o.outcome};
  o.trail = (trail.empty() ? "" : trail + " ") + "died(" + std::to_string(sig) + ") " +
            (alive ? "leader-alive" : "leader-dead");
  return o;
}

}  // namespace sckit::live
