// The kernel engine answers for the configuration asked (issue 22), not for its probe's: its
// probe is always traced and may hold a listener, but a TRACE without --tracer must be what a
// task with no seccomp tracer gets (-ENOSYS: ERRNO(38)), a USER_NOTIF without a listener
// ERRNO(38), with --listener USER_NOTIF, on x86_64 and i386 records. Each case is checked
// against the live kernel and against the interpreter in the same configuration.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "live/kernel_engine.h"
#include "tests/live/kernel_engine_test_util.h"
#include "vm/bpf.h"
#include "vm/outcome.h"

namespace sckit::live {
namespace {

using namespace testing_util;  // NOLINT: the kernel engine test helpers

// Runs `d` through the engine and the model; the kernel's possible outcomes must be exactly
// `want`, and the model's outcome one of them.
void Expect(KernelEngine& engine, Model& model, const SeccompData& d,
            const std::vector<std::string>& want, const std::string& what) {
  Result<KernelObservation> o = engine.Run(d);
  ASSERT_TRUE(o.ok()) << what << ": " << o.error().ToString();
  if (!o->reproducible && d.arch == kI386) return;  // no ia32 emulation here
  EXPECT_EQ(Texts(o->possible), want) << what << ": " << o->ToString() << " trail " << o->trail;
  const Outcome m = model.Decide(d);
  EXPECT_TRUE(ConsistentWith(*o, m))
      << what << ": kernel " << o->ToString() << ", interp " << m.Text();
}

SeccompData On(uint32_t arch, int32_t nr) {
  SeccompData d = Record(nr, {1, 2, 3}, 0x7000001000);
  d.arch = arch;
  return d;
}

// The kernel selftest precedence.trace_is_fourth: ALLOW, then LOG on getpid, then TRACE on
// getpid (oldest first). Without a tracer getpid returns -1/ENOSYS; the engine used to say
// TRACE(0) because its own probe is traced with PTRACE_O_TRACESECCOMP.
TEST(KernelConfig, TraceAnswersForTheAskedTracer) {
  const std::vector<StackEntry> stack = {
      {Program{{Ret(seccomp::kRetAllow)}}, 0},
      {NrTable({{39, seccomp::kRetLog}}, seccomp::kRetAllow), 0},
      {NrTable({{39, seccomp::kRetTrace}, {40, seccomp::kRetTrace | 77}}, seccomp::kRetAllow), 0},
  };
  for (bool tracer : {false, true}) {
    START_ENGINE_OR_SKIP(engine, stack, Asked(tracer));
    Model model(stack, Asked(tracer).context);
    for (uint32_t arch : {kX86_64, kI386}) {
      const std::string what =
          std::string(tracer ? "--tracer" : "no tracer") + (arch == kI386 ? ", i386" : ", x86_64");
      Expect(engine, model, On(arch, 39), {tracer ? "TRACE(0)" : "ERRNO(38)"}, what + " nr 39");
      Expect(engine, model, On(arch, 40), {tracer ? "TRACE(77)" : "ERRNO(38)"}, what + " nr 40");
      Expect(engine, model, On(arch, 110), {"ALLOW", "LOG"}, what + " nr 110");
    }
    // Without a tracer the ENOSYS is the kernel's own, seen on a run without the option.
    Result<KernelObservation> o = engine.Run(On(kX86_64, 39));
    ASSERT_TRUE(o.ok()) << o.error().ToString();
    if (!tracer) {
      EXPECT_EQ(o->seen, KernelObservation::Seen::kReturn);
      EXPECT_EQ(o->return_value, -38);
      EXPECT_NE(o->trail.find("untraced: exit entry"), std::string::npos) << o->trail;
    } else {
      EXPECT_EQ(o->seen, KernelObservation::Seen::kTraceStop);
    }
    EXPECT_EQ(engine.children_started(), 2u);  // the first i386 record adds the ia32 probe
  }
}

// USER_NOTIF of a filter installed without NEW_LISTENER: without --listener the kernel fails it
// with ENOSYS (ERRNO(38)); with --listener the filter has one, and the engine answers it.
TEST(KernelConfig, UserNotifAnswersForTheAskedListener) {
  const std::vector<StackEntry> stack = {
      {NrTable({{3000, seccomp::kRetUserNotif}, {3038, seccomp::kRetErrno | 38}},
               seccomp::kRetAllow),
       0}};
  for (bool listener : {false, true}) {
    START_ENGINE_OR_SKIP(engine, stack, Asked(false, listener));
    Model model(stack, Asked(false, listener).context);
    for (uint32_t arch : {kX86_64, kI386}) {
      const std::string what = std::string(listener ? "--listener" : "no listener") +
                               (arch == kI386 ? ", i386" : ", x86_64");
      Expect(engine, model, On(arch, 3000), {listener ? "USER_NOTIF" : "ERRNO(38)"},
             what + " nr 3000");
      Expect(engine, model, On(arch, 3038), {"ERRNO(38)"}, what + " nr 3038");
    }
  }
}

// --listener with two filters that can notify: the kernel allows one listener per chain. The
// newest gets it; the older one's USER_NOTIF gives -ENOSYS, which the engine must report as
// ambiguous and say why. A user's own NEW_LISTENER filter keeps its listener.
TEST(KernelConfig, ListenerForEveryFilterIsOnePerChain) {
  const Program older = NrTable({{3001, seccomp::kRetUserNotif}}, seccomp::kRetAllow);
  const Program newer = NrTable({{3002, seccomp::kRetUserNotif}}, seccomp::kRetAllow);
  struct Order {
    std::vector<StackEntry> stack;
    int32_t served, unserved;
  };
  const std::vector<Order> orders = {
      {{{older, 0}, {newer, 0}}, 3002, 3001},
      {{{older, seccomp::kFlagNewListener}, {newer, 0}}, 3001, 3002},
  };
  for (const Order& order : orders) {
    START_ENGINE_OR_SKIP(engine, order.stack, Asked(false, true));
    Model model(order.stack, Asked(false, true).context);
    for (uint32_t arch : {kX86_64, kI386}) {
      Expect(engine, model, On(arch, order.served), {"USER_NOTIF"}, "served");
      Expect(engine, model, On(arch, order.unserved), {"ERRNO(38)", "USER_NOTIF"}, "unserved");
    }
    Result<KernelObservation> o = engine.Run(On(kX86_64, order.unserved));
    ASSERT_TRUE(o.ok()) << o.error().ToString();
    EXPECT_NE(o->reason.find("one per chain"), std::string::npos) << o->reason;
  }
}

// Strict mode has its own probe (strict_engine_test); a stack with it is refused.
TEST(KernelConfig, StrictModeWithAStackIsRefusedWithTheReason) {
  KernelEngineOptions options;
  options.context.mode = Mode::kStrict;
  Result<KernelEngine> engine =
      KernelEngine::Start({{Program{{Ret(seccomp::kRetAllow)}}, 0}}, options);
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(engine.error().rule, "strict-mode-with-filters");
}

}  // namespace
}  // namespace sckit::live
