// `sckit analyze`'s decision tables per arch and its findings (analysis/table.h).
#include "analysis/table.h"

#include <algorithm>
#include <map>
#include <set>

#include "analysis/diff.h"
#include "analysis/dispatch_stage.h"
#include "analysis/symbolic.h"
#include "vm/bpf.h"
#include "vm/interpreter.h"
#include "vm/record_layout.h"

namespace sckit::analysis {
namespace {

// The largest syscall number scanned for names (x86-64 is below 470 in 2026; mips o32 starts
// at 4000, n64 at 5000, n32 at 6000: those are scanned from their base).
constexpr int32_t kScanCount = 1024;

int32_t ScanBase(const ArchInfo& arch) {
  const std::string_view n = arch.name;
  if (n == "mips" || n == "mipsel") return 4000;
  if (n == "mips64" || n == "mipsel64") return 5000;
  if (n == "mips64n32" || n == "mipsel64n32") return 6000;
  return 0;
}

SeccompData Record(uint32_t arch, int32_t nr) {
  SeccompData d;
  d.arch = arch;
  d.nr = nr;
  return d;
}

class Analyzer {
 public:
  Analyzer(const std::vector<const VerifiedProgram*>& stack, const AnalyzeOptions& options)
      : stack_(stack), options_(options), words_(ctx_), solver_(ctx_) {
    std::vector<z3::expr> rets;
    for (const VerifiedProgram* p : stack) {
      programs_.push_back(Encode(ctx_, *p, words_));
      rets.push_back(programs_.back().ret);
      originals_.push_back(&p->original());
      hit_.emplace_back(p->size(), false);
    }
    outcome_ = std::make_unique<z3::expr>(
        WithDispatch(ctx_, words_, options.dispatch, Canonical(ctx_, StackRet(ctx_, rets))));
  }

  // Words (beyond nr/arch) the stack reads on this record, over every filter.
  uint16_t WordsRead(const SeccompData& d) {
    uint16_t words = 0;
    const SeccompData image = LoadedImage(d);
    for (size_t i = 0; i < stack_.size(); ++i) {
      RunTrace trace;
      RunFilterTraced(*stack_[i], image, &trace);
      words |= trace.words_read;
      for (const TraceStep& s : trace.steps) hit_[i][s.pc] = true;
    }
    return words & static_cast<uint16_t>(~0x3u);
  }

  // A call the filters decide by (arch, nr) alone, behind a stage that depends on ip: the
  // filters' outcome where the stage lets the call through, the stage's where it stops it.
  SyscallRow StageOnly(const SeccompData& seed, const DispatchConfig& dispatch) {
    SyscallRow row;
    row.nr = seed.nr;
    row.deciding_words = 0xc;  // ip.lo, ip.hi
    SeccompData through = seed, stopped = seed;
    through.instruction_pointer = *PassingIp(dispatch, seed.arch);
    stopped.instruction_pointer = *StoppingIp(dispatch, seed.arch);
    const uint32_t filters = ConcreteOutcome(stack_, through);
    const uint32_t stop = *DispatchOutcome(dispatch, stopped);
    row.outcomes.push_back({filters, through});
    if (stop != filters) row.outcomes.push_back({stop, stopped});
    row.dispatch_stop = DispatchStopCondition(dispatch, seed.arch);
    std::sort(row.outcomes.begin(), row.outcomes.end(),
              [](const OutcomeCase& a, const OutcomeCase& b) { return a.outcome < b.outcome; });
    return row;
  }

  // Every outcome under `constraint`, starting from the concrete record `seed`.
  SyscallRow Outcomes(const SeccompData& seed, const z3::expr& constraint) {
    SyscallRow row;
    row.nr = seed.nr;
    const DispatchConfig& dispatch = options_.dispatch;
    const uint32_t first = OutcomeWithDispatch(stack_, dispatch, seed);
    row.outcomes.push_back({first, seed});
    row.deciding_words = WordsRead(seed);
    if (row.deciding_words == 0 && DispatchDependsOnIp(dispatch, seed.arch)) {
      return StageOnly(seed, dispatch);  // the filters decide by nr and arch: no solver
    }
    if (DispatchDependsOnIp(dispatch, seed.arch)) row.deciding_words |= 0xc;  // ip.lo, ip.hi
    if (row.deciding_words == 0) {  // the path depended on nr and arch only
      if (DispatchStopOutcome(dispatch) == first) {
        row.dispatch_stop = DispatchStopCondition(dispatch, seed.arch);
      }
      return row;
    }
    solver_.push();
    solver_.add(constraint);
    std::set<uint32_t> seen = {first};
    solver_.add(*outcome_ != ctx_.bv_val(first, 32));
    while (row.outcomes.size() < options_.max_outcomes) {
      const z3::check_result r = solver_.check();
      if (r == z3::unknown) row.exact = false;
      if (r != z3::sat) break;
      const SeccompData w = words_.FromModel(solver_.get_model());
      const uint32_t o = OutcomeWithDispatch(stack_, dispatch, w);
      if (seen.count(o)) {  // the encoding and the interpreter disagree: never expected
        row.exact = false;
        break;
      }
      seen.insert(o);
      row.outcomes.push_back({o, w});
      row.deciding_words |= WordsRead(w);
      solver_.add(*outcome_ != ctx_.bv_val(o, 32));
    }
    solver_.pop();
    for (const OutcomeCase& c : row.outcomes) {
      if (DispatchStopOutcome(dispatch) == c.outcome && DispatchOutcome(dispatch, c.witness)) {
        row.dispatch_stop = DispatchStopCondition(dispatch, seed.arch);
      }
    }
    std::sort(row.outcomes.begin(), row.outcomes.end(),
              [](const OutcomeCase& a, const OutcomeCase& b) { return a.outcome < b.outcome; });
    return row;
  }

  SyscallRow Row(uint32_t arch, int32_t nr) {
    const z3::expr c = words_.nr() == ctx_.bv_val(static_cast<uint32_t>(nr), 32) &&
                       words_.arch() == ctx_.bv_val(arch, 32);
    SyscallRow row = Outcomes(Record(arch, nr), c);
    row.cached = StackCachedAllow(originals_, arch, nr, options_.cache);
    return row;
  }

  ArchTable Table(const ArchInfo& arch) {
    ArchTable t;
    t.arch = &arch;
    const int32_t base = ScanBase(arch);
    for (int32_t i = 0; i < kScanCount; ++i) {
      const int32_t nr = static_cast<int32_t>(static_cast<uint32_t>(base + i) | arch.nr_bit);
      std::optional<std::string> name = SyscallName(arch.audit_arch, nr);
      if (!name) continue;
      SyscallRow row = Row(arch.audit_arch, nr);
      row.name = *name;
      t.rows.push_back(std::move(row));
    }
    // Numbers outside the table.
    std::vector<int32_t> special = {-1, static_cast<int32_t>(0x7fffffff),
                                    static_cast<int32_t>(0x80000000)};
    int32_t unnamed = base;
    while (unnamed < base + 4 * kScanCount &&
           SyscallName(arch.audit_arch, static_cast<int32_t>(static_cast<uint32_t>(unnamed) |
                                                             arch.nr_bit))) {
      ++unnamed;
    }
    int32_t past_end = base;
    for (const SyscallRow& r : t.rows) {
      past_end = std::max(past_end, static_cast<int32_t>((static_cast<uint32_t>(r.nr) &
                                                          ~arch.nr_bit)) + 1);
    }
    special.push_back(static_cast<int32_t>(static_cast<uint32_t>(past_end) | arch.nr_bit));
    if (arch.nr_bit == 0 && arch.audit_arch == kAuditArchX86_64) {
      special.push_back(static_cast<int32_t>(kX32SyscallBit));  // x32 read
      special.push_back(static_cast<int32_t>(kX32SyscallBit | 59));
    }
    for (int32_t nr : special) {
      SyscallRow row = Row(arch.audit_arch, nr);
      if (auto n = SyscallName(arch.audit_arch, nr)) row.name = *n;
      t.special.push_back(std::move(row));
    }
    return t;
  }

  SyscallRow ForeignArch() {
    z3::expr c = ctx_.bool_val(true);
    for (const ArchInfo& a : AllArches()) c = c && words_.arch() != ctx_.bv_val(a.audit_arch, 32);
    SeccompData seed = Record(0x1234, 0);
    SyscallRow row = Outcomes(seed, c);
    row.nr = -1;
    row.name = "(any number)";
    // Whatever the seed path read, the arch is free here: enumerate over nr too.
    return row;
  }

  std::optional<SeccompData> Witness(const z3::expr& condition) {
    solver_.push();
    solver_.add(condition);
    std::optional<SeccompData> w;
    if (solver_.check() == z3::sat) w = words_.FromModel(solver_.get_model());
    solver_.pop();
    return w;
  }

  z3::context& ctx() { return ctx_; }
  const DataWords& words() const { return words_; }
  const z3::expr& outcome() const { return *outcome_; }
  const std::vector<SymbolicProgram>& programs() const { return programs_; }
  // Whether some record analysed so far executed instruction pc of filter i.
  bool Hit(size_t i, size_t pc) const { return hit_[i][pc]; }

 private:
  const std::vector<const VerifiedProgram*>& stack_;
  const AnalyzeOptions& options_;
  z3::context ctx_;
  DataWords words_;
  z3::solver solver_;
  std::vector<SymbolicProgram> programs_;
  std::vector<const Program*> originals_;
  std::unique_ptr<z3::expr> outcome_;
  std::vector<std::vector<bool>> hit_;
};

bool Permits(uint32_t outcome) {
  return outcome == seccomp::kRetAllow || outcome == seccomp::kRetLog;
}

void AddFinding(Analysis& a, std::string rule, std::string message,
                std::optional<SeccompData> witness = std::nullopt, int filter = -1, int pc = -1) {
  Finding f;
  f.rule = std::move(rule);
  f.message = std::move(message);
  f.filter = filter;
  f.pc = pc;
  if (witness) {
    f.has_witness = true;
    f.witness = *witness;
  }
  a.findings.push_back(std::move(f));
}

const SyscallRow* FindRow(const ArchTable& t, const std::string& name) {
  for (const SyscallRow& r : t.rows) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

bool AnyPermits(const SyscallRow& r) {
  return std::any_of(r.outcomes.begin(), r.outcomes.end(),
                     [](const OutcomeCase& c) { return Permits(c.outcome); });
}

bool NonePermits(const SyscallRow& r) { return !AnyPermits(r); }

// The outcome of a number past the end of the table: what the stack does by default.
std::optional<uint32_t> DefaultOutcome(const ArchTable& t) {
  for (const SyscallRow& r : t.special) {
    if (r.name.empty() && r.nr >= 0 && (static_cast<uint32_t>(r.nr) & kX32SyscallBit) == 0 &&
        r.nr < 0x7fffffff && r.constant()) {
      return r.outcomes[0].outcome;
    }
  }
  return std::nullopt;
}

// A denied call whose twin is allowed, where the denial is deliberate (not just the default of
// an allow-list, which denies everything it does not name).
void TwinFindings(Analysis& out, const ArchTable& t) {
  const std::optional<uint32_t> fallback = DefaultOutcome(t);
  static const std::vector<std::vector<std::string>> kTwins = {
      {"execve", "execveat"},
      {"open", "openat", "openat2", "creat"},
      {"fork", "vfork", "clone", "clone3"},
      {"socket", "socketcall"},
      {"shmget", "msgget", "semget", "ipc"},
      {"kill", "tkill", "tgkill", "pidfd_send_signal"},
      {"ptrace", "process_vm_writev"},
      {"unlink", "unlinkat", "rmdir"},
      {"rename", "renameat", "renameat2"},
      {"chmod", "fchmod", "fchmodat", "fchmodat2"},
      {"mmap", "mmap2"},
      {"dup2", "dup3"},
  };
  for (const auto& group : kTwins) {
    for (const std::string& denied : group) {
      const SyscallRow* d = FindRow(t, denied);
      if (d == nullptr || !NonePermits(*d)) continue;
      if (fallback && d->constant() && d->outcomes[0].outcome == *fallback) continue;
      for (const std::string& twin : group) {
        const SyscallRow* w = FindRow(t, twin);
        if (w == nullptr || w == d || !AnyPermits(*w)) continue;
        SeccompData witness;
        for (const OutcomeCase& c : w->outcomes) {
          if (Permits(c.outcome)) witness = c.witness;
        }
        AddFinding(out, "allowed-twin",
                   std::string(t.arch->name) + ": " + denied + " is denied but " + twin +
                       ", which can do the same, is allowed",
                   witness);
      }
    }
  }
}

// The stack's outcome lets the call through (ALLOW or LOG).
z3::expr Allowed(Analyzer& an) {
  z3::context& ctx = an.ctx();
  return an.outcome() == ctx.bv_val(seccomp::kRetAllow, 32) ||
         an.outcome() == ctx.bv_val(seccomp::kRetLog, 32);
}

// Arch values that get through: one no architecture uses, known arches not tabulated, and
// x32 numbers under X86_64.
void ArchFindings(Analyzer& an, const AnalyzeOptions& o, Analysis& out) {
  z3::context& ctx = an.ctx();
  const DataWords& w = an.words();
  const z3::expr allowed = Allowed(an);
  // An arch value no architecture uses that still gets through.
  {
    z3::expr foreign = ctx.bool_val(true);
    for (const ArchInfo& a : AllArches()) foreign = foreign && w.arch() != ctx.bv_val(a.audit_arch, 32);
    if (auto wit = an.Witness(foreign && allowed)) {
      AddFinding(out, "foreign-arch-allowed",
                 "a system call with an AUDIT_ARCH value no architecture uses is allowed: "
                 "check seccomp_data.arch first and kill on a mismatch",
                 wit);
    }
  }
  // Known arches that are allowed somewhere but were not tabulated.
  for (const ArchInfo& a : AllArches()) {
    if (a.nr_bit != 0) continue;  // x32 shares X86_64's value
    bool analysed = false;
    for (const ArchInfo* t : o.arches) analysed = analysed || t->audit_arch == a.audit_arch;
    if (analysed) continue;
    if (auto wit = an.Witness(w.arch() == ctx.bv_val(a.audit_arch, 32) && allowed)) {
      AddFinding(out, "other-arch-allowed",
                 "system calls of arch " + std::string(a.name) +
                     " can be allowed: tabulate them with --arch " + std::string(a.name),
                 wit);
    }
  }
}

// x86_64 tabulated: numbers with the x32 bit that can be allowed.
void X32Findings(Analyzer& an, const AnalyzeOptions& o, Analysis& out) {
  z3::context& ctx = an.ctx();
  const DataWords& w = an.words();
  const z3::expr allowed = Allowed(an);
  for (const ArchInfo* a : o.arches) {
    if (a->audit_arch == kAuditArchX86_64 && a->nr_bit == 0) {
      const z3::expr x32 = w.arch() == ctx.bv_val(kAuditArchX86_64, 32) &&
                           (w.nr() & ctx.bv_val(0xC0000000u, 32)) == ctx.bv_val(kX32SyscallBit, 32);
      if (auto wit = an.Witness(x32 && allowed)) {
        AddFinding(out, "x32-reachable",
                   "x86_64 numbers with the x32 bit (0x40000000) set can be allowed: x32 "
                   "system calls reach the kernel with arch X86_64; deny nr >= 0x40000000",
                   wit);
      }
    }
  }
}

// No filter loads seccomp_data.arch at all.
void ArchCheckFinding(const std::vector<const VerifiedProgram*>& stack, Analysis& out) {
  bool reads_arch = false;
  for (const VerifiedProgram* p : stack) {
    for (const SockFilter& f : p->insns()) {
      if (f.code == kSeccompLoadData && f.k == 4) reads_arch = true;
    }
  }
  if (!reads_arch) {
    AddFinding(out, "no-arch-check",
               "no filter loads seccomp_data.arch: syscall numbers mean different calls on "
               "different architectures (i386 via int 0x80 on x86-64)");
  }
}

// Per table: an unnamed number past the table allowed (a deny-list), and allowed twins.
void TableFindings(Analysis& out) {
  for (const ArchTable& t : out.tables) {
    for (const SyscallRow& r : t.special) {
      if (r.name.empty() && r.nr >= 0 && (static_cast<uint32_t>(r.nr) & kX32SyscallBit) == 0 &&
          r.nr < 0x7fffffff && AnyPermits(r)) {
        AddFinding(out, "default-allow",
                   std::string(t.arch->name) + ": syscall number " + std::to_string(r.nr) +
                       ", which has no name yet, is allowed: system calls added by future "
                       "kernels will be allowed too (a deny-list)",
                   r.outcomes.front().witness);
        break;
      }
    }
    TwinFindings(out, t);
  }
}

// Unreachable instructions and returns, per filter.
void UnreachableFindings(Analyzer& an, const std::vector<const VerifiedProgram*>& stack,
                         Analysis& out) {
  z3::solver s(an.ctx());
  for (size_t i = 0; i < stack.size(); ++i) {
    const auto insns = stack[i]->insns();
    const SymbolicProgram& sp = an.programs()[i];
    for (size_t pc = 0; pc < insns.size(); ++pc) {
      const bool is_ret = bpf::Class(insns[pc].code) == bpf::kRET;
      if (!is_ret && insns.size() > 512) continue;  // keep big programs fast: returns only
      if (an.Hit(i, pc)) continue;  // a witness record executed it
      s.push();
      s.add(sp.reach[pc]);
      const bool unreachable = s.check() == z3::unsat;
      s.pop();
      if (unreachable) {
        AddFinding(out, is_ret ? "unreachable-return" : "unreachable-instruction",
                   std::string(is_ret ? "this return" : "this instruction") +
                       " is never executed, whatever the system call",
                   std::nullopt, static_cast<int>(i), static_cast<int>(pc));
      }
    }
  }
}

}  // namespace

const char* WordName(int index, bool big_endian) {
  static const char* const kNames[16] = {
      "nr",        "arch",       "ip.lo",      "ip.hi",      "args[0].lo", "args[0].hi",
      "args[1].lo", "args[1].hi", "args[2].lo", "args[2].hi", "args[3].lo", "args[3].hi",
      "args[4].lo", "args[4].hi", "args[5].lo", "args[5].hi"};
  if (index < 0 || index >= 16) return "?";
  // On a big-endian machine the 64-bit fields' halves sit the other way round.
  return kNames[big_endian && index >= 2 ? index ^ 1 : index];
}

Analysis Analyze(const std::vector<const VerifiedProgram*>& stack, const AnalyzeOptions& options) {
  AnalyzeOptions o = options;
  if (o.arches.empty()) o.arches.push_back(FindArch("x86_64"));
  Analyzer an(stack, o);
  Analysis out;
  for (const ArchInfo* arch : o.arches) out.tables.push_back(an.Table(*arch));
  out.foreign_arch = an.ForeignArch();
  ArchFindings(an, o, out);
  ArchCheckFinding(stack, out);
  X32Findings(an, o, out);
  TableFindings(out);
  UnreachableFindings(an, stack, out);
  return out;
}

}  // namespace sckit::analysis
