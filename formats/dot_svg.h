// Graphviz DOT text -> SVG, by running Graphviz's `dot -Tsvg` (Debian's graphviz package) in a
// child process that is stopped after a deadline: a guard only, since callers keep layouts small
// (analysis/cfg.h's size limits). The one place sckit runs an outside program for output.
#pragma once

#include <string>

#include "vm/status.h"

namespace sckit {

struct DotOptions {
  bool fast_layout = false;  // fewer layout passes and straight edges, for large graphs
  int deadline_seconds = 60;
};

// Errors: "graphviz-missing" (no `dot` in PATH: the message says what to install),
// "graphviz-timeout", "graphviz-failed", "io-error".
Result<std::string> DotToSvg(const std::string& dot, const DotOptions& options = {});

}  // namespace sckit
