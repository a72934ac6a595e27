// sckit compile's output proven, not sampled: analysis/diff (Z3 over every seccomp_data)
// shows a compiled policy equal to a hand-written linear filter with the same meaning, and
// finds the difference when the hand-written filter compares only the low word of a 64-bit
// argument (minijail's 32-bit-arch reading); layout choices (@frequency weights, the order
// of --arch) never change what a policy means.
#include <gtest/gtest.h>

#include <string>

#include "analysis/diff.h"
#include "tests/policy/rules_test_util.h"
#include "vm/bpf.h"

namespace sckit::policy {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

constexpr uint32_t kX86_64 = 0xC000003Eu;

Program CompileText(const std::string& text, ResolveOptions options = {},
                    ParseOptions parse = {}) {
  Policy p = testing::MustParse(text, parse);
  Result<CompiledPolicy> c = CompilePolicy(p, options);
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
  return c.ok() ? c->program : Program{};
}

analysis::DiffResult DiffPrograms(const Program& a, const Program& b) {
  Result<VerifiedProgram> va = Verify(a), vb = Verify(b);
  EXPECT_TRUE(va.ok() && vb.ok());
  if (!va.ok() || !vb.ok()) return analysis::DiffResult{false, false, false, {}};
  return analysis::Diff({&*va}, {&*vb});
}

const char* kPolicy = "read: 1\nwrite: arg0 == 1 || arg0 == 2\ngetpid: return 1\n";

TEST(PolicyRulesDiff, EqualToAHandWrittenFilter) {
  const Program hand{{
      Stmt(kLD | kW | kABS, 4),
      Jump(kJMP | kJEQ | kK, kX86_64, 0, 11),
      Stmt(kLD | kW | kABS, 0),
      Jump(kJMP | kJEQ | kK, 0, 8, 0),   // read -> ALLOW
      Jump(kJMP | kJEQ | kK, 39, 0, 1),  // getpid -> ERRNO(1)
      Stmt(kRET | kK, seccomp::kRetErrno | 1),
      Jump(kJMP | kJEQ | kK, 1, 0, 6),   // write -> argument checks
      Stmt(kLD | kW | kABS, 20),         // args[0].hi
      Jump(kJMP | kJEQ | kK, 0, 0, 4),
      Stmt(kLD | kW | kABS, 16),         // args[0].lo
      Jump(kJMP | kJEQ | kK, 1, 1, 0),
      Jump(kJMP | kJEQ | kK, 2, 0, 1),
      Stmt(kRET | kK, seccomp::kRetAllow),
      Stmt(kRET | kK, seccomp::kRetKillThread),
  }};
  const analysis::DiffResult d = DiffPrograms(CompileText(kPolicy), hand);
  EXPECT_TRUE(d.exact);
  EXPECT_TRUE(d.equivalent) << d.differences.size() << " differences";
}

TEST(PolicyRulesDiff, FindsALowWordOnlyComparison) {
  const Program low_word_only{{
      Stmt(kLD | kW | kABS, 4),
      Jump(kJMP | kJEQ | kK, kX86_64, 0, 9),
      Stmt(kLD | kW | kABS, 0),
      Jump(kJMP | kJEQ | kK, 0, 6, 0),
      Jump(kJMP | kJEQ | kK, 39, 0, 1),
      Stmt(kRET | kK, seccomp::kRetErrno | 1),
      Jump(kJMP | kJEQ | kK, 1, 0, 4),
      Stmt(kLD | kW | kABS, 16),
      Jump(kJMP | kJEQ | kK, 1, 1, 0),
      Jump(kJMP | kJEQ | kK, 2, 0, 1),
      Stmt(kRET | kK, seccomp::kRetAllow),
      Stmt(kRET | kK, seccomp::kRetKillThread),
  }};
  const analysis::DiffResult d = DiffPrograms(CompileText(kPolicy), low_word_only);
  ASSERT_FALSE(d.equivalent);
  ASSERT_EQ(d.differences.size(), 1u);
  const SeccompData& w = d.differences[0].record;
  EXPECT_EQ(w.nr, 1);
  EXPECT_NE(w.args[0] >> 32, 0u);
  EXPECT_TRUE((w.args[0] & 0xffffffffu) == 1 || (w.args[0] & 0xffffffffu) == 2);
}

TEST(PolicyRulesDiff, LayoutNeverChangesMeaning) {
  const std::string text =
      "read: arg0 == 0 || arg2 in ~PROT_EXEC\nwrite: 1\nopenat: arg2 & O_CREAT; return 2\n"
      "mmap: arg3 > 0x100000000 && arg1 <= 4096\nclose: 1\nfutex: return 38\n";
  ParseOptions weighted;
  weighted.read_file = [](const std::string&) -> Result<std::string> {
    return std::string("close: 100000\nfutex: 3\n");
  };
  const Program plain = CompileText(text);
  const Program hot = CompileText(text + "@frequency ./x.frequency\n", {}, weighted);
  EXPECT_NE(plain, hot);  // a different tree...
  EXPECT_TRUE(DiffPrograms(plain, hot).equivalent);  // ...with the same meaning
  const Program ab = CompileText(text, ResolveOptions{testing::Arches({"x86_64", "aarch64"}),
                                                      std::nullopt, false});
  const Program ba = CompileText(text, ResolveOptions{testing::Arches({"aarch64", "x86_64"}),
                                                      std::nullopt, false});
  EXPECT_TRUE(DiffPrograms(ab, ba).equivalent);
}

TEST(PolicyRulesDiff, TheTwoReturnReadingsDiffer) {
  ParseOptions python;
  python.return_semantics = ReturnSemantics::kPython;
  const std::string text = "socket: arg0 == AF_UNIX; return 1\n";
  const analysis::DiffResult d =
      DiffPrograms(CompileText(text), CompileText(text, {}, python));
  EXPECT_FALSE(d.equivalent);
  // Without `; return` both readings are the same filter.
  EXPECT_EQ(CompileText(kPolicy), CompileText(kPolicy, {}, python));
}

}  // namespace
}  // namespace sckit::policy
