// sckit dump: the seccomp filters of a running task, or those a command installs.
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstring>
#include <string_view>

#include "live/dump.h"
#include "tools/command.h"
#include "tools/filter_files.h"
#include "tools/options.h"
#include "tools/output.h"
#include "formats/codec.h"
#include "formats/disasm.h"

namespace sckit::tools {
namespace {

const char* ModeName(int mode) {
  switch (mode) {
    case 0: return "disabled";
    case 1: return "strict";
    case 2: return "filter";
    default: return "unknown";
  }
}

// Whole or not at all (tools/output.h); prints the error itself.
bool WriteRaw(const std::string& path, const Program& program) {
  const std::vector<uint8_t> bytes = EncodeRaw(program);
  return WriteOutput("dump", path,
                     std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())) ==
         kExitOk;
}

bool EnsureDir(const std::string& dir) {
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) return S_ISDIR(st.st_mode);
  return mkdir(dir.c_str(), 0755) == 0;
}

std::string FlagsText(uint64_t flags) {
  if (flags == 0) return "none";
  std::string s;
  const char* names[] = {"tsync", "log", "spec_allow", "new_listener", "tsync_esrch",
                         "wait_killable_recv"};
  for (int i = 0; i < 6; ++i) {
    if (flags & (1u << i)) s += (s.empty() ? "" : ",") + std::string(names[i]);
  }
  if (flags >> 6) s += (s.empty() ? "" : ",") + std::to_string(flags >> 6 << 6);
  return s;
}

int DumpPid(pid_t tid, const std::string& out_dir, bool json) {
  Result<live::TaskFilters> t = live::DumpTask(tid);
  if (!t.ok()) {
    PrintError("dump", t.error());
    return kExitUsage;
  }
  if (json) {
    std::printf("{\"tid\": %d, \"mode\": \"%s\", \"filters\": [", tid, ModeName(t->mode));
  } else {
    std::printf("task %d: seccomp mode %d (%s)", tid, t->mode, ModeName(t->mode));
    if (t->filter_count >= 0) std::printf(", %d filter(s) attached", t->filter_count);
    std::printf("\n");
  }
  if (t->mode == 1 && !json) {
    std::printf("strict mode: only read, write, exit and sigreturn; there is no filter to dump\n");
  }
  if (t->mode == 0 && !json) std::printf("no seccomp filter\n");
  if (!out_dir.empty() && !t->filters.empty() && !EnsureDir(out_dir)) {
    PrintError("dump", "cannot create directory " + out_dir + ": " + std::strerror(errno));
    return kExitUsage;
  }
  for (size_t i = 0; i < t->filters.size(); ++i) {
    const live::DumpedFilter& f = t->filters[i];
    std::string file;
    if (!out_dir.empty()) {
      file = out_dir + "/" + std::to_string(tid) + "." + std::to_string(i) + ".bpf";
      if (!WriteRaw(file, f.program)) return kExitUsage;
    }
    if (json) {
      std::printf("%s{\"index\": %zu, \"instructions\": %zu, \"flags\": \"%s\", \"file\": %s}",
                  i ? ", " : "", i, f.program.size(), FlagsText(f.flags).c_str(),
                  file.empty() ? "null" : ("\"" + JsonEscape(file) + "\"").c_str());
    } else if (!file.empty()) {
      std::printf("filter %zu (%s): %zu instructions, flags %s -> %s\n", i,
                  i == 0 ? "oldest" : (i + 1 == t->filters.size() ? "newest" : "older"),
                  f.program.size(), FlagsText(f.flags).c_str(), file.c_str());
    } else {
      std::printf("\n# filter %zu of %zu (0 = oldest): %zu instructions, flags %s\n%s", i,
                  t->filters.size(), f.program.size(), FlagsText(f.flags).c_str(),
                  DisassembleListing(f.program).c_str());
    }
  }
  if (json) std::printf("]}\n");
  return kExitOk;
}

int DumpCommand(const std::vector<std::string>& command, const std::string& out_dir, bool json) {
  Result<live::TraceReport> r = live::DumpWhileRunning(command);
  if (!r.ok()) {
    PrintError("dump", r.error());
    return kExitUsage;
  }
  if (!out_dir.empty() && !EnsureDir(out_dir)) {
    PrintError("dump", "cannot create directory " + out_dir + ": " + std::strerror(errno));
    return kExitUsage;
  }
  std::map<pid_t, int> per_tid;
  if (json) std::printf("{\"installs\": [");
  for (size_t i = 0; i < r->installs.size(); ++i) {
    const live::CapturedInstall& c = r->installs[i];
    const bool ok = c.result >= 0;
    std::string file;
    if (ok && !out_dir.empty() && !c.program.empty()) {
      file = out_dir + "/" + std::to_string(c.tid) + "." + std::to_string(per_tid[c.tid]++) +
             ".bpf";
      if (!WriteRaw(file, c.program)) return kExitUsage;
    }
    const std::string result =
        ok ? "attached" : ErrnoName(static_cast<int>(-c.result));
    if (json) {
      std::printf("%s{\"tid\": %d, \"via\": \"%s\", \"flags\": \"%s\", \"instructions\": %zu, "
                  "\"result\": \"%s\", \"file\": %s}",
                  i ? ", " : "", c.tid, c.via_prctl ? "prctl" : "seccomp",
                  FlagsText(c.flags).c_str(), c.program.size(), result.c_str(),
                  file.empty() ? "null" : ("\"" + JsonEscape(file) + "\"").c_str());
    } else {
      std::printf("tid %d: %s(): %zu instructions, flags %s: %s%s\n", c.tid,
                  c.via_prctl ? "prctl" : "seccomp", c.program.size(), FlagsText(c.flags).c_str(),
                  result.c_str(), file.empty() ? "" : (" -> " + file).c_str());
      if (out_dir.empty() && !c.program.empty()) {
        std::printf("%s\n", DisassembleListing(c.program).c_str());
      }
    }
  }
  const int st = r->wait_status;
  if (json) {
    std::printf("], \"exit\": %s}\n",
                WIFEXITED(st) ? std::to_string(WEXITSTATUS(st)).c_str()
                              : ("\"signal " + std::to_string(WTERMSIG(st)) + "\"").c_str());
  } else {
    if (r->installs.empty()) std::printf("the command installed no seccomp filter\n");
    if (WIFEXITED(st)) {
      std::printf("command exited with status %d\n", WEXITSTATUS(st));
    } else if (WIFSIGNALED(st)) {
      std::printf("command killed by signal %d (%s)\n", WTERMSIG(st), strsignal(WTERMSIG(st)));
    }
  }
  return kExitOk;
}

}  // namespace

int CmdDump(const std::vector<std::string>& args) {
  po::options_description visible("options");
  visible.add_options()("help,h", "show this help")(
      "pid,p", po::value<int>(), "the process whose filters to read (its main thread)")(
      "tid,t", po::value<int>(), "a thread id instead (filters can differ between threads)")(
      "out,o", po::value<std::string>(),
      "write raw filter files into this directory: PID.0.bpf is the OLDEST filter, so "
      "`sckit eval --filter PID.0.bpf --filter PID.1.bpf ...` reproduces the stack")(
      "json", "machine-readable output");
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::vector<std::string>>(), "command");
  po::positional_options_description pos;
  pos.add("command", -1);
  auto [own, command] = SplitAtDoubleDash(args);
  po::variables_map vm;
  const std::string usage =
      "sckit dump (--pid PID | --tid TID) [--out DIR] [--json]\n"
      "       sckit dump [--out DIR] [--json] -- CMD [ARGS...]\n\n"
      "Reads live filters with PTRACE_SECCOMP_GET_FILTER (needs root/CAP_SYS_ADMIN; the task "
      "is briefly stopped and keeps running), or runs CMD under ptrace and captures each filter "
      "it installs with seccomp() or prctl(PR_SET_SECCOMP).";
  if (auto code = ParseOptions(own, usage, visible, hidden, pos, &vm)) return *code;
  if (vm.count("command")) {
    PrintError("dump", "unexpected argument '" +
                           vm["command"].as<std::vector<std::string>>().front() +
                           "' (a command goes after --)");
    return kExitUsage;
  }
  const std::string out_dir = vm.count("out") ? vm["out"].as<std::string>() : "";
  const bool json = vm.count("json") > 0;
  const bool has_task = vm.count("pid") || vm.count("tid");
  if (has_task == !command.empty()) {
    PrintError("dump", "give either --pid/--tid or -- CMD (see --help)");
    return kExitUsage;
  }
  if (!command.empty()) return DumpCommand(command, out_dir, json);
  const int tid = vm.count("tid") ? vm["tid"].as<int>() : vm["pid"].as<int>();
  if (tid <= 0) {
    PrintError("dump", "a pid must be positive");
    return kExitUsage;
  }
  return DumpPid(tid, out_dir, json);
}

}  // namespace sckit::tools
