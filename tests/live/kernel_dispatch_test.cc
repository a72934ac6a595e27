// The kernel engine with syscall user dispatch on (live/engine_record.cc PassDispatch): records
// inside and outside the region, exclusive and inclusive mode, each selector kind, both entry
// paths, each against a hand-worked expectation and the model (vm/dispatch DecideDispatch).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "live/kernel_engine.h"
#include "tests/live/kernel_engine_test_util.h"
#include "vm/dispatch.h"
#include "vm/outcome.h"
#include "vm/text.h"

namespace sckit::live {
namespace {

using namespace testing_util;  // NOLINT: the kernel engine test helpers

// getpid (x86_64 39, i386 20) -> ERRNO(1), everything else ALLOW.
std::vector<StackEntry> Stack() {
  return {{NrTable({{39, seccomp::kRetErrno | 1}, {20, seccomp::kRetErrno | 1}},
                   seccomp::kRetAllow),
           0}};
}

DispatchConfig Config(DispatchMode mode, SelectorKind kind, uint8_t selector) {
  DispatchConfig c;
  c.mode = mode;
  c.offset = 0x7000000000;
  c.len = 0x1000;
  c.selector_kind = kind;
  c.selector = selector;
  return c;
}

struct Case {
  DispatchMode mode;
  SelectorKind kind;
  uint8_t selector;
  uint64_t ip;
  std::string want;  // what the kernel does with getpid from `ip` (hand-worked)
};

TEST(KernelDispatch, EachModeAndSelectorAgreesWithTheHandWorkedAnswerAndTheModel) {
  START_ENGINE_OR_SKIP(engine, Stack());
  Model model(Stack());
  const uint64_t in = 0x7000000800, out = 0x7000001000;  // out: one past the region's end
  const DispatchMode ex = DispatchMode::kExclusive, inc = DispatchMode::kInclusive;
  const SelectorKind byte = SelectorKind::kByte, none = SelectorKind::kNone;
  const std::vector<Case> cases = {
      {ex, byte, kDispatchBlock, in, "ERRNO(1)"},       // exclusive: inside passes
      {ex, byte, kDispatchBlock, out, "DISPATCH_SIGSYS"},
      {ex, byte, kDispatchAllow, out, "ERRNO(1)"},      // ALLOW passes
      {ex, none, 0, out, "DISPATCH_SIGSYS"},            // no selector: dispatched
      {ex, none, 0, in, "ERRNO(1)"},
      {ex, byte, 7, out, "KILL_PROCESS"},               // invalid selector: force_exit_sig
      {ex, byte, 7, in, "ERRNO(1)"},
      {inc, byte, kDispatchBlock, in, "DISPATCH_SIGSYS"},  // inclusive: inside is dispatched
      {inc, byte, kDispatchBlock, out, "ERRNO(1)"},
      {inc, byte, kDispatchAllow, in, "ERRNO(1)"},
      {inc, none, 0, in, "DISPATCH_SIGSYS"},
      {inc, byte, 200, in, "KILL_PROCESS"},
  };
  for (uint32_t arch : {kX86_64, kI386}) {
    for (const Case& c : cases) {
      const DispatchConfig config = Config(c.mode, c.kind, c.selector);
      SeccompData d = Record(arch == kX86_64 ? 39 : 20, {1, 2}, c.ip);
      d.arch = arch;
      const std::string what = DispatchConfigText(config) + " ip " + Hex(c.ip) + " arch " +
                               Hex(arch);
      Result<KernelObservation> o = engine.Run(d, config);
      ASSERT_TRUE(o.ok()) << what << ": " << o.error().ToString();
      if (!o->reproducible && arch == kI386) break;  // no ia32 emulation here
      ASSERT_TRUE(o->reproducible) << what << ": " << o->reason;
      EXPECT_EQ(Texts(o->possible), std::vector<std::string>{c.want}) << what << " " << o->trail;
      model.ctx.dispatch = config;
      const Outcome m = model.Decide(d);
      EXPECT_EQ(m.verdict().Text(), c.want) << what;
      EXPECT_TRUE(ConsistentWith(*o, m)) << what << ": kernel " << o->ToString();
      if (c.want == "DISPATCH_SIGSYS") {
        ASSERT_TRUE(o->has_siginfo) << what;
        EXPECT_EQ(o->siginfo.code, kSysUserDispatch) << what;
        EXPECT_EQ(o->siginfo.error, 0) << what;
        EXPECT_EQ(o->siginfo.arch, arch) << what;
      }
    }
  }
  // Dispatch off again on the same engine: the filters answer as without dispatch.
  Result<KernelObservation> o = engine.Run(Record(39, {}, out), DispatchConfig{});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(Texts(o->possible), std::vector<std::string>{"ERRNO(1)"});
}

// A TRAP after dispatch passed: the seccomp SIGSYS (SYS_SECCOMP), not the dispatch one.
TEST(KernelDispatch, AFilterTrapAfterDispatchPassesKeepsItsOwnSiginfo) {
  const std::vector<StackEntry> stack = {
      {NrTable({{39, seccomp::kRetTrap | 5}}, seccomp::kRetAllow), 0}};
  START_ENGINE_OR_SKIP(engine, stack);
  const DispatchConfig config = Config(DispatchMode::kExclusive, SelectorKind::kByte,
                                       kDispatchAllow);
  for (int i = 0; i < 2; ++i) {  // twice: the probe is back home after the suppressed signal
    Result<KernelObservation> o = engine.Run(Record(39, {}, 0x1234), config);
    ASSERT_TRUE(o.ok()) << o.error().ToString();
    EXPECT_EQ(Texts(o->possible), std::vector<std::string>{"TRAP(5)"}) << o->trail;
    EXPECT_EQ(o->siginfo.code, 1);  // SYS_SECCOMP
  }
}

// A TRACE without --tracer is run a second time without PTRACE_O_TRACESECCOMP: under dispatch
// that second run passes dispatch again before its entry stop.
TEST(KernelDispatch, ATraceWithoutATracerIsRerunThroughDispatch) {
  const std::vector<StackEntry> stack = {
      {NrTable({{39, seccomp::kRetTrace | 5}}, seccomp::kRetAllow), 0}};
  START_ENGINE_OR_SKIP(engine, stack);
  const DispatchConfig config = Config(DispatchMode::kExclusive, SelectorKind::kByte,
                                       kDispatchAllow);
  for (int i = 0; i < 2; ++i) {
    Result<KernelObservation> o = engine.Run(Record(39, {}, 0x1234), config);
    ASSERT_TRUE(o.ok()) << o.error().ToString();
    EXPECT_EQ(Texts(o->possible), std::vector<std::string>{"ERRNO(38)"}) << o->trail;
  }
}

TEST(KernelDispatch, WhatCannotBeShownIsRefusedWithTheReason) {
  KernelEngineOptions options;
  options.context.dispatch = Config(DispatchMode::kExclusive, SelectorKind::kFault, 0);
  Result<KernelEngine> refused = KernelEngine::Start(Stack(), options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().rule, "dispatch-unsupported");
  EXPECT_NE(refused.error().message.find("unreadable selector"), std::string::npos);

  START_ENGINE_OR_SKIP(engine, Stack());
  DispatchConfig vdso = Config(DispatchMode::kExclusive, SelectorKind::kByte, kDispatchBlock);
  vdso.vdso_sigreturn[0] = 0xf7f00000;
  SeccompData d = Record(20, {}, 0xf7f00000);
  d.arch = kI386;
  Result<KernelObservation> o = engine.Run(d, vdso);
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->reproducible);
  EXPECT_EQ(o->not_reproducible_rule, "dispatch-unsupported");
  EXPECT_NE(o->reason.find("vDSO"), std::string::npos) << o->reason;
}

}  // namespace
}  // namespace sckit::live
