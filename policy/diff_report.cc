// sckit diff's rows grouped and named, conditions from the decompiler (diff_report.h).
#include "policy/diff_report.h"

#include <map>
#include <optional>

#include "analysis/dispatch_stage.h"
#include "analysis/symbolic.h"
#include "policy/decompile_conditions.h"
#include "policy/decompile_paths.h"
#include "vm/arch.h"
#include "vm/text.h"

namespace sckit::policy {
namespace {

using Stack = std::vector<const VerifiedProgram*>;

constexpr size_t kMaxClauses = 8;  // per outcome in a condition; more is said as a count

std::string Number(uint32_t v) { return v < 0x10000 ? std::to_string(v) : Hex(v); }

bool Named(uint32_t arch_first, uint32_t arch_last) {
  return arch_first == arch_last && FindArchByAudit(arch_first) != nullptr;
}

// The named syscall numbers of an arch, ascending (scanned once per arch).
class NameCounter {
 public:
  size_t Count(uint32_t arch, uint32_t first, uint32_t last) {
    auto [it, fresh] = named_.try_emplace(arch);
    if (fresh) {
      for (uint32_t nr = 0; nr < 8192; ++nr) Scan(arch, nr, &it->second);
      if (arch == kAuditArchX86_64) {
        for (uint32_t nr = 0; nr < 1024; ++nr) Scan(arch, nr | kX32SyscallBit, &it->second);
      }
    }
    size_t n = 0;
    for (uint32_t nr : it->second) n += first <= nr && nr <= last;
    return n;
  }

 private:
  static void Scan(uint32_t arch, uint32_t nr, std::vector<uint32_t>* out) {
    if (SyscallName(arch, static_cast<int32_t>(nr))) out->push_back(nr);
  }
  std::map<uint32_t, std::vector<uint32_t>> named_;
};

std::string Label(const analysis::DiffRow& row) {
  if (row.every_nr) return "every nr";
  const std::string first = SyscallLabel(row.arch_first, row.nr_first);
  if (row.nr_first == row.nr_last) return first;
  return first + ".." + SyscallLabel(row.arch_first, row.nr_last);
}

std::string ArchName(uint32_t first, uint32_t last) {
  if (Named(first, last)) return std::string(FindArchByAudit(first)->name);
  return first == last ? "arch " + Hex(first) : "arch " + Hex(first) + ".." + Hex(last);
}

// Errno names of a row in its arch's numbering; a row over a range of arches (every other
// arch) has none: its arches need not share one.
Numbering RowNames(const analysis::DiffRow& d) {
  return d.arch_first == d.arch_last ? NumberingOf(d.arch_first) : Numbering::kUnknown;
}

// What a side that depends on the record depends on: ip too where dispatch's region decides.
std::string DependsText(const DispatchConfig& dispatch, uint32_t arch) {
  return analysis::DispatchDependsOnIp(dispatch, arch) ? "depends on ip or arguments"
                                                       : "depends on arguments";
}

void Count(ReportArch* arch, const ReportRow& row, const analysis::DiffRow& d,
           const DispatchConfig& dispatch_a, const DispatchConfig& dispatch_b) {
  // A row only the shared dispatch stage makes depend on ip: the filters' outcomes, marked.
  const std::string unless = d.dispatch_only ? " unless dispatched" : "";
  const std::string a = d.a_depends && !d.dispatch_only
                            ? DependsText(dispatch_a, d.arch_first)
                            : analysis::CanonicalText(d.a, RowNames(d)) + unless;
  const std::string b = d.b_depends && !d.dispatch_only
                            ? DependsText(dispatch_b, d.arch_first)
                            : analysis::CanonicalText(d.b, RowNames(d)) + unless;
  PairCount* pair = nullptr;
  for (PairCount& p : arch->pairs) {
    if (p.a == a && p.b == b) pair = &p;
  }
  if (!pair) pair = &arch->pairs.emplace_back(PairCount{a, b, 0, 0});
  pair->syscalls += row.syscalls;
  arch->syscalls += row.syscalls;
  if (row.syscalls == 0) {
    ++pair->ranges;
    ++arch->ranges;
  }
}

}  // namespace

std::string SyscallLabel(uint32_t arch, uint32_t nr) {
  const std::optional<std::string> name = SyscallName(arch, static_cast<int32_t>(nr));
  if (!name) return Number(nr);
  const bool x32 = arch == kAuditArchX86_64 && (nr & kX32SyscallBit);
  return (x32 ? "x32 " : "") + *name + "(" + Number(nr) + ")";
}

std::string DescribeSyscall(const Stack& stack, uint32_t arch, uint32_t nr) {
  const PathSet paths = StackPaths(stack, arch, nr);
  if (!paths.inexpressible.empty()) {
    return "depends on ip or arguments (" + paths.inexpressible + ")";
  }
  std::map<uint32_t, std::vector<const DataPath*>> by;
  for (const DataPath& p : paths.paths) by[p.outcome].push_back(&p);
  const Numbering names = NumberingOf(arch);
  if (by.size() == 1) return analysis::CanonicalText(by.begin()->first, names) + " always";
  const ArchInfo* info = FindArchByAudit(arch);
  const ArgLayout layout{info ? info->bits == 64 : true, info ? !info->big_endian : true};
  const std::string name = SyscallName(arch, static_cast<int32_t>(nr)).value_or("");
  // Each outcome with its condition; the one with the most alternatives is said last, as
  // "else".
  std::vector<std::pair<uint32_t, std::string>> said;
  uint32_t last = by.begin()->first;
  size_t most = 0;
  for (const auto& [outcome, list] : by) {
    Result<std::vector<CondClause>> clauses = PathsToClauses(list, layout, kMaxClauses);
    std::string cond;
    size_t weight = list.size();
    if (!clauses.ok()) {
      cond = "(" + clauses.error().message + ")";
      weight = 0;  // stated, never left to "else"
    } else {
      for (const CondClause& c : *clauses) {
        const std::string t = RenderClause(c, layout, name);
        cond += (cond.empty() ? "" : " || ") + (t.empty() ? std::string("always") : t);
      }
    }
    if (weight > most) last = outcome, most = weight;
    said.emplace_back(outcome, cond);
  }
  std::string out;
  for (const auto& [outcome, cond] : said) {
    if (outcome == last) continue;
    out += (out.empty() ? "" : "; ") + analysis::CanonicalText(outcome, names) + " when " + cond;
  }
  return out + ", else " + analysis::CanonicalText(last, names);
}

namespace {

// A side whose outcome depends on ip or arguments: the dispatch stage's condition first when
// the stage's answer varies with ip ("DISPATCH_SIGSYS when ip not in [a, b), else ..."), then
// the filters'.
std::string StageThen(const DispatchConfig& dispatch, uint32_t arch, const std::string& filters) {
  return analysis::CanonicalText(*analysis::DispatchStopOutcome(dispatch), NumberingOf(arch)) +
         " when " +
         analysis::DispatchStopCondition(dispatch, arch) + ", else " + filters;
}

std::string StageThen(const DispatchConfig& dispatch, uint32_t arch, uint32_t filters) {
  return StageThen(dispatch, arch, analysis::CanonicalText(filters, NumberingOf(arch)));
}

std::string DescribeSide(const Stack& stack, const DispatchConfig& dispatch, uint32_t arch,
                         uint32_t nr) {
  const std::string filters = DescribeSyscall(stack, arch, nr);
  if (!analysis::DispatchDependsOnIp(dispatch, arch)) return filters;
  return StageThen(dispatch, arch, filters);
}

}  // namespace

DiffReport Explain(const analysis::DiffResult& diff, const Stack& a, const Stack& b,
                   const DispatchConfig& dispatch_a, const DispatchConfig& dispatch_b) {
  DiffReport report;
  report.equivalent = diff.equivalent;
  report.exact = diff.exact;
  report.truncated = diff.truncated;
  NameCounter names;
  std::map<std::pair<uint32_t, uint32_t>, size_t> by_arch;
  std::optional<ReportArch> others;
  for (const analysis::DiffRow& d : diff.rows) {
    ReportRow row;
    row.first = d.nr_first;
    row.last = d.nr_last;
    row.every_nr = d.every_nr;
    row.label = Label(d);
    row.syscalls = names.Count(d.arch_first, d.nr_first, d.nr_last);
    row.a_depends = d.a_depends;
    row.b_depends = d.b_depends;
    const std::string always = d.a_depends || d.b_depends ? " always" : "";
    row.a = d.dispatch_only ? StageThen(dispatch_a, d.arch_first, d.a)
            : d.a_depends   ? DescribeSide(a, dispatch_a, d.arch_first, d.nr_first)
                            : analysis::CanonicalText(d.a, RowNames(d)) + always;
    row.b = d.dispatch_only ? StageThen(dispatch_b, d.arch_first, d.b)
            : d.b_depends   ? DescribeSide(b, dispatch_b, d.arch_first, d.nr_first)
                            : analysis::CanonicalText(d.b, RowNames(d)) + always;
    row.witness = d.witness;
    if (d.every_nr && !Named(d.arch_first, d.arch_last)) {  // folded: one row per pair
      if (!others) others = ReportArch{"every other arch", {}, 0, 0, {}, {}};
      others->values.emplace_back(d.arch_first, d.arch_last);
      bool merged = false;
      for (const ReportRow& r : others->rows) merged |= r.a == row.a && r.b == row.b;
      if (merged) continue;
      row.syscalls = 0;
      Count(&*others, row, d, dispatch_a, dispatch_b);
      others->rows.push_back(row);
      continue;
    }
    const auto key = std::make_pair(d.arch_first, d.arch_last);
    auto [it, fresh] = by_arch.try_emplace(key, report.arches.size());
    if (fresh) {
      report.arches.push_back(ReportArch{ArchName(d.arch_first, d.arch_last), {key}, 0, 0, {}, {}});
    }
    ReportArch& arch = report.arches[it->second];
    Count(&arch, row, d, dispatch_a, dispatch_b);
    arch.rows.push_back(row);
  }
  if (others) report.arches.push_back(std::move(*others));
  return report;
}

}  // namespace sckit::policy
