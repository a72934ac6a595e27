// Exact semantic difference of two stacks, class by class (diff.h).
#include "analysis/diff.h"

#include <algorithm>
#include <optional>

#include "analysis/diff_classes.h"
#include "analysis/dispatch_stage.h"
#include "analysis/symbolic.h"
#include "vm/action.h"
#include "vm/arch.h"
#include "vm/interpreter.h"
#include "vm/record_layout.h"

namespace sckit::analysis {

uint32_t ConcreteOutcome(const std::vector<const VerifiedProgram*>& stack, const SeccompData& d) {
  std::vector<uint32_t> rets;
  rets.reserve(stack.size());
  const SeccompData image = LoadedImage(d);
  for (const VerifiedProgram* p : stack) rets.push_back(RunFilter(*p, image));
  return CanonicalValue(ResolveStack(rets).ret);
}

namespace {

using Stack = std::vector<const VerifiedProgram*>;

// The stack's canonical outcome behind the dispatch stage.
z3::expr StackOutcome(z3::context& ctx, const DataWords& words, const Stack& stack,
                      const DispatchConfig& dispatch) {
  std::vector<z3::expr> rets;
  for (const VerifiedProgram* p : stack) rets.push_back(Encode(ctx, *p, words).ret);
  return WithDispatch(ctx, words, dispatch, Canonical(ctx, StackRet(ctx, rets)));
}

// One concrete run of a stack, and what it read.
struct Probe {
  uint32_t outcome = 0;
  bool depends = false;  // read ip or an argument: other records of the class may differ
  bool reads_nr = false;
  uint32_t filters = 0;          // the filters' outcome, before the dispatch stage
  bool filters_depend = false;   // the filters read ip or an argument
};

// With the dispatch stage first: a stopped call's outcome is the stage's, and a stage whose
// answer varies with ip makes the outcome depend on ip.
Probe ProbeStack(const Stack& stack, const SeccompData& d, const DispatchConfig& dispatch) {
  std::vector<uint32_t> rets;
  uint16_t words = 0;
  for (const VerifiedProgram* p : stack) {
    RunTrace trace;
    rets.push_back(RunFilterTraced(*p, d, &trace));
    words |= trace.words_read;
  }
  const std::optional<uint32_t> stopped = DispatchOutcome(dispatch, d);
  const uint32_t filters = CanonicalValue(ResolveStack(rets).ret);
  const bool filters_depend = (words & ~0x3u) != 0;
  return Probe{stopped ? *stopped : filters,
               filters_depend || DispatchDependsOnIp(dispatch, d.arch), (words & 1u) != 0,
               filters, filters_depend};
}

bool SameDispatch(const DispatchConfig& x, const DispatchConfig& y) {
  return x.mode == y.mode && x.offset == y.offset && x.len == y.len &&
         x.selector_kind == y.selector_kind && x.selector == y.selector &&
         x.vdso_sigreturn[0] == y.vdso_sigreturn[0] && x.vdso_sigreturn[1] == y.vdso_sigreturn[1];
}

SeccompData Record(uint32_t arch, uint32_t nr) {
  SeccompData d;
  d.arch = arch;
  d.nr = static_cast<int32_t>(nr);
  return d;
}

class Differ {
 public:
  Differ(const Stack& a, const Stack& b, const DiffOptions& options)
      : a_(a), b_(b), options_(options), solver_(ctx_),
        same_dispatch_(SameDispatch(options.dispatch_a, options.dispatch_b)) {
    z3::params params(ctx_);
    params.set("timeout", options.timeout_ms);
    solver_.set(params);
  }

  DiffResult Run();

 private:
  void ArchClass(uint32_t first, uint32_t last, const WordClasses& nr);
  void NrClass(uint32_t arch_first, uint32_t arch_last, uint32_t nr_first, uint32_t nr_last);
  void Symbolic(std::optional<uint32_t> arch, uint32_t arch_first, uint32_t arch_last);
  std::optional<SeccompData> Solve(const DataWords& words);
  void Plainer(const DataWords& words, z3::model* model);
  void Add(DiffRow row);
  void SplitForDispatch(WordClasses* arch) const;
  bool SharedStage(const Probe& pa, const Probe& pb, DiffRow* row);

  const Stack& a_;
  const Stack& b_;
  const DiffOptions& options_;
  z3::context ctx_;
  z3::solver solver_;
  DiffResult result_;
  bool full_ = false;
  bool same_dispatch_;  // both stacks behind the same dispatch stage
};

// Replays the witness, merges with the previous row where the numbers run on with the same
// pair of constant outcomes, and stops the listing at the cap.
void Differ::Add(DiffRow row) {
  row.witness.a = OutcomeWithDispatch(a_, options_.dispatch_a, row.witness.record);
  row.witness.b = OutcomeWithDispatch(b_, options_.dispatch_b, row.witness.record);
  if (row.witness.a == row.witness.b) result_.exact = false;  // encoding vs interpreter
  if (row.a_depends && !row.dispatch_only) row.a = row.witness.a;
  if (row.b_depends && !row.dispatch_only) row.b = row.witness.b;
  result_.equivalent = false;
  std::vector<DiffRow>& rows = result_.rows;
  if (!rows.empty()) {
    DiffRow& last = rows.back();
    // Constant rows merge, and so do rows that only the shared dispatch stage makes depend on
    // ip (the same condition on both).
    const bool constant = !row.every_nr && !last.every_nr &&
                          ((!row.a_depends && !row.b_depends && !last.a_depends &&
                            !last.b_depends) ||
                           (row.dispatch_only && last.dispatch_only));
    if (constant && last.arch_first == row.arch_first && last.arch_last == row.arch_last &&
        last.a == row.a && last.b == row.b && last.nr_last != 0xffffffffu &&
        last.nr_last + 1 == row.nr_first) {
      last.nr_last = row.nr_last;
      return;
    }
  }
  if (rows.size() >= options_.max_differences) {
    result_.truncated = true;
    full_ = true;
    return;
  }
  rows.push_back(row);
}

// Prefer a plain witness: ip and arguments 0 wherever that still shows the difference.
void Differ::Plainer(const DataWords& words, z3::model* model) {
  solver_.push();
  for (int i = 2; i < 16; ++i) solver_.add(words.w[i] == ctx_.bv_val(0, 32));
  const bool all_zero = solver_.check() == z3::sat;
  if (all_zero) *model = solver_.get_model();
  solver_.pop();
  if (all_zero) return;
  int pushed = 0;
  for (int i = 2; i < 16; ++i) {
    if (EvalU32(*model, words.w[i]) == 0) continue;
    solver_.push();
    solver_.add(words.w[i] == ctx_.bv_val(0, 32));
    if (solver_.check() == z3::sat) {
      *model = solver_.get_model();
      ++pushed;
    } else {
      solver_.pop();
    }
  }
  if (pushed > 0) solver_.pop(pushed);
}

// A record on which the stacks differ, with the words `words` leaves free; nullopt if none.
std::optional<SeccompData> Differ::Solve(const DataWords& words) {
  solver_.push();
  solver_.add(StackOutcome(ctx_, words, a_, options_.dispatch_a) !=
              StackOutcome(ctx_, words, b_, options_.dispatch_b));
  std::optional<SeccompData> out;
  const z3::check_result r = solver_.check();
  if (r == z3::unknown) result_.exact = false;
  if (r == z3::sat) {
    z3::model model = solver_.get_model();
    Plainer(words, &model);
    out = words.FromModel(model);
  }
  solver_.pop();
  return out;
}

// Both stacks behind the same dispatch stage, and neither filter reading ip or an argument on
// this class: they differ exactly where the filters' constant outcomes differ and the stage
// lets a call through, so no solver is needed. True when that decided the class (a row added
// with a witness ip the stage lets through, or none).
bool Differ::SharedStage(const Probe& pa, const Probe& pb, DiffRow* row) {
  if (!same_dispatch_ || pa.filters_depend || pb.filters_depend) return false;
  if (pa.filters == pb.filters) return true;
  const uint32_t arch = row->witness.record.arch;
  const std::optional<uint64_t> ip = PassingIp(options_.dispatch_a, arch);
  if (!ip) return true;  // the stage stops every call of the class on both sides alike
  row->witness.record.instruction_pointer = *ip;
  row->a_depends = row->b_depends = DispatchDependsOnIp(options_.dispatch_a, arch);
  row->dispatch_only = row->a_depends;
  row->a = pa.filters;
  row->b = pb.filters;
  Add(*row);
  return true;
}

void Differ::NrClass(uint32_t arch_first, uint32_t arch_last, uint32_t nr_first,
                     uint32_t nr_last) {
  const SeccompData d = Record(arch_first, nr_first);
  const Probe pa = ProbeStack(a_, d, options_.dispatch_a);
  const Probe pb = ProbeStack(b_, d, options_.dispatch_b);
  DiffRow row;
  row.arch_first = arch_first;
  row.arch_last = arch_last;
  row.nr_first = nr_first;
  row.nr_last = nr_last;
  row.witness.record = d;
  if (!pa.depends && !pb.depends) {
    if (pa.outcome == pb.outcome) return;
    row.a = pa.outcome;
    row.b = pb.outcome;
    Add(row);
    return;
  }
  if (SharedStage(pa, pb, &row)) return;
  DataWords words(ctx_);
  words.w[0] = ctx_.bv_val(nr_first, 32);
  words.w[1] = ctx_.bv_val(arch_first, 32);
  const std::optional<SeccompData> w = Solve(words);
  if (!w) return;
  row.a_depends = pa.depends;
  row.b_depends = pb.depends;
  row.a = pa.outcome;
  row.b = pb.outcome;
  row.witness.record = *w;
  Add(row);
}

void Differ::ArchClass(uint32_t first, uint32_t last, const WordClasses& nr) {
  const SeccompData d = Record(first, 0);
  const Probe pa = ProbeStack(a_, d, options_.dispatch_a);
  const Probe pb = ProbeStack(b_, d, options_.dispatch_b);
  if (!pa.reads_nr && !pb.reads_nr &&
      ((!pa.depends && !pb.depends) || (same_dispatch_ && !pa.filters_depend && !pb.filters_depend))) {
    DiffRow row;
    row.arch_first = first;
    row.arch_last = last;
    row.nr_last = 0xffffffffu;
    row.every_nr = true;
    row.witness.record = d;
    if (!pa.depends && !pb.depends) {
      if (pa.outcome == pb.outcome) return;
      row.a = pa.outcome;
      row.b = pb.outcome;
      Add(row);
    } else {
      SharedStage(pa, pb, &row);
    }
    return;
  }
  if (!nr.exact) {
    Symbolic(first, first, last);
    return;
  }
  for (size_t i = 0; i < nr.size() && !full_; ++i) NrClass(first, last, nr.first(i), nr.last(i));
}

// The solver over every nr (and every arch when `arch` is nullopt), one (arch, nr) at a time.
void Differ::Symbolic(std::optional<uint32_t> arch, uint32_t arch_first, uint32_t arch_last) {
  DataWords words(ctx_);
  if (arch) words.w[1] = ctx_.bv_val(*arch, 32);
  solver_.push();
  solver_.add(StackOutcome(ctx_, words, a_, options_.dispatch_a) !=
              StackOutcome(ctx_, words, b_, options_.dispatch_b));
  while (!full_) {
    const z3::check_result r = solver_.check();
    if (r == z3::unknown) result_.exact = false;
    if (r != z3::sat) break;
    z3::model model = solver_.get_model();
    const uint32_t nr = EvalU32(model, words.nr());
    const uint32_t av = EvalU32(model, words.arch());
    const z3::expr same_call = words.nr() == ctx_.bv_val(nr, 32) &&
                               words.arch() == ctx_.bv_val(av, 32);
    solver_.push();
    solver_.add(same_call);
    Plainer(words, &model);
    solver_.pop();
    DiffRow row;
    row.arch_first = arch ? arch_first : av;
    row.arch_last = arch ? arch_last : av;
    row.nr_first = row.nr_last = nr;
    row.witness.record = words.FromModel(model);
    const Probe pa = ProbeStack(a_, row.witness.record, options_.dispatch_a);
    const Probe pb = ProbeStack(b_, row.witness.record, options_.dispatch_b);
    row.a_depends = pa.depends;
    row.b_depends = pb.depends;
    row.a = pa.outcome;
    row.b = pb.outcome;
    Add(row);
    solver_.add(!same_call);
  }
  solver_.pop();
}

// The dispatch stage tells arch values apart that the filters may not: i386 (the vDSO
// sigreturn exception) and, where a filter reads ip's words, the big-endian arches (ip's words
// the other way round): each then a class of its own, so that one member still decides it.
void Differ::SplitForDispatch(WordClasses* arch) const {
  bool reads_ip = false;
  for (const Stack* stack : {&a_, &b_}) {
    for (const VerifiedProgram* p : *stack) {
      for (const SockFilter& f : p->insns()) {
        reads_ip = reads_ip || (f.code == kSeccompLoadData && (f.k == 8 || f.k == 12));
      }
    }
  }
  std::vector<uint32_t>& starts = arch->starts;
  const size_t before = starts.size();
  for (const DispatchConfig* c : {&options_.dispatch_a, &options_.dispatch_b}) {
    if (!DispatchStopOutcome(*c)) continue;
    for (const ArchInfo& a : AllArches()) {
      if (!(a.big_endian && reads_ip) &&
          !(a.audit_arch == kAuditArchI386 && c->vdso_sigreturn[0] != 0)) {
        continue;
      }
      starts.push_back(a.audit_arch);
      if (a.audit_arch != 0xffffffffu) starts.push_back(a.audit_arch + 1);
    }
  }
  if (starts.size() == before) return;
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
}

DiffResult Differ::Run() {
  std::vector<uint32_t> arches = options_.arches;
  std::sort(arches.begin(), arches.end());
  arches.erase(std::unique(arches.begin(), arches.end()), arches.end());
  if (options_.whole) {
    if (arches.empty()) Symbolic(std::nullopt, 0, 0);
    for (uint32_t arch : arches) Symbolic(arch, arch, arch);
  } else {
    Stack all = a_;
    all.insert(all.end(), b_.begin(), b_.end());
    DataClasses classes = ClassesOf(all);
    SplitForDispatch(&classes.arch);
    if (!arches.empty()) {
      for (size_t i = 0; i < arches.size() && !full_; ++i) {
        ArchClass(arches[i], arches[i], classes.nr);
      }
    } else if (classes.arch.exact) {
      for (size_t i = 0; i < classes.arch.size() && !full_; ++i) {
        ArchClass(classes.arch.first(i), classes.arch.last(i), classes.nr);
      }
    } else {
      Symbolic(std::nullopt, 0, 0);
    }
  }
  std::stable_sort(result_.rows.begin(), result_.rows.end(),
                   [](const DiffRow& x, const DiffRow& y) {
                     return std::pair(x.arch_first, x.nr_first) <
                            std::pair(y.arch_first, y.nr_first);
                   });
  for (const DiffRow& row : result_.rows) result_.differences.push_back(row.witness);
  return result_;
}

}  // namespace

DiffResult Diff(const Stack& a, const Stack& b, const DiffOptions& options) {
  return Differ(a, b, options).Run();
}

}  // namespace sckit::analysis
