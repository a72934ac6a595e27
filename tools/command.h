// The sckit command's subcommands. tools/ only parses options and dispatches; all logic lives
// in the libraries. Each subcommand is one cmd_<name>.cc defining its Run function.
//
// Exit codes, for every subcommand: 0 success; 1 the filter or a check failed (rejected,
// mismatch, a failing test case); 2 usage or I/O error.
#pragma once

#include <string>
#include <vector>

namespace sckit::tools {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// args excludes "sckit" and the subcommand name.
using CommandFn = int (*)(const std::vector<std::string>& args);

struct Command {
  const char* name;
  const char* summary;
  CommandFn run;
};

int RunVerify(const std::vector<std::string>& args);
int RunDisasm(const std::vector<std::string>& args);
int RunAsm(const std::vector<std::string>& args);
int RunEval(const std::vector<std::string>& args);
int RunTest(const std::vector<std::string>& args);
int RunJit(const std::vector<std::string>& args);
int RunImport(const std::vector<std::string>& args);
int RunCompile(const std::vector<std::string>& args);
int RunDecompile(const std::vector<std::string>& args);
int RunRun(const std::vector<std::string>& args);
int RunDump(const std::vector<std::string>& args);
int RunAnalyze(const std::vector<std::string>& args);
int RunDiff(const std::vector<std::string>& args);
int RunCoverage(const std::vector<std::string>& args);
int RunCfg(const std::vector<std::string>& args);
int RunFuzz(const std::vector<std::string>& args);
int RunBench(const std::vector<std::string>& args);

}  // namespace sckit::tools
