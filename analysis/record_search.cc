// `sckit fuzz`'s search for a small covering record set: mutation first, then the solver
// (analysis/record_search.h).
#include "analysis/record_search.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <queue>
#include <set>
#include <utility>

#include "analysis/symbolic.h"
#include "vm/bpf.h"
#include "vm/interpreter.h"
#include "vm/record_layout.h"
#include "vm/arch.h"
#include "vm/opcodes.h"

namespace sckit::analysis {
namespace {

using Clock = std::chrono::steady_clock;

// CPU time of the calling thread: the search's rate is evaluations per CPU-second, which a
// loaded machine does not dilute the way it dilutes wall-clock time.
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The search's random numbers: xoshiro256** (Blackman and Vigna), seeded through splitmix64,
// and Lemire's multiply-shift for a bounded value (no division). std::mt19937_64 plus `%` took
// a third of the search's time; this is a few cycles per draw. Same seed, same sequence, on
// every machine.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& w : s_) {
      seed += 0x9e3779b97f4a7c15ull;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      w = z ^ (z >> 31);
    }
  }
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n) for n < 2^32 (the high 32 bits of a draw, scaled).
  uint32_t Below(size_t n) {
    return static_cast<uint32_t>(((Next() >> 32) * static_cast<uint64_t>(n)) >> 32);
  }
  uint32_t Word() { return static_cast<uint32_t>(Next() >> 32); }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// Edge index layout per filter: 3 * pc + kind, the coverage-slot layout of vm/engine.h.
size_t EdgeIndex(uint32_t pc, FuzzEdge::Kind kind) { return 3 * pc + static_cast<size_t>(kind); }
static_assert(CoverageSlot(7, CoverageKind::kTaken) ==
              3 * 7 + static_cast<size_t>(FuzzEdge::Kind::kTaken));
static_assert(CoverageSlot(7, CoverageKind::kNotTaken) ==
              3 * 7 + static_cast<size_t>(FuzzEdge::Kind::kNotTaken));

// One filter through an instrumented engine: counters on the slots that were uncovered when
// the code was compiled. A slot covered since ("stale") keeps counting, but its byte is masked
// out of the check, so the code is rebuilt only once enough stale slots pile up.
struct InstrumentedFilter {
  std::unique_ptr<FilterEngine> code;
  std::vector<uint8_t> counters;  // CoverageSize rounded up to whole 8-byte words
  std::vector<uint8_t> mask;      // CoverageSize: 1 = instrumented in `code`
  struct Watch {
    uint32_t word;  // counter word holding at least one live slot
    uint64_t live;  // 0xff in each byte whose slot is instrumented and still uncovered
  };
  std::vector<Watch> watch;
  size_t instrumented = 0;  // slots instrumented in `code`
  size_t stale = 0;         // of them, covered since
};

struct FilterEdges {
  size_t base = 0;                 // offset in the global edge vector
  std::vector<bool> exists;        // per local edge index: a real edge of this program
};

class Fuzzer {
 public:
  Fuzzer(const std::vector<const VerifiedProgram*>& stack, const FuzzOptions& options)
      : stack_(stack), options_(options), rng_(options.seed) {
    size_t base = 0;
    for (const VerifiedProgram* p : stack_) {
      FilterEdges fe;
      fe.base = base;
      fe.exists.assign(3 * p->size(), false);
      for (uint32_t pc = 0; pc < p->size(); ++pc) {
        fe.exists[EdgeIndex(pc, FuzzEdge::Kind::kInsn)] = true;
        const SockFilter& f = p->insns()[pc];
        if (IsConditionalJump(f.code) && f.jt != f.jf) {
          fe.exists[EdgeIndex(pc, FuzzEdge::Kind::kTaken)] = true;
          fe.exists[EdgeIndex(pc, FuzzEdge::Kind::kNotTaken)] = true;
        }
      }
      base += fe.exists.size();
      edges_.push_back(std::move(fe));
    }
    covered_.assign(base, false);
    for (const FilterEdges& fe : edges_) {
      total_ += static_cast<size_t>(std::count(fe.exists.begin(), fe.exists.end(), true));
    }
    BuildDictionary();
  }

  FuzzResult Run() {
    const auto start = Clock::now();
    const double cpu_start = ThreadCpuSeconds();
    FuzzResult result;
    result.edges_total = total_;
    Seed();
    if (options_.instrumented) SetUpInstrumented();  // after Seed(): the masks leave out what it covered
    auto last_report = start;
    uint64_t last_new = 0;  // runs_ when coverage last grew
    while (runs_ < options_.max_runs && covered_count_ < total_) {
      if (options_.stall_runs != 0 && runs_ - last_new >= options_.stall_runs) break;
      if ((runs_ & 1023) == 0) {
        const auto now = Clock::now();
        const double secs = std::chrono::duration<double>(now - start).count();
        if (options_.max_seconds > 0 && secs >= options_.max_seconds) break;
        if (options_.progress && now - last_report > std::chrono::milliseconds(100)) {
          options_.progress(runs_, covered_count_, total_, secs);
          last_report = now;
        }
      }
      SeccompData d = corpus_.empty() ? SeccompData{} : corpus_[rng_.Below(corpus_.size())];
      const int mutations = 1 + static_cast<int>(rng_.Below(3));
      for (int i = 0; i < mutations; ++i) Mutate(&d);
      if (instrumented_ ? TryInstrumented(d) : Try(d)) last_new = runs_;
    }
    result.search_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    result.search_cpu_seconds = ThreadCpuSeconds() - cpu_start;
    result.engine = instrumented_ ? options_.instrumented.name : "interpreter";
    result.covered_by_search = covered_count_;
    if (options_.solver_assist && covered_count_ < total_) SolveGaps(&result);
    result.edges_covered = covered_count_;
    result.runs = runs_;
    result.records = Minimize(&result.reaches);
    result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return result;
  }

 private:
  // Runs the stack on d; keeps d if it covers something new. Returns true if kept.
  bool Try(const SeccompData& d) {
    ++runs_;
    std::vector<size_t> hit;
    Edges(d, &hit);
    bool fresh = false;
    for (size_t e : hit) {
      if (!covered_[e]) {
        covered_[e] = true;
        ++covered_count_;
        fresh = true;
      }
    }
    if (fresh) {
      corpus_.push_back(d);
      corpus_edges_.push_back(std::move(hit));
    }
    return fresh;
  }

  // Builds every filter with counters; on any failure the search uses the interpreter.
  void SetUpInstrumented() {
    filters_.resize(stack_.size());
    for (size_t i = 0; i < stack_.size(); ++i) {
      InstrumentedFilter& jf = filters_[i];
      const size_t slots = CoverageSize(*stack_[i]);
      jf.counters.assign((slots + 7) / 8 * 8, 0);
      jf.mask.assign(slots, 0);
      if (!Recompile(i)) {
        filters_.clear();
        return;
      }
    }
    instrumented_ = true;
  }

  // (Re)builds filter i's code with counters on its uncovered edges only.
  bool Recompile(size_t i) {
    InstrumentedFilter& jf = filters_[i];
    const FilterEdges& fe = edges_[i];
    jf.instrumented = 0;
    for (size_t slot = 0; slot < jf.mask.size(); ++slot) {
      jf.mask[slot] = fe.exists[slot] && !covered_[fe.base + slot];
      jf.instrumented += jf.mask[slot];
    }
    jf.stale = 0;
    std::fill(jf.counters.begin(), jf.counters.end(), 0);
    Result<std::unique_ptr<FilterEngine>> code =
        options_.instrumented.make(*stack_[i], jf.counters.data(), jf.mask);
    if (!code.ok()) return false;
    jf.code = std::move(*code);
    Rewatch(i);
    return true;
  }

  // Filter i's watch list from its mask and what is covered now: the counter words that hold
  // a live (instrumented, uncovered) slot, each with the bytes of those slots; counts the
  // stale slots.
  void Rewatch(size_t i) {
    InstrumentedFilter& jf = filters_[i];
    const size_t base = edges_[i].base;
    jf.watch.clear();
    jf.stale = 0;
    for (size_t slot = 0; slot < jf.mask.size(); ++slot) {
      if (!jf.mask[slot]) continue;
      if (covered_[base + slot]) {
        ++jf.stale;
        continue;
      }
      const uint32_t word = static_cast<uint32_t>(slot / 8);
      if (jf.watch.empty() || jf.watch.back().word != word) jf.watch.push_back({word, 0});
      jf.watch.back().live |= uint64_t{0xff} << (8 * (slot % 8));
    }
  }

  // The hot path: runs the instrumented stack; only a run that touched a counter of an
  // uncovered edge goes through Try() (the interpreter's exact trace). Returns true if kept.
  // A live slot's counter is 0 until its first run, which this check sees at once, and Try()
  // then covers it; so which runs reach Try() does not depend on when code is rebuilt.
  bool TryInstrumented(const SeccompData& d) {
    bool hit = false;
    for (InstrumentedFilter& jf : filters_) {
      (void)jf.code->Run(d);
      const uint8_t* counters = jf.counters.data();
      for (const InstrumentedFilter::Watch& w : jf.watch) {
        uint64_t word;
        std::memcpy(&word, counters + 8 * static_cast<size_t>(w.word), 8);
        hit |= (word & w.live) != 0;
      }
    }
    if (!hit) {
      ++runs_;
      return false;
    }
    const bool kept = Try(d);
    // What is now covered leaves the watch lists at once; the code is rebuilt without its
    // counters once an eighth of them (at least 4) are stale, so a burst of discoveries costs
    // a few compilations, not one per record.
    for (size_t i = 0; i < filters_.size(); ++i) {
      InstrumentedFilter& jf = filters_[i];
      Rewatch(i);
      if (jf.stale >= std::max<size_t>(4, jf.instrumented / 8) && !Recompile(i)) {
        filters_.clear();  // fall back to the interpreter for the rest of the search
        instrumented_ = false;
        break;
      }
    }
    return kept;
  }

  void Edges(const SeccompData& d, std::vector<size_t>* out) {
    for (size_t i = 0; i < stack_.size(); ++i) {
      RunFilterTraced(*stack_[i], d, &trace_);
      const auto insns = stack_[i]->insns();
      const size_t base = edges_[i].base;
      for (size_t s = 0; s < trace_.steps.size(); ++s) {
        const uint32_t pc = trace_.steps[s].pc;
        out->push_back(base + EdgeIndex(pc, FuzzEdge::Kind::kInsn));
        const SockFilter& f = insns[pc];
        if (IsConditionalJump(f.code) && f.jt != f.jf && s + 1 < trace_.steps.size()) {
          const bool taken = trace_.steps[s + 1].pc == pc + 1 + f.jt;
          out->push_back(base + EdgeIndex(pc, taken ? FuzzEdge::Kind::kTaken
                                                    : FuzzEdge::Kind::kNotTaken));
        }
      }
    }
  }

  void BuildDictionary() {
    std::set<uint32_t> all = {0, 1, 0xffffffff, 0x7fffffff, 0x80000000};
    std::set<uint32_t> arches;
    for (const ArchInfo& a : AllArches()) arches.insert(a.audit_arch);
    for (const VerifiedProgram* p : stack_) {
      for (const SockFilter& f : p->insns()) {
        const uint16_t cls = bpf::Class(f.code);
        if (cls != bpf::kJMP && cls != bpf::kALU && f.code != (bpf::kLD | bpf::kIMM) &&
            f.code != (bpf::kLDX | bpf::kIMM)) {
          continue;
        }
        for (uint32_t v : {f.k, f.k + 1, f.k - 1, ~f.k, f.k & 0x7fffffff}) all.insert(v);
        if (f.k & 0xC0000000u) arches.insert(f.k);
      }
    }
    dict_.assign(all.begin(), all.end());
    arch_values_.assign(arches.begin(), arches.end());
  }

  uint32_t DictValue() { return dict_[rng_.Below(dict_.size())]; }

  void SetWord(SeccompData* d, int w, uint32_t v) {
    std::memcpy(reinterpret_cast<unsigned char*>(d) + 4 * w, &v, 4);
  }

  void Mutate(SeccompData* d) {
    switch (rng_.Below(8)) {
      case 0:  // a syscall number from the filter's constants
        SetWord(d, 0, DictValue());
        break;
      case 1:  // an arch value
        SetWord(d, 1, arch_values_[rng_.Below(arch_values_.size())]);
        break;
      case 2:
      case 3:  // one word of the rest from the dictionary
        SetWord(d, 2 + static_cast<int>(rng_.Below(14)), DictValue());
        break;
      case 4: {  // a whole 64-bit argument from two dictionary halves
        const int arg = static_cast<int>(rng_.Below(6));
        SetWord(d, 4 + 2 * arg, DictValue());
        SetWord(d, 5 + 2 * arg, rng_.Below(2) ? 0 : DictValue());
        break;
      }
      case 5: {  // flip a bit
        const int w = static_cast<int>(rng_.Below(16));
        uint32_t v;
        std::memcpy(&v, reinterpret_cast<unsigned char*>(d) + 4 * w, 4);
        SetWord(d, w, v ^ (1u << rng_.Below(32)));
        break;
      }
      case 6:  // crossover with another corpus entry
        if (!corpus_.empty()) {
          const SeccompData& o = corpus_[rng_.Below(corpus_.size())];
          const int w = static_cast<int>(rng_.Below(16));
          uint32_t v;
          std::memcpy(&v, reinterpret_cast<const unsigned char*>(&o) + 4 * w, 4);
          SetWord(d, w, v);
        }
        break;
      default:  // a random word
        SetWord(d, static_cast<int>(rng_.Below(16)), rng_.Word());
        break;
    }
  }

  void Seed() {
    for (uint32_t arch : arch_values_) {
      SeccompData d;
      d.arch = arch;
      Try(d);
    }
  }

  void SolveGaps(FuzzResult* result) {
    z3::context ctx;
    DataWords words(ctx);
    z3::solver solver(ctx);
    z3::params params(ctx);
    if (options_.solver_timeout_ms != 0) params.set("timeout", options_.solver_timeout_ms);
    if (options_.solver_rlimit != 0) params.set("rlimit", options_.solver_rlimit);
    solver.set(params);
    for (size_t i = 0; i < stack_.size(); ++i) {
      const SymbolicProgram sp = Encode(ctx, *stack_[i], words);
      const FilterEdges& fe = edges_[i];
      for (uint32_t pc = 0; pc < stack_[i]->size(); ++pc) {
        for (FuzzEdge::Kind kind : {FuzzEdge::Kind::kInsn, FuzzEdge::Kind::kTaken,
                                    FuzzEdge::Kind::kNotTaken}) {
          const size_t local = EdgeIndex(pc, kind);
          if (!fe.exists[local] || covered_[fe.base + local]) continue;
          const z3::expr& cond = kind == FuzzEdge::Kind::kInsn    ? sp.reach[pc]
                                 : kind == FuzzEdge::Kind::kTaken ? sp.taken[pc]
                                                                  : sp.not_taken[pc];
          solver.push();
          solver.add(cond);
          const z3::check_result r = solver.check();
          std::optional<SeccompData> witness;
          if (r == z3::sat) witness = words.FromModel(solver.get_model());
          solver.pop();
          FuzzEdge edge{static_cast<int>(i), pc, kind};
          if (r == z3::unsat) {
            result->unreachable.push_back(edge);
          } else if (witness) {
            const size_t before = covered_count_;
            Try(LoadedImage(*witness));  // the corpus holds images
            result->covered_by_solver += covered_count_ - before;
            if (!covered_[fe.base + local]) result->unknown.push_back(edge);  // never expected
          } else {
            result->unknown.push_back(edge);
          }
        }
      }
    }
  }

  // Greedy set cover over the kept records, lazily: a record's gain only shrinks as others are
  // taken, so a popped record whose recomputed gain still tops the queue is the greedy choice
  // (the same choice as rescanning every record each round, ties to the earlier record).
  std::vector<SeccompData> Minimize(std::vector<std::vector<FuzzEdge>>* reaches) const {
    std::vector<uint8_t> done(covered_.size(), 0);
    auto gain_of = [&](size_t c) {
      size_t gain = 0;
      for (size_t e : corpus_edges_[c]) gain += !done[e];
      return gain;
    };
    // (gain, -index): the largest gain first, then the earliest record.
    std::priority_queue<std::pair<size_t, std::ptrdiff_t>> queue;
    for (size_t c = 0; c < corpus_.size(); ++c) {
      queue.emplace(gain_of(c), -static_cast<std::ptrdiff_t>(c));
    }
    std::vector<SeccompData> out;
    while (!queue.empty()) {
      const auto [old_gain, neg] = queue.top();
      queue.pop();
      const size_t c = static_cast<size_t>(-neg);
      const size_t gain = gain_of(c);
      if (gain == 0) continue;
      if (gain < old_gain && !queue.empty() &&
          std::make_pair(gain, neg) < queue.top()) {
        queue.emplace(gain, neg);  // stale: requeue with the current gain
        continue;
      }
      std::vector<FuzzEdge> first;  // what this record is the first of the set to reach
      for (size_t e : corpus_edges_[c]) {
        if (!done[e]) first.push_back(EdgeAt(e));
        done[e] = 1;
      }
      out.push_back(LoadedImage(corpus_[c]));  // images back to values
      reaches->push_back(std::move(first));
    }
    return out;
  }

  // The edge of a global edge index.
  FuzzEdge EdgeAt(size_t e) const {
    size_t i = 0;
    while (i + 1 < edges_.size() && edges_[i + 1].base <= e) ++i;
    const size_t local = e - edges_[i].base;
    return FuzzEdge{static_cast<int>(i), static_cast<uint32_t>(local / 3),
                    static_cast<FuzzEdge::Kind>(local % 3)};
  }

  const std::vector<const VerifiedProgram*>& stack_;
  const FuzzOptions& options_;
  Rng rng_;
  std::vector<FilterEdges> edges_;
  std::vector<bool> covered_;
  size_t covered_count_ = 0;
  size_t total_ = 0;
  uint64_t runs_ = 0;
  std::vector<uint32_t> dict_;
  std::vector<uint32_t> arch_values_;
  std::vector<SeccompData> corpus_;
  std::vector<std::vector<size_t>> corpus_edges_;
  RunTrace trace_;
  bool instrumented_ = false;
  std::vector<InstrumentedFilter> filters_;
};

}  // namespace

std::string FuzzEdge::Describe() const {
  std::string s = "filter " + std::to_string(filter) + " pc " + std::to_string(pc);
  if (kind == Kind::kTaken) s += " true edge";
  if (kind == Kind::kNotTaken) s += " false edge";
  return s;
}

FuzzResult FuzzStack(const std::vector<const VerifiedProgram*>& stack, const FuzzOptions& options) {
  Fuzzer f(stack, options);
  return f.Run();
}

}  // namespace sckit::analysis
