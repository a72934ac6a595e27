#include "tools/filter_files.h"

#include <cstdio>

#include "tools/command.h"
#include "tools/options.h"
#include "verifier/verifier.h"

namespace sckit::tools {

std::optional<std::vector<VerifiedProgram>> LoadVerifiedFiles(const std::string& command,
                                                              const std::vector<std::string>& files,
                                                              Format format, int* exit_code) {
  std::vector<VerifiedProgram> out;
  for (const std::string& f : files) {
    Result<Program> p = LoadProgramFile(f, format);
    if (!p.ok() && p.error().kernel_errno == 0) {
      PrintError(command, f + ": " + p.error().ToString());
      *exit_code = kExitUsage;
      return std::nullopt;
    }
    // A load error with a kernel errno (more than 4096 instructions) is a rejection.
    Result<VerifiedProgram> v = p.ok() ? Verify(*p) : Result<VerifiedProgram>(p.error());
    if (!v.ok()) {
      std::fprintf(stderr, "%s: rejected: %s\n", f.c_str(), v.error().ToString().c_str());
      *exit_code = kExitFailed;
      return std::nullopt;
    }
    out.push_back(std::move(*v));
  }
  return out;
}

std::vector<const VerifiedProgram*> Pointers(const std::vector<VerifiedProgram>& programs) {
  std::vector<const VerifiedProgram*> out;
  out.reserve(programs.size());
  for (const VerifiedProgram& p : programs) out.push_back(&p);
  return out;
}

std::pair<std::vector<std::string>, std::vector<std::string>> SplitAtDoubleDash(
    const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") {
      return {std::vector<std::string>(args.begin(), args.begin() + static_cast<long>(i)),
              std::vector<std::string>(args.begin() + static_cast<long>(i) + 1, args.end())};
    }
  }
  return {args, {}};
}

}  // namespace sckit::tools
