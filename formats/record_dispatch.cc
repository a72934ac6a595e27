// A record line's syscall user dispatch keys: parsing, applying over the command line's
// configuration with the prctl's checks, and printing (formats/record_dispatch.h).
#include "formats/record_dispatch.h"

#include <cstdio>

namespace sckit {
namespace {

std::string HexText(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

Error AtToken(std::string rule, std::string_view token, const std::string& what, int line) {
  return MakeLineError(std::move(rule), "'" + std::string(token) + "': " + what, line);
}

// vm/dispatch's option messages start with the option ("--dispatch-region: '...' is not ..."):
// the part after it, for a line's token.
std::string Reason(const Error& e) {
  const size_t colon = e.message.find(": ");
  return colon == std::string::npos ? e.message : e.message.substr(colon + 2);
}

std::string SelectorText(const DispatchConfig& c) {
  switch (c.selector_kind) {
    case SelectorKind::kNone: return "none";
    case SelectorKind::kFault: return "fault";
    case SelectorKind::kByte: break;
  }
  if (c.selector == kDispatchAllow) return "allow";
  if (c.selector == kDispatchBlock) return "block";
  return std::to_string(c.selector);
}

}  // namespace

const std::string& LineDispatch::FirstToken() const {
  for (const std::string* t : {&mode_token, &region_token, &selector_token}) {
    if (!t->empty()) return *t;
  }
  return vdso_token;
}

bool IsLineDispatchKey(std::string_view key) {
  return key == "dispatch" || key == "region" || key == "selector" || key == "vdso-sigreturn";
}

Result<bool> ParseLineDispatchToken(std::string_view key, std::string_view value,
                                    std::string_view token, int line, LineDispatch* out) {
  out->line = line;
  LineDispatch::Field field;
  std::string* where;
  Result<bool> parsed = true;
  if (key == "dispatch") {
    field = LineDispatch::kMode;
    where = &out->mode_token;
    Result<DispatchMode> mode = ParseDispatchMode(value);
    if (mode.ok()) out->values.mode = *mode;
    if (!mode.ok()) parsed = mode.error();
  } else if (key == "region") {
    field = LineDispatch::kRegion;
    where = &out->region_token;
    parsed = ParseDispatchRegion(value, &out->values);
  } else if (key == "selector") {
    field = LineDispatch::kSelector;
    where = &out->selector_token;
    parsed = ParseDispatchSelector(value, &out->values);
  } else {
    field = LineDispatch::kVdso;
    where = &out->vdso_token;
    parsed = ParseDispatchVdso(value, &out->values);
  }
  if ((out->given & field) != 0) return AtToken("duplicate-key", token, "key given twice", line);
  if (!parsed.ok()) return AtToken("bad-dispatch", token, Reason(parsed.error()), line);
  out->given |= field;
  *where = std::string(token);
  return true;
}

Result<DispatchConfig> ApplyLineDispatch(const DispatchConfig& base, const LineDispatch& l) {
  DispatchConfig c = base;
  if (l.given & LineDispatch::kMode) {
    c.mode = l.values.mode;
    if (!c.on()) {  // off: the command line's region and vDSO pads go with it
      c.offset = c.len = 0;
      c.vdso_sigreturn[0] = c.vdso_sigreturn[1] = 0;
    }
  }
  if (l.given & LineDispatch::kRegion) {
    c.offset = l.values.offset;
    c.len = l.values.len;
  }
  if (l.given & LineDispatch::kSelector) {
    c.selector_kind = l.values.selector_kind;
    c.selector = l.values.selector;
  }
  if (l.given & LineDispatch::kVdso) {
    c.vdso_sigreturn[0] = l.values.vdso_sigreturn[0];
    c.vdso_sigreturn[1] = l.values.vdso_sigreturn[1];
  }
  if (!c.on()) {
    for (const std::string* t : {&l.region_token, &l.selector_token, &l.vdso_token}) {
      if (!t->empty()) {
        return AtToken("bad-dispatch", *t,
                       "needs syscall user dispatch on (dispatch=on or inclusive on the line, or "
                       "--dispatch)",
                       l.line);
      }
    }
  }
  if (Result<bool> ok = CheckDispatchConfig(c); !ok.ok()) {
    const std::string& token = !l.region_token.empty() ? l.region_token : l.FirstToken();
    Error e = AtToken("bad-dispatch-region", token, ok.error().message, l.line);
    e.kernel_errno = ok.error().kernel_errno;
    return e;
  }
  return c;
}

std::string LineDispatchText(const DispatchConfig& c) {
  if (!c.on()) return "dispatch=off";
  std::string out = c.mode == DispatchMode::kInclusive ? "dispatch=inclusive" : "dispatch=on";
  out += " region=" + HexText(c.offset) + "," + HexText(c.len) + " selector=" + SelectorText(c);
  if (c.vdso_sigreturn[0] != 0) {
    out += " vdso-sigreturn=" + HexText(c.vdso_sigreturn[0]) + "," + HexText(c.vdso_sigreturn[1]);
  }
  return out;
}

std::string DispatchConfigJson(const DispatchConfig& c) {
  if (!c.on()) return "{\"mode\": \"off\"}";
  std::string out = std::string("{\"mode\": \"") +
                    (c.mode == DispatchMode::kInclusive ? "inclusive" : "on") +
                    "\", \"offset\": " + std::to_string(c.offset) +
                    ", \"len\": " + std::to_string(c.len) + ", \"selector\": ";
  const std::string selector = SelectorText(c);
  out += c.selector_kind == SelectorKind::kByte && c.selector > kDispatchBlock
             ? selector
             : "\"" + selector + "\"";
  out += ", \"vdso_sigreturn\": ";
  out += c.vdso_sigreturn[0] == 0 ? std::string("null")
                                  : "[" + std::to_string(c.vdso_sigreturn[0]) + ", " +
                                        std::to_string(c.vdso_sigreturn[1]) + "]";
  return out + "}";
}

}  // namespace sckit
