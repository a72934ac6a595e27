// Shared helpers for subcommands: Boost.Program_options parsing with sckit's conventions
// (--help prints the description and exits 0; a bad option prints the error and exits 2).
#pragma once

#include <boost/program_options.hpp>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "vm/status.h"
#include "vm/text.h"  // JsonEscape, Hex: every command prints with them

namespace sckit::tools {

namespace po = boost::program_options;

// Parses args into vm. Returns an exit code to return immediately (help printed: 0, error: 2),
// or nullopt to continue. `usage` is the first line of --help ("sckit verify [options] FILE...").
std::optional<int> ParseOptions(const std::vector<std::string>& args, const std::string& usage,
                                const po::options_description& visible,
                                const po::options_description& hidden,
                                const po::positional_options_description& positional,
                                po::variables_map* vm);

// "sckit <cmd>: <error>" on stderr.
void PrintError(const std::string& command, const Error& error);
void PrintError(const std::string& command, const std::string& message);

// An error as JSON members, without braces: `"errno": "EINVAL", "pc": 3, "rule": "...",
// "message": "..."` (errno and pc null when not set). verify and jit print these.
std::string ErrorJsonFields(const Error& e);


}  // namespace sckit::tools
