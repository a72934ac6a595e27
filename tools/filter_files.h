// Loading the filter files a subcommand was given: parse (any format), verify, and report
// failures the way `sckit verify` does, so every subcommand treats bad input alike.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "vm/program.h"
#include "formats/loader.h"

namespace sckit::tools {

// Oldest first. On failure prints the reason (a parse or I/O error: "sckit CMD: FILE: ...",
// exit code 2; a rejection, by the verifier or by the loader's kernel verdict on a file of
// more than 4096 instructions: "FILE: rejected: pc N: rule: ... (EINVAL)", exit code 1), sets
// *exit_code and returns nullopt.
std::optional<std::vector<VerifiedProgram>> LoadVerifiedFiles(const std::string& command,
                                                              const std::vector<std::string>& files,
                                                              Format format, int* exit_code);

std::vector<const VerifiedProgram*> Pointers(const std::vector<VerifiedProgram>& programs);

// Splits arguments at the first "--": what comes before is options, what follows a command.
std::pair<std::vector<std::string>, std::vector<std::string>> SplitAtDoubleDash(
    const std::vector<std::string>& args);

}  // namespace sckit::tools
