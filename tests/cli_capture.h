// Runs one `sckit` subcommand in-process, as the tests of the command line do: the subcommand's
// entry point (tools::Cmd<Name>, tools/command.h) called with its arguments, and what it
// returned, printed on standard output and printed on standard error kept for the test to check.
// The one copy of the capture for every CLI test (tests/eval, tests/tools, tests/analysis).
#pragma once

#include <string>
#include <vector>

namespace sckit::testing {

// What a subcommand did: its exit code (tools::kExit*) and its two streams, whole.
struct CliRun {
  int code;
  std::string out;
  std::string err;
};

// A subcommand's entry point, as tools/command.h declares them (args exclude "sckit" and the
// subcommand's name).
using CliCommand = int (*)(const std::vector<std::string>& args);

// Calls cmd(args) with standard output and standard error captured (gtest's capture: not
// reentrant, one capture at a time), flushing both before they are read back.
CliRun CaptureCli(CliCommand cmd, const std::vector<std::string>& args);

}  // namespace sckit::testing
