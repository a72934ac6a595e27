// The kernel engine (live/kernel_engine.h) on dangerous records: unlink of a real file, kill of
// a live process and of the parent, exit_group: none of them runs, by the design alone (the
// defences in depth, namespaces and nobody, are off here).
#include "live/kernel_engine.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "jit/compiler.h"
#include "tests/live/kernel_engine_test_util.h"
#include "tests/random_program.h"
#include "tests/random_tree.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/outcome.h"
#include "vm/program.h"
#include "vm/stack.h"

namespace sckit::live {
namespace {

using namespace bpf;           // NOLINT: kRET, kK, kJEQ ... as in the kernel's macros
using namespace testing_util;  // NOLINT: the kernel engine test helpers

SeccompData Ia32(SeccompData d) {
  d.arch = kI386;
  return d;
}

std::atomic<int> g_sigusr1{0};
void OnSigusr1(int) { g_sigusr1.fetch_add(1); }

// The design alone must keep dangerous calls from running, so the defences in depth
// (namespaces, nobody) are off here: the child could unlink the file and kill the victim.
TEST(KernelEngine, DangerousRecordsDoNothing) {
  char tmpl[] = "/tmp/sckit_kengine_XXXXXX";
  const int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  close(fd);
  const std::string path = tmpl;  // lives before the fork: the child has it at the same address
  const pid_t victim = fork();
  ASSERT_GE(victim, 0);
  if (victim == 0) {
    for (;;) pause();
  }
  struct sigaction sa = {};
  sa.sa_handler = OnSigusr1;
  sigemptyset(&sa.sa_mask);
  struct sigaction old_sa = {};
  ASSERT_EQ(sigaction(SIGUSR1, &sa, &old_sa), 0);

  const uint64_t p = reinterpret_cast<uint64_t>(path.c_str());
  const uint64_t me = static_cast<uint64_t>(getpid());
  const uint64_t my_tid = static_cast<uint64_t>(gettid());
  const std::vector<SeccompData> dangerous = {
      Record(87, {p}),                                       // unlink(path)
      Record(263, {static_cast<uint64_t>(AT_FDCWD), p, 0}),  // unlinkat(AT_FDCWD, path, 0)
      Record(62, {static_cast<uint64_t>(victim), SIGKILL}),  // kill(victim, SIGKILL)
      Record(62, {me, SIGUSR1}),                             // kill(parent, SIGUSR1)
      Record(234, {me, my_tid, SIGUSR1}),                    // tgkill(parent, tid, SIGUSR1)
      Record(231, {0}),                                      // exit_group(0)
      Record(60, {0}),                                       // exit(0)
      // The same through the ia32 probe (int $0x80): i386 numbers.
      Ia32(Record(10, {p})),                                       // unlink(path)
      Ia32(Record(37, {static_cast<uint64_t>(victim), SIGKILL})),  // kill(victim, SIGKILL)
      Ia32(Record(37, {me, SIGUSR1})),                             // kill(parent, SIGUSR1)
      Ia32(Record(252, {0})),                                      // exit_group(0)
  };
  KernelEngineOptions open;
  open.new_namespaces = false;
  open.drop_privileges = false;
  struct Stack {
    uint32_t ret;
    std::vector<std::string> possible;
    uint32_t flags = 0;
    bool tracer = true;
    bool listener = false;
  };
  const std::vector<Stack> stacks = {
      {seccomp::kRetAllow, {"ALLOW", "LOG"}},
      {seccomp::kRetLog, {"ALLOW", "LOG"}},
      {seccomp::kRetTrace | 3, {"TRACE(3)"}},
      // Without a tracer the TRACE runs a second time with PTRACE_O_TRACESECCOMP cleared.
      {seccomp::kRetTrace | 3, {"ERRNO(38)"}, 0, false},
      // Answered by the engine's notifier (never with SECCOMP_USER_NOTIF_FLAG_CONTINUE).
      {seccomp::kRetUserNotif, {"USER_NOTIF"}, seccomp::kFlagNewListener},
      // --listener: the engine gives the filter NEW_LISTENER itself.
      {seccomp::kRetUserNotif, {"USER_NOTIF"}, 0, false, true},
  };
  for (const Stack& s : stacks) {
    std::vector<StackEntry> stack = {{Program{{Ret(s.ret)}}, s.flags}};
    open.context.tracer = s.tracer;
    open.context.listener = s.listener;
    START_ENGINE_OR_SKIP(engine, stack, open);
    // A first i386 record restarts the child with its ia32 probe; from then on it stays.
    Result<KernelObservation> warm = engine.Run(Ia32(Record(20)));
    ASSERT_TRUE(warm.ok()) << warm.error().ToString();
    const uint64_t children = engine.children_started();
    // The pointer is valid in the probe: the path is there, readable by the call.
    Result<std::vector<uint8_t>> mem = engine.ReadProbeMemory(p, path.size() + 1);
    ASSERT_TRUE(mem.ok()) << mem.error().ToString();
    EXPECT_EQ(std::string(mem->begin(), mem->end() - 1), path);
    const pid_t tid = engine.probe_tid();
    for (const SeccompData& d : dangerous) {
      Result<KernelObservation> o = engine.Run(d);
      ASSERT_TRUE(o.ok()) << d.nr << ": " << o.error().ToString();
      EXPECT_EQ(Texts(o->possible), s.possible) << d.nr << ": " << o->ToString();
    }
    struct stat st;
    EXPECT_EQ(stat(path.c_str(), &st), 0) << "the file was unlinked";
    EXPECT_EQ(waitpid(victim, nullptr, WNOHANG), 0) << "the victim died";
    EXPECT_EQ(kill(victim, 0), 0);
    EXPECT_EQ(g_sigusr1.load(), 0) << "the parent received SIGUSR1";
    // Still the same probe, still probing.
    EXPECT_EQ(engine.probe_tid(), tid);
    EXPECT_EQ(engine.children_started(), children);
    Result<KernelObservation> o = engine.Run(Record(39));
    ASSERT_TRUE(o.ok()) << o.error().ToString();
    EXPECT_EQ(Texts(o->possible), s.possible);
  }
  sigaction(SIGUSR1, &old_sa, nullptr);
  kill(victim, SIGKILL);
  waitpid(victim, nullptr, 0);
  unlink(path.c_str());
}

}  // namespace
}  // namespace sckit::live
