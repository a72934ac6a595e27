// Writing a command's output file so that it is never half-written: the data goes to a
// temporary file in the same directory, is flushed to disk, and is renamed over the target; on
// any failure the temporary is removed and the target is left as it was. "-" or an empty path
// means standard output, where raw bytes are refused on a terminal.
#pragma once

#include <string>

namespace sckit::tools {

// Returns kExitOk, or prints "sckit <command>: ..." and returns kExitUsage.
int WriteOutputAtomically(const std::string& command, const std::string& path,
                          const std::string& data, bool binary);

}  // namespace sckit::tools
