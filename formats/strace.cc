// The strace reader (strace.h): prefixes (pids, timestamps), arguments to register values,
// resumed calls joined with their start, personality notes, -k stack lines.
#include "formats/strace.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <optional>

#include "formats/records.h"

namespace sckit {
namespace {

struct NamedConstant {
  std::string_view name;
  uint64_t value;
};

// Constants strace prints symbolically, with their values taken from the system headers.
#define SCKIT_CONST(n) NamedConstant{#n, static_cast<uint64_t>(n)}
constexpr NamedConstant kConstants[] = {
    SCKIT_CONST(O_RDONLY), SCKIT_CONST(O_WRONLY), SCKIT_CONST(O_RDWR), SCKIT_CONST(O_CREAT),
    SCKIT_CONST(O_EXCL), SCKIT_CONST(O_NOCTTY), SCKIT_CONST(O_TRUNC), SCKIT_CONST(O_APPEND),
    SCKIT_CONST(O_NONBLOCK), SCKIT_CONST(O_DSYNC), SCKIT_CONST(O_SYNC), SCKIT_CONST(O_DIRECTORY),
    SCKIT_CONST(O_NOFOLLOW), SCKIT_CONST(O_CLOEXEC), SCKIT_CONST(O_PATH), SCKIT_CONST(O_TMPFILE),
    SCKIT_CONST(O_NOATIME), SCKIT_CONST(O_LARGEFILE), SCKIT_CONST(O_DIRECT),
    SCKIT_CONST(AT_FDCWD), SCKIT_CONST(AT_SYMLINK_NOFOLLOW), SCKIT_CONST(AT_REMOVEDIR),
    SCKIT_CONST(AT_SYMLINK_FOLLOW), SCKIT_CONST(AT_EMPTY_PATH), SCKIT_CONST(AT_NO_AUTOMOUNT),
    SCKIT_CONST(AT_EACCESS), SCKIT_CONST(F_OK), SCKIT_CONST(R_OK), SCKIT_CONST(W_OK),
    SCKIT_CONST(X_OK), SCKIT_CONST(F_DUPFD), SCKIT_CONST(F_GETFD), SCKIT_CONST(F_SETFD),
    SCKIT_CONST(F_GETFL), SCKIT_CONST(F_SETFL), SCKIT_CONST(F_DUPFD_CLOEXEC), SCKIT_CONST(FD_CLOEXEC),
    SCKIT_CONST(SEEK_SET), SCKIT_CONST(SEEK_CUR), SCKIT_CONST(SEEK_END),
    SCKIT_CONST(PROT_NONE), SCKIT_CONST(PROT_READ), SCKIT_CONST(PROT_WRITE), SCKIT_CONST(PROT_EXEC),
    SCKIT_CONST(MAP_SHARED), SCKIT_CONST(MAP_PRIVATE), SCKIT_CONST(MAP_FIXED),
    SCKIT_CONST(MAP_ANONYMOUS), SCKIT_CONST(MAP_DENYWRITE), SCKIT_CONST(MAP_NORESERVE),
    SCKIT_CONST(MAP_STACK), SCKIT_CONST(MAP_POPULATE), SCKIT_CONST(MAP_GROWSDOWN),
    SCKIT_CONST(MAP_FIXED_NOREPLACE),
    SCKIT_CONST(AF_UNSPEC), SCKIT_CONST(AF_UNIX), SCKIT_CONST(AF_LOCAL), SCKIT_CONST(AF_INET),
    SCKIT_CONST(AF_INET6), SCKIT_CONST(AF_NETLINK), SCKIT_CONST(AF_PACKET),
    SCKIT_CONST(SOCK_STREAM), SCKIT_CONST(SOCK_DGRAM), SCKIT_CONST(SOCK_RAW),
    SCKIT_CONST(SOCK_SEQPACKET), SCKIT_CONST(SOCK_NONBLOCK), SCKIT_CONST(SOCK_CLOEXEC),
    SCKIT_CONST(SOL_SOCKET), SCKIT_CONST(SO_REUSEADDR), SCKIT_CONST(SO_KEEPALIVE),
    SCKIT_CONST(MSG_NOSIGNAL), SCKIT_CONST(MSG_DONTWAIT), SCKIT_CONST(MSG_PEEK),
    SCKIT_CONST(MSG_WAITALL), SCKIT_CONST(MSG_CMSG_CLOEXEC),
    SCKIT_CONST(FUTEX_WAIT), SCKIT_CONST(FUTEX_WAKE), SCKIT_CONST(FUTEX_REQUEUE),
    SCKIT_CONST(FUTEX_CMP_REQUEUE), SCKIT_CONST(FUTEX_WAIT_BITSET), SCKIT_CONST(FUTEX_WAKE_BITSET),
    SCKIT_CONST(FUTEX_PRIVATE_FLAG), SCKIT_CONST(FUTEX_CLOCK_REALTIME),
    SCKIT_CONST(FUTEX_WAIT_PRIVATE), SCKIT_CONST(FUTEX_WAKE_PRIVATE),
    SCKIT_CONST(FUTEX_WAIT_BITSET_PRIVATE), SCKIT_CONST(FUTEX_WAKE_BITSET_PRIVATE),
    SCKIT_CONST(FUTEX_BITSET_MATCH_ANY),
    SCKIT_CONST(EPOLL_CLOEXEC), SCKIT_CONST(EPOLL_CTL_ADD), SCKIT_CONST(EPOLL_CTL_DEL),
    SCKIT_CONST(EPOLL_CTL_MOD),
    SCKIT_CONST(SIG_BLOCK), SCKIT_CONST(SIG_UNBLOCK), SCKIT_CONST(SIG_SETMASK),
    SCKIT_CONST(SIGHUP), SCKIT_CONST(SIGINT), SCKIT_CONST(SIGQUIT), SCKIT_CONST(SIGKILL),
    SCKIT_CONST(SIGSEGV), SCKIT_CONST(SIGPIPE), SCKIT_CONST(SIGALRM), SCKIT_CONST(SIGTERM),
    SCKIT_CONST(SIGCHLD), SCKIT_CONST(SIGCONT), SCKIT_CONST(SIGSTOP), SCKIT_CONST(SIGUSR1),
    SCKIT_CONST(SIGUSR2), SCKIT_CONST(SIGSYS), SCKIT_CONST(SIGWINCH),
    SCKIT_CONST(CLONE_VM), SCKIT_CONST(CLONE_FS), SCKIT_CONST(CLONE_FILES),
    SCKIT_CONST(CLONE_SIGHAND), SCKIT_CONST(CLONE_THREAD), SCKIT_CONST(CLONE_SYSVSEM),
    SCKIT_CONST(CLONE_SETTLS), SCKIT_CONST(CLONE_PARENT_SETTID), SCKIT_CONST(CLONE_CHILD_CLEARTID),
    SCKIT_CONST(CLONE_CHILD_SETTID), SCKIT_CONST(CLONE_VFORK), SCKIT_CONST(CLONE_NEWNS),
    SCKIT_CONST(WNOHANG), SCKIT_CONST(WUNTRACED), SCKIT_CONST(__WALL),
    SCKIT_CONST(P_ALL), SCKIT_CONST(P_PID), SCKIT_CONST(P_PGID),
    SCKIT_CONST(SOCK_RDM), SCKIT_CONST(SOCK_PACKET), SCKIT_CONST(AF_ALG), SCKIT_CONST(AF_VSOCK),
    SCKIT_CONST(CLONE_NEWUSER), SCKIT_CONST(CLONE_NEWPID), SCKIT_CONST(CLONE_NEWNET),
    SCKIT_CONST(CLONE_NEWUTS), SCKIT_CONST(CLONE_NEWIPC), SCKIT_CONST(CLONE_NEWCGROUP),
    SCKIT_CONST(CLONE_PIDFD), SCKIT_CONST(CLONE_PTRACE), SCKIT_CONST(CLONE_PARENT),
    SCKIT_CONST(CLONE_IO), SCKIT_CONST(CLONE_UNTRACED),
    SCKIT_CONST(MADV_NORMAL), SCKIT_CONST(MADV_RANDOM), SCKIT_CONST(MADV_SEQUENTIAL),
    SCKIT_CONST(MADV_WILLNEED), SCKIT_CONST(MADV_DONTNEED), SCKIT_CONST(MADV_FREE),
    SCKIT_CONST(MADV_DONTFORK), SCKIT_CONST(MADV_HUGEPAGE), SCKIT_CONST(MADV_NOHUGEPAGE),
    SCKIT_CONST(F_GETLK), SCKIT_CONST(F_SETLK), SCKIT_CONST(F_SETLKW), SCKIT_CONST(F_GETOWN),
    SCKIT_CONST(F_SETOWN), SCKIT_CONST(F_ADD_SEALS), SCKIT_CONST(F_GET_SEALS),
    SCKIT_CONST(F_SETPIPE_SZ), SCKIT_CONST(F_GETPIPE_SZ),
    SCKIT_CONST(STDIN_FILENO), SCKIT_CONST(STDOUT_FILENO), SCKIT_CONST(STDERR_FILENO),
};
#undef SCKIT_CONST

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool IsIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// A decimal pid at the start of `s` ("1234"), or nullopt.
std::optional<int64_t> LeadingPid(std::string_view s) {
  int64_t v = 0;
  size_t i = 0;
  while (i < s.size() && IsDigit(s[i]) && i < 12) v = v * 10 + (s[i++] - '0');
  if (i == 0) return std::nullopt;
  return v;
}

// Strips a leading pid ("1234 " or "[pid 1234] ") and timestamps ("12:00:01.123456 ",
// "1700000000.123456 ", "0.000123 "); the pid, if any, into *pid.
std::string_view StripPrefixes(std::string_view s, int64_t* pid) {
  for (;;) {
    s = Trim(s);
    if (s.starts_with("[pid")) {
      const size_t close = s.find(']');
      if (close == std::string_view::npos) return s;
      if (auto p = LeadingPid(Trim(s.substr(4, close - 4)))) *pid = *p;
      s.remove_prefix(close + 1);
      continue;
    }
    size_t i = 0;
    bool punct = false;
    while (i < s.size() && (IsDigit(s[i]) || s[i] == ':' || s[i] == '.')) {
      punct |= !IsDigit(s[i]);
      ++i;
    }
    if (i > 0 && i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) {
      if (!punct && *pid == 0) *pid = LeadingPid(s).value_or(0);
      s.remove_prefix(i);
      continue;
    }
    return s;
  }
}

// Splits the text after '(' into top-level arguments, stopping at the matching ')' or at the
// end of the text (unfinished calls). Quotes, (), [] and {} nest.
std::vector<std::string_view> SplitArgs(std::string_view s, bool* closed) {
  std::vector<std::string_view> out;
  int depth = 0;
  bool quoted = false;
  size_t start = 0;
  *closed = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
    } else if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    } else if (c == ')') {
      if (depth == 0) {
        out.push_back(Trim(s.substr(start, i - start)));
        *closed = true;
        break;
      }
      --depth;
    } else if (c == ',' && depth == 0) {
      out.push_back(Trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  if (!*closed) {
    std::string_view rest = Trim(s.substr(start));
    const size_t unfinished = rest.find("<unfinished");
    if (unfinished != std::string_view::npos) rest = Trim(rest.substr(0, unfinished));
    if (!rest.empty()) out.push_back(rest);
  }
  if (out.size() == 1 && out[0].empty()) out.clear();
  return out;
}

std::optional<uint64_t> ParseNumber(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool negative = false;
  if (s.front() == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  if (s.empty() || !IsDigit(s.front())) return std::nullopt;
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    s.remove_prefix(1);
  }
  uint64_t v = 0;
  for (const char c : s) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    if (d >= base) return std::nullopt;
    // Past 64 bits is no register value (it once wrapped silently into one).
    if (v > (UINT64_MAX - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) {
      return std::nullopt;
    }
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  if (negative && v > (uint64_t{1} << 63)) return std::nullopt;  // below INT64_MIN
  return negative ? 0 - v : v;
}

std::optional<uint64_t> ParseTerm(std::string_view s, const ConstantLookup& lookup) {
  s = Trim(s);
  if (s == "NULL") return 0;
  if (std::optional<uint64_t> n = ParseNumber(s)) return n;
  for (const NamedConstant& c : kConstants) {
    if (c.name == s) return c.value;
  }
  if (lookup && !s.empty() && !IsDigit(s.front())) return lookup(s);
  return std::nullopt;
}

// "[ Process PID=1234 runs in 32 bit mode. ]": the pid and the arch it now runs in, for a
// trace of `base`.
bool ParsePersonality(std::string_view s, const ArchInfo& base, StraceLine* out) {
  if (!s.starts_with("[ Process PID")) return false;
  s.remove_prefix(13);
  while (!s.empty() && (s.front() == '=' || s.front() == ' ')) s.remove_prefix(1);
  out->pid = LeadingPid(s).value_or(0);
  const bool x86 = base.name == "x86_64" || base.name == "i386" || base.name == "x32";
  const char* name = nullptr;
  if (s.find("runs in 32 bit mode") != std::string_view::npos) {
    name = x86 ? "i386" : base.name == "aarch64" ? "arm" : base.name == "s390x" ? "s390" : nullptr;
  } else if (s.find("runs in x32 mode") != std::string_view::npos) {
    name = x86 ? "x32" : nullptr;
  } else if (s.find("runs in 64 bit mode") != std::string_view::npos) {
    name = x86 ? "x86_64" : base.name == "arm" ? "aarch64" : base.name == "s390" ? "s390x"
                                                                                 : nullptr;
  }
  out->kind = StraceLineKind::kPersonality;
  out->personality = name ? FindArch(name) : &base;
  if (!out->personality) out->personality = &base;
  return true;
}

// clone's "name=value" arguments: their register (x86-64/x32 order flags, stack, parent_tid,
// child_tid, tls; elsewhere, CLONE_BACKWARDS, tls before child_tid).
int CloneSlot(std::string_view key, const ArchInfo& arch) {
  const bool x86_64 = arch.name == "x86_64" || arch.name == "x32";
  if (key == "flags") return 0;
  if (key == "child_stack" || key == "stack") return 1;
  if (key == "parent_tid" || key == "parent_tidptr") return 2;
  if (key == "child_tidptr" || key == "child_tid") return x86_64 ? 3 : 4;
  if (key == "tls") return x86_64 ? 4 : 3;
  return -1;
}

// The syscall number of a name, for the arch: libseccomp's, or strace's syscall_0x1c2 form.
std::optional<int32_t> NumberOf(const ArchInfo& arch, std::string_view name) {
  if (name.starts_with("syscall_")) {
    std::optional<uint64_t> v = ParseNumber(name.substr(8));
    if (v && *v <= 0x7fffffffu) return static_cast<int32_t>(*v);
    return std::nullopt;
  }
  return SyscallNumber(arch, name);
}

void FillArgs(std::string_view call, const ArchInfo& arch, const ConstantLookup& lookup,
              StraceLine* out) {
  bool closed = false;
  const std::vector<std::string_view> args = SplitArgs(call, &closed);
  for (size_t a = 0; a < args.size() && a < 6; ++a) {
    std::string_view arg = args[a];
    size_t slot = a;
    const size_t eq = arg.find('=');
    if (eq != std::string_view::npos && eq > 0 && out->name == "clone" &&
        std::all_of(arg.begin(), arg.begin() + static_cast<std::ptrdiff_t>(eq), IsIdentChar)) {
      const int s = CloneSlot(arg.substr(0, eq), arch);
      if (s < 0) continue;
      slot = static_cast<size_t>(s);
      arg = arg.substr(eq + 1);
    }
    uint64_t v = 0;
    if (StraceArgValue(arg, &v, lookup)) {
      out->record.args[slot] = v;
      out->known_args |= static_cast<uint8_t>(1u << slot);
      // Addresses: hex or annotated ("0x7ffd /* 10 vars */"), not flags or small numbers.
      if ((arg.starts_with("0x") && v >= 0x10000) || arg.find("/*") != std::string_view::npos) {
        out->pointer_args |= static_cast<uint8_t>(1u << slot);
      }
    } else {
      ++out->approximated_args;
      const char c = arg.empty() ? 0 : arg.front();
      if (c == '"' || c == '{' || c == '[' || c == '&') {
        out->pointer_args |= static_cast<uint8_t>(1u << slot);
      }
    }
  }
}

}  // namespace

bool StraceArgValue(std::string_view arg, uint64_t* value, const ConstantLookup& lookup) {
  arg = Trim(arg);
  // "fd</path>" (strace -y): the number before the annotation.
  const size_t lt = arg.find('<');
  if (lt != std::string_view::npos && lt > 0 && arg.back() == '>') arg = arg.substr(0, lt);
  // "x /* comment */": the value before the comment.
  const size_t comment = arg.find("/*");
  if (comment != std::string_view::npos) arg = Trim(arg.substr(0, comment));
  if (arg.empty()) return false;
  uint64_t v = 0;
  size_t start = 0;
  for (;;) {
    const size_t bar = arg.find('|', start);
    const std::string_view term =
        arg.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start);
    std::optional<uint64_t> t = ParseTerm(term, lookup);
    if (!t) return false;
    v |= *t;
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  *value = v;
  return true;
}

StraceLine ParseStraceLine(std::string_view line, const ArchInfo& arch,
                           const ConstantLookup& lookup) {
  StraceLine out;
  std::string_view s = StripPrefixes(line, &out.pid);
  if (ParsePersonality(s, arch, &out)) return out;
  if (s.starts_with("> ") || s == ">") {
    out.kind = StraceLineKind::kStack;
    return out;
  }
  if (s.starts_with("<...")) {
    out.kind = StraceLineKind::kResumed;
    const size_t r = s.find("resumed>");
    size_t n = 4;
    while (n < s.size() && s[n] == ' ') ++n;
    size_t e = n;
    while (e < s.size() && IsIdentChar(s[e])) ++e;
    out.name = std::string(s.substr(n, e - n));
    out.rest = r == std::string_view::npos ? std::string_view() : s.substr(r + 8);
    return out;
  }
  size_t i = 0;
  while (i < s.size() && IsIdentChar(s[i])) ++i;
  if (i == 0 || i >= s.size() || s[i] != '(' || IsDigit(s[0])) return out;  // kOther
  out.name = std::string(s.substr(0, i));
  const std::optional<int32_t> nr = NumberOf(arch, out.name);
  if (!nr) {
    out.kind = StraceLineKind::kUnknownSyscall;
    return out;
  }
  out.kind = StraceLineKind::kSyscall;
  out.record.arch = arch.audit_arch;
  out.record.nr = *nr;
  out.rest = s;
  out.unfinished = s.find("<unfinished") != std::string_view::npos &&
                   s.rfind(") =") == std::string_view::npos;
  FillArgs(s.substr(i + 1), arch, lookup, &out);
  return out;
}

const ArchInfo& StraceReader::ArchOf(int64_t pid) const {
  auto it = pid_arch_.find(pid);
  return it == pid_arch_.end() ? *arch_ : *it->second;
}

void StraceReader::Emit(const StraceLine& l, int line_no, std::string_view text,
                        std::vector<TraceCall>* out) {
  ++stats_.syscalls;
  stats_.approximated_args += l.approximated_args;
  TraceCall c;
  c.record = l.record;
  c.name = l.name;
  c.line = line_no;
  c.pid = l.pid;
  c.known_args = l.known_args;
  c.pointer_args = l.pointer_args;
  c.text = std::string(Trim(text).substr(0, kMaxTraceText));
  out->push_back(std::move(c));
}

void StraceReader::Line(std::string_view line, int line_no, std::vector<TraceCall>* out) {
  ++stats_.lines;
  int64_t pid = 0;
  StripPrefixes(line, &pid);
  StraceLine l = ParseStraceLine(line, ArchOf(pid), lookup_);
  switch (l.kind) {
    case StraceLineKind::kSyscall:
      if (l.unfinished) {
        std::string call(l.rest);
        call.erase(call.find("<unfinished"));
        if (auto old = pending_.find(l.pid); old != pending_.end()) {  // never resumed
          StraceLine o = ParseStraceLine(old->second.call, ArchOf(pid), lookup_);
          o.pid = l.pid;
          if (o.kind == StraceLineKind::kSyscall) Emit(o, old->second.line, old->second.text, out);
        }
        pending_[l.pid] = Pending{line_no, std::move(call), std::string(Trim(line))};
        return;
      }
      Emit(l, line_no, line, out);
      return;
    case StraceLineKind::kResumed: {
      ++stats_.resumed;
      auto it = pending_.find(l.pid);
      if (it == pending_.end()) return;  // the start was before the trace began
      const Pending p = std::move(it->second);
      pending_.erase(it);
      StraceLine joined = ParseStraceLine(p.call + std::string(l.rest), ArchOf(pid), lookup_);
      joined.pid = l.pid;
      if (joined.kind == StraceLineKind::kSyscall) Emit(joined, p.line, p.text, out);
      return;
    }
    case StraceLineKind::kPersonality:
      ++stats_.personality;
      pid_arch_[l.pid] = l.personality;
      return;
    case StraceLineKind::kStack: ++stats_.stack; return;
    case StraceLineKind::kUnknownSyscall: ++stats_.unknown; return;
    case StraceLineKind::kOther: ++stats_.other; return;
  }
}

void StraceReader::Finish(std::vector<TraceCall>* out) {
  for (auto& [pid, p] : pending_) {
    StraceLine l = ParseStraceLine(p.call, ArchOf(pid), lookup_);
    l.pid = pid;
    if (l.kind == StraceLineKind::kSyscall) Emit(l, p.line, p.text, out);
  }
  pending_.clear();
  std::stable_sort(out->begin(), out->end(),
                   [](const TraceCall& a, const TraceCall& b) { return a.line < b.line; });
}

Result<std::vector<TraceCall>> ReadStraceCalls(std::istream& in, const ArchInfo& arch,
                                               StraceStats* stats, const ConstantLookup& lookup) {
  StraceReader reader(arch, lookup);
  std::vector<TraceCall> out;
  std::string line;
  size_t head_pos = 0;
  for (int line_no = 1;; ++line_no) {
    Result<bool> got = ReadBoundedLine(in, "", &head_pos, &line, kMaxTraceLine, line_no);
    if (!got.ok()) return got.error();
    if (!*got) break;
    reader.Line(line, line_no, &out);
    if (out.size() > kMaxTraceCalls) {
      return MakeLineError("too-many-calls",
                           "more than " + std::to_string(kMaxTraceCalls) + " calls in one trace",
                           line_no);
    }
  }
  if (in.bad()) return MakeError("io-error", "reading the strace output failed");
  reader.Finish(&out);
  if (stats) *stats = reader.stats();
  if (out.empty()) {
    return MakeError("empty-trace", "no syscall line found in the strace output (" +
                                        std::to_string(reader.stats().lines) + " lines)");
  }
  return out;
}

Result<std::vector<SeccompData>> ParseStrace(std::istream& in, const ArchInfo& arch,
                                             StraceStats* stats) {
  Result<std::vector<TraceCall>> calls = ReadStraceCalls(in, arch, stats);
  if (!calls.ok()) {
    Error e = calls.error();
    if (e.rule == "empty-trace") e.rule = "empty-workload";
    return e;
  }
  std::vector<SeccompData> out;
  out.reserve(calls->size());
  for (const TraceCall& c : *calls) out.push_back(c.record);
  return out;
}

}  // namespace sckit
