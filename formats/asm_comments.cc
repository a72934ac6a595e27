// Comments of sckit's assembly (formats/asm_comments.h).
#include "formats/asm_comments.h"

#include <algorithm>

namespace sckit::text {

// Replaces /* ... */ comments by spaces, keeping newlines so line numbers stay right. A `/*`
// inside a line comment (`;`, `//`, a `#` line) is part of that comment. A `/*` never closed
// is an error naming the line it opens (it once dropped the rest of the file silently).
Result<std::string> StripBlockComments(std::string_view in) {
  std::string out(in);
  int line = 1;
  bool line_comment = false;  // inside a `;`, `//` or `#` comment until the end of the line
  bool line_start = true;
  for (size_t i = 0; i < out.size(); ++i) {
    const char c = out[i];
    if (c == '\n') {
      ++line;
      line_comment = false;
      line_start = true;
      continue;
    }
    if (line_comment) continue;
    if (c == ';' || (line_start && c == '#') || out.compare(i, 2, "//") == 0) {
      line_comment = true;
      continue;
    }
    if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v') line_start = false;
    if (out.compare(i, 2, "/*") != 0) continue;
    const size_t end = out.find("*/", i + 2);
    if (end == std::string::npos) {
      return MakeLineError("unterminated-comment", "'/*' opened here is never closed by '*/'", line);
    }
    for (size_t j = i; j < end + 2; ++j) {
      if (out[j] == '\n') {
        ++line;
      } else {
        out[j] = ' ';
      }
    }
    i = end + 1;
  }
  return out;
}

// Strips `;` and `//` comments, and lines whose first non-blank character is `#`.
std::string_view StripLineComment(std::string_view line) {
  size_t first = line.find_first_not_of(" \t\r\f\v");
  if (first != std::string_view::npos && line[first] == '#') return {};
  size_t cut = line.size();
  size_t semi = line.find(';');
  if (semi != std::string_view::npos) cut = std::min(cut, semi);
  size_t slashes = line.find("//");
  if (slashes != std::string_view::npos) cut = std::min(cut, slashes);
  return line.substr(0, cut);
}

}  // namespace sckit::text
