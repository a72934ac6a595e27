// Syscall user dispatch as the analyses' first stage, concretely and as a formula
// (analysis/dispatch_stage.h).
#include "analysis/dispatch_stage.h"

#include <cstdio>

#include "analysis/diff.h"
#include "vm/arch.h"
#include "vm/bpf.h"

namespace sckit::analysis {
namespace {

std::string HexText(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// ip as the filter sees it: words 2 and 3 are ip's low and high halves on a little-endian
// arch, the other way round on a big-endian one (vm/record_layout.h).
z3::expr IpOf(z3::context& ctx, const DataWords& words) {
  z3::expr big = ctx.bool_val(false);
  for (const ArchInfo& a : AllArches()) {
    if (a.big_endian) big = big || words.arch() == ctx.bv_val(a.audit_arch, 32);
  }
  return z3::ite(big, z3::concat(words.w[2], words.w[3]), z3::concat(words.w[3], words.w[2]));
}

bool HasVdso(const DispatchConfig& c) { return c.vdso_sigreturn[0] != 0; }

}  // namespace

std::optional<uint32_t> DispatchStopOutcome(const DispatchConfig& c) {
  if (!c.on()) return std::nullopt;
  switch (c.selector_kind) {
    case SelectorKind::kNone: return kCanonicalDispatchSigsys;
    case SelectorKind::kFault: return seccomp::kRetKillProcess;
    case SelectorKind::kByte: break;
  }
  if (c.selector == kDispatchAllow) return std::nullopt;
  if (c.selector == kDispatchBlock) return kCanonicalDispatchSigsys;
  return seccomp::kRetKillProcess;
}

std::optional<uint32_t> DispatchOutcome(const DispatchConfig& c, const SeccompData& d) {
  if (DispatchPasses(DecideDispatch(c, d))) return std::nullopt;
  return DispatchStopOutcome(c);
}

uint32_t OutcomeWithDispatch(const std::vector<const VerifiedProgram*>& stack,
                             const DispatchConfig& c, const SeccompData& d) {
  if (std::optional<uint32_t> stop = DispatchOutcome(c, d)) return *stop;
  return ConcreteOutcome(stack, d);
}

bool DispatchDependsOnIp(const DispatchConfig& c, uint32_t arch) {
  if (!DispatchStopOutcome(c)) return false;
  if (arch == kAuditArchI386 && HasVdso(c)) return true;
  // Exclusive with an empty region at 0 exempts nothing; every other accepted region exempts
  // some ips and not others (no region covers all 2^64 values).
  return c.len != 0;
}

std::optional<uint64_t> PassingIp(const DispatchConfig& c, uint32_t arch) {
  if (!DispatchStopOutcome(c)) return uint64_t{0};
  if (c.len != 0) return c.mode == DispatchMode::kInclusive ? c.offset + c.len : c.offset;
  if (arch == kAuditArchI386 && HasVdso(c)) return c.vdso_sigreturn[0];
  return std::nullopt;
}

std::optional<uint64_t> StoppingIp(const DispatchConfig& c, uint32_t arch) {
  if (!DispatchStopOutcome(c)) return std::nullopt;
  // Just past the region, just before it, inside it (inclusive), the ends of the space: one of
  // them is stopped unless the region and the pads leave no ip (never: a region has an end).
  const uint64_t candidates[] = {c.offset + c.len, c.offset - 1, c.offset, 0, ~uint64_t{0}};
  for (uint64_t ip : candidates) {
    SeccompData d;
    d.arch = arch;
    d.instruction_pointer = ip;
    if (DispatchOutcome(c, d)) return ip;
  }
  return std::nullopt;
}

z3::expr WithDispatch(z3::context& ctx, const DataWords& words, const DispatchConfig& c,
                      const z3::expr& filters) {
  const std::optional<uint32_t> stop = DispatchStopOutcome(c);
  if (!stop) return filters;
  uint64_t offset = c.offset, len = c.len;
  if (c.mode == DispatchMode::kInclusive) {  // the kernel stores the inverted range
    offset = c.offset + c.len;
    len = 0 - c.len;
  }
  const z3::expr ip = IpOf(ctx, words);
  z3::expr passes = z3::ult(ip - ctx.bv_val(offset, 64), ctx.bv_val(len, 64));
  if (HasVdso(c)) {
    passes = passes || (words.arch() == ctx.bv_val(kAuditArchI386, 32) &&
                        ip != ctx.bv_val(uint64_t{0}, 64) &&
                        (ip == ctx.bv_val(c.vdso_sigreturn[0], 64) ||
                         ip == ctx.bv_val(c.vdso_sigreturn[1], 64)));
  }
  return z3::ite(passes, filters, ctx.bv_val(*stop, 32));
}

std::string DispatchStopCondition(const DispatchConfig& c, uint32_t arch) {
  if (!DispatchStopOutcome(c)) return "";
  std::string out;
  if (c.len == 0) {
    out = "always";
  } else {
    const std::string range = "[" + HexText(c.offset) + ", " + HexText(c.offset + c.len) + ")";
    out = c.mode == DispatchMode::kInclusive ? "ip in " + range : "ip not in " + range;
  }
  if (arch == kAuditArchI386 && HasVdso(c)) {
    out = (c.len == 0 ? std::string("ip") : out + " and ip") + " is not a vDSO sigreturn pad (" +
          HexText(c.vdso_sigreturn[0]) + ", " + HexText(c.vdso_sigreturn[1]) + ")";
  }
  return out;
}

}  // namespace sckit::analysis
