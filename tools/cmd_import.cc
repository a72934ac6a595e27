// Placeholder until this subcommand lands: reports that it is not available yet.
#include <cstdio>

#include "tools/command.h"

namespace sckit::tools {
int RunImport(const std::vector<std::string>&) {
  std::fprintf(stderr, "sckit: this command is not implemented yet\n");
  return kExitUsage;
}
}  // namespace sckit::tools
