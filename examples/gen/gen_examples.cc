// Builds sckit's example policies with libseccomp (seccomp_init, seccomp_rule_add,
// seccomp_export_bpf) and writes them as raw .bpf files (arrays of struct sock_filter) under
// the directory given as the only argument:
//   server/server.bpf          allow-list for a small static-file HTTP server (x86_64)
//   denylist/denylist.bpf      default allow, dangerous calls denied, execve logged
//   socket-args/socket-args.bpf  argument checks: socket domains, mmap W^X, a 64-bit length
//   multiarch/multiarch.bpf    one no-network policy for x86_64 and i386; x32 killed
// The output does not depend on the host: the arch set and libseccomp's API level are fixed.
#include <fcntl.h>
#include <seccomp.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

namespace {

[[noreturn]] void Die(const std::string& what, int rc) {
  std::fprintf(stderr, "gen_examples: %s: %s\n", what.c_str(), std::strerror(-rc));
  std::exit(1);
}

void Check(int rc, const std::string& what) {
  if (rc < 0) Die(what, rc);
}

int Nr(const char* name) {
  const int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR) Die(std::string("unknown syscall ") + name, -EINVAL);
  return nr;
}

// A filter for exactly the arches listed (the first replaces the host's native arch).
scmp_filter_ctx NewFilter(uint32_t def_action, std::initializer_list<uint32_t> arches) {
  scmp_filter_ctx ctx = seccomp_init(def_action);
  if (ctx == nullptr) Die("seccomp_init", -EINVAL);
  for (uint32_t a : arches) {
    if (seccomp_arch_exist(ctx, a) != 0) Check(seccomp_arch_add(ctx, a), "seccomp_arch_add");
  }
  const uint32_t native = seccomp_arch_native();
  bool keep_native = false;
  for (uint32_t a : arches) keep_native = keep_native || a == native;
  if (!keep_native) Check(seccomp_arch_remove(ctx, native), "seccomp_arch_remove");
  Check(seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS), "badarch");
  return ctx;
}

void Allow(scmp_filter_ctx ctx, std::initializer_list<const char*> names) {
  for (const char* n : names) Check(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, Nr(n), 0), n);
}

void Write(scmp_filter_ctx ctx, const std::string& dir, const std::string& rel) {
  const std::string path = dir + "/" + rel;
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) Die("open " + path, -errno);
  Check(seccomp_export_bpf(ctx, fd), "seccomp_export_bpf " + path);
  close(fd);
  seccomp_release(ctx);
  std::printf("wrote %s\n", path.c_str());
}

// A small static-file HTTP server after setup: it accepts, reads requests, opens files
// read-only and sends them. Anything else kills the process; opening for writing fails EACCES.
void Server(const std::string& dir) {
  scmp_filter_ctx ctx = NewFilter(SCMP_ACT_KILL_PROCESS, {SCMP_ARCH_X86_64});
  Allow(ctx, {"read", "write", "writev", "close", "fstat", "newfstatat", "lseek", "mmap",
              "munmap", "brk", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "accept4",
              "recvfrom", "sendto", "sendfile", "shutdown", "setsockopt", "epoll_wait",
              "epoll_ctl", "getrandom", "clock_gettime", "futex", "exit", "exit_group"});
  // openat(dirfd, path, flags): allowed when (flags & O_ACCMODE) == O_RDONLY, else EACCES.
  Check(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, Nr("openat"), 1,
                         SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE, O_RDONLY)),
        "openat ro");
  Check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), Nr("openat"), 1,
                         SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE, O_WRONLY)),
        "openat wo");
  Check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), Nr("openat"), 1,
                         SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE, O_RDWR)),
        "openat rw");
  Write(ctx, dir, "server/server.bpf");
}

// Default allow; calls a container should never make are denied, execve is logged.
void Denylist(const std::string& dir) {
  scmp_filter_ctx ctx = NewFilter(SCMP_ACT_ALLOW, {SCMP_ARCH_X86_64});
  for (const char* n : {"ptrace", "mount", "umount2", "pivot_root", "swapon", "swapoff",
                        "init_module", "finit_module", "delete_module", "bpf",
                        "perf_event_open", "open_by_handle_at", "add_key", "keyctl",
                        "request_key"}) {
    Check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), Nr(n), 0), n);
  }
  for (const char* n : {"kexec_load", "kexec_file_load", "reboot"}) {
    Check(seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, Nr(n), 0), n);
  }
  Check(seccomp_rule_add(ctx, SCMP_ACT_TRAP, Nr("personality"), 0), "personality");
  Check(seccomp_rule_add(ctx, SCMP_ACT_LOG, Nr("execve"), 0), "execve");
  // unshare(flags): no new user namespaces.
  Check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), Nr("unshare"), 1,
                         SCMP_A0(SCMP_CMP_MASKED_EQ, 0x10000000 /* CLONE_NEWUSER */,
                                 0x10000000)),
        "unshare");
  Write(ctx, dir, "denylist/denylist.bpf");
}

// Argument checks. socket(domain, type, protocol): AF_NETLINK fails EAFNOSUPPORT, AF_PACKET
// EACCES, raw IPv4/IPv6 sockets (type & 0xf == SOCK_RAW, whatever SOCK_NONBLOCK/SOCK_CLOEXEC
// bits are or-ed in) EPERM; other sockets are allowed. mmap/mprotect: PROT_WRITE|PROT_EXEC
// together EACCES. ftruncate(fd, length): length above 4 GiB EFBIG (a 64-bit comparison that
// libseccomp splits into high and low 32-bit halves).
void SocketArgs(const std::string& dir) {
  scmp_filter_ctx ctx = NewFilter(SCMP_ACT_ALLOW, {SCMP_ARCH_X86_64});
  const int socket_nr = Nr("socket");
  Check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), socket_nr, 1,
                         SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(AF_NETLINK))),
        "socket netlink");
  Check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), socket_nr, 1,
                         SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(AF_PACKET))),
        "socket packet");
  for (int domain : {AF_INET, AF_INET6}) {
    Check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), socket_nr, 2,
                           SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(domain)),
                           SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_RAW)),
          "socket raw");
  }
  for (const char* n : {"mmap", "mprotect"}) {
    Check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), Nr(n), 1,
                           SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_WRITE | PROT_EXEC,
                                   PROT_WRITE | PROT_EXEC)),
          n);
  }
  Check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EFBIG), Nr("ftruncate"), 1,
                         SCMP_A1(SCMP_CMP_GT, 0x100000000ull)),
        "ftruncate");
  Write(ctx, dir, "socket-args/socket-args.bpf");
}

// One no-network, no-ptrace policy for x86_64 and i386 processes. libseccomp resolves each
// rule per arch (i386's socket is 359, and socketcall(2) multiplexes the old way); x32 is not
// in the filter, so libseccomp's x86_64 section kills every x32 call (bit 30 set in nr).
void Multiarch(const std::string& dir) {
  scmp_filter_ctx ctx = NewFilter(SCMP_ACT_ALLOW, {SCMP_ARCH_X86_64, SCMP_ARCH_X86});
  for (const char* n : {"socket", "socketpair", "connect", "bind", "listen"}) {
    Check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), Nr(n), 0), n);
  }
  Check(seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, Nr("ptrace"), 0), "ptrace");
  Write(ctx, dir, "multiarch/multiarch.bpf");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: gen_examples OUTPUT_DIR (the examples/ directory)\n");
    return 2;
  }
  // Pin the API level: KILL_PROCESS and LOG need level 3; don't probe the running kernel.
  Check(seccomp_api_set(3), "seccomp_api_set");
  const std::string dir = argv[1];
  for (const char* sub : {"server", "denylist", "socket-args", "multiarch"}) {
    mkdir((dir + "/" + sub).c_str(), 0755);
  }
  Server(dir);
  Denylist(dir);
  SocketArgs(dir);
  Multiarch(dir);
  return 0;
}
