// eval/vector_sink.h: the buffered formatter of `sckit eval` writes exactly the bytes of
// EvaluateRecord() (the one-record-at-a-time path it replaces), text and JSON, on a fixed input
// that reaches every action (filters that return a word of the record), SIGSYS siginfo, ERRNO
// caps, TRACE/USER_NOTIF without a tracer or listener, actions missing from actions_avail,
// passthrough calls, syscall user dispatch, strict mode, and a two-filter stack; and its record text is
// FormatRecord's on random records.
#include "eval/vector_sink.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "eval/evaluate.h"
#include "eval/session.h"
#include "formats/records.h"
#include "tests/eval/vector_sink_inputs.h"
#include "vm/bpf.h"

namespace sckit::eval {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

using testing::Sequence;

// Records whose args[0] and args[1] low words are filter results of every kind.
std::vector<SeccompData> FixedInput() {
  const uint32_t actions[] = {0x80000000u, 0x00000000u, 0x00030000u, 0x00050000u, 0x7fc00000u,
                              0x7ff00000u, 0x7ffc0000u, 0x7fff0000u, 0x12340000u, 0x7ff80000u};
  const uint32_t arches[] = {0xc000003eu, 0x40000003u, 0xc00000b7u, 0xdeadbeefu};
  Sequence seq{42};
  std::vector<SeccompData> out;
  for (int i = 0; i < 4000; ++i) {
    SeccompData d;
    d.arch = arches[seq.Next() % 4];
    const uint64_t pick = seq.Next() % 8;
    d.nr = pick == 0 ? 335 : pick == 1 ? 336 : pick == 2 ? -1 : static_cast<int32_t>(seq.Next() % 500);
    d.instruction_pointer = seq.Next() % 3 == 0 ? seq.Next() : seq.Next() % 0x2000;
    for (uint64_t& a : d.args) a = seq.Next() >> (seq.Next() % 64);
    // A few data values (the errno cap at 4095 included); the newer filter mostly allows, so
    // outcomes repeat as they do in real workloads.
    const uint32_t data_values[] = {0, 1, 2, 4095, 4096, 0xffff};
    for (int w = 0; w < 2; ++w) {
      const uint32_t action = w == 1 && seq.Next() % 4 != 0 ? 0x7fff0000u : actions[seq.Next() % 10];
      d.args[w] = (d.args[w] & ~uint64_t{0xffffffff}) | action | data_values[seq.Next() % 6];
    }
    out.push_back(d);
  }
  return out;
}

std::unique_ptr<Session> Open(const KernelContext& ctx) {
  SessionOptions o = ctx.mode == Mode::kFilter ? testing::ArgsWordsStack() : SessionOptions{};
  o.ctx = ctx;
  return testing::OpenOrFail(o);
}

void ExpectSameBytes(const KernelContext& ctx, const char* what) {
  const std::vector<SeccompData> input = FixedInput();
  for (bool json : {false, true}) {
    std::unique_ptr<Session> session = Open(ctx);
    ASSERT_NE(session, nullptr);
    const EvalOptions options{json, false};
    ASSERT_TRUE(VectorSink::Supports(*session, options));
    Scratch scratch;
    std::string before;
    for (const SeccompData& d : input) {
      ASSERT_TRUE(EvaluateRecord(*session, d, options, &scratch).ok());
      before += scratch.out;
    }
    VectorSink sink(*session, options);
    std::string after;
    for (const SeccompData& d : input) ASSERT_TRUE(sink.Append(d, &after).ok());
    ASSERT_EQ(after.size(), before.size()) << what << (json ? " json" : " text");
    size_t at = 0;
    while (at < after.size() && after[at] == before[at]) ++at;
    EXPECT_EQ(at, after.size()) << what << (json ? " json" : " text") << ": first difference at "
                                << at << ": " << before.substr(before.rfind('\n', at) + 1, 300);
    // The cache did the work: most lines came from it, not from EvaluateRecord.
    EXPECT_GT(sink.fast_lines(), input.size() / 2) << what;
    EXPECT_EQ(sink.fast_lines() + sink.slow_lines(), input.size());
  }
}

TEST(VectorSink, SameBytesAsEvaluateRecordInTheDefaultContext) {
  ExpectSameBytes(KernelContext{}, "default");
}

TEST(VectorSink, SameBytesWithTracerListenerAndFewerActions) {
  KernelContext ctx;
  ctx.tracer = true;
  ctx.listener = true;
  ctx.log.actions_avail = kAllActionBits & ~(kLogTrap | kLogLog);  // trap, log: unknown
  ctx.log.actions_logged = kLogErrno | kLogKillThread;
  ExpectSameBytes(ctx, "tracer+listener");
}

TEST(VectorSink, SameBytesWithSyscallUserDispatch) {
  KernelContext ctx;
  ctx.dispatch.mode = DispatchMode::kExclusive;
  ctx.dispatch.offset = 0x1000;
  ctx.dispatch.len = 0x800;
  ctx.dispatch.selector = kDispatchBlock;
  ExpectSameBytes(ctx, "dispatch");
}

TEST(VectorSink, SameBytesInStrictMode) {
  KernelContext ctx;
  ctx.mode = Mode::kStrict;
  ExpectSameBytes(ctx, "strict");
}

TEST(VectorSink, RecordTextIsFormatRecords) {
  Sequence seq{7};
  for (int i = 0; i < 20000; ++i) {
    SeccompData d;
    d.nr = static_cast<int32_t>(seq.Next() >> (seq.Next() % 64));
    d.arch = static_cast<uint32_t>(seq.Next() >> (seq.Next() % 64));
    d.instruction_pointer = seq.Next() >> (seq.Next() % 65 == 64 ? 63 : seq.Next() % 64);
    for (uint64_t& a : d.args) a = seq.Next() % 4 == 0 ? 0 : seq.Next() >> (seq.Next() % 64);
    std::string mine;
    AppendRecord(d, &mine);
    ASSERT_EQ(mine, FormatRecord(d));
  }
}

}  // namespace
}  // namespace sckit::eval
