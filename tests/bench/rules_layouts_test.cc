// The minijail-style layouts of the benchmark (bench/rules_layouts.h) decide exactly as
// `sckit compile`'s filter for the same policy (analysis::Diff), so the comparison in
// docs/performance.md compares layouts, not different policies. Policies with every operator,
// several filters per call, `expr; ACTION`, and enough rules for the tree to need trampolines.
#include "bench/rules_layouts.h"

#include <gtest/gtest.h>

#include <string>

#include "analysis/diff.h"
#include "policy/rules_compile.h"
#include "policy/rules_parser.h"
#include "verifier/verifier.h"

namespace sckit::bench {
namespace {

void ExpectLayoutsEqual(const std::string& text, bool python = false) {
  policy::ParseOptions parse;
  if (python) parse.return_semantics = policy::ReturnSemantics::kPython;
  Result<policy::Policy> p = policy::ParsePolicyText(text, "t.policy", parse);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  Result<policy::ResolvedPolicy> r = policy::ResolvePolicy(*p, {});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  Result<Program> sckit_filter = policy::GenerateFilter(*r);
  ASSERT_TRUE(sckit_filter.ok());
  Result<VerifiedProgram> reference = Verify(*sckit_filter);
  ASSERT_TRUE(reference.ok());
  for (MinijailLayout layout : {MinijailLayout::kLinear, MinijailLayout::kTree}) {
    Result<Program> q = MinijailStyleFilter(*r, layout);
    ASSERT_TRUE(q.ok()) << q.error().ToString();
    Result<VerifiedProgram> v = Verify(*q);
    ASSERT_TRUE(v.ok()) << v.error().ToString();
    const analysis::DiffResult d = analysis::Diff({&*reference}, {&*v});
    EXPECT_TRUE(d.equivalent && d.exact) << (layout == MinijailLayout::kLinear ? "linear" : "tree");
  }
}

TEST(RulesLayouts, EveryOperatorDecidesAsSckitCompile) {
  ExpectLayoutsEqual(
      "@default kill-process\n"
      "read: 1\nwrite: arg0 == 1 || arg0 == 2\nclose: arg0 != 0x100000003\n"
      "openat: arg2 in O_ACCMODE|O_CLOEXEC; return EACCES\n"
      "mmap: arg2 & PROT_EXEC; return EPERM\nmprotect: arg1 > 0x100000000\n"
      "lseek: arg1 >= 5 && arg1 < 0x200000000\nfcntl: arg1 <= 3\nsocket: return EAFNOSUPPORT\n");
}

TEST(RulesLayouts, PythonSemanticsAndManyRulesWithTrampolines) {
  std::string text = "@default kill-thread\nmmap: arg2 & PROT_EXEC; return EPERM\nmmap: 1\n";
  const char* names[] = {"read", "write", "close", "fstat", "lseek", "brk", "ioctl", "pread64",
                         "readv", "writev", "access", "pipe", "select", "dup", "dup2", "nanosleep",
                         "getpid", "socket", "connect", "accept", "sendto", "recvfrom", "bind"};
  for (const char* n : names) {
    text += std::string(n) + ": arg0 == 1 && arg1 != 2 || arg2 > 7 && arg3 in 0xff; return 1\n";
    text += std::string(n) + ": arg4 & 0x10\n";
  }
  ExpectLayoutsEqual(text, /*python=*/true);
}

}  // namespace
}  // namespace sckit::bench
