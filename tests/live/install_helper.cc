// A command for tests/live:dump_test that installs filters across tasks the way real programs
// do, so `sckit dump -- CMD` can be held to each task's real stack:
//   install_helper fork A.bpf B.bpf   installs A, forks; the child installs B (child: A, B).
//   install_helper tsync A.bpf B.bpf  installs A, starts a thread, installs B with
//                                     SECCOMP_FILTER_FLAG_TSYNC (the thread: A, B by TSYNC).
//   install_helper thread A.bpf B.bpf installs A, starts a thread that installs B itself
//                                     (the thread: A, B; the main thread: A).
// Exits 0 when every install succeeded, 1 otherwise (after saying which).
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

std::vector<sock_filter> Load(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<sock_filter> insns(bytes.size() / sizeof(sock_filter));
  std::memcpy(insns.data(), bytes.data(), insns.size() * sizeof(sock_filter));
  return insns;
}

bool Install(std::vector<sock_filter>& insns, unsigned flags, const char* what) {
  sock_fprog prog{static_cast<unsigned short>(insns.size()), insns.data()};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog) != 0) {
    std::fprintf(stderr, "install_helper: installing %s failed: %s\n", what, strerror(errno));
    return false;
  }
  return true;
}

std::vector<sock_filter> g_second;
pthread_barrier_t g_started, g_synced;

void* InstallInThread(void*) {
  return reinterpret_cast<void*>(Install(g_second, 0, "B in the thread") ? 0 : 1);
}

void* WaitForSync(void*) {
  pthread_barrier_wait(&g_started);
  pthread_barrier_wait(&g_synced);  // the main thread's TSYNC install happened meanwhile
  return nullptr;
}

}  // namespace

// Under --config=asan: LeakSanitizer cannot run under ptrace, and this helper always runs traced
// (it would turn every exit into a failure).
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: install_helper fork|tsync|thread A.bpf B.bpf\n");
    return 2;
  }
  const std::string mode = argv[1];
  std::vector<sock_filter> first = Load(argv[2]);
  g_second = Load(argv[3]);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || !Install(first, 0, "A")) return 1;
  if (mode == "fork") {
    const pid_t child = fork();
    if (child == 0) _exit(Install(g_second, 0, "B in the child") ? 0 : 1);
    int status = 0;
    waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
  }
  pthread_t thread;
  if (mode == "thread") {
    void* result = nullptr;
    pthread_create(&thread, nullptr, InstallInThread, nullptr);
    pthread_join(thread, &result);
    return result == nullptr ? 0 : 1;
  }
  if (mode == "tsync") {
    pthread_barrier_init(&g_started, nullptr, 2);
    pthread_barrier_init(&g_synced, nullptr, 2);
    pthread_create(&thread, nullptr, WaitForSync, nullptr);
    pthread_barrier_wait(&g_started);
    const bool ok = Install(g_second, SECCOMP_FILTER_FLAG_TSYNC, "B with TSYNC");
    pthread_barrier_wait(&g_synced);
    pthread_join(thread, nullptr);
    return ok ? 0 : 1;
  }
  std::fprintf(stderr, "install_helper: unknown mode %s\n", mode.c_str());
  return 2;
}
