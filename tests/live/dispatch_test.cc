// Syscall user dispatch against the running kernel (x86-64): a forked child installs a filter,
// arms prctl(PR_SET_SYSCALL_USER_DISPATCH) with a region and a selector, and makes one harmless
// call from a helper whose `syscall` instruction the region covers or not; what it observes
// must be what vm/outcome's Decide() predicts for the same record (ip = the address after that
// instruction) and the same DispatchConfig:
//   DISPATCH_SIGSYS  a SIGSYS with si_code SYS_USER_DISPATCH (2), si_errno 0, si_syscall,
//                    si_arch, si_call_addr = ip; the call returns its own number (rolled back)
//                    and the filter never ran (its TRAP would say si_code 1, its ERRNO -77, its
//                    KILL_PROCESS would end the child);
//   ERRNO / TRAP / ALLOW  the filter decided;
//   KILL_PROCESS     an invalid selector byte: the child dies by SIGSYS, no handler runs.
// And the prctl's EINVAL cases are exactly CheckDispatchConfig's. Records lines with their own
// configuration (`nr=getppid ip=... dispatch=on region=...`) are checked the same way.
//
// The child's SIGSYS handler sets the selector to ALLOW, so its rt_sigreturn (from libc's
// restorer, outside the region) is not dispatched again.
#include <gtest/gtest.h>
#include <linux/prctl.h>
#include <signal.h>
#include <sys/prctl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "formats/records.h"
#include "live/child_process.h"
#include "live/raw_syscall.h"
#include "tests/live_test_util.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/dispatch.h"
#include "vm/outcome.h"
#include "vm/stack.h"

// A raw system call whose `syscall` instruction sits between two exported labels, so a region
// can cover it exactly; sckit_dispatch_after is the ip the kernel sees.
asm(R"(
  .text
  .globl sckit_dispatch_call
  .type sckit_dispatch_call, @function
sckit_dispatch_call:
  .globl sckit_dispatch_start
sckit_dispatch_start:
  mov %rdi, %rax
  mov %rsi, %rdi
  syscall
  .globl sckit_dispatch_after
sckit_dispatch_after:
  ret
  .size sckit_dispatch_call, . - sckit_dispatch_call
)");
extern "C" long sckit_dispatch_call(long nr, long a0);
extern "C" char sckit_dispatch_start[];
extern "C" char sckit_dispatch_after[];

namespace sckit {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

constexpr int32_t kGetpid = 39, kGetppid = 110, kGetuid = 102, kGetgid = 104;
constexpr int64_t kNrPrctl = 157;
constexpr uint64_t kPrSetSyscallUserDispatch = 59;
constexpr uint32_t kX86_64 = 0xc000003e;

struct Shared {
  volatile char selector;
  int prctl_ret;
  int filter_ret;
  long ret;
  int sigsys_count;
  int code, error, syscall;
  uint32_t arch;
  uint64_t call_addr;
};
Shared* g_shared = nullptr;

void OnSigsys(int, siginfo_t* info, void*) {
  g_shared->selector = kDispatchAllow;  // first: the handler's rt_sigreturn must pass
  ++g_shared->sigsys_count;
  g_shared->code = info->si_code;
  g_shared->error = info->si_errno;
  g_shared->syscall = info->si_syscall;
  g_shared->arch = info->si_arch;
  g_shared->call_addr = reinterpret_cast<uint64_t>(info->si_call_addr);
}

// getppid -> ERRNO(77), getuid -> TRAP(5), getgid -> KILL_PROCESS, else ALLOW.
VerifiedProgram Filter() {
  Result<VerifiedProgram> v = Verify(Program{{
      Stmt(kLD | kW | kABS, 0),
      Jump(kJMP | kJEQ | kK, kGetppid, 0, 1), Stmt(kRET | kK, 0x00050000 | 77),
      Jump(kJMP | kJEQ | kK, kGetuid, 0, 1), Stmt(kRET | kK, 0x00030000 | 5),
      Jump(kJMP | kJEQ | kK, kGetgid, 0, 1), Stmt(kRET | kK, seccomp::kRetKillProcess),
      Stmt(kRET | kK, seccomp::kRetAllow)}});
  EXPECT_TRUE(v.ok());
  return std::move(*v);
}

uint64_t HelperStart() { return reinterpret_cast<uint64_t>(sckit_dispatch_start); }
uint64_t HelperIp() { return reinterpret_cast<uint64_t>(sckit_dispatch_after); }

struct Scenario {
  DispatchConfig config;
  int32_t nr;
};

// How the child ended and what it recorded.
struct Observed {
  live::ChildEnd end;
  Shared shared;
};

Observed RunChild(const Scenario& s) {
  Result<live::SharedRegion> region = live::SharedRegion::Create(sizeof(Shared));
  EXPECT_TRUE(region.ok());
  g_shared = region->as<Shared>();
  std::memset(static_cast<void*>(g_shared), 0, sizeof(Shared));
  g_shared->prctl_ret = g_shared->filter_ret = -12345;
  const VerifiedProgram program = Filter();
  const std::vector<SockFilter>& insns = program.original().insns;
  Result<live::ChildEnd> end = live::RunInChild([&](live::ChildControl*) {
    if (!live::PrepareChildForSeccomp()) return;
    struct sigaction sa {};
    sa.sa_sigaction = OnSigsys;
    sa.sa_flags = SA_SIGINFO;
    if (sigaction(SIGSYS, &sa, nullptr) != 0) return;
    struct {
      unsigned short len;
      const SockFilter* filter;
    } fprog{static_cast<unsigned short>(insns.size()), insns.data()};
    g_shared->filter_ret = static_cast<int>(
        live::RawSyscall6(317, 1 /* SET_MODE_FILTER */, 0, reinterpret_cast<uint64_t>(&fprog))
            .ret);
    g_shared->selector = kDispatchAllow;
    const uint64_t mode = s.config.mode == DispatchMode::kInclusive ? 2 : 1;
    g_shared->prctl_ret = static_cast<int>(
        live::RawSyscall6(kNrPrctl, kPrSetSyscallUserDispatch, mode, s.config.offset, s.config.len,
                          reinterpret_cast<uint64_t>(&g_shared->selector))
            .ret);
    if (g_shared->prctl_ret != 0) return;
    g_shared->selector = static_cast<char>(s.config.selector);
    g_shared->ret = sckit_dispatch_call(s.nr, 0);
    g_shared->selector = kDispatchAllow;
  });
  EXPECT_TRUE(end.ok());
  return Observed{end.ok() ? *end : live::ChildEnd{}, *g_shared};
}

// Runs the scenario live and checks it against Decide(); returns the model's text.
std::string Check(const Scenario& s) {
  const Observed seen = RunChild(s);
  const std::string where = DispatchConfigText(s.config) + " nr " + std::to_string(s.nr);
  EXPECT_EQ(seen.shared.filter_ret, 0) << where;
  EXPECT_EQ(seen.shared.prctl_ret, 0) << where;
  KernelContext ctx;
  ctx.dispatch = s.config;
  FilterStack stack;
  stack.Push(Filter(), 0);
  std::vector<uint32_t> rets(1);
  SeccompData d;
  d.nr = s.nr;
  d.arch = kX86_64;
  d.instruction_pointer = HelperIp();
  const Outcome o = Decide(stack, d, ctx, rets);
  const Shared& k = seen.shared;
  switch (o.verdict().kind) {
    case Verdict::Kind::kDispatchSigsys:
      EXPECT_EQ(seen.end.kind, live::ChildEnd::Kind::kExited) << where << seen.end.ToString();
      EXPECT_EQ(k.sigsys_count, 1) << where;
      EXPECT_EQ(k.code, o.sigsys.code) << where;
      EXPECT_EQ(k.code, 2) << where;
      EXPECT_EQ(k.error, o.sigsys.error) << where;
      EXPECT_EQ(k.syscall, o.sigsys.syscall_nr) << where;
      EXPECT_EQ(k.arch, o.sigsys.arch) << where;
      EXPECT_EQ(k.call_addr, o.sigsys.call_addr) << where;
      EXPECT_EQ(k.ret, s.nr) << where << ": rolled back, the call did not run";
      break;
    case Verdict::Kind::kErrno:
      EXPECT_EQ(k.sigsys_count, 0) << where;
      EXPECT_EQ(k.ret, o.return_value) << where;
      break;
    case Verdict::Kind::kTrap:
      EXPECT_EQ(k.sigsys_count, 1) << where;
      EXPECT_EQ(k.code, 1) << where;
      EXPECT_EQ(static_cast<uint32_t>(k.error), o.data) << where;
      break;
    case Verdict::Kind::kAllow:
      EXPECT_EQ(k.sigsys_count, 0) << where;
      EXPECT_GT(k.ret, 0) << where;  // getpid ran
      break;
    case Verdict::Kind::kKillProcess:
      EXPECT_EQ(seen.end.kind, live::ChildEnd::Kind::kSignaled) << where;
      EXPECT_EQ(seen.end.code, o.signal) << where;
      EXPECT_EQ(k.sigsys_count, 0) << where << ": no handler runs";
      break;
    default:
      ADD_FAILURE() << where << ": unexpected model outcome " << o.Text();
  }
  return o.Text();
}

Scenario Make(DispatchMode mode, uint64_t offset, uint64_t len, uint8_t selector, int32_t nr) {
  Scenario s;
  s.config.mode = mode;
  s.config.offset = offset;
  s.config.len = len;
  s.config.selector = selector;
  s.nr = nr;
  return s;
}

// A page far from the helper: the region exempts nothing we call.
constexpr uint64_t kElsewhere = 0x10000, kPage = 0x1000;
constexpr DispatchMode kOn = DispatchMode::kExclusive;

TEST(LiveDispatch, BlockOutsideTheRegionSignalsAndTheFilterNeverRuns) {
  REQUIRE_SECCOMP();
  for (int32_t nr : {kGetppid, kGetuid, kGetgid, kGetpid}) {
    EXPECT_EQ(Check(Make(kOn, kElsewhere, kPage, kDispatchBlock, nr)), "DISPATCH_SIGSYS") << nr;
  }
  EXPECT_EQ(Check(Make(kOn, 0, 0, kDispatchBlock, kGetppid)), "DISPATCH_SIGSYS");
}

TEST(LiveDispatch, SelectorAllowLetsTheFilterDecide) {
  REQUIRE_SECCOMP();
  EXPECT_EQ(Check(Make(kOn, kElsewhere, kPage, kDispatchAllow, kGetppid)), "ERRNO(77)");
  EXPECT_EQ(Check(Make(kOn, kElsewhere, kPage, kDispatchAllow, kGetuid)), "TRAP(5)");
  EXPECT_EQ(Check(Make(kOn, kElsewhere, kPage, kDispatchAllow, kGetpid)), "ALLOW");
}

TEST(LiveDispatch, CallsFromInsideTheRegionAlwaysReachTheFilter) {
  REQUIRE_SECCOMP();
  const uint64_t start = HelperStart(), ip = HelperIp();
  EXPECT_EQ(Check(Make(kOn, start, ip - start + 1, kDispatchBlock, kGetppid)), "ERRNO(77)");
  EXPECT_EQ(Check(Make(kOn, start, ip - start + 1, kDispatchBlock, kGetpid)), "ALLOW");
  // The boundaries: [ip, ip+1) holds the ip; [start, ip) ends just before it.
  EXPECT_EQ(Check(Make(kOn, ip, 1, kDispatchBlock, kGetppid)), "ERRNO(77)");
  EXPECT_EQ(Check(Make(kOn, start, ip - start, kDispatchBlock, kGetppid)), "DISPATCH_SIGSYS");
  // The invalid byte is never read for a call the region exempts.
  EXPECT_EQ(Check(Make(kOn, ip, 1, 7, kGetppid)), "ERRNO(77)");
}

TEST(LiveDispatch, InclusiveDispatchesCallsFromInsideTheRegion) {
  REQUIRE_SECCOMP();
  const uint64_t start = HelperStart(), ip = HelperIp();
  EXPECT_EQ(Check(Make(DispatchMode::kInclusive, start, ip - start + 1, kDispatchBlock, kGetppid)),
            "DISPATCH_SIGSYS");
  EXPECT_EQ(Check(Make(DispatchMode::kInclusive, kElsewhere, kPage, kDispatchBlock, kGetppid)),
            "ERRNO(77)");
}

TEST(LiveDispatch, AnInvalidSelectorKillsBySigsysWithoutTheHandler) {
  REQUIRE_SECCOMP();
  for (uint8_t v : {2, 7, 0xff}) {
    EXPECT_EQ(Check(Make(kOn, kElsewhere, kPage, v, kGetpid)), "KILL_PROCESS") << int(v);
  }
}

// A records line with its own configuration (formats/record_dispatch.h), as `sckit eval` and
// `sckit test` read it: the configuration the line gives over a command line's is the one the
// kernel applies when a child arms it (the live kernel engine cannot show dispatch, so the
// line's configuration goes to this harness's child instead).
Scenario FromLine(const std::string& text, const DispatchConfig& cli = {}) {
  LineDispatch line;
  Result<SeccompData> d = ParseRecord(text, 1, &line);
  EXPECT_TRUE(d.ok()) << text << ": " << (d.ok() ? "" : d.error().ToString());
  Result<DispatchConfig> c = ApplyLineDispatch(cli, line);
  EXPECT_TRUE(c.ok()) << text << ": " << (c.ok() ? "" : c.error().ToString());
  Scenario s;
  if (!d.ok() || !c.ok()) return s;
  EXPECT_EQ(d->instruction_pointer, HelperIp()) << text;  // the ip the child's call has
  s.config = *c;
  s.nr = d->nr;
  return s;
}

std::string HexIp(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

TEST(LiveDispatch, RecordLinesWithTheirOwnConfigurationMatchTheKernel) {
  REQUIRE_SECCOMP();
  const uint64_t start = HelperStart(), ip = HelperIp();
  const std::string at = "ip=" + HexIp(ip) + " ";
  const std::string covers = "region=" + HexIp(start) + "," + HexIp(ip - start + 1);
  const std::string before = "region=" + HexIp(start) + "," + HexIp(ip - start);
  EXPECT_EQ(Check(FromLine("nr=getppid " + at + "dispatch=on " + covers + " selector=block")),
            "ERRNO(77)");
  EXPECT_EQ(Check(FromLine("nr=getppid " + at + "dispatch=on " + before + " selector=block")),
            "DISPATCH_SIGSYS");
  EXPECT_EQ(
      Check(FromLine("nr=getuid " + at + "dispatch=inclusive " + covers + " selector=block")),
      "DISPATCH_SIGSYS");
  EXPECT_EQ(Check(FromLine("nr=getpid " + at + "dispatch=on selector=7")), "KILL_PROCESS");
  // Over a command line that blocks everything: the line's selector alone lets the filter decide.
  DispatchConfig cli;
  cli.mode = DispatchMode::kExclusive;
  cli.selector = kDispatchBlock;
  EXPECT_EQ(Check(FromLine("nr=getuid " + at + "selector=allow", cli)), "TRAP(5)");
  EXPECT_EQ(Check(FromLine("nr=getuid " + at, cli)), "DISPATCH_SIGSYS");
  // A printed line gives back the configuration the kernel was armed with.
  const Scenario printed = FromLine("nr=getppid " + at + LineDispatchText(
                                        FromLine("nr=getppid " + at + "dispatch=on " + covers)
                                            .config));
  EXPECT_EQ(Check(printed), "ERRNO(77)");
}

TEST(LiveDispatch, ThePrctlRefusesWhatCheckDispatchConfigRefuses) {
  REQUIRE_SECCOMP();
  const struct {
    DispatchMode mode;
    uint64_t offset, len;
  } kCases[] = {{kOn, 0, 0},          {kOn, kElsewhere, 0},       {kOn, 0, ~0ull},
                {kOn, ~0ull - 0xfff, 0x1000}, {kOn, ~0ull - 0xfff, 0xfff}, {kOn, 0x10, ~0ull},
                {DispatchMode::kInclusive, 0, 0}, {DispatchMode::kInclusive, 0, 0x1000},
                {DispatchMode::kInclusive, ~0ull - 0xfff, 0x1000}};
  for (const auto& c : kCases) {
    Scenario s = Make(c.mode, c.offset, c.len, kDispatchAllow, kGetpid);
    Result<live::SharedRegion> region = live::SharedRegion::Create(sizeof(int));
    ASSERT_TRUE(region.ok());
    int* ret = region->as<int>();
    *ret = -12345;
    Result<live::ChildEnd> end = live::RunInChild([&](live::ChildControl*) {
      static char selector = kDispatchAllow;
      const uint64_t mode = c.mode == DispatchMode::kInclusive ? 2 : 1;
      *ret = static_cast<int>(live::RawSyscall6(kNrPrctl, kPrSetSyscallUserDispatch, mode,
                                                c.offset, c.len,
                                                reinterpret_cast<uint64_t>(&selector))
                                  .ret);
    });
    ASSERT_TRUE(end.ok());
    const Result<bool> model = CheckDispatchConfig(s.config);
    EXPECT_EQ(*ret == 0, model.ok()) << DispatchConfigText(s.config) << ": kernel " << *ret;
    if (!model.ok()) EXPECT_EQ(*ret, -EINVAL) << DispatchConfigText(s.config);
  }
}

}  // namespace
}  // namespace sckit
