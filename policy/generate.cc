// `sckit generate`'s library (generate.h): calls grouped by syscall, argument checks, added
// rules, findings, the text, and the check that the text compiles and allows its own trace.
#include "policy/generate.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "policy/generate_values.h"
#include "policy/rules_compile.h"
#include "policy/rules_parser.h"
#include "policy/syscall_notes.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/interpreter.h"

namespace sckit::policy {
namespace {

struct Seen {
  std::string rule;  // the name, or the number when no arch names it
  std::vector<const TraceCall*> calls;
  std::set<int64_t> pids;
  std::set<std::string> processes;
};

// One checked argument of a rule.
struct Checked {
  int arg = 0;
  ArgKind kind = ArgKind::kEnum;
  std::string_view prefixes;
  std::string what;
};

struct Rule {
  std::string text;              // "socket: arg0 == AF_UNIX || ..."
  std::vector<std::string> notes;  // comment lines above it
  bool constrained = false;
};

// Text for a comment: control characters (a newline in a command line or a process name
// would end the comment and start a rule) become spaces.
std::string CommentSafe(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

const ArchInfo& ArchOfCall(const TraceCall& c) {
  const ArchInfo* a = FindArchByAudit(c.record.arch);
  if (a && a->name == "x86_64" && (static_cast<uint32_t>(c.record.nr) & kX32SyscallBit)) {
    return *FindArch("x32");
  }
  return *a;
}

Result<std::vector<const ArchInfo*>> ChooseArches(std::span<const TraceCall> calls,
                                                  const GenerateOptions& o) {
  std::vector<const ArchInfo*> seen;
  for (const TraceCall& c : calls) {
    if (!FindArchByAudit(c.record.arch)) {
      return MakeError("unknown-arch", "a call with AUDIT_ARCH value " +
                                           NumberText(c.record.arch) + " (line " +
                                           std::to_string(c.line) + ")");
    }
    const ArchInfo* a = &ArchOfCall(c);
    if (std::find(seen.begin(), seen.end(), a) == seen.end()) seen.push_back(a);
  }
  if (o.arches.empty()) {
    std::stable_partition(seen.begin(), seen.end(),
                          [](const ArchInfo* a) { return a->name == "x86_64"; });
    return seen;
  }
  for (const ArchInfo* a : seen) {
    if (std::find(o.arches.begin(), o.arches.end(), a) == o.arches.end()) {
      return MakeError("unknown-arch", "the trace has " + std::string(a->name) +
                                           " calls; give --arch " + std::string(a->name) +
                                           " too, or leave --arch out");
    }
  }
  return o.arches;
}

std::map<std::string, Seen> Group(std::span<const TraceCall> calls) {
  std::map<std::string, Seen> out;
  for (const TraceCall& c : calls) {
    std::optional<std::string> name = SyscallName(c.record.arch, c.record.nr);
    const std::string key = name ? *name : std::to_string(static_cast<uint32_t>(c.record.nr));
    Seen& s = out[key];
    s.rule = key;
    s.calls.push_back(&c);
    if (c.pid != 0) s.pids.insert(c.pid);
    if (!c.process.empty()) s.processes.insert(CommentSafe(c.process));
  }
  return out;
}

// The arguments to check: known in every call, and (kAuto) a flag/enum family, or (kAll) also
// any argument that was never an address.
std::vector<Checked> ArgsToCheck(const Seen& s, const GenerateOptions& o, bool has32) {
  std::vector<Checked> out;
  if (o.args == ArgMode::kNone) return out;
  for (int arg = 0; arg < 6; ++arg) {
    bool known = true, pointer = false, wide = false;
    for (const TraceCall* c : s.calls) {
      known &= (c->known_args >> arg) & 1;
      pointer |= (c->pointer_args >> arg) & 1;
      wide |= c->record.args[arg] > 0xffffffffu;
    }
    if (!known || (has32 && wide)) continue;
    const ArgFamily* family = nullptr;
    for (const ArgFamily& f : ArgFamilies()) {
      if (f.syscall == s.rule && f.arg == arg) family = &f;
    }
    if (family) {
      out.push_back({arg, family->kind, family->prefixes, std::string(family->what)});
    } else if (o.args == ArgMode::kAll && !pointer) {
      out.push_back({arg, ArgKind::kEnum, "", "value"});
    }
  }
  return out;
}

// Distinct combinations of the enumerations, each with the OR of the flags seen with it.
using Tuples = std::map<std::vector<uint64_t>, std::vector<uint64_t>>;
Tuples Combinations(const Seen& s, const std::vector<Checked>& args) {
  Tuples t;
  for (const TraceCall* c : s.calls) {
    std::vector<uint64_t> key, flags;
    for (const Checked& a : args) {
      (a.kind == ArgKind::kEnum ? key : flags).push_back(c->record.args[a.arg]);
    }
    auto [it, fresh] = t.try_emplace(key, flags);
    for (size_t i = 0; i < flags.size() && !fresh; ++i) it->second[i] |= flags[i];
  }
  return t;
}

Rule RenderRule(const Seen& s, std::vector<Checked> args, size_t max_clauses) {
  Rule r;
  Tuples t = Combinations(s, args);
  // Too many combinations: stop checking the enumeration with the most distinct values.
  while (t.size() > max_clauses) {
    size_t worst = 0, most = 0;
    for (size_t i = 0; i < args.size(); ++i) {
      std::set<uint64_t> values;
      for (const TraceCall* c : s.calls) values.insert(c->record.args[args[i].arg]);
      if (args[i].kind == ArgKind::kEnum && values.size() > most) most = values.size(), worst = i;
    }
    r.notes.push_back("arg" + std::to_string(args[worst].arg) + " (" + args[worst].what +
                      ") not checked: " + std::to_string(most) + " different values");
    args.erase(args.begin() + static_cast<std::ptrdiff_t>(worst));
    t = Combinations(s, args);
  }
  if (args.empty()) {
    r.text = s.rule + ": 1";
    return r;
  }
  r.constrained = true;
  std::vector<std::string> clauses;
  for (const auto& [key, flags] : t) {
    std::string clause;
    size_t e = 0, f = 0;
    for (const Checked& a : args) {
      const bool is_enum = a.kind == ArgKind::kEnum;
      const uint64_t v = is_enum ? key[e++] : flags[f++];
      clause += (clause.empty() ? "" : " && ") + ("arg" + std::to_string(a.arg)) +
                (is_enum ? " == " : " in ") + ValueText(v, s.rule, a.prefixes, a.kind);
    }
    clauses.push_back(clause);
  }
  r.text = s.rule + ": ";
  for (size_t i = 0; i < clauses.size(); ++i) {
    r.text += (i ? " || \\\n    " : "") + clauses[i];
  }
  std::string checked;
  for (const Checked& a : args) {
    checked += (checked.empty() ? "" : ", ") + ("arg" + std::to_string(a.arg)) + " " + a.what;
  }
  r.notes.push_back("checks " + checked + " (the values seen)");
  return r;
}

std::string Seenby(const Seen& s) {
  std::string out = std::to_string(s.calls.size()) + (s.calls.size() == 1 ? " call" : " calls");
  if (!s.pids.empty()) {
    out += s.pids.size() == 1 ? ", pid " : ", pids ";
    size_t n = 0;
    for (int64_t p : s.pids) {
      if (n++ == 4) {
        out += " (+" + std::to_string(s.pids.size() - 4) + " more)";
        break;
      }
      out += (n > 1 ? " " : "") + std::to_string(p);
    }
  }
  if (!s.processes.empty()) {
    std::string names;
    for (const std::string& p : s.processes) names += (names.empty() ? "" : ", ") + p;
    out += " (" + names + ")";
  }
  return out;
}

bool KnownOnSome(const std::vector<const ArchInfo*>& arches, std::string_view name) {
  for (const ArchInfo* a : arches) {
    if (SyscallNumber(*a, name)) return true;
  }
  return false;
}

// Parse, compile and run every call of the trace through the filter: all must be allowed.
std::optional<Error> CheckPolicy(const GeneratedPolicy& g, std::span<const TraceCall> calls,
                   const std::vector<const ArchInfo*>& arches) {
  Result<Policy> parsed = ParsePolicyText(g.text, "generated policy");
  if (!parsed.ok()) return MakeError("generate-check", parsed.error().ToString());
  ResolveOptions ro;
  ro.arches = arches;
  ro.kill_process = true;
  if (!g.default_action.empty()) {
    Result<RuleAction> a = ParseActionText(g.default_action);
    if (!a.ok()) return MakeError("bad-default-action", a.error().message);
    ro.default_action = *a;
  }
  Result<CompiledPolicy> compiled = CompilePolicy(*parsed, ro);
  if (!compiled.ok()) return MakeError("generate-check", compiled.error().ToString());
  Result<VerifiedProgram> verified = Verify(compiled->program);
  if (!verified.ok()) return MakeError("generate-check", verified.error().ToString());
  for (const TraceCall& c : calls) {
    const uint32_t ret = RunFilter(*verified, c.record);
    if (ret != seccomp::kRetAllow) {
      return MakeError("generate-check", "the generated policy does not allow the call at line " +
                                             std::to_string(c.line) + " (" + c.name + ")");
    }
  }
  return std::nullopt;
}

}  // namespace

namespace {

bool AtDefault(std::string_view action) {
  for (std::string_view a : {"kill", "kill-process", "kill-thread", "trap", "user-notify"}) {
    if (action == a) return true;
  }
  return false;
}

std::string Header(const GeneratedPolicy& g, const GenerateOptions& o) {
  std::string h = "# Generated by sckit generate";
  if (!o.source.empty()) h += " from " + CommentSafe(o.source);
  h += ": " + std::to_string(g.calls) + " calls of " + std::to_string(g.syscalls) +
       " syscalls.\n# Compile with: sckit compile POLICY " + CompileArguments(g) + "\n";
  h += "#\n"
       "# A trace shows what one run did, not everything the program may do: review every\n"
       "# rule, run the program's other paths, and test (docs/generate.md). Arguments are\n"
       "# checked only where the trace justifies it: flags and enumerations (socket family\n"
       "# and type, ioctl request, prctl option, fcntl command, mmap/mprotect protection,\n"
       "# clone/unshare flags, madvise advice, personality) whose value every call showed.\n"
       "# Pointers (paths, buffers, structs) are never checked: a filter sees only the address.\n";
  if (g.default_action.empty()) h += "\n@default " + o.default_action + "\n";
  return h;
}

void AddFindings(const std::map<std::string, Seen>& seen, const std::map<std::string, Rule>& rules,
                 std::vector<Finding>* out) {
  for (const NewerSyscall& n : NewerSyscalls()) {
    if (!seen.count(std::string(n.syscall))) continue;
    std::string m = std::string(n.syscall) + " appeared in Linux " + std::string(n.linux_version) +
                    ": older kernels answer ENOSYS themselves";
    if (!n.fallback.empty()) {
      m += " and libc falls back to " + std::string(n.fallback);
      if (!seen.count(std::string(n.fallback))) m += ", which this trace did not show";
    }
    out->push_back({"newer-syscall", std::string(n.syscall), m});
  }
  for (const EscapeHatch& e : EscapeHatches()) {
    auto it = rules.find(std::string(e.syscall));
    if (it == rules.end()) continue;
    const Seen& s = seen.at(std::string(e.syscall));
    uint64_t allowed = 0;
    for (const TraceCall* c : s.calls) allowed |= c->record.args[0];
    if (!it->second.constrained) {
      out->push_back({"escape-hatch", std::string(e.syscall),
                      std::string(e.syscall) + " is allowed without argument checks: " +
                          std::string(e.why)});
    } else if (e.risky_flags && (allowed & e.risky_flags)) {
      out->push_back({"escape-hatch", std::string(e.syscall),
                      std::string(e.syscall) + " is allowed with flags the trace used: " +
                          std::string(e.why)});
    }
  }
}

}  // namespace

std::string CompileArguments(const GeneratedPolicy& g) {
  std::string out;
  for (const std::string& a : g.arches) out += "--arch " + a + " ";
  out += "--kill-process";
  if (!g.default_action.empty()) out += " --default-action '" + g.default_action + "'";
  return out;
}

Result<GeneratedPolicy> GeneratePolicy(std::span<const TraceCall> calls,
                                       const GenerateOptions& o) {
  if (calls.empty()) return MakeError("no-calls", "the trace has no system calls");
  Result<std::vector<const ArchInfo*>> arches = ChooseArches(calls, o);
  if (!arches.ok()) return arches.error();
  if (!ParseActionText(o.default_action).ok()) {
    return MakeError("bad-default-action", "'" + o.default_action + "' is not an action of the "
                                           "rules language (kill-process, return EPERM, log...)");
  }
  GeneratedPolicy g;
  for (const ArchInfo* a : *arches) g.arches.push_back(std::string(a->name));
  if (!AtDefault(o.default_action)) g.default_action = o.default_action;
  g.calls = calls.size();
  bool has32 = false;
  for (const ArchInfo* a : *arches) has32 |= a->bits == 32;
  const std::map<std::string, Seen> seen = Group(calls);
  g.syscalls = seen.size();
  std::map<std::string, Rule> rules;
  for (const auto& [name, s] : seen) {
    Rule r = RenderRule(s, ArgsToCheck(s, o, has32), o.max_clauses);
    r.notes.insert(r.notes.begin(), Seenby(s));
    if (!SyscallName(s.calls.front()->record.arch, s.calls.front()->record.nr)) {
      r.notes.push_back("no name in libseccomp's table: the number applies on every arch");
      g.findings.push_back({"unknown-number", name, "syscall " + name + " has no name for its "
                            "arch in libseccomp's table; the rule uses the number"});
    }
    g.constrained += r.constrained;
    rules.emplace(name, std::move(r));
  }
  AddFindings(seen, rules, &g.findings);
  std::string body = "\n# Seen in the trace\n";
  for (const auto& [name, r] : rules) {
    for (const std::string& n : r.notes) body += "# " + name + ": " + n + "\n";
    body += r.text + "\n";
  }
  std::string added;
  if (o.runtime_calls) {
    for (const RuntimeCall& c : RuntimeCalls()) {
      if (seen.count(std::string(c.syscall)) || !KnownOnSome(*arches, c.syscall)) continue;
      added += std::string(c.syscall) + ": 1  # " + std::string(c.why) + "\n";
      ++g.added;
    }
  }
  if (o.enosys_stubs) {
    for (const NewerSyscall& n : NewerSyscalls()) {
      if (n.fallback.empty() || seen.count(std::string(n.syscall)) ||
          !seen.count(std::string(n.fallback)) || !KnownOnSome(*arches, n.syscall)) {
        continue;
      }
      added += std::string(n.syscall) + ": return ENOSYS  # Linux " +
               std::string(n.linux_version) + "; libc falls back to " +
               std::string(n.fallback) + " on ENOSYS, not on the default action\n";
      g.findings.push_back({"enosys-stub", std::string(n.syscall),
                            std::string(n.syscall) + " (Linux " + std::string(n.linux_version) +
                                ") answers ENOSYS so that libc falls back to " +
                                std::string(n.fallback) + ", which the trace shows"});
      ++g.added;
    }
  }
  if (!added.empty()) body += "\n# Not in the trace: needed at run time or by libc's fallbacks\n" + added;
  std::string findings;
  for (const Finding& f : g.findings) findings += "#   " + f.kind + ": " + f.message + "\n";
  g.text = Header(g, o) + (findings.empty() ? "" : "\n# Findings:\n" + findings) + body;
  if (std::optional<Error> e = CheckPolicy(g, calls, *arches)) return *e;
  return g;
}

}  // namespace sckit::policy
