// sckit: the Linux kernel's seccomp filter path in userspace. This file only dispatches.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tools/command.h"

namespace sckit::tools {
namespace {

constexpr Command kCommands[] = {
    {"verify", "check filters exactly as seccomp(SECCOMP_SET_MODE_FILTER) would", RunVerify},
    {"disasm", "print a filter as a readable assembly listing", RunDisasm},
    {"asm", "assemble a filter to raw bytes, a C array or canonical assembly", RunAsm},
    {"eval", "evaluate filter stacks on seccomp_data records: what the kernel would do", RunEval},
    {"test", "policy regression tests: RECORD => EXPECTED cases", RunTest},
    {"jit", "compile a filter to x86-64 machine code and show it", RunJit},
    {"analyze", "what a stack does for every syscall of an arch, and findings", RunAnalyze},
    {"diff", "exact semantic difference of two filters or stacks, with witnesses", RunDiff},
    {"coverage", "which instructions and branches a set of records exercises", RunCoverage},
    {"cfg", "the control-flow graph of a filter (Graphviz dot or SVG)", RunCfg},
    {"fuzz", "find a minimal record set covering everything reachable; write test cases", RunFuzz},
    {"run", "install filters for real and execute a command under them", RunRun},
    {"dump", "read the filters of a running process, or capture those a command installs",
     RunDump},
    {"bench", "what a filter stack costs: interpreter, JIT and the live kernel, per syscall",
     RunBench},
    {"import", "compile a container seccomp profile (OCI/Docker JSON) to a filter", RunImport},
    {"compile", "compile a minijail seccomp policy (rules per syscall) to a filter", RunCompile},
    {"decompile", "a filter or stack back to rules, proven to compile to the same", RunDecompile},
};

void PrintUsage(FILE* out) {
  std::fprintf(out,
               "sckit: the Linux kernel's seccomp filter path, in userspace\n\n"
               "usage: sckit <command> [options] [args]\n\ncommands:\n");
  for (const Command& c : kCommands) std::fprintf(out, "  %-8s %s\n", c.name, c.summary);
  std::fprintf(out,
               "\n'sckit <command> --help' describes a command.\n"
               "Exit codes: 0 success, 1 a filter or check failed, 2 usage or I/O error.\n");
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
    return kExitOk;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  for (const Command& c : kCommands) {
    if (name == c.name) return c.run(args);
  }
  std::fprintf(stderr, "sckit: unknown command '%s'\n\n", name.c_str());
  PrintUsage(stderr);
  return kExitUsage;
}
