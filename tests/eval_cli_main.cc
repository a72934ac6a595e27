// `sckit eval` and `sckit test` alone, for tests that run the commands as a process without
// depending on every other subcommand of //tools:sckit.
#include <string>
#include <vector>

#include "tools/command.h"

int main(int argc, char** argv) {
  using namespace sckit::tools;  // NOLINT
  if (argc < 2) return kExitUsage;
  const std::string name = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (name == "eval") return RunEval(args);
  if (name == "test") return RunTest(args);
  return kExitUsage;
}
