// Helpers shared by the runtime-semantics tests against the running kernel
// (tests/live/outcome_test.cc, outcome_arithmetic_test.cc): Check runs a stack in a forked child
// that makes one harmless call (tests/live/untraced_call.h) and compares what it observed with
// our prediction (RunFilter per filter, ResolveStack, ApplyAction, the effect of
// tests/live/expected_effect.h), with a full report on disagreement; Tiny is a one-call filter;
// Tally counts the kinds of effect seen; Seed is the fixed seed, overridable.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "tests/live/expected_effect.h"
#include "tests/live/untraced_call.h"
#include "tests/live_test_util.h"
#include "verifier/verifier.h"
#include "vm/action.h"
#include "vm/bpf.h"
#include "vm/interpreter.h"
#include "vm/program.h"
#include "vm/seccomp_data.h"

namespace sckit::outcome_testing {

using namespace bpf;  // NOLINT: kernel vocabulary.

inline constexpr uint64_t kDefaultSeed = 0x0dd5eccf00d;
inline constexpr uint32_t kAllow = seccomp::kRetAllow;
inline constexpr int32_t kNrGetpid = 39;

inline uint64_t Seed() { return live_testing::Seed(kDefaultSeed); }

inline std::string Hex(uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

inline std::string Dump(const Program& p) {
  std::string out;
  char line[80];
  for (size_t i = 0; i < p.size(); ++i) {
    const SockFilter& f = p.insns[i];
    snprintf(line, sizeof line, "  /* %3zu */ { 0x%02x, %u, %u, 0x%08x },\n", i, f.code, f.jt, f.jf,
             f.k);
    out += line;
  }
  return out;
}

inline std::string DataString(const SeccompData& d) {
  std::string s = "{nr=" + std::to_string(d.nr) + " arch=" + Hex(d.arch) +
                  " ip=" + Hex(d.instruction_pointer) + " args=";
  for (int i = 0; i < 6; ++i) s += (i ? "," : "") + Hex(d.args[i]);
  return s + "}";
}

// `ld [nr]; jeq #nr, 0, 1; ret #value; ret #ALLOW`: only the tested call is affected, so the
// child's own exit_group and rt_sigreturn still go through.
inline Program Tiny(int32_t nr, uint32_t value) {
  return Program{{Stmt(kLD | kW | kABS, 0), Jump(kJMP | kJEQ | kK, static_cast<uint32_t>(nr), 0, 1),
                  Stmt(kRET | kK, value), Stmt(kRET | kK, kAllow)}};
}

// How often each kind of effect was seen, to show the random cases cover them all.
struct Tally {
  int returned = 0, errno_set = 0, zero = 0, trapped = 0, enosys = 0, killed = 0;
  void Add(const live::ExpectedEffect& e, int64_t natural) {
    using K = live::ExpectedEffect::Kind;
    if (e.kind == K::kKilled)
      ++killed;
    else if (e.kind == K::kTrapsThenReturns)
      ++trapped;
    else if (e.ret == natural)
      ++returned;
    else if (e.ret == -ENOSYS)
      ++enosys;
    else if (e.ret == 0)
      ++zero;
    else
      ++errno_set;
  }
  std::string ToString() const {
    return "ran " + std::to_string(returned) + ", errno " + std::to_string(errno_set) +
           ", errno 0 " + std::to_string(zero) + ", ENOSYS " + std::to_string(enosys) + ", trap " +
           std::to_string(trapped) + ", killed " + std::to_string(killed);
  }
};

// Our prediction for `stack` on the record the kernel saw, compared with what the child saw.
// Returns "" on agreement, else a full report.
inline std::string Check(const std::vector<StackEntry>& stack,
                         const live::SyscallRequest& call, live::RunOptions options = {},
                         Tally* tally = nullptr) {
  Result<live::LiveOutcome> out = live::RunOnKernel(stack, call, options);
  if (!out.ok()) return "harness: " + out.error().ToString();
  std::vector<uint32_t> rets;
  for (const StackEntry& e : stack) {
    Result<VerifiedProgram> v = Verify(e.program);
    if (!v.ok()) return "our verifier rejects a stack filter: " + v.error().ToString();
    rets.push_back(RunFilter(*v, out->data));
  }
  const StackDecision d = ResolveStack(rets);
  const uint32_t match_flags = d.matched >= 0 ? stack[static_cast<size_t>(d.matched)].flags : 0;
  const Outcome model = ApplyAction(d.ret, d.matched, match_flags, out->data, KernelContext{});
  const live::ExpectedEffect want = live::PredictEffect(model, call, out->natural_ret, options);
  if (tally != nullptr) tally->Add(want, out->natural_ret);
  std::optional<std::string> diff = live::CompareEffect(want, *out);
  if (!diff) return "";
  std::string report = *diff + "\n  data " + DataString(out->data) + "\n  our filter results:";
  for (uint32_t r : rets) report += " " + Hex(r);
  report += " -> decision " + Hex(d.ret) + " (" + std::string(ActionName(ActionOf(d.ret))) + ")\n";
  for (size_t i = 0; i < stack.size(); ++i) {
    report += " filter " + std::to_string(i) + " (0 = oldest):\n" + Dump(stack[i].program);
  }
  return report;
}

}  // namespace sckit::outcome_testing
