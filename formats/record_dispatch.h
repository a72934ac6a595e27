// A record line's own syscall user dispatch configuration (vm/dispatch.h), for `sckit eval` and
// `sckit test` lines that need another configuration than the command line's:
//
//   arch=x86_64 nr=openat ip=0x401000 dispatch=on region=0x7f0000000000,0x10000 selector=block
//
// Keys (each one the `--dispatch*` option's name without its `dispatch-` prefix, with the same
// value words; none of them is a pattern: they hold for every record the line expands to):
//   dispatch=off|on|exclusive|inclusive       --dispatch
//   region=OFFSET,LEN                          --dispatch-region
//   selector=allow|block|none|fault|0..255     --dispatch-selector
//   vdso-sigreturn=ADDR[,ADDR]                 --dispatch-vdso-sigreturn
// The line's fields override the command line's for that line only; the others come from the
// command line (ApplyLineDispatch). `dispatch=off` also drops the command line's region and
// vDSO addresses. The result is checked as prctl(PR_SET_SYSCALL_USER_DISPATCH) checks it
// (CheckDispatchConfig: a wrapping or empty region is EINVAL), and region, selector or
// vdso-sigreturn while dispatch is off is an error too, each naming the line and the token.
//
// Printing: LineDispatchText gives the whole effective configuration, so a printed line parses
// back to the same configuration whatever the command line says. Binary records carry no
// configuration: they take the command line's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "vm/dispatch.h"
#include "vm/status.h"

namespace sckit {

struct LineDispatch {
  enum Field : unsigned { kMode = 1, kRegion = 2, kSelector = 4, kVdso = 8 };
  unsigned given = 0;     // the Fields the line sets
  DispatchConfig values;  // their values (the others unused)
  int line = -1;
  // The tokens as written, for errors: "dispatch=on", "region=0x10,0xfff...".
  std::string mode_token, region_token, selector_token, vdso_token;

  bool any() const { return given != 0; }
  // The first of the tokens given, in key order (for errors about the whole configuration).
  const std::string& FirstToken() const;
};

// Whether `key` is one of the keys above.
bool IsLineDispatchKey(std::string_view key);

// One `key=value` token whose key IsLineDispatchKey into *out. Errors (with `line` and the
// token): "duplicate-key", "bad-dispatch" (a value the option would refuse).
Result<bool> ParseLineDispatchToken(std::string_view key, std::string_view value,
                                    std::string_view token, int line, LineDispatch* out);

// The configuration a line gives: `base` (the command line's) with the line's fields. Errors:
// "bad-dispatch-region" (the prctl's EINVAL cases), "bad-dispatch" (region, selector or
// vdso-sigreturn while dispatch is off), at the line's token.
Result<DispatchConfig> ApplyLineDispatch(const DispatchConfig& base, const LineDispatch& line);

// `dispatch=on region=0x7f0000000000,0x1000 selector=block` (plus `vdso-sigreturn=A,B` when
// set); `dispatch=off` when off. Parses back to the same configuration.
std::string LineDispatchText(const DispatchConfig& config);

// `{"mode": "on", "offset": N, "len": N, "selector": "block" | N | "none" | "fault",
// "vdso_sigreturn": [A, B] | null}`; `{"mode": "off"}` when off.
std::string DispatchConfigJson(const DispatchConfig& config);

}  // namespace sckit
