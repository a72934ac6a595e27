// A filter stack flattened into one filter, optimized and proven (see merge.h).
#include "optimize/merge.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "analysis/cache.h"
#include "analysis/diff.h"
#include "optimize/code.h"
#include "verifier/verifier.h"
#include "vm/action.h"
#include "vm/bpf.h"
#include "vm/interpreter.h"

namespace sckit::optimize {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

SockFilter Insn(uint16_t code, uint32_t k) { return SockFilter{code, 0, 0, k}; }

bool ReadsX(const Program& p) {
  for (const SockFilter& f : p.insns) {
    const uint16_t c = Class(f.code);
    if (c == kSTX || (c == kMISC && MiscOp(f.code) == kTXA) ||
        ((c == kALU || (c == kJMP && Op(f.code) != kJA)) && Src(f.code) == kX) ||
        (c == kLD && Mode(f.code) == kIND)) {
      return true;
    }
  }
  return false;
}

bool MayReturnUserNotif(const Program& p) {
  for (const SockFilter& f : p.insns) {
    if (Class(f.code) == kRET && (f.k & seccomp::kRetActionFull) == seccomp::kRetUserNotif) {
      return true;
    }
  }
  return false;
}

// seccomp_run_filters(): the value kept after a filter returned `ret` with `best` so far.
uint32_t Combine(uint32_t best, uint32_t ret) { return TakesPrecedence(ret, best) ? ret : best; }

// The flattened program, filter by filter, newest first. Instead of remembering the best value
// in a register (the filters need them all), each filter is copied once per best value it can
// start with: a `ret K` of a copy jumps to the copy of the next filter for Combine(best, K),
// and in the oldest filter returns it. A KILL_PROCESS best returns at once (nothing beats it).
class Flattener {
 public:
  explicit Flattener(const std::vector<const VerifiedProgram*>& stack) : stack_(stack) {}

  Result<Code> Run() {
    std::map<uint32_t, int> level = {{seccomp::kRetAllow, b_.NewLabel()}};  // the kernel's start
    for (size_t i = stack_.size(); i-- > 0;) {  // newest first, as the kernel runs them
      const bool oldest = i == 0;
      std::map<uint32_t, int> next;
      for (const auto& [best, label] : level) {
        b_.Bind(label);
        EmitCopy(stack_[i]->original(), i + 1 == stack_.size(), best, oldest, &next);
      }
      level = std::move(next);
      if (b_.size() > static_cast<int>(kMaxInsns)) {
        return MakeError("merge", "the flattened filter would have more than the kernel's 4096 "
                                  "instructions (" + std::to_string(b_.size()) + " after " +
                                  std::to_string(stack_.size() - i) + " filters)");
      }
    }
    return b_.Finish();
  }

 private:
  void EmitCopy(const Program& p, bool newest, uint32_t best, bool oldest,
                std::map<uint32_t, int>* next) {
    if (!newest && Class(p.insns[0].code) != kLD) b_.Stmt(Insn(kLD | kIMM, 0));  // A = 0 ...
    if (!newest && ReadsX(p)) b_.Stmt(Insn(kLDX | kIMM, 0));  // ... and X = 0, as the kernel
    std::vector<int> labels(p.insns.size());
    for (int& l : labels) l = b_.NewLabel();
    for (size_t i = 0; i < p.insns.size(); ++i) {
      b_.Bind(labels[i]);
      const SockFilter& f = p.insns[i];
      const int after = static_cast<int>(i) + 1;
      if (Class(f.code) == kRET) {
        const uint32_t v = Combine(best, f.k);
        if (oldest || (v & seccomp::kRetActionFull) == seccomp::kRetKillProcess) {
          b_.Stmt(Insn(kRET | kK, v));
        } else {
          auto it = next->find(v);
          if (it == next->end()) it = next->emplace(v, b_.NewLabel()).first;
          b_.Ja(it->second);
        }
      } else if (Class(f.code) == kJMP && Op(f.code) == kJA) {
        b_.Ja(labels[after + static_cast<int>(f.k)]);
      } else if (Class(f.code) == kJMP) {
        SockFilter c = f;
        c.jt = c.jf = 0;
        b_.Cond(c, labels[after + f.jt], labels[after + f.jf]);
      } else {
        b_.Stmt(f);
      }
    }
  }

  const std::vector<const VerifiedProgram*>& stack_;
  CodeBuilder b_;
};

}  // namespace

Result<VerifiedProgram> FlattenStack(const std::vector<const VerifiedProgram*>& stack,
                                     std::vector<std::string>* notes) {
  if (stack.empty()) return MakeError("merge", "no filters to merge");
  if (stack.size() == 1) return *stack[0];
  std::vector<size_t> notifiers;
  for (size_t i = 0; i < stack.size(); ++i) {
    const Program& p = stack[i]->original();
    for (const SockFilter& f : p.insns) {
      if (Class(f.code) == kRET && RetSrc(f.code) != kK) {
        return MakeError("merge", "filter " + std::to_string(i + 1) + " returns a computed "
                                  "value (ret A); merging handles constant returns only");
      }
    }
    if (MayReturnUserNotif(p)) notifiers.push_back(i);
  }
  if (notifiers.size() > 1) {
    return MakeError("merge", "filters " + std::to_string(notifiers[0] + 1) + " and " +
                                  std::to_string(notifiers[1] + 1) +
                                  " can both return USER_NOTIF: each filter has its own "
                                  "listener, and one filter can have only one");
  }
  if (notifiers.size() == 1 && notes != nullptr) {
    notes->push_back("filter " + std::to_string(notifiers[0] + 1) +
                     " can return USER_NOTIF: install the merged filter with "
                     "SECCOMP_FILTER_FLAG_NEW_LISTENER in its place");
  }
  Result<Code> code = Flattener(stack).Run();
  if (!code.ok()) return code.error();
  Result<Program> laid = Layout(*code);
  if (!laid.ok()) {
    return MakeError("merge", "the flattened filter does not fit in one filter (the kernel's "
                              "4096 instructions): " + laid.error().message);
  }
  Result<VerifiedProgram> v = Verify(*laid);
  if (!v.ok()) {
    return MakeError("merge", "the flattened filter is not accepted: " + v.error().ToString());
  }
  return *v;
}

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

std::vector<uint32_t> AuditArches() {
  std::set<uint32_t> s;
  for (const ArchInfo& a : AllArches()) s.insert(a.audit_arch);
  return {s.begin(), s.end()};
}

bool StackConstAllow(const std::vector<const VerifiedProgram*>& stack, uint32_t audit, int32_t nr) {
  for (const VerifiedProgram* p : stack) {
    if (!analysis::IsFilterConstAllow(p->original(), audit, nr)) return false;
  }
  return true;
}

int StackCacheCount(const std::vector<const VerifiedProgram*>& stack, uint32_t audit) {
  int n = 0;
  for (int32_t nr = 0; nr < kCacheNrLimit; ++nr) n += StackConstAllow(stack, audit, nr) ? 1 : 0;
  return n;
}

}  // namespace

Metrics MeasureStack(const std::vector<const VerifiedProgram*>& stack,
                     std::span<const SeccompData> workload,
                     const std::vector<const ArchInfo*>& arches) {
  Metrics m;
  for (const VerifiedProgram* p : stack) m.total_insns += p->original().size();
  RunTrace trace;
  double sum = 0;
  for (const SeccompData& d : workload) {
    uint32_t n = 0;
    for (const VerifiedProgram* p : stack) {  // the kernel runs every filter
      trace.steps.clear();
      RunFilterTraced(*p, d, &trace);
      n += static_cast<uint32_t>(trace.steps.size());
    }
    sum += n;
    m.max_insns = std::max(m.max_insns, n);
  }
  m.mean_insns = workload.empty() ? 0 : sum / static_cast<double>(workload.size());
  for (const ArchInfo* a : arches) {
    const int count = a->nr_bit != 0 ? 0 : StackCacheCount(stack, a->audit_arch);
    m.cache.push_back(CacheCount{std::string(a->name), count});
  }
  for (uint32_t audit : AuditArches()) m.cache_total += StackCacheCount(stack, audit);
  return m;
}

Result<MergeResult> MergeStack(const std::vector<const VerifiedProgram*>& stack,
                               std::span<const SeccompData> workload,
                               const OptimizeOptions& options) {
  MergeResult out;
  Result<VerifiedProgram> flat = FlattenStack(stack, &out.notes);
  if (!flat.ok()) return flat.error();
  out.flattened_insns = flat->original().size();
  Result<OptimizeResult> opt = Optimize(*flat, workload, options);
  if (!opt.ok()) return opt.error();
  out.optimized = std::move(*opt);
  std::vector<const ArchInfo*> arches = options.arches;
  if (arches.empty()) arches.push_back(FindArch("x86_64"));
  out.optimized.before = MeasureStack(stack, workload, arches);
  Result<VerifiedProgram> result = Verify(out.optimized.output);
  if (!result.ok()) return MakeError("internal", "merge: " + result.error().ToString());
  // The constant-action cache: never fewer (arch, nr) than the stack let through.
  size_t lost = 0;
  for (uint32_t audit : AuditArches()) {
    for (int32_t nr = 0; nr < kCacheNrLimit; ++nr) {
      if (StackConstAllow(stack, audit, nr) &&
          !analysis::IsFilterConstAllow(result->original(), audit, nr)) {
        ++lost;
      }
    }
  }
  if (lost != 0) {
    std::string why;
    for (const CandidateReport& c : out.optimized.candidates) {
      if (!c.note.empty()) why += "; " + c.name + ": " + c.note;
    }
    return MakeError("merge", "the merged filter's constant-action cache would allow " +
                                  std::to_string(lost) + " (arch, nr) fewer than the stack's "
                                  "(optimizer chose: " + out.optimized.chosen + why +
                                  "); not merged");
  }
  // The proof: the one filter against the whole stack, with the kernel's precedence.
  const auto start = std::chrono::steady_clock::now();
  analysis::DiffOptions diff_options;
  diff_options.max_differences = 1;
  diff_options.timeout_ms = options.proof_timeout_ms;
  const analysis::DiffResult diff = analysis::Diff(stack, {&*result}, diff_options);
  out.stack_proof_seconds = Seconds(start);
  if (!diff.equivalent || !diff.exact) {
    return MakeError("merge", !diff.equivalent
                                  ? "the merged filter differs from the stack (a bug in sckit "
                                    "optimize --merge: please report the filters); not merged"
                                  : "the solver gave up proving the merged filter equal to the "
                                    "stack; not merged");
  }
  out.proven = true;
  return out;
}

}  // namespace sckit::optimize
