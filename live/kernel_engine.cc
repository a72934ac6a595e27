// `--engine kernel`: the public face of the kernel engine (live/kernel_engine.h): what an
// observation says and whether an interpreter outcome is consistent with it, the stack's
// analysis at Start (F0's sentinel, what F0 hides, which filters get a listener), and the
// per-record dispatch (arch, passthrough numbers, the probe to use). The child is
// live/probe_child.cc, its life cycle live/engine_spawn.cc, one record live/engine_record.cc.
#include "live/kernel_engine.h"

#include <sys/ptrace.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "live/kernel_engine_impl.h"
#include "verifier/verifier.h"
#include "vm/action.h"
#include "vm/bpf.h"

namespace sckit::live {

using namespace engine;  // NOLINT: the engine's internal constants

namespace {

constexpr int32_t kNrUretprobe = 335;
constexpr int32_t kNrUprobe = 336;

// What the stack's RET instructions can return, as far as the engine needs it.
struct StackReturns {
  std::set<uint16_t> trace_data;  // TRACE data that some RET K returns
  bool ret_a = false;             // some filter returns A: any value is possible
  bool weak_unknown = false;      // an unknown action ranked between TRACE and ALLOW
  std::vector<size_t> may_notify;  // filters that can return USER_NOTIF (RET K or RET A)
};

StackReturns ScanReturns(const std::vector<StackEntry>& stack) {
  StackReturns r;
  for (size_t i = 0; i < stack.size(); ++i) {
    bool notify = false;
    for (const SockFilter& insn : stack[i].program.insns) {
      if (bpf::Class(insn.code) != bpf::kRET) continue;
      if ((insn.code & 0x18) == bpf::kRetA) {
        r.ret_a = true;
        notify = true;
        continue;
      }
      const uint32_t k = insn.k;
      if (ActionOf(k) == Action::kUserNotif) notify = true;
      if (ActionOf(k) == Action::kTrace) r.trace_data.insert(static_cast<uint16_t>(k));
      if (ActionOf(k) == Action::kUnknown && static_cast<int32_t>(k & seccomp::kRetActionFull) >
                                                 static_cast<int32_t>(seccomp::kRetTrace)) {
        r.weak_unknown = true;
      }
    }
    if (notify) r.may_notify.push_back(i);
  }
  return r;
}

// Why a dispatch configuration cannot be shown live at all, or "".
std::string DispatchNotReproducible(const DispatchConfig& dispatch, const KernelContext& ctx) {
  if (dispatch.selector_kind == SelectorKind::kFault) {
    return "syscall user dispatch with an unreadable selector (\"fault\") cannot go through "
           "the kernel engine: its probe's selector byte must stay readable between records";
  }
  if (ctx.mode == Mode::kStrict) {
    return "syscall user dispatch with strict mode cannot go through the kernel engine (the "
           "strict probe is not armed)";
  }
  return "";
}

Result<bool> CheckEntries(const std::vector<StackEntry>& stack) {
  for (size_t i = 0; i < stack.size(); ++i) {
    Result<VerifiedProgram> v = Verify(stack[i].program);
    if (!v.ok()) {
      Error e = v.error();
      e.message = "filter " + std::to_string(i) + ": " + e.message;
      e.rule = "invalid-filter";
      return e;
    }
    if (std::optional<Error> e = CheckFilterFlags(stack[i].flags)) {
      e->message = "filter " + std::to_string(i) + ": " + e->message;
      return *e;
    }
  }
  return true;
}

// The flags to install with, and which filters' USER_NOTIF cannot be served as asked. Without
// --listener only the user's NEW_LISTENER filter has a listener, exactly as asked. With it,
// every filter should have one; the kernel allows one per chain, so when no filter has its own
// the newest filter that can notify gets NEW_LISTENER, and the others that can notify are
// unserved.
void PlanListeners(const std::vector<StackEntry>& stack, const StackReturns& returns,
                   bool every_filter, std::vector<uint32_t>* flags, std::vector<size_t>* unserved) {
  flags->clear();
  int owner = -1;
  for (size_t i = 0; i < stack.size(); ++i) {
    flags->push_back(stack[i].flags & ~(seccomp::kFlagTsync | seccomp::kFlagTsyncEsrch));
    if ((stack[i].flags & seccomp::kFlagNewListener) != 0) owner = static_cast<int>(i);
  }
  if (!every_filter) return;
  if (owner < 0 && !returns.may_notify.empty()) {
    owner = static_cast<int>(returns.may_notify.back());
    (*flags)[static_cast<size_t>(owner)] |= seccomp::kFlagNewListener;
  }
  for (size_t i : returns.may_notify) {
    if (static_cast<int>(i) != owner) unserved->push_back(i);
  }
}

}  // namespace

// ---- observation ----

std::string KernelObservation::ToString() const {
  if (!reproducible) return "not reproducible: " + reason;
  std::string out;
  for (size_t i = 0; i < possible.size(); ++i) out += (i ? "|" : "") + possible[i].Text();
  if (seen == Seen::kTraceStop && ambiguous()) out += " (sentinel stop)";
  if (has_siginfo) {
    out += " si_errno=" + std::to_string(siginfo.error) +
           " si_syscall=" + std::to_string(siginfo.syscall_nr) + " si_arch=" + Hex(siginfo.arch) +
           " si_call_addr=" + Hex(siginfo.call_addr);
  }
  return out;
}

bool ConsistentWith(const KernelObservation& observation, const Verdict& verdict) {
  if (!observation.reproducible) return true;
  return std::find(observation.possible.begin(), observation.possible.end(), verdict) !=
         observation.possible.end();
}

bool ConsistentWith(const KernelObservation& observation, const Outcome& outcome) {
  if (!observation.reproducible) return true;
  if (!ConsistentWith(observation, outcome.verdict())) return false;
  if (observation.has_siginfo &&
      (outcome.effect == Effect::kSignal || outcome.effect == Effect::kDispatchSignal)) {
    const KernelSiginfo& k = observation.siginfo;
    const SigsysInfo& m = outcome.sigsys;
    return k.signo == m.signo && k.code == m.code && k.error == m.error &&
           k.syscall_nr == m.syscall_nr && k.arch == m.arch && k.call_addr == m.call_addr;
  }
  return true;
}

// ---- engine ----

KernelEngine::KernelEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KernelEngine::KernelEngine(KernelEngine&&) noexcept = default;
KernelEngine& KernelEngine::operator=(KernelEngine&&) noexcept = default;
KernelEngine::~KernelEngine() = default;

// Strict mode: no filters; records go to a child in SECCOMP_MODE_STRICT (live/strict_probe.h).
Result<KernelEngine> KernelEngine::StartStrict(const std::vector<StackEntry>& stack,
                                               const KernelEngineOptions& options) {
  if (!stack.empty()) {
    return MakeError("strict-mode-with-filters",
                     "a thread in strict mode cannot install filters (EINVAL): give no stack");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->strict = std::make_unique<StrictProbe>(options.drop_privileges);
  Result<bool> started = impl->strict->Start();
  if (!started.ok()) return started.error();
  return KernelEngine(std::move(impl));
}

Result<KernelEngine> KernelEngine::Start(std::vector<StackEntry> stack,
                                         KernelEngineOptions options) {
  if (options.context.dispatch.on()) {
    const std::string why = DispatchNotReproducible(options.context.dispatch, options.context);
    if (!why.empty()) return MakeError("dispatch-unsupported", why);
  }
  if (options.context.mode == Mode::kStrict) return StartStrict(stack, options);
  if (stack.empty()) {
    return MakeError("empty-stack", "the kernel engine needs at least one filter");
  }
  Result<bool> checked = CheckEntries(stack);
  if (!checked.ok()) return checked.error();
  auto impl = std::make_unique<Impl>();
  const StackReturns returns = ScanReturns(stack);
  PlanListeners(stack, returns, options.context.listener, &impl->install_flags,
                &impl->unserved_notif);
  for (uint32_t f : impl->install_flags) {
    impl->has_listener = impl->has_listener || (f & seccomp::kFlagNewListener) != 0;
  }
  uint16_t s = options.sentinel != 0 ? options.sentinel : kDefaultSentinel;
  if (options.sentinel == 0) {
    while (returns.trace_data.count(s) != 0) ++s;
  }
  impl->sentinel = s;
  impl->may_trace_sentinel = returns.ret_a || returns.trace_data.count(s) != 0;
  impl->may_weak_unknown = returns.weak_unknown || returns.ret_a;
  impl->f0 = {
      sock_filter{static_cast<uint16_t>(bpf::kRET | bpf::kK), 0, 0, seccomp::kRetTrace | s}};
  impl->options = options;
  impl->stack = std::move(stack);
  // Probe threads, then notifier threads.
  impl->probe_stack = std::make_unique<char[]>(2 * kMaxProbes * kProbeStackBytes);
  if (options.new_namespaces) {
    Result<bool> h = impl->StartHolder();
    if (!h.ok()) return h.error();
  }
  Result<bool> spawned = impl->Spawn(false);
  if (!spawned.ok()) return spawned.error();
  return KernelEngine(std::move(impl));
}

namespace {

// The dispatch selector byte that makes the kernel's decision for the probe's own call equal
// the one for `record`: ALLOW when the configured region exempts the record's ip (the probe's
// region exempts nothing), else the configured byte (BLOCK for "no selector", which the kernel
// dispatches the same way).
uint8_t SelectorFor(const DispatchConfig& dispatch, const SeccompData& record) {
  if (!dispatch.on()) return kDispatchAllow;
  DispatchConfig region = dispatch;
  region.selector_kind = SelectorKind::kByte;
  region.selector = kDispatchBlock;
  region.vdso_sigreturn[0] = region.vdso_sigreturn[1] = 0;
  if (DecideDispatch(region, record) == DispatchResult::kRegionExempt) return kDispatchAllow;
  return dispatch.selector_kind == SelectorKind::kNone ? kDispatchBlock : dispatch.selector;
}

// Why `record` with `dispatch` on is not sent, or "".
std::string DispatchNotSent(const DispatchConfig& dispatch, const SeccompData& record) {
  if (record.arch == kArchI386 && record.instruction_pointer != 0 &&
      (record.instruction_pointer == dispatch.vdso_sigreturn[0] ||
       record.instruction_pointer == dispatch.vdso_sigreturn[1])) {
    return "the record's ip is a 32-bit vDSO sigreturn pad (--dispatch-vdso-sigreturn): the "
           "probe's int $0x80 is not in the vDSO, so the kernel's exception cannot be shown";
  }
  return "";
}

// Why `record` is not sent, or "" when it is.
std::string NotSent(const SeccompData& record, const KernelContext& ctx, std::string* rule) {
  if (record.arch != kArchX86_64 && record.arch != kArchI386) {
    *rule = "unsupported-arch";
    return "arch " + Hex(record.arch) +
           " is neither AUDIT_ARCH_X86_64 nor AUDIT_ARCH_I386: the kernel fills "
           "seccomp_data.arch from how the calling task entered it";
  }
  if (record.arch == kArchX86_64 && (record.nr == kNrUretprobe || record.nr == kNrUprobe)) {
    *rule = "passthrough-syscall";
    return "nr " + std::to_string(record.nr) +
           " (uretprobe/uprobe) may be allowed before any filter runs "
           "(seccomp_is_const_allow: from 6.14/6.18, and in stable backports), where no stop "
           "could cancel it: not sent (the answer asked for is --kernel-version " +
           ctx.kernel.ToString() + "'s)";
  }
  return "";
}

}  // namespace

Result<KernelObservation> KernelEngine::Run(const SeccompData& record) {
  return Run(record, impl_->options.context.dispatch);
}

Result<KernelObservation> KernelEngine::Run(const SeccompData& record,
                                            const DispatchConfig& dispatch) {
  Impl& m = *impl_;
  KernelObservation o;
  o.reproducible = false;
  o.reason = NotSent(record, m.options.context, &o.not_reproducible_rule);
  if (!o.reason.empty()) return o;
  if (dispatch.on()) {
    o.not_reproducible_rule = "dispatch-unsupported";
    o.reason = DispatchNotReproducible(dispatch, m.options.context);
    if (o.reason.empty()) o.reason = DispatchNotSent(dispatch, record);
    if (o.reason.empty() && !m.dispatch_unavailable.empty()) o.reason = m.dispatch_unavailable;
    if (!o.reason.empty()) return o;
    o.not_reproducible_rule.clear();
    if (!m.armed) {
      m.want_dispatch = true;
      m.KillChild();
    }
  }
  if (m.strict) return m.strict->Run(record);
  const int k = record.arch == kArchX86_64 ? 0 : 1;
  if (k == 1 && m.compat_unavailable) {
    o.not_reproducible_rule = "unsupported-arch";
    o.reason = "AUDIT_ARCH_I386 needs int $0x80, which this kernel does not offer";
    return o;
  }
  if (k == 1) m.want_compat = true;
  if (m.leader <= 0 || m.probes <= k) {
    Result<bool> spawned = m.Spawn(m.want_compat);
    if (!spawned.ok() && spawned.error().rule == "dispatch-unavailable") {
      m.dispatch_unavailable = spawned.error().message;
      m.want_dispatch = false;
      o.not_reproducible_rule = "dispatch-unsupported";
      o.reason = m.dispatch_unavailable;
      return o;
    }
    if (!spawned.ok() && spawned.error().rule == "compat-unavailable") {
      m.compat_unavailable = true;
      m.want_compat = false;
      o.not_reproducible_rule = "unsupported-arch";
      o.reason = spawned.error().message;
      return o;
    }
    if (!spawned.ok()) return spawned.error();
  }
  m.cur = k;
  m.dispatch_byte = SelectorFor(dispatch, record);
  return m.RunAtEntry(record);
}

uint16_t KernelEngine::sentinel() const { return impl_->sentinel; }
pid_t KernelEngine::probe_tid() const { return impl_->probe[0].tid; }
pid_t KernelEngine::child_pid() const { return impl_->leader; }
uint64_t KernelEngine::children_started() const {
  return impl_->children + (impl_->strict ? impl_->strict->children_started() : 0);
}

Result<std::vector<uint8_t>> KernelEngine::ReadProbeMemory(uint64_t address, size_t length) {
  if (impl_->leader <= 0) {
    Result<bool> spawned = impl_->Spawn(impl_->want_compat);
    if (!spawned.ok()) return spawned.error();
  }
  std::vector<uint8_t> out;
  out.reserve(length);
  for (uint64_t a = address; out.size() < length; a += sizeof(long)) {
    errno = 0;
    const long word = ptrace(PTRACE_PEEKDATA, impl_->probe[0].tid, a, nullptr);
    if (errno != 0) return SysError("ptrace-failed", "PTRACE_PEEKDATA at " + Hex(a), errno);
    unsigned char bytes[sizeof(long)];
    std::memcpy(bytes, &word, sizeof word);
    for (unsigned char b : bytes) {
      if (out.size() < length) out.push_back(b);
    }
  }
  return out;
}

}  // namespace sckit::live
