// The kernel engine (live/kernel_engine.h) on USER_NOTIF: a NEW_LISTENER filter's notification
// answered by the engine's notifier (told apart from ERRNO(38), on both probes, across kills),
// and a USER_NOTIF won by a filter without the listener giving -ENOSYS, ties to the newest.
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

// With a NEW_LISTENER filter the engine's notifier answers its USER_NOTIF: the call returns the
// answer, so USER_NOTIF is told apart from ERRNO(38), on both probes and across kills.
TEST(KernelEngine, UserNotifOfTheListenersFilterIsReportedExactly) {
  const std::vector<std::pair<int32_t, uint32_t>> table = {
      {1005, seccomp::kRetUserNotif},
      {1006, seccomp::kRetUserNotif | 0x1234},  // the data does not matter
      {1038, seccomp::kRetErrno | 38},
      {1009, seccomp::kRetKillProcess},
      {1008, seccomp::kRetKillThread},
  };
  std::vector<StackEntry> stack = {
      {NrTable(table, seccomp::kRetAllow), seccomp::kFlagNewListener},
      {NrTable({{1003, seccomp::kRetErrno | 38}}, seccomp::kRetAllow), 0}};
  START_ENGINE_OR_SKIP(engine, stack);
  Model model(stack);
  struct Case {
    uint32_t arch;
    int32_t nr;
    std::vector<std::string> possible;
  };
  std::vector<Case> cases;
  for (int round = 0; round < 3; ++round) {
    for (uint32_t arch : {kX86_64, kI386}) {
      cases.push_back({arch, 1005, {"USER_NOTIF"}});
      cases.push_back({arch, 1006, {"USER_NOTIF"}});
      // No filter without a listener can return USER_NOTIF: -ENOSYS is ERRNO(38), from either.
      cases.push_back({arch, 1038, {"ERRNO(38)"}});
      cases.push_back({arch, 1003, {"ERRNO(38)"}});
      cases.push_back({arch, 1005, {"USER_NOTIF"}});
    }
    // Kills end the child with its notifiers; the next child gets new ones.
    cases.push_back(
        {kX86_64, round == 1 ? 1008 : 1009, {round == 1 ? "KILL_THREAD" : "KILL_PROCESS"}});
  }
  int notified = 0;
  for (const Case& c : cases) {
    SeccompData d = Record(c.nr, {11, 22, 33, 44, 55, 66}, 0x500000 + c.nr);
    d.arch = c.arch;
    Result<KernelObservation> o = engine.Run(d);
    ASSERT_TRUE(o.ok()) << c.nr << ": " << o.error().ToString();
    if (!o->reproducible) continue;  // no ia32 emulation
    EXPECT_EQ(Texts(o->possible), c.possible) << c.nr << ": " << o->ToString();
    const Outcome m = model.Decide(d);
    EXPECT_TRUE(ConsistentWith(*o, m))
        << c.nr << ": kernel " << o->ToString() << ", model " << m.Text();
    if (c.possible == std::vector<std::string>{"USER_NOTIF"}) {
      ++notified;
      EXPECT_EQ(o->seen, KernelObservation::Seen::kNotified);
      EXPECT_EQ(static_cast<uint64_t>(o->return_value), kNotifyAnswer);
      EXPECT_EQ(m.Text(), "USER_NOTIF");
    }
    if (c.possible == std::vector<std::string>{"ERRNO(38)"}) {
      EXPECT_EQ(o->return_value, -38);
    }
  }
  std::printf("listener stack: %d USER_NOTIF answered, %llu children\n", notified,
              static_cast<unsigned long long>(engine.children_started()));
  EXPECT_GE(notified, 9);
}

// seccomp_do_user_notification looks only at the MATCHED filter's listener: a USER_NOTIF won by
// a filter without one gives -ENOSYS even while another filter's listener is open and served.
// Ties between USER_NOTIFs go to the newest filter (seccomp_run_filters: strictly lower wins).
TEST(KernelEngine, UserNotifOfAFilterWithoutTheListenerGivesEnosys) {
  // 2000: only the listener's filter notifies; 2001: only the other one; 2002: both (a tie).
  const Program with = NrTable({{2000, seccomp::kRetUserNotif}, {2002, seccomp::kRetUserNotif | 5}},
                               seccomp::kRetAllow);
  const Program without = NrTable(
      {{2001, seccomp::kRetUserNotif}, {2002, seccomp::kRetUserNotif | 7}}, seccomp::kRetAllow);
  struct Order {
    const char* name;
    std::vector<StackEntry> stack;
    std::vector<std::string> tie;  // what 2002 gives
  };
  const std::vector<Order> orders = {
      {"listener oldest", {{with, seccomp::kFlagNewListener}, {without, 0}}, {"ERRNO(38)"}},
      {"listener newest", {{without, 0}, {with, seccomp::kFlagNewListener}}, {"USER_NOTIF"}},
  };
  for (const Order& order : orders) {
    START_ENGINE_OR_SKIP(engine, order.stack);
    Model model(order.stack);
    const std::vector<std::pair<int32_t, std::vector<std::string>>> cases = {
        {2000, {"USER_NOTIF"}},
        {2001, {"ERRNO(38)"}},  // in this configuration, exactly what the kernel gives
        {2002, order.tie},
        {2000, {"USER_NOTIF"}},
    };
    for (const auto& [nr, possible] : cases) {
      const SeccompData d = Record(nr);
      Result<KernelObservation> o = engine.Run(d);
      ASSERT_TRUE(o.ok()) << order.name << " " << nr << ": " << o.error().ToString();
      EXPECT_EQ(Texts(o->possible), possible) << order.name << " " << nr << ": " << o->ToString();
      const Outcome m = model.Decide(d);
      EXPECT_TRUE(ConsistentWith(*o, m))
          << order.name << " " << nr << ": kernel " << o->ToString() << ", model " << m.Text();
      std::printf("%s, nr %d: kernel %-22s rax %lld, model %s (filter %d)\n", order.name, nr,
                  o->ToString().c_str(), static_cast<long long>(o->return_value), m.Text().c_str(),
                  m.matched);
      // 2001 can only be the listenerless filter's USER_NOTIF (the other filter allows it), so
      // the kernel's -ENOSYS here is that USER_NOTIF: the model says ERRNO(38) for it.
      if (nr == 2001) {
        EXPECT_EQ(o->return_value, -38);
        EXPECT_EQ(m.action, Action::kUserNotif);
        EXPECT_EQ(m.Text(), "ERRNO(38)");
      }
    }
  }
}

}  // namespace
}  // namespace sckit::live
