// sckit: the Linux kernel's seccomp filter path in userspace. This file only dispatches, then
// checks that everything written to standard output got there (tools/output.h).
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include "tools/command.h"
#include "tools/output.h"

namespace sckit::tools {
namespace {

constexpr Command kCommands[] = {
    {"verify", "check filters exactly as seccomp(SECCOMP_SET_MODE_FILTER) would", CmdVerify},
    {"disasm", "print a filter as a readable assembly listing", CmdDisasm},
    {"asm", "assemble a filter to raw bytes, a C array or canonical assembly", CmdAsm},
    {"eval", "evaluate filter stacks on seccomp_data records: what the kernel would do", CmdEval},
    {"test", "policy regression tests: RECORD => EXPECTED cases", CmdTest},
    {"jit", "compile a filter to x86-64 machine code and show it", CmdJit},
    {"analyze", "what a stack does for every syscall of an arch, and findings", CmdAnalyze},
    {"diff", "exact semantic difference of two filters or stacks, with witnesses", CmdDiff},
    {"coverage", "which instructions and branches a set of records exercises", CmdCoverage},
    {"cfg", "the control-flow graph of a filter (Graphviz dot or SVG)", CmdCfg},
    {"fuzz", "find a minimal record set covering everything reachable; write test cases", CmdFuzz},
    {"run", "install filters for real and execute a command under them", CmdRun},
    {"dump", "read the filters of a running process, or capture those a command installs",
     CmdDump},
    {"bench", "what a filter stack costs: interpreter, JIT and the live kernel, per syscall",
     CmdBench},
    {"optimize", "rewrite a filter to run fewer instructions, proven equivalent", CmdOptimize},
    {"import", "compile a container seccomp profile (OCI/Docker JSON) to a filter", CmdImport},
    {"compile", "compile a minijail seccomp policy (rules per syscall) to a filter", CmdCompile},
    {"kernel", "what the running kernel supports: modes, actions, logging, flags, dispatch",
     CmdKernel},
    {"decompile", "a filter or stack back to rules, proven to compile to the same",
     CmdDecompile},
    {"generate", "a least-privilege policy from strace logs, audit records or a traced command",
     CmdGenerate},
};

void PrintUsage(FILE* out) {
  std::fprintf(out,
               "sckit: the Linux kernel's seccomp filter path, in userspace\n\n"
               "usage: sckit <command> [options] [args]\n\ncommands:\n");
  for (const Command& c : kCommands) std::fprintf(out, "  %-9s %s\n", c.name, c.summary);
  std::fprintf(out,
               "\n'sckit <command> --help' describes a command.\n"
               "Exit codes: 0 success, 1 a filter or check failed, 2 usage or I/O error.\n");
}

// The last line of defence: no exception leaves main (an uncaught one aborts with 134 and no
// useful message). Commands handle their errors themselves; reaching a catch here is a bug to
// fix where it was thrown, and still ends with a message and exit code 2.
int RunGuarded(const Command& c, const std::vector<std::string>& args) {
  try {
    return c.run(args);
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "sckit %s: out of memory\n", c.name);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sckit %s: internal error: %s\n", c.name, e.what());
  } catch (...) {
    std::fprintf(stderr, "sckit %s: internal error: unknown exception\n", c.name);
  }
  return kExitUsage;
}

}  // namespace
}  // namespace sckit::tools

int main(int argc, char** argv) {
  using namespace sckit::tools;  // NOLINT
  if (argc < 2) {
    PrintUsage(stderr);
    return kExitUsage;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    PrintUsage(stdout);
    return FinishStandardOutput("", kExitOk);
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  for (const Command& c : kCommands) {
    if (name == c.name) return FinishStandardOutput(c.name, RunGuarded(c, args));
  }
  std::fprintf(stderr, "sckit: unknown command '%s'\n\n", name.c_str());
  PrintUsage(stderr);
  return kExitUsage;
}
