// Syscall user dispatch: the configuration's checks and the per-call decision (vm/dispatch.h).
#include "vm/dispatch.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <optional>

#include "vm/arch.h"

namespace sckit {
namespace {

std::optional<uint64_t> ParseU64(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty()) return std::nullopt;
  unsigned base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  uint64_t v = 0;
  for (char c : s) {
    unsigned d;
    if (c >= '0' && c <= '9') {
      d = static_cast<unsigned>(c - '0');
    } else if (base == 16 && std::isxdigit(static_cast<unsigned char>(c))) {
      d = static_cast<unsigned>(std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
    } else {
      return std::nullopt;
    }
    if (v > (UINT64_MAX - d) / base) return std::nullopt;
    v = v * base + d;
  }
  return v;
}

std::string HexText(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// The range the kernel stores: the inclusive mode's is inverted (it wraps around).
void StoredRange(const DispatchConfig& c, uint64_t* offset, uint64_t* len) {
  *offset = c.offset;
  *len = c.len;
  if (c.mode == DispatchMode::kInclusive) {
    *offset = c.offset + c.len;
    *len = 0 - c.len;
  }
}

}  // namespace

std::string_view DispatchResultName(DispatchResult r) {
  switch (r) {
    case DispatchResult::kOff: return "off";
    case DispatchResult::kRegionExempt: return "region-exempt";
    case DispatchResult::kVdsoSigreturn: return "vdso-sigreturn";
    case DispatchResult::kSelectorAllow: return "selector-allow";
    case DispatchResult::kDispatched: return "dispatched";
    case DispatchResult::kInvalidSelector: return "invalid-selector";
    case DispatchResult::kSelectorFault: return "selector-fault";
  }
  return "off";
}

DispatchResult DecideDispatch(const DispatchConfig& config, const SeccompData& data) {
  if (!config.on()) return DispatchResult::kOff;
  uint64_t offset, len;
  StoredRange(config, &offset, &len);
  const uint64_t ip = data.instruction_pointer;
  if (ip - offset < len) return DispatchResult::kRegionExempt;
  if (data.arch == kAuditArchI386 && ip != 0 &&
      (ip == config.vdso_sigreturn[0] || ip == config.vdso_sigreturn[1])) {
    return DispatchResult::kVdsoSigreturn;
  }
  switch (config.selector_kind) {
    case SelectorKind::kNone: return DispatchResult::kDispatched;
    case SelectorKind::kFault: return DispatchResult::kSelectorFault;
    case SelectorKind::kByte: break;
  }
  if (config.selector == kDispatchAllow) return DispatchResult::kSelectorAllow;
  if (config.selector != kDispatchBlock) return DispatchResult::kInvalidSelector;
  return DispatchResult::kDispatched;
}

Result<bool> CheckDispatchConfig(const DispatchConfig& c) {
  const uint64_t end = c.offset + c.len;  // wraps like the kernel's unsigned long
  auto bad = [&](const std::string& why) {
    return MakeError("bad-dispatch-region",
                     "region " + HexText(c.offset) + "," + HexText(c.len) + ": " + why +
                         " (prctl(PR_SET_SYSCALL_USER_DISPATCH) fails with EINVAL)",
                     -1, EINVAL);
  };
  switch (c.mode) {
    case DispatchMode::kOff:
      if (c.offset != 0 || c.len != 0) return bad("dispatch off takes no region");
      return true;
    case DispatchMode::kExclusive:
      if (c.offset != 0 && end <= c.offset) {
        return bad(c.len == 0 ? "an empty region must start at 0"
                              : "offset + len overflows 64 bits");
      }
      return true;
    case DispatchMode::kInclusive:
      if (c.len == 0) return bad("inclusive dispatch needs a non-empty region");
      if (end <= c.offset) return bad("offset + len overflows 64 bits");
      return true;
  }
  return true;
}

Result<DispatchMode> ParseDispatchMode(std::string_view text) {
  if (text == "off") return DispatchMode::kOff;
  if (text == "on" || text == "exclusive") return DispatchMode::kExclusive;
  if (text == "inclusive") return DispatchMode::kInclusive;
  return MakeError("usage", "--dispatch: '" + std::string(text) +
                                "' is not off, on (= exclusive) or inclusive");
}

Result<bool> ParseDispatchRegion(std::string_view text, DispatchConfig* config) {
  const size_t comma = text.find(',');
  const std::optional<uint64_t> offset =
      comma == std::string_view::npos ? std::nullopt : ParseU64(text.substr(0, comma));
  const std::optional<uint64_t> len =
      comma == std::string_view::npos ? std::nullopt : ParseU64(text.substr(comma + 1));
  if (!offset || !len) {
    return MakeError("usage", "--dispatch-region: '" + std::string(text) +
                                  "' is not OFFSET,LEN (two numbers below 2^64, e.g. "
                                  "0x7f0000000000,0x1000)");
  }
  config->offset = *offset;
  config->len = *len;
  return true;
}

Result<bool> ParseDispatchSelector(std::string_view text, DispatchConfig* config) {
  config->selector_kind = SelectorKind::kByte;
  if (text == "allow") {
    config->selector = kDispatchAllow;
  } else if (text == "block") {
    config->selector = kDispatchBlock;
  } else if (text == "none") {
    config->selector_kind = SelectorKind::kNone;
  } else if (text == "fault") {
    config->selector_kind = SelectorKind::kFault;
  } else if (std::optional<uint64_t> v = ParseU64(text); v && *v <= 255) {
    config->selector = static_cast<uint8_t>(*v);
  } else {
    return MakeError("usage", "--dispatch-selector: '" + std::string(text) +
                                  "' is not allow, block, none, fault or a byte 0..255");
  }
  return true;
}

Result<bool> ParseDispatchVdso(std::string_view text, DispatchConfig* config) {
  const size_t comma = text.find(',');
  const std::optional<uint64_t> a = ParseU64(text.substr(0, comma));
  const std::optional<uint64_t> b =
      comma == std::string_view::npos ? a : ParseU64(text.substr(comma + 1));
  if (!a || !b || *a == 0 || *b == 0) {
    return MakeError("usage", "--dispatch-vdso-sigreturn: '" + std::string(text) +
                                  "' is not ADDR[,ADDR] (non-zero addresses)");
  }
  config->vdso_sigreturn[0] = *a;
  config->vdso_sigreturn[1] = *b;
  return true;
}

std::string DispatchConfigText(const DispatchConfig& c) {
  if (!c.on()) return "off";
  std::string out = c.mode == DispatchMode::kInclusive ? "inclusive" : "on";
  out += " region " + HexText(c.offset) + "," + HexText(c.len) + " selector ";
  switch (c.selector_kind) {
    case SelectorKind::kNone: return out + "none";
    case SelectorKind::kFault: return out + "fault";
    case SelectorKind::kByte: break;
  }
  if (c.selector == kDispatchAllow) return out + "allow";
  if (c.selector == kDispatchBlock) return out + "block";
  return out + std::to_string(c.selector);
}

}  // namespace sckit
