// sckit dump: the seccomp filters of a running task, or those a command installs.
#include <sys/stat.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string_view>

#include "formats/write_file.h"
#include "live/dump.h"
#include "tools/command.h"
#include "tools/filter_files.h"
#include "tools/options.h"
#include "formats/codec.h"
#include "formats/disasm.h"

namespace sckit::tools {
namespace {

// Exit codes when CMD cannot be started, as sckit run and env(1) use them.
constexpr int kCannotExecute = 126;
constexpr int kNotFound = 127;

const char* ModeName(int mode) {
  switch (mode) {
    case 0: return "disabled";
    case 1: return "strict";
    case 2: return "filter";
    default: return "unknown";
  }
}

// Writes a raw filter file whole or not at all (formats/write_file.h); "" on success, else why
// not.
std::string WriteRaw(const std::string& path, const Program& program) {
  const std::vector<uint8_t> bytes = EncodeRaw(program);
  std::optional<Error> e = WriteFileAtomically(
      path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  return e ? e->message : "";
}

// The output directory, created when missing; "" on success, else why it cannot be used.
// Checked before anything runs, so a bad --out never costs a traced run.
std::string PrepareOutDir(const std::string& dir) {
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) {
    return S_ISDIR(st.st_mode) ? "" : dir + ": exists and is not a directory";
  }
  if (errno != ENOENT) return dir + ": " + std::strerror(errno);
  if (mkdir(dir.c_str(), 0755) != 0) return "cannot create directory " + dir + ": " + std::strerror(errno);
  return "";
}

// DIR/TID.K.bpf: filter K of task TID's stack, 0 = the oldest.
std::string StackFile(const std::string& dir, pid_t tid, size_t k) {
  return dir + "/" + std::to_string(tid) + "." + std::to_string(k) + ".bpf";
}

std::string JsonFile(const std::string& file) {
  return file.empty() ? "null" : "\"" + JsonEscape(file) + "\"";
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
  if (!out_dir.empty()) {
    if (std::string why = PrepareOutDir(out_dir); !why.empty()) {
      PrintError("dump", "--out: " + why);
      return kExitUsage;
    }
  }
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
  for (size_t i = 0; i < t->filters.size(); ++i) {
    const live::DumpedFilter& f = t->filters[i];
    std::string file;
    if (!out_dir.empty()) {
      file = StackFile(out_dir, tid, i);
      if (std::string why = WriteRaw(file, f.program); !why.empty()) {
        PrintError("dump", why);
        return kExitUsage;
      }
    }
    if (json) {
      std::printf("%s{\"index\": %zu, \"instructions\": %zu, \"flags\": \"%s\", \"file\": %s}",
                  i ? ", " : "", i, f.program.size(), FlagsText(f.flags).c_str(),
                  JsonFile(file).c_str());
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

// Every install attempt, in the order the calls returned.
void PrintInstalls(const live::TraceReport& r, bool json, bool listings) {
  if (json) std::printf("{\"installs\": [");
  for (size_t i = 0; i < r.installs.size(); ++i) {
    const live::CapturedInstall& c = r.installs[i];
    const std::string result =
        c.attached ? "attached"
                   : (c.result < 0 ? ErrnoName(static_cast<int>(-c.result))
                                   : "not attached (TSYNC: thread " + std::to_string(c.result) +
                                         " could not be synchronised)");
    if (json) {
      std::printf("%s{\"index\": %zu, \"tid\": %d, \"via\": \"%s\", \"flags\": \"%s\", "
                  "\"instructions\": %zu, \"attached\": %s, \"result\": \"%s\"}",
                  i ? ", " : "", i, c.tid, c.via_prctl ? "prctl" : "seccomp",
                  FlagsText(c.flags).c_str(), c.program.size(), c.attached ? "true" : "false",
                  JsonEscape(result).c_str());
      continue;
    }
    std::printf("install %zu: tid %d: %s(): %zu instructions, flags %s: %s\n", i, c.tid,
                c.via_prctl ? "prctl" : "seccomp", c.program.size(), FlagsText(c.flags).c_str(),
                result.c_str());
    if (listings && !c.program.empty()) {
      std::printf("%s\n", DisassembleListing(c.program).c_str());
    }
  }
  if (json) std::printf("], ");
}

// Each changed task's whole stack, oldest first, written as TID.0.bpf, TID.1.bpf, ... when
// out_dir is given. False (after a message) when a file cannot be written.
bool PrintStacks(const live::TraceReport& r, const std::string& out_dir, bool json) {
  if (json) {
    std::printf("\"stacks\": [");
  } else if (!r.stacks.empty()) {
    std::printf("stacks, oldest filter first: what each task ran under at its end, inherited "
                "filters included (install numbers as above)\n");
  }
  for (size_t s = 0; s < r.stacks.size(); ++s) {
    const live::TaskStack& st = r.stacks[s];
    std::string indices, files, json_files;
    for (size_t k = 0; k < st.installs.size(); ++k) {
      indices += (k ? "," : "") + std::to_string(st.installs[k]);
      if (out_dir.empty()) continue;
      const Program& p = r.installs[st.installs[k]].program;
      const std::string file = StackFile(out_dir, st.tid, k);
      if (p.empty()) {
        PrintError("dump", "install " + std::to_string(st.installs[k]) + " of task " +
                               std::to_string(st.tid) + " could not be read from the tracee: "
                               "cannot write " + file);
        return false;
      }
      if (std::string why = WriteRaw(file, p); !why.empty()) {
        PrintError("dump", why);
        return false;
      }
      files += " " + file;
      json_files += (k ? ", " : "") + JsonFile(file);
    }
    if (json) {
      std::printf("%s{\"tid\": %d, \"installs\": [%s], \"files\": %s}", s ? ", " : "", st.tid,
                  indices.c_str(), out_dir.empty() ? "null" : ("[" + json_files + "]").c_str());
    } else {
      std::printf("  task %d: %zu filter(s): install %s%s\n", st.tid, st.installs.size(),
                  indices.c_str(), files.empty() ? "" : (" ->" + files).c_str());
    }
  }
  if (json) std::printf("], ");
  return true;
}

int DumpCommand(const std::vector<std::string>& command, const std::string& out_dir, bool json) {
  if (!out_dir.empty()) {
    if (std::string why = PrepareOutDir(out_dir); !why.empty()) {
      PrintError("dump", "--out: " + why);
      return kExitUsage;
    }
  }
  Result<live::TraceReport> r = live::DumpWhileRunning(command);
  if (!r.ok()) {
    PrintError("dump", r.error().message);
    if (r.error().rule == "command-not-found") return kNotFound;
    if (r.error().rule == "cannot-execute") return kCannotExecute;
    return kExitUsage;
  }
  PrintInstalls(*r, json, out_dir.empty());
  if (!PrintStacks(*r, out_dir, json)) return kExitUsage;
  const int st = r->wait_status;
  if (json) {
    std::printf("\"tracer_filters\": %d, \"exit\": %s}\n", r->tracer_filters,
                WIFEXITED(st) ? std::to_string(WEXITSTATUS(st)).c_str()
                              : ("\"signal " + std::to_string(WTERMSIG(st)) + "\"").c_str());
    return kExitOk;
  }
  if (r->installs.empty()) std::printf("the command installed no seccomp filter\n");
  if (!r->stacks.empty() && r->unchanged_tasks > 0) {
    std::printf("%zu other task(s) installed nothing and kept the stack they inherited\n",
                r->unchanged_tasks);
  }
  if (r->tracer_filters != 0) {
    std::printf("note: sckit itself runs under %s seccomp filter(s); every task of the command "
                "has them below the ones above, and they cannot be read from here\n",
                r->tracer_filters < 0 ? "some" : std::to_string(r->tracer_filters).c_str());
  }
  if (WIFEXITED(st)) {
    std::printf("command exited with status %d\n", WEXITSTATUS(st));
  } else if (WIFSIGNALED(st)) {
    std::printf("command killed by signal %d (%s)\n", WTERMSIG(st), strsignal(WTERMSIG(st)));
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
      "write raw filter files into this directory (created if missing): TID.0.bpf is the "
      "OLDEST filter of that task's stack, inherited filters included, so `sckit eval "
      "--filter TID.0.bpf --filter TID.1.bpf ...` reproduces the stack it ran under")(
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
      "it installs with seccomp() or prctl(PR_SET_SECCOMP).\n\n"
      "With -- CMD, every install attempt is listed, then the whole stack of each task an "
      "install changed, oldest first: what it inherited at fork/clone, what it installed, and "
      "what another thread's TSYNC gave it. Tasks that installed nothing keep their parent's "
      "stack as it was at the fork.\n"
      "Exit codes: 0 done (the command's own status is printed, not passed through), 2 usage or "
      "I/O error, 126 CMD cannot be executed, 127 CMD not found.";
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
