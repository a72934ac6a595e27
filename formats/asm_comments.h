// Comments of sckit's assembly (docs/asm.md): `/* ... */` blocks, which may span lines, and
// the line comments `;`, `//` and lines whose first non-blank character is `#`.
#pragma once

#include <string>
#include <string_view>

#include "vm/status.h"

namespace sckit::text {

// Replaces /* ... */ comments by spaces, keeping newlines so line numbers stay right. A `/*`
// inside a line comment is part of that comment. Error "unterminated-comment" with the line
// of a `/*` that is never closed.
Result<std::string> StripBlockComments(std::string_view in);

// The line without its `;` or `//` comment; empty for a `#` line.
std::string_view StripLineComment(std::string_view line);

}  // namespace sckit::text
