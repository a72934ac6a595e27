// `--engine kernel` in strict mode (live/strict_probe.h) against the interpreter's strict-mode
// model (vm/outcome.h StrictModeAllows, __secure_computing_strict): every native number 0..463
// and every ia32 number 0..463, plus negative and x32 numbers, through a child really in
// SECCOMP_MODE_STRICT. The allowed calls must run harmlessly (read/write give EBADF, exit
// ends the child with the marker) and the others must kill it with SIGKILL before running.
#include <gtest/gtest.h>

#include <cerrno>
#include <vector>

#include "live/kernel_engine.h"
#include "tests/live_test_util.h"
#include "vm/outcome.h"
#include "vm/stack.h"

namespace sckit::live {
namespace {

constexpr uint32_t kX86_64 = 0xc000003e, kI386 = 0x40000003;

KernelEngine StartStrict() {
  KernelEngineOptions options;
  options.context.mode = Mode::kStrict;
  Result<KernelEngine> engine = KernelEngine::Start({}, options);
  if (!engine.ok()) {
    ADD_FAILURE() << engine.error().ToString();
    std::abort();
  }
  return std::move(*engine);
}

SeccompData Record(uint32_t arch, int32_t nr) {
  SeccompData d;
  d.arch = arch;
  d.nr = nr;
  d.instruction_pointer = 0x7f0000001000;
  for (int i = 0; i < 6; ++i) d.args[i] = 0x1000 + i;  // strict mode never reads them
  return d;
}

TEST(StrictEngine, EveryNumberAgreesWithTheModel) {
  REQUIRE_SECCOMP();
  KernelEngine engine = StartStrict();
  KernelContext ctx;
  ctx.mode = Mode::kStrict;
  FilterStack none;
  std::vector<uint32_t> rets;
  std::vector<SeccompData> records;
  for (uint32_t arch : {kX86_64, kI386}) {
    for (int32_t nr = 0; nr < 464; ++nr) records.push_back(Record(arch, nr));
    for (int32_t nr : {-1, -513, 0x40000000, 0x40000001, 0x4000003c, 0x7fffffff}) {
      records.push_back(Record(arch, nr));
    }
  }
  int sent = 0, allowed = 0, killed = 0;
  for (const SeccompData& d : records) {
    Result<KernelObservation> k = engine.Run(d);
    ASSERT_TRUE(k.ok()) << d.arch << " " << d.nr << ": " << k.error().ToString();
    const Outcome model = Decide(none, d, ctx, rets);
    if (!k->reproducible) {
      // Only the allowed sigreturns and the native passthrough numbers are held back.
      EXPECT_EQ(model.Text(), "ALLOW") << d.nr << ": " << k->reason;
      continue;
    }
    ++sent;
    EXPECT_TRUE(ConsistentWith(*k, model)) << std::hex << d.arch << std::dec << " nr " << d.nr
                                           << ": kernel " << k->ToString() << ", model "
                                           << model.Text() << " (" << k->trail << ")";
    if (k->outcome.kind == Verdict::Kind::kKillThread) {
      ++killed;
      EXPECT_EQ(k->exit_signal, 9);
    } else {
      ++allowed;
    }
  }
  EXPECT_EQ(allowed, 6);  // native read, write, exit; ia32 read, write, exit
  EXPECT_GT(killed, 900);
  RecordProperty("records_sent", sent);
}

TEST(StrictEngine, AllowedCallsRunHarmlessly) {
  REQUIRE_SECCOMP();
  KernelEngine engine = StartStrict();
  for (uint32_t arch : {kX86_64, kI386}) {
    for (int32_t nr : arch == kX86_64 ? std::vector<int32_t>{0, 1} : std::vector<int32_t>{3, 4}) {
      Result<KernelObservation> k = engine.Run(Record(arch, nr));
      ASSERT_TRUE(k.ok()) << k.error().ToString();
      EXPECT_EQ(k->outcome.Text(), "ALLOW");
      EXPECT_EQ(k->return_value, -EBADF) << nr << ": ran on fd -1, not the record's fd";
    }
  }
  const uint64_t before = engine.children_started();
  Result<KernelObservation> exit = engine.Run(Record(kX86_64, 60));
  ASSERT_TRUE(exit.ok());
  EXPECT_EQ(exit->outcome.Text(), "ALLOW");
  EXPECT_EQ(exit->trail, "exited(92)");
  Result<KernelObservation> next = engine.Run(Record(kX86_64, 0));  // a fresh child
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->outcome.Text(), "ALLOW");
  EXPECT_EQ(engine.children_started(), before + 1);
}

TEST(StrictEngine, SigreturnsThatWouldRunAreNotSent) {
  REQUIRE_SECCOMP();
  KernelEngine engine = StartStrict();
  for (SeccompData d : {Record(kX86_64, 15), Record(kI386, 119)}) {
    Result<KernelObservation> k = engine.Run(d);
    ASSERT_TRUE(k.ok());
    EXPECT_FALSE(k->reproducible);
    EXPECT_EQ(k->not_reproducible_rule, "sigreturn-not-sent");
  }
  Result<KernelObservation> rt32 = engine.Run(Record(kI386, 173));  // killed before it runs
  ASSERT_TRUE(rt32.ok());
  EXPECT_EQ(rt32->outcome.Text(), "KILL_THREAD");
}

TEST(StrictEngine, AStackIsRefused) {
  KernelEngineOptions options;
  options.context.mode = Mode::kStrict;
  Result<KernelEngine> engine =
      KernelEngine::Start({{Program{{Stmt(bpf::kRET | bpf::kK, seccomp::kRetAllow)}}, 0}},
                          options);
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(engine.error().rule, "strict-mode-with-filters");
}

}  // namespace
}  // namespace sckit::live
