// Where a subcommand's output goes, with every write checked: files are written whole or not at
// all (formats/write_file.h), and standard output is flushed and closed by the dispatcher with
// the result checked, so `sckit ... > /dev/full` fails with exit 2 instead of succeeding.
#pragma once

#include <string>
#include <string_view>

namespace sckit::tools {

// Writes `data` to `path`, or to standard output when `path` is empty or "-" (flushed at once).
// Returns kExitOk, or prints "sckit COMMAND: cannot write PATH: REASON" and returns kExitUsage.
int WriteOutput(const std::string& command, const std::string& path, std::string_view data);

// Raw filter bytes never go to a terminal: true (after printing "sckit COMMAND: refusing to
// write raw bytes to a terminal: HINT") when `path` means standard output and that is a tty.
bool RefuseRawOnTerminal(const std::string& command, const std::string& path,
                         const std::string& hint);

// True once a write to standard output has failed: commands that print as they go call it right
// after a write, to stop early and to keep the write's errno for the final message.
bool StandardOutputFailed();

// Called once after a subcommand returned `code`: flushes std::cout and standard output, closes
// the standard output descriptor, and checks every step. On a write error prints
// "sckit COMMAND: write error on standard output: REASON" and returns kExitUsage when `code`
// was kExitOk or kExitFailed; otherwise returns `code`. `command` may be empty (top-level help).
int FinishStandardOutput(const std::string& command, int code);

}  // namespace sckit::tools
