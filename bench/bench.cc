// `sckit bench`: the stack timed per engine on one workload, and the report's text, JSON and
// SVG (bench/bench.h).
#include "bench/bench.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <span>
#include <utility>

#include "eval/stack_builder.h"
#include "verifier/verifier.h"
#include "vm/arch.h"
#include "formats/records.h"
#include "vm/text.h"

namespace sckit::bench {
namespace {

std::string Fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string Num(double v) { return Fmt("%.2f", v); }

std::string StatsJson(const Stats& s) {
  return "{\"median\": " + Num(s.median) + ", \"min\": " + Num(s.min) + ", \"max\": " +
         Num(s.max) + ", \"ci95\": [" + Num(s.ci_low) + ", " + Num(s.ci_high) + "]}";
}

std::string SyscallLabel(const SeccompData& d) {
  if (std::optional<std::string> name = SyscallName(d.arch, d.nr)) return *name;
  return "nr " + std::to_string(d.nr);
}

// Loads and verifies every --filter file, oldest first.
std::optional<Error> LoadStack(const BenchRequest& request, std::vector<Program>* programs,
                               std::vector<VerifiedProgram>* verified) {
  for (const std::string& f : request.filter_files) {
    Result<Program> p = LoadProgramFile(f, request.format);
    if (!p.ok()) {
      Error e = p.error();
      e.message = f + ": " + e.message;
      return e;
    }
    Result<VerifiedProgram> v = Verify(*p);
    if (!v.ok()) {
      Error e = v.error();
      e.message = f + ": rejected: " + e.message;
      return e;
    }
    programs->push_back(std::move(*p));
    verified->push_back(std::move(*v));
  }
  return std::nullopt;
}

// Groups the records by (arch, nr), keeps the most expensive record of each (insns[i] is
// record i's cost), most expensive first, at most `top`.
std::vector<SyscallCost> Heaviest(std::span<const SeccompData> records,
                                  const std::vector<uint32_t>& insns, int top) {
  std::vector<SyscallCost> heaviest;
  std::map<std::pair<uint32_t, int32_t>, size_t> by_syscall;
  for (size_t i = 0; i < records.size(); ++i) {
    const auto key = std::make_pair(records[i].arch, records[i].nr);
    auto [it, inserted] = by_syscall.emplace(key, heaviest.size());
    if (inserted) {
      SyscallCost c;
      c.name = SyscallLabel(records[i]);
      c.record = records[i];
      heaviest.push_back(c);
    }
    SyscallCost& c = heaviest[it->second];
    ++c.count;
    if (inserted || insns[i] > c.insns) {
      c.insns = insns[i];
      c.record = records[i];
    }
  }
  std::stable_sort(heaviest.begin(), heaviest.end(),
                   [](const SyscallCost& a, const SyscallCost& b) { return a.insns > b.insns; });
  if (static_cast<int>(heaviest.size()) > top) {
    heaviest.resize(static_cast<size_t>(std::max(0, top)));
  }
  return heaviest;
}

// The cost model, from the interpreter's traced runs: instructions per evaluation, the
// maximum, and the heaviest syscalls.
std::optional<Error> CostModel(const BenchRequest& request,
                               const std::vector<VerifiedProgram>& verified,
                               std::span<const SeccompData> records, BenchReport* report) {
  Result<FilterStack> interp =
      eval::BuildStack(verified, eval::EngineKind::kInterp, request.filter_files);
  if (!interp.ok()) return interp.error();
  const std::vector<uint32_t> insns = InsnsPerRecord(*interp, records);
  double total = 0;
  for (uint32_t n : insns) {
    total += n;
    report->insns_max = std::max(report->insns_max, n);
  }
  report->insns_per_eval = total / static_cast<double>(records.size());
  report->heaviest = Heaviest(records, insns, request.top);
  return std::nullopt;
}

// Times the interpreter or the JIT on every record and on each heaviest syscall's record.
void TimeUserEngine(const std::string& name, const BenchRequest& request,
                    const std::vector<VerifiedProgram>& verified,
                    std::span<const SeccompData> records, BenchReport* report, EngineResult* r) {
  TimingOptions per_record = request.timing;
  per_record.repetitions = std::max(3, request.timing.repetitions / 3);
  per_record.min_rep_seconds = request.timing.min_rep_seconds / 4;
  Result<FilterStack> stack =
      name == "interp" ? eval::BuildStack(verified, eval::EngineKind::kInterp, request.filter_files)
                       : eval::BuildStack(verified, eval::EngineKind::kJit, request.filter_files);
  if (!stack.ok()) {
    r->error = stack.error().ToString();
    return;
  }
  r->ns_per_eval = TimeStack(*stack, records, request.timing);
  r->measured = true;
  for (SyscallCost& c : report->heaviest) {
    const double ns = TimeStack(*stack, {&c.record, 1}, per_record).median;
    (name == "interp" ? c.interp_ns : c.jit_ns) = ns;
  }
}

// The running kernel's cost of the stack (x86_64 syscalls only), per heaviest syscall too.
void TimeKernel(const BenchRequest& request, const std::vector<Program>& programs,
                BenchReport* report, EngineResult* r) {
  Result<KernelCostResult> k = MeasureKernelCost(programs, request.kernel);
  if (!k.ok()) {
    r->error = k.error().ToString();
    return;
  }
  r->measured = true;
  r->ns_per_eval = k->filtered;
  for (const KernelSyscallCost& s : k->syscalls) {
    for (SyscallCost& c : report->heaviest) {
      if (c.record.arch == kAuditArchX86_64 && c.record.nr == s.nr) {
        c.kernel_ns = s.forced_cost_ns != 0 ? s.forced_cost_ns : s.cost_ns;
      }
    }
  }
  report->kernel = std::move(*k);
}

}  // namespace

Result<BenchReport> RunBench(const BenchRequest& request) {
  BenchReport report;
  report.filters = request.filter_files;
  if (request.filter_files.empty()) return MakeError("no-filter", "no --filter given");
  std::vector<Program> programs;
  std::vector<VerifiedProgram> verified;
  if (std::optional<Error> e = LoadStack(request, &programs, &verified)) return *e;
  const ArchInfo* arch = FindArch(request.arch);
  if (arch == nullptr) return MakeError("unknown-arch", "unknown arch '" + request.arch + "'");
  Result<Workload> workload = request.vectors.empty() ? LoadWorkload(request.workload, *arch)
                                                      : LoadVectors(request.vectors);
  if (!workload.ok()) return workload.error();
  report.workload = workload->description;
  report.records = workload->records.size();
  const std::vector<SeccompData>& records = workload->records;

  if (request.cpu != -2) report.cpu = PinToCpu(request.cpu, &report.pin_note);
  if (std::optional<Error> e = CostModel(request, verified, records, &report)) return *e;

  for (const std::string& name : request.engines) {
    EngineResult r;
    r.name = name;
    r.insns_per_eval = report.insns_per_eval;
    if (name == "interp" || name == "jit") {
      TimeUserEngine(name, request, verified, records, &report, &r);
    } else if (name == "kernel") {
      TimeKernel(request, programs, &report, &r);
    } else {
      return MakeError("unknown-engine",
                       "unknown engine '" + name + "' (expected interp, jit or kernel)");
    }
    report.engines.push_back(std::move(r));
  }
  return report;
}

std::string ReportText(const BenchReport& report) {
  std::string out;
  out += "filters:  ";
  for (size_t i = 0; i < report.filters.size(); ++i) out += (i ? ", " : "") + report.filters[i];
  out += "\nworkload: " + report.workload + "\n";
  out += report.cpu >= 0 ? "pinned:   CPU " + std::to_string(report.cpu) + "\n"
                         : "pinned:   no (" + report.pin_note + ")\n";
  out += "cost model: " + Num(report.insns_per_eval) + " interpreter instructions per evaluation"
         " (max " + std::to_string(report.insns_max) + "), whole stack\n\n";
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-8s %10s %19s %10s %10s %8s %7s %-12s\n", "engine",
                "median ns", "95% CI of median", "min ns", "max ns", "noise*", "kept",
                "dropped w/m/p");
  out += buf;
  std::string noisy;
  for (const EngineResult& e : report.engines) {
    if (!e.measured) {
      out += e.name + ": not measured: " + e.error + "\n";
      continue;
    }
    const Stats& s = e.ns_per_eval;
    const std::string ci = Num(s.ci_low) + " - " + Num(s.ci_high);
    const std::string dropped = std::to_string(s.discarded_warmup) + "/" +
                                std::to_string(s.discarded_migrated) + "/" +
                                std::to_string(s.discarded_preempted);
    std::snprintf(buf, sizeof buf, "%-8s %10.2f %19s %10.2f %10.2f %7.1f%% %7d %-12s\n",
                  e.name.c_str(), s.median, ci.c_str(), s.min, s.max, 100 * s.noise(), s.samples,
                  dropped.c_str());
    out += buf;
    if (s.too_noisy) {
      noisy += "TOO NOISY: " + e.name + ": " + s.noisy_reason +
               "; the machine is too busy to measure it, do not compare this number\n";
    }
  }
  out += "(interp/jit: ns per stack evaluation over the workload, median of the kept samples; "
         "kernel: ns the filters add to one syscall when they run, median and interval over the "
         "syscalls measured; *noise = median absolute "
         "deviation / median; dropped: warm-up / moved to another CPU / switched out)\n";
  out += noisy;
  if (report.kernel) {
    const KernelCostResult& k = *report.kernel;
    out += "\nkernel: real syscalls in a child, without and with the stack (TSC " +
           Fmt("%.3f", k.tsc_ghz) + " GHz)\n";
    std::snprintf(buf, sizeof buf, "  %-9s %4s %-9s %10s %10s %10s %10s %10s\n", "syscall", "nr",
                  "kind", "base ns", "stack ns", "cost ns", "forced ns", "noise*");
    out += buf;
    for (const KernelSyscallCost& s : k.syscalls) {
      std::snprintf(buf, sizeof buf, "  %-9s %4d %-9s %10.1f %10.1f %10.1f %10s %9.1f%%\n",
                    s.name.c_str(), s.nr, s.cached ? "cached" : "filtered", s.base_ns.median,
                    s.stack_ns.median, s.cost_ns,
                    k.forced_measured ? Fmt("%.1f", s.forced_cost_ns).c_str() : "-",
                    100 * std::max(s.base_ns.noise(), s.stack_ns.noise()));
      out += buf;
    }
    if (k.forced_measured) {
      out += "  forced: every filter made to run for every syscall by a non-cacheable probe "
             "filter installed first (probe alone over no filter: " + Num(k.probe_cost_ns) +
             " ns); forced = probe+stack - probe\n";
    }
    out += "  cached syscalls skip the filters (constant-action cache, analysis/cache.h): "
           "median cost " + Num(k.cached.median) + " ns over " +
           std::to_string(k.cached.samples) + "\n";
    for (const std::string& s : k.skipped) out += "  skipped " + s + "\n";
    if (!k.note.empty()) out += "  note: " + k.note + "\n";
  }
  out += "\nheaviest syscalls of the workload (most expensive record of each):\n";
  std::snprintf(buf, sizeof buf, "  %-22s %7s %7s %10s %10s %10s\n", "syscall", "records", "insns",
                "interp ns", "jit ns", "kernel ns");
  out += buf;
  for (const SyscallCost& c : report.heaviest) {
    std::snprintf(buf, sizeof buf, "  %-22s %7d %7u %10.2f %10.2f %10s\n", c.name.c_str(),
                  c.count, c.insns, c.interp_ns, c.jit_ns,
                  c.kernel_ns ? Fmt("%.1f", *c.kernel_ns).c_str() : "-");
    out += buf;
  }
  return out;
}

std::string ReportJson(const BenchReport& report) {
  std::string out = "{\"engines\": {";
  bool first = true;
  for (const EngineResult& e : report.engines) {
    out += (first ? "" : ", ") + JsonString(e.name) + ": {";
    first = false;
    if (!e.measured) {
      out += "\"error\": " + JsonString(e.error) + "}";
      continue;
    }
    const Stats& st = e.ns_per_eval;
    out += "\"ns_per_eval\": " + StatsJson(st) + ", \"noise\": " + Fmt("%.4f", st.noise()) +
           ", \"samples\": " + std::to_string(st.samples) + ", \"discarded\": {\"warmup\": " +
           std::to_string(st.discarded_warmup) + ", \"migrated\": " +
           std::to_string(st.discarded_migrated) + ", \"preempted\": " +
           std::to_string(st.discarded_preempted) + "}, \"too_noisy\": " +
           (st.too_noisy ? "true" : "false") + ", \"noisy_reason\": " +
           JsonString(st.noisy_reason) + ", \"insns_per_eval\": " + Num(e.insns_per_eval);
    if (e.name == "kernel" && report.kernel) {
      const KernelCostResult& k = *report.kernel;
      out += ", \"cached\": {\"ns_per_call\": " + StatsJson(k.cached) + ", \"syscalls\": " +
             std::to_string(k.cached.samples) + "}, \"forced_measured\": " +
             (k.forced_measured ? "true" : "false") + ", \"probe_ns\": " +
             Num(k.probe_cost_ns) + ", \"tsc_ghz\": " + Fmt("%.4f", k.tsc_ghz) +
             ", \"syscalls\": [";
      for (size_t i = 0; i < k.syscalls.size(); ++i) {
        const KernelSyscallCost& s = k.syscalls[i];
        out += (i ? ", " : "") + std::string("{\"name\": ") + JsonString(s.name) +
               ", \"nr\": " + std::to_string(s.nr) + ", \"cached\": " +
               (s.cached ? "true" : "false") + ", \"base_ns\": " + StatsJson(s.base_ns) +
               ", \"stack_ns\": " + StatsJson(s.stack_ns) + ", \"cost_ns\": " + Num(s.cost_ns);
        if (k.forced_measured) {
          out += ", \"forced_ns\": " + StatsJson(s.forced_ns) +
                 ", \"forced_cost_ns\": " + Num(s.forced_cost_ns);
        }
        out += "}";
      }
      out += "], \"skipped\": [";
      for (size_t i = 0; i < k.skipped.size(); ++i) {
        out += (i ? ", " : "") + JsonString(k.skipped[i]);
      }
      out += "], \"note\": " + JsonString(k.note);
    }
    out += "}";
  }
  out += "}, \"filters\": [";
  for (size_t i = 0; i < report.filters.size(); ++i) {
    out += (i ? ", " : "") + JsonString(report.filters[i]);
  }
  out += "], \"workload\": " + JsonString(report.workload) +
         ", \"records\": " + std::to_string(report.records) + ", \"cpu\": " +
         std::to_string(report.cpu) + ", \"insns_per_eval\": " + Num(report.insns_per_eval) +
         ", \"insns_max\": " + std::to_string(report.insns_max) + ", \"heaviest\": [";
  for (size_t i = 0; i < report.heaviest.size(); ++i) {
    const SyscallCost& c = report.heaviest[i];
    out += (i ? ", " : "") + std::string("{\"syscall\": ") + JsonString(c.name) +
           ", \"record\": " + JsonString(FormatRecord(c.record)) + ", \"count\": " +
           std::to_string(c.count) + ", \"insns\": " + std::to_string(c.insns) +
           ", \"interp_ns\": " + Num(c.interp_ns) + ", \"jit_ns\": " + Num(c.jit_ns) +
           ", \"kernel_ns\": " + (c.kernel_ns ? Num(*c.kernel_ns) : std::string("null")) + "}";
  }
  out += "]}\n";
  return out;
}

namespace {

// One row of the chart: a label and up to three bars (interp, jit, kernel; < 0 = no bar).
struct SvgRow {
  std::string label;
  double values[3] = {-1, -1, -1};
};

// The heaviest records (with the kernel's cost where the harness measured that syscall), then
// every syscall the kernel harness measured that those rows do not show, with its kernel bar.
std::vector<SvgRow> SvgRows(const BenchReport& report) {
  std::vector<SvgRow> rows;
  for (const SyscallCost& c : report.heaviest) {
    SvgRow r;
    r.label = c.name + " (" + std::to_string(c.insns) + " insns)";
    r.values[0] = c.interp_ns > 0 ? c.interp_ns : -1;
    r.values[1] = c.jit_ns > 0 ? c.jit_ns : -1;
    r.values[2] = c.kernel_ns.value_or(-1);
    rows.push_back(r);
  }
  if (!report.kernel) return rows;
  for (const KernelSyscallCost& k : report.kernel->syscalls) {
    bool shown = false;
    for (const SyscallCost& c : report.heaviest) {
      shown |= c.kernel_ns && c.record.arch == kAuditArchX86_64 && c.record.nr == k.nr;
    }
    if (shown) continue;
    SvgRow r;
    const bool forced = report.kernel->forced_measured;
    r.label = k.name + (forced ? " (kernel, every filter run)" : k.cached ? " (kernel, cached)"
                                                                         : " (kernel)");
    r.values[2] = std::max(0.0, forced ? k.forced_cost_ns : k.cost_ns);
    rows.push_back(r);
  }
  return rows;
}

}  // namespace

std::string ReportSvg(const BenchReport& report) {
  // Layout: one row per syscall, up to three bars scaled to the largest value, labels on the
  // left, values after each bar. The legend names exactly the engines that have a bar.
  const std::vector<SvgRow> rows = SvgRows(report);
  const int label_w = 230, bar_w = 520, row_h = 46, top = 64, left = 10;
  const int height = top + static_cast<int>(rows.size()) * row_h + 40;
  const int width = left + label_w + bar_w + 150;
  double max_ns = 0;
  bool drawn[3] = {false, false, false};
  for (const SvgRow& r : rows) {
    for (int i = 0; i < 3; ++i) {
      max_ns = std::max(max_ns, r.values[i]);
      drawn[i] |= r.values[i] >= 0;
    }
  }
  if (max_ns <= 0) max_ns = 1;
  std::string out;
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" +
         std::to_string(width) + "\" height=\"" + std::to_string(height) +
         "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  out += "<text x=\"" + std::to_string(left) + "\" y=\"20\" font-size=\"15\" font-weight=\"bold\">"
         "sckit bench: cost per syscall (ns per evaluation of the whole stack)</text>\n";
  out += "<text x=\"" + std::to_string(left) + "\" y=\"38\">" + XmlEscape(report.workload) +
         "; insns = interpreter instructions executed</text>\n";
  const char* colors[3] = {"#4e79a7", "#f28e2b", "#59a14f"};
  const char* names[3] = {"interp", "jit", "kernel"};
  for (int i = 0, slot = 0; i < 3; ++i) {
    if (!drawn[i]) continue;
    const int x = left + label_w + slot++ * 90;
    out += "<rect class=\"legend\" x=\"" + std::to_string(x) +
           "\" y=\"46\" width=\"12\" height=\"10\" fill=\"" + colors[i] + "\"/><text x=\"" +
           std::to_string(x + 16) + "\" y=\"55\">" + names[i] + "</text>\n";
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    const int y = top + static_cast<int>(r) * row_h;
    out += "<text x=\"" + std::to_string(left) + "\" y=\"" + std::to_string(y + 18) + "\">" +
           XmlEscape(rows[r].label) + "</text>\n";
    for (int i = 0; i < 3; ++i) {
      const double v = rows[r].values[i];
      if (v < 0) continue;
      const int by = y + 2 + i * 13;
      const int w = std::max(1, static_cast<int>(v / max_ns * bar_w));
      out += "<rect class=\"" + std::string(names[i]) + "\" x=\"" +
             std::to_string(left + label_w) + "\" y=\"" + std::to_string(by) + "\" width=\"" +
             std::to_string(w) + "\" height=\"11\" fill=\"" + colors[i] + "\"><title>" +
             names[i] + " " + Num(v) + " ns</title></rect>\n";
      out += "<text x=\"" + std::to_string(left + label_w + w + 4) + "\" y=\"" +
             std::to_string(by + 10) + "\" font-size=\"10\">" + Num(v) + " ns</text>\n";
    }
  }
  out += "</svg>\n";
  return out;
}

}  // namespace sckit::bench
