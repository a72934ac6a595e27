// Syscall user dispatch (vm/dispatch.h) as the stage before the filter stack in the analyses
// (`sckit analyze`, `sckit diff`): for one configuration, whether a call is stopped before any
// filter runs, concretely (DecideDispatch) and as a formula over the seccomp_data words
// (analysis/symbolic.h): the kernel's
//   ip - offset < len              (unsigned 64-bit, on the stored range: inclusive inverted)
//   arch == AUDIT_ARCH_I386 && ip != 0 && ip is one of the vDSO sigreturn pads
// exempt a call; otherwise the selector (a configuration, not a per-call variable) decides:
// ALLOW passes every call, BLOCK or no selector dispatches (DISPATCH_SIGSYS), an invalid byte
// or an unreadable selector kills the process (KILL_PROCESS: SIGSYS / SIGSEGV). ip is
// seccomp_data.instruction_pointer, read from the words in the arch's word order.
//
// The stopped outcome joins the canonical outcomes (symbolic.h) as kCanonicalDispatchSigsys, a
// value Canonical() never gives for a filter (0x7ffe0000 is no seccomp action), shown as
// "DISPATCH_SIGSYS" by CanonicalText.
#pragma once

#include <z3++.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/symbolic.h"
#include "vm/dispatch.h"
#include "vm/program.h"
#include "vm/seccomp_data.h"

namespace sckit::analysis {

inline constexpr uint32_t kCanonicalDispatchSigsys = 0x7ffe0000u;

// What the stage does with calls it does not exempt: nullopt when it lets them all through
// (off, or selector ALLOW), else kCanonicalDispatchSigsys or KILL_PROCESS.
std::optional<uint32_t> DispatchStopOutcome(const DispatchConfig& config);

// The canonical outcome the stage gives `d` (nullopt: it reaches the filters).
std::optional<uint32_t> DispatchOutcome(const DispatchConfig& config, const SeccompData& d);

// The stack's canonical outcome on `d` after the stage (ConcreteOutcome when it passes).
uint32_t OutcomeWithDispatch(const std::vector<const VerifiedProgram*>& stack,
                             const DispatchConfig& config, const SeccompData& d);

// Whether the stage's answer for calls of `arch` depends on ip (a region that neither covers
// nothing nor is empty-and-unexempting, or the vDSO pads on i386); false when it stops or
// passes every call of that arch alike.
bool DispatchDependsOnIp(const DispatchConfig& config, uint32_t arch);

// An ip the stage lets through for calls of `arch` (nullopt when it stops them all): any ip
// when it stops none, else one inside the exempt range or a vDSO pad.
std::optional<uint64_t> PassingIp(const DispatchConfig& config, uint32_t arch);

// An ip the stage stops for calls of `arch` (nullopt when it stops none).
std::optional<uint64_t> StoppingIp(const DispatchConfig& config, uint32_t arch);

// `filters` (a canonical outcome formula) behind the stage: the stop value where the stage
// stops the call, `filters` elsewhere.
z3::expr WithDispatch(z3::context& ctx, const DataWords& words, const DispatchConfig& config,
                      const z3::expr& filters);

// When the stage stops a call of `arch`: "ip not in [0x7f0000000000, 0x7f0000001000)",
// "ip in [0x1000, 0x2000)" (inclusive), "always", with " and ip is not a vDSO sigreturn pad"
// on i386 when the pads are set; "" when it never stops one.
std::string DispatchStopCondition(const DispatchConfig& config, uint32_t arch);

}  // namespace sckit::analysis
