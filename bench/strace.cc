#include "bench/strace.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <optional>

namespace sckit::bench {
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

// Strips a leading pid ("1234 " or "[pid 1234] ") and timestamps ("12:00:01.123456 ",
// "1700000000.123456 ", "0.000123 ").
std::string_view StripPrefixes(std::string_view s) {
  for (;;) {
    s = Trim(s);
    if (s.starts_with("[pid")) {
      const size_t close = s.find(']');
      if (close == std::string_view::npos) return s;
      s.remove_prefix(close + 1);
      continue;
    }
    size_t i = 0;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == ':' ||
                            s[i] == '.')) {
      ++i;
    }
    if (i > 0 && i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) {
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
  if (s.empty() || !std::isdigit(static_cast<unsigned char>(s.front()))) return std::nullopt;
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
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  return negative ? 0 - v : v;
}

std::optional<uint64_t> ParseTerm(std::string_view s) {
  s = Trim(s);
  if (s == "NULL") return 0;
  if (std::optional<uint64_t> n = ParseNumber(s)) return n;
  for (const NamedConstant& c : kConstants) {
    if (c.name == s) return c.value;
  }
  return std::nullopt;
}

}  // namespace

bool StraceArgValue(std::string_view arg, uint64_t* value) {
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
    std::optional<uint64_t> t = ParseTerm(term);
    if (!t) return false;
    v |= *t;
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  *value = v;
  return true;
}

StraceLine ParseStraceLine(std::string_view line, const ArchInfo& arch) {
  StraceLine out;
  std::string_view s = StripPrefixes(line);
  if (s.starts_with("<...")) {
    out.kind = StraceLineKind::kResumed;
    return out;
  }
  size_t i = 0;
  while (i < s.size() && IsIdentChar(s[i])) ++i;
  if (i == 0 || i >= s.size() || s[i] != '(' ||
      std::isdigit(static_cast<unsigned char>(s[0]))) {
    return out;  // kOther
  }
  out.name = std::string(s.substr(0, i));
  const std::optional<int32_t> nr = SyscallNumber(arch, out.name);
  if (!nr) {
    out.kind = StraceLineKind::kUnknownSyscall;
    return out;
  }
  out.kind = StraceLineKind::kSyscall;
  out.record.arch = arch.audit_arch;
  out.record.nr = *nr;
  bool closed = false;
  const std::vector<std::string_view> args = SplitArgs(s.substr(i + 1), &closed);
  for (size_t a = 0; a < args.size() && a < 6; ++a) {
    uint64_t v = 0;
    if (StraceArgValue(args[a], &v)) {
      out.record.args[a] = v;
    } else {
      ++out.approximated_args;
    }
  }
  return out;
}

Result<std::vector<SeccompData>> ParseStrace(std::istream& in, const ArchInfo& arch,
                                             StraceStats* stats) {
  StraceStats local;
  StraceStats& st = stats ? *stats : local;
  st = StraceStats{};
  std::vector<SeccompData> out;
  std::string line;
  while (std::getline(in, line)) {
    ++st.lines;
    const StraceLine parsed = ParseStraceLine(line, arch);
    switch (parsed.kind) {
      case StraceLineKind::kSyscall:
        ++st.syscalls;
        st.approximated_args += parsed.approximated_args;
        out.push_back(parsed.record);
        break;
      case StraceLineKind::kResumed: ++st.resumed; break;
      case StraceLineKind::kUnknownSyscall: ++st.unknown; break;
      case StraceLineKind::kOther: ++st.other; break;
    }
  }
  if (in.bad()) return MakeError("io-error", "reading the strace output failed");
  if (out.empty()) {
    return MakeError("empty-workload", "no syscall line found in the strace output (" +
                                           std::to_string(st.lines) + " lines)");
  }
  return out;
}

}  // namespace sckit::bench
