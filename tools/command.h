// The sckit command's subcommands. tools/ only parses options, dispatches and prints: every
// decision (loading, verifying, running, analysing, building reports) is made by the libraries
// (formats/, verifier/, eval/, analysis/, live/, policy/, bench/). Each subcommand is one
// cmd_<name>.cc defining its entry point Cmd<Name>; tools/sckit.cc dispatches to it and then
// checks standard output (tools/output.h), and every output file is written through
// tools/output.h as well.
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

int CmdVerify(const std::vector<std::string>& args);
int CmdDisasm(const std::vector<std::string>& args);
int CmdAsm(const std::vector<std::string>& args);
int CmdEval(const std::vector<std::string>& args);
int CmdTest(const std::vector<std::string>& args);
int CmdJit(const std::vector<std::string>& args);
int CmdImport(const std::vector<std::string>& args);
int CmdCompile(const std::vector<std::string>& args);
int CmdDecompile(const std::vector<std::string>& args);
int CmdRun(const std::vector<std::string>& args);
int CmdDump(const std::vector<std::string>& args);
int CmdAnalyze(const std::vector<std::string>& args);
int CmdDiff(const std::vector<std::string>& args);
int CmdCoverage(const std::vector<std::string>& args);
int CmdCfg(const std::vector<std::string>& args);
int CmdFuzz(const std::vector<std::string>& args);
int CmdBench(const std::vector<std::string>& args);
int CmdOptimize(const std::vector<std::string>& args);
int CmdKernel(const std::vector<std::string>& args);
int CmdGenerate(const std::vector<std::string>& args);

}  // namespace sckit::tools
