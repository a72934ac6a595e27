// What the kernel does with a system call given the winning value and the thread's state
// (vm/outcome.h).
#include "vm/outcome.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "vm/arch.h"
#include "vm/names.h"

namespace sckit {
namespace {

// SIGKILL and SIGSEGV have one number on every arch; SIGSYS and ENOSYS are the record's arch's
// (vm/names.h: SIGSYS is 12 and ENOSYS 89 on mips).
constexpr int kSigKill = 9;
constexpr int kSigSegv = 11;

constexpr int32_t kNrUretprobe = 335;  // x86-64 __NR_uretprobe
constexpr int32_t kNrUprobe = 336;     // x86-64 __NR_uprobe

std::string Upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::optional<uint32_t> ParseU32(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (base == 16 && std::isxdigit(static_cast<unsigned char>(c))) {
      d = std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
    } else {
      return std::nullopt;
    }
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
    if (v > 0xffffffffu) return std::nullopt;
  }
  return static_cast<uint32_t>(v);
}

SigsysInfo Siginfo(const SeccompData& data, uint16_t reason) {
  SigsysInfo s;
  s.signo = SigsysOf(data.arch);
  s.error = reason;
  s.syscall_nr = data.nr;
  s.arch = data.arch;
  s.call_addr = data.instruction_pointer;
  return s;
}

Outcome StrictOutcome(const SeccompData& data, const KernelContext& ctx) {
  Outcome o;
  o.strict = true;
  if (StrictModeAllows(data, ctx.kernel)) return o;  // ALLOW, runs
  // __secure_computing_strict: seccomp_log(.., SIGKILL, SECCOMP_RET_KILL_THREAD, true);
  // do_exit(SIGKILL).
  o.ret = seccomp::kRetKillThread;
  o.action = Action::kKillThread;
  o.effect = Effect::kKillThread;
  o.signal = kSigKill;
  o.logged = SeccompLogs(ctx.log, Action::kKillThread, true);
  return o;
}

// What a call syscall user dispatch stopped gets (it runs before everything else,
// syscall_trace_enter); `r` is one of the results that do not pass.
Outcome DispatchOutcome(DispatchResult r, const SeccompData& data) {
  Outcome o;  // ret and action keep their defaults: no filter ran
  if (r == DispatchResult::kDispatched) {
    // syscall_rollback, then trigger_sigsys(): a catchable SIGSYS, no seccomp log.
    o.effect = Effect::kDispatchSignal;
    o.signal = SigsysOf(data.arch);
    o.has_siginfo = true;
    o.sigsys = Siginfo(data, 0);
    o.sigsys.code = kSysUserDispatch;
    return o;
  }
  // force_exit_sig(): the signal's default action (core dump) ends the whole thread group; no
  // handler runs (SA_IMMUTABLE), so there is no siginfo to see.
  o.effect = Effect::kKillProcess;
  o.signal = r == DispatchResult::kSelectorFault ? kSigSegv : SigsysOf(data.arch);
  return o;
}

bool PassthroughOutcome(const SeccompData& data, const KernelContext& ctx, Outcome* o) {
  const Passthrough p = PassthroughOf(data, ctx.kernel);
  if (p == Passthrough::kNone) return false;
  *o = Outcome{};
  o->passthrough = p;
  return true;
}

Outcome EmptyChainOutcome(const SeccompData& data, const KernelContext& ctx) {
  StackDecision d;
  d.ret = seccomp::kRetKillProcess;
  d.matched = -1;
  Outcome o;
  o.ret = d.ret;
  o.action = Action::kKillProcess;
  o.effect = Effect::kKillProcess;
  o.signal = SigsysOf(data.arch);
  o.has_siginfo = true;
  o.sigsys = Siginfo(data, 0);
  o.logged = SeccompLogs(ctx.log, Action::kKillProcess, true);
  return o;
}

}  // namespace

std::string KernelVersion::ToString() const {
  return std::to_string(major) + "." + std::to_string(minor);
}

Result<KernelVersion> ParseKernelVersion(std::string_view text) {
  KernelVersion v{0, 0};
  size_t i = 0;
  auto number = [&](int* out) {
    const size_t start = i;
    long n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && n < 100000) {
      n = n * 10 + (text[i] - '0');
      ++i;
    }
    *out = static_cast<int>(n);
    return i > start;
  };
  if (!text.empty() && (text[0] == 'v' || text[0] == 'V')) ++i;
  if (!number(&v.major)) {
    return MakeError("bad-kernel-version",
                     "'" + std::string(text) + "' is not a kernel version (expected e.g. 6.18)");
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (!number(&v.minor)) {
      return MakeError("bad-kernel-version", "'" + std::string(text) +
                                                 "' is not a kernel version (expected e.g. 6.18)");
    }
  }
  return v;
}

std::string_view PassthroughName(Passthrough p) {
  switch (p) {
    case Passthrough::kNone: return "";
    case Passthrough::kUretprobe: return "uretprobe";
    case Passthrough::kUprobe: return "uprobe";
  }
  return "";
}

Passthrough PassthroughOf(const SeccompData& data, KernelVersion kernel) {
  // seccomp_uprobe_exception(): sd->arch == SECCOMP_ARCH_NATIVE and the exact native number
  // (x32 numbers carry bit 30 and i386 is the compat arch, so neither matches).
  if (data.arch != kAuditArchX86_64) return Passthrough::kNone;
  if (data.nr == kNrUretprobe && kernel >= kUretprobePassthroughSince) {
    return Passthrough::kUretprobe;
  }
  if (data.nr == kNrUprobe && kernel >= kUprobePassthroughSince) return Passthrough::kUprobe;
  return Passthrough::kNone;
}

bool StrictModeAllows(const SeccompData& data, KernelVersion kernel) {
  const int32_t nr = data.nr;
  if (data.arch == kAuditArchX86_64 &&
      (static_cast<uint32_t>(nr) & kX32SyscallBit) == 0) {
    if (nr == 0 || nr == 1 || nr == 60 || nr == 15) return true;
    if (nr == kNrUretprobe && kernel >= kUretprobePassthroughSince) return true;
    if (nr == kNrUprobe && kernel >= kUprobePassthroughSince) return true;
    return false;
  }
  if (data.arch == kAuditArchI386 || data.arch == kAuditArchX86_64) {  // i386 or x32 (compat)
    return nr == 3 || nr == 4 || nr == 1 || nr == 119;
  }
  const ArchInfo* arch = FindArchByAudit(data.arch);
  if (arch == nullptr) return false;
  for (const char* name : {"read", "write", "exit", "rt_sigreturn"}) {
    if (SyscallNumber(*arch, name) == nr) return true;
  }
  return false;
}

std::string_view EffectName(Effect e) {
  switch (e) {
    case Effect::kRun: return "run";
    case Effect::kReturn: return "return";
    case Effect::kSignal: return "signal";
    case Effect::kTraceStop: return "trace_stop";
    case Effect::kNotify: return "notify";
    case Effect::kKillThread: return "kill_thread";
    case Effect::kKillProcess: return "kill_process";
    case Effect::kDispatchSignal: return "dispatch_signal";
  }
  return "run";
}

Verdict Outcome::verdict() const {
  using K = Verdict::Kind;
  switch (effect) {
    case Effect::kRun: return Verdict::Of(action == Action::kLog ? K::kLog : K::kAllow);
    case Effect::kReturn:  // -return_value, computed unsigned: defined for any int64_t
      return Verdict::Of(K::kErrno, static_cast<uint32_t>(0 - static_cast<uint64_t>(return_value)));
    case Effect::kSignal: return Verdict::Of(K::kTrap, data);
    case Effect::kTraceStop: return Verdict::Of(K::kTrace, data);
    case Effect::kNotify: return Verdict::Of(K::kUserNotif);
    case Effect::kKillThread: return Verdict::Of(K::kKillThread);
    case Effect::kKillProcess: return Verdict::Of(K::kKillProcess);
    case Effect::kDispatchSignal: return Verdict::Of(K::kDispatchSigsys);
  }
  return Verdict::Of(K::kKillProcess);
}

bool Outcome::filters_ran(size_t stack_size) const {
  return stack_size > 0 && !strict && passthrough == Passthrough::kNone &&
         DispatchPasses(dispatch);
}

std::string Verdict::Text() const {
  const std::string num = "(" + std::to_string(n) + ")";
  switch (kind) {
    case Kind::kKillProcess: return "KILL_PROCESS";
    case Kind::kKillThread: return "KILL_THREAD";
    case Kind::kTrap: return "TRAP" + num;
    case Kind::kErrno: return "ERRNO" + num;
    case Kind::kUserNotif: return "USER_NOTIF";
    case Kind::kTrace: return "TRACE" + num;
    case Kind::kLog: return "LOG";
    case Kind::kAllow: return "ALLOW";
    case Kind::kDispatchSigsys: return "DISPATCH_SIGSYS";
  }
  return "KILL_PROCESS";
}

Outcome ApplyAction(uint32_t ret, int matched, uint32_t match_flags, const SeccompData& data,
                    const KernelContext& ctx) {
  Outcome o;
  o.ret = ret;
  o.action = ActionOf(ret);
  o.data = static_cast<uint16_t>(ret & seccomp::kRetData);
  o.matched = matched;
  const bool match_log = matched >= 0 && (match_flags & seccomp::kFlagLog) != 0;
  const bool match_listener =
      matched >= 0 && (ctx.listener || (match_flags & seccomp::kFlagNewListener) != 0);
  // An action this kernel does not know (actions_avail) takes __seccomp_filter's default case.
  o.unavailable = o.action != Action::kUnknown && !ActionAvailable(ctx.log, o.action);
  const Action applied = o.unavailable ? Action::kUnknown : o.action;
  switch (applied) {
    case Action::kErrno:
      o.effect = Effect::kReturn;
      o.return_value = -static_cast<int64_t>(std::min<uint32_t>(o.data, seccomp::kMaxErrno));
      o.logged = SeccompLogs(ctx.log, applied, match_log);
      break;
    case Action::kTrap:
      o.effect = Effect::kSignal;
      o.signal = SigsysOf(data.arch);
      o.has_siginfo = true;
      o.sigsys = Siginfo(data, o.data);
      o.logged = SeccompLogs(ctx.log, applied, match_log);
      break;
    case Action::kUserNotif:
      if (match_listener) {
        o.effect = Effect::kNotify;
      } else {
        o.effect = Effect::kReturn;
        o.return_value = -EnosysOf(data.arch);
        o.logged = SeccompLogs(ctx.log, applied, match_log);
      }
      break;
    case Action::kTrace:
      if (ctx.tracer) {
        o.effect = Effect::kTraceStop;
      } else {
        o.effect = Effect::kReturn;
        o.return_value = -EnosysOf(data.arch);
        o.logged = SeccompLogs(ctx.log, applied, match_log);
      }
      break;
    case Action::kLog:
      o.effect = Effect::kRun;
      o.logged = SeccompLogs(ctx.log, applied, true);
      break;
    case Action::kAllow:
      o.effect = Effect::kRun;
      break;
    case Action::kKillThread:
      o.effect = Effect::kKillThread;
      o.signal = SigsysOf(data.arch);
      o.logged = SeccompLogs(ctx.log, applied, true);
      break;
    case Action::kKillProcess:
    case Action::kUnknown:
      o.effect = Effect::kKillProcess;
      o.signal = SigsysOf(data.arch);
      o.has_siginfo = true;
      o.sigsys = Siginfo(data, o.data);
      o.logged = SeccompLogs(ctx.log, applied, true);
      break;
  }
  return o;
}

Outcome ApplyDecision(const StackDecision& decision, const FilterStack& stack,
                      const SeccompData& data, const KernelContext& ctx) {
  const uint32_t flags =
      decision.matched >= 0 ? stack.filter(static_cast<size_t>(decision.matched)).flags : 0;
  return ApplyAction(decision.ret, decision.matched, flags, data, ctx);
}

namespace {

// Everything after syscall user dispatch: strict mode, the empty chain, passthrough, filters.
Outcome DecideSeccomp(const FilterStack& stack, const SeccompData& data, const KernelContext& ctx,
                      std::span<uint32_t> rets, std::vector<FilterTrace>* traces) {
  if (ctx.mode == Mode::kStrict) return StrictOutcome(data, ctx);
  if (stack.empty()) return EmptyChainOutcome(data, ctx);
  Outcome o;
  if (PassthroughOutcome(data, ctx, &o)) return o;
  const StackDecision d =
      traces ? stack.EvaluateTraced(data, rets, traces) : stack.Evaluate(data, rets);
  return ApplyDecision(d, stack, data, ctx);
}

}  // namespace

Outcome Decide(const FilterStack& stack, const SeccompData& data, const KernelContext& ctx,
               std::span<uint32_t> rets) {
  const DispatchResult r = DecideDispatch(ctx.dispatch, data);
  Outcome o = DispatchPasses(r) ? DecideSeccomp(stack, data, ctx, rets, nullptr)
                                : DispatchOutcome(r, data);
  o.dispatch = r;
  return o;
}

Outcome DecideTraced(const FilterStack& stack, const SeccompData& data, const KernelContext& ctx,
                     std::span<uint32_t> rets, std::vector<FilterTrace>* traces) {
  traces->clear();
  const DispatchResult r = DecideDispatch(ctx.dispatch, data);
  Outcome o = DispatchPasses(r) ? DecideSeccomp(stack, data, ctx, rets, traces)
                                : DispatchOutcome(r, data);
  o.dispatch = r;
  return o;
}

bool Expectation::Matches(const Verdict& actual) const {
  using K = Verdict::Kind;
  auto kind_of = [](const std::string& n) -> std::optional<K> {
    static const std::pair<const char*, K> kNames[] = {
        {"KILL_PROCESS", K::kKillProcess}, {"KILL_THREAD", K::kKillThread}, {"TRAP", K::kTrap},
        {"ERRNO", K::kErrno}, {"USER_NOTIF", K::kUserNotif}, {"TRACE", K::kTrace},
        {"LOG", K::kLog}, {"ALLOW", K::kAllow}, {"DISPATCH_SIGSYS", K::kDispatchSigsys}};
    for (const auto& [text, kind] : kNames) {
      if (n == text) return kind;
    }
    return std::nullopt;
  };
  bool match;
  if (name == "KILL") {
    match = actual.kind == K::kKillProcess || actual.kind == K::kKillThread;
  } else {
    const std::optional<K> kind = kind_of(name);
    match = kind && actual.kind == *kind && (!has_value || actual.n == value);
  }
  return match != negate;
}

namespace {

// `where`: " on mips" when the names are an arch's, "" for the generic numbering.
Result<Expectation> ParseIn(std::string_view text, int line, Numbering numbering,
                            const std::string& where) {
  Expectation e;
  e.text = std::string(text);
  std::string s = Upper(text);
  s.erase(std::remove_if(s.begin(), s.end(),
                         [](unsigned char c) { return std::isspace(c) != 0; }),
          s.end());
  auto bad = [&](const std::string& why) {
    return MakeLineError("bad-expectation", "'" + std::string(text) + "': " + why, line);
  };
  if (!s.empty() && s[0] == '!') {
    e.negate = true;
    s.erase(0, 1);
  }
  const size_t paren = s.find('(');
  std::string name = s.substr(0, paren);
  if (paren != std::string::npos) {
    // `ERRNO(1) EPERM`, as sckit prints it: the name after ')' must be the number's.
    const size_t close = s.find(')', paren);
    if (close == std::string::npos) return bad("missing ')'");
    const std::string tail = s.substr(close + 1);
    const std::string arg = s.substr(paren + 1, close - paren - 1);
    if (name != "ERRNO" && name != "TRAP" && name != "TRACE") {
      return bad(name + " takes no value");
    }
    std::optional<uint32_t> v = ParseU32(arg);
    if (!v && name == "ERRNO") {
      if (std::optional<int> n = ErrnoByName(arg, numbering)) v = static_cast<uint32_t>(*n);
    }
    if (!v || *v > 0xffff) {
      return bad("'" + arg + "' is not a value 0..65535 or an errno name" + where);
    }
    if (name == "ERRNO" && *v > seccomp::kMaxErrno) {
      return bad("the kernel caps ERRNO at 4095; expect ERRNO(4095)");
    }
    if (!tail.empty()) {
      const std::string_view known =
          name == "ERRNO" ? ErrnoNameOf(static_cast<int>(*v), numbering) : "";
      if (known.empty()) return bad("unexpected '" + tail + "' after ')'" + where);
      if (tail != known) {
        return bad("errno " + std::to_string(*v) + " is " + std::string(known) + where +
                   ", not " + tail);
      }
    }
    e.has_value = true;
    e.value = *v;
  } else {
    static constexpr std::string_view kNames[] = {
        "KILL_PROCESS", "KILL_THREAD", "KILL", "TRAP",  "ERRNO",
        "TRACE",        "USER_NOTIF",  "LOG",  "ALLOW", "DISPATCH_SIGSYS"};
    if (std::find(std::begin(kNames), std::end(kNames), name) == std::end(kNames)) {
      return bad("unknown outcome (expected KILL_PROCESS, KILL_THREAD, KILL, TRAP[(n)], "
                 "ERRNO[(n)], TRACE[(n)], USER_NOTIF, LOG, ALLOW or DISPATCH_SIGSYS, "
                 "optionally with '!')");
    }
  }
  e.name = std::move(name);
  return e;
}

}  // namespace

Result<Expectation> ParseExpectation(std::string_view text, int line) {
  return ParseIn(text, line, Numbering::kGeneric, "");
}

Result<Expectation> ParseExpectation(std::string_view text, int line, uint32_t audit_arch) {
  const ArchInfo* arch = FindArchByAudit(audit_arch);
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%x", audit_arch);
  return ParseIn(text, line, NumberingOf(audit_arch),
                 " on " + (arch ? std::string(arch->name) : std::string(hex)));
}

}  // namespace sckit
