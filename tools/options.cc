// Option parsing and error printing with sckit's conventions for every subcommand
// (tools/options.h).
#include "tools/options.h"

#include <iostream>

#include "tools/command.h"

namespace sckit::tools {

std::optional<int> ParseOptions(const std::vector<std::string>& args, const std::string& usage,
                                const po::options_description& visible,
                                const po::options_description& hidden,
                                const po::positional_options_description& positional,
                                po::variables_map* vm) {
  po::options_description all;
  all.add(visible).add(hidden);
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), *vm);
    if (vm->count("help")) {
      std::cout << "usage: " << usage << "\n\n" << visible << "\n";
      return kExitOk;
    }
    po::notify(*vm);
  } catch (const po::error& e) {
    std::cerr << "sckit: " << e.what() << "\nusage: " << usage << "\n(see --help)\n";
    return kExitUsage;
  }
  return std::nullopt;
}

void PrintError(const std::string& command, const Error& error) {
  std::fprintf(stderr, "sckit %s: %s\n", command.c_str(), error.ToString().c_str());
}

void PrintError(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "sckit %s: %s\n", command.c_str(), message.c_str());
}

std::string ErrorJsonFields(const Error& e) {
  std::string out = "\"errno\": ";
  out += e.kernel_errno ? "\"" + ErrnoName(e.kernel_errno) + "\"" : std::string("null");
  out += ", \"pc\": " + (e.pc >= 0 ? std::to_string(e.pc) : std::string("null"));
  out += ", \"rule\": \"" + JsonEscape(e.rule) + "\"";
  out += ", \"message\": \"" + JsonEscape(e.message) + "\"";
  return out;
}

}  // namespace sckit::tools
