// Loading the filter files a subcommand was given: parse (any format, raw files in either byte
// order), verify, and report failures the way `sckit verify` does, so every subcommand treats
// bad input alike. --byte-order is defined here once for every command that reads filters.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "formats/loader.h"
#include "tools/options.h"
#include "vm/program.h"

namespace sckit::tools {

// Adds --byte-order big|little|auto (default auto) to a command's options.
void AddByteOrderOption(po::options_description* options);

// The --byte-order given (kAuto when the command has no such option). On a bad value prints
// "sckit CMD: unknown byte order ..." and returns nullopt (exit 2).
std::optional<ByteOrder> ByteOrderOption(const std::string& command, const po::variables_map& vm);

// How commands read filter files: `format`, `order`, and auto detection of the byte order
// checked with the verifier (formats/loader.h).
LoadOptions FilterLoadOptions(Format format, ByteOrder order = ByteOrder::kAuto);

// LoadProgramFile with FilterLoadOptions; prints ByteOrderNote on stderr as "sckit CMD: FILE:
// note: ..." when there is something to say.
Result<Program> LoadFilterFile(const std::string& command, const std::string& path,
                               const LoadOptions& options, LoadInfo* info = nullptr);

// Oldest first. On failure prints the reason (a parse or I/O error: "sckit CMD: FILE: ...",
// exit code 2; a rejection, by the verifier or by the loader's kernel verdict on a file of
// more than 4096 instructions: "FILE: rejected: pc N: rule: ... (EINVAL)", exit code 1), sets
// *exit_code and returns nullopt.
std::optional<std::vector<VerifiedProgram>> LoadVerifiedFiles(const std::string& command,
                                                              const std::vector<std::string>& files,
                                                              const LoadOptions& options,
                                                              int* exit_code,
                                                              std::vector<LoadInfo>* infos = nullptr);

// The order to write raw output in: the one asked for, else the one the (first) input was read
// in, else the host's little-endian order.
ByteOrder OutputByteOrder(ByteOrder asked, const std::vector<LoadInfo>& inputs);
// The same with FilterLoadOptions(format): byte order detected.
std::optional<std::vector<VerifiedProgram>> LoadVerifiedFiles(const std::string& command,
                                                              const std::vector<std::string>& files,
                                                              Format format, int* exit_code);

std::vector<const VerifiedProgram*> Pointers(const std::vector<VerifiedProgram>& programs);

// The prologue of a command that reads a stack of filter files: the files of its positional
// "file" option and its --format. With no file prints "sckit CMD: no filter file given (see
// --help)", with an unknown format the parse error; both return nullopt (exit 2).
struct FilterArgs {
  std::vector<std::string> files;
  Format format = Format::kAuto;
};
std::optional<FilterArgs> ParseFilterArgs(const std::string& command, const po::variables_map& vm);

// Reads what ParseFilterArgs found: --byte-order (ByteOrderOption), then LoadVerifiedFiles of
// args.files with FilterLoadOptions(args.format, order). On failure sets *exit_code (2 for a bad
// --byte-order) and returns nullopt.
std::optional<std::vector<VerifiedProgram>> ReadFilterStack(const std::string& command,
                                                            const FilterArgs& args,
                                                            const po::variables_map& vm,
                                                            int* exit_code,
                                                            std::vector<LoadInfo>* infos = nullptr);

// Splits arguments at the first "--": what comes before is options, what follows a command.
std::pair<std::vector<std::string>, std::vector<std::string>> SplitAtDoubleDash(
    const std::vector<std::string>& args);

}  // namespace sckit::tools
