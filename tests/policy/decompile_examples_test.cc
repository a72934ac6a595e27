// sckit decompile on every bundled filter: decompile, compile again with the options the
// header names, and analysis::Diff proves the result equal to the original; where the rules
// language cannot state part of a filter, the test pins the exact list of syscalls (or number
// classes) the proof finds different, and each of them was named by the decompiler with its
// reason, so no difference comes from a wrong rule.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "formats/loader.h"
#include "policy/decompile.h"
#include "verifier/verifier.h"

namespace sckit::policy {
namespace {

struct Example {
  const char* file;
  std::vector<std::string> inexact;  // sorted; empty: proven equal
};

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<Example> Examples() {
  // i386's direct socket and IPC calls (359..373, 393..402, 337, 345) round-trip by name: the
  // compiler gives a name each arch's own number, as minijail's tables do.
  std::vector<std::string> profile = {"personality"};  // x32: libseccomp compares the low word
  std::vector<std::string> docker = profile;
  docker.push_back("socket");  // the same
  return {
      {"examples/server/server.bpf", {}},
      {"examples/rules/server.bpf", {}},
      // libseccomp's check of x32's bit: those numbers get KILL, the default is ALLOW.
      {"examples/denylist/denylist.bpf", {"numbers >= 0x40000000"}},
      {"examples/socket-args/socket-args.bpf", {"numbers >= 0x40000000"}},
      {"examples/multiarch/multiarch.bpf", {"numbers >= 0x40000000"}},
      {"examples/profiles/docker-default.bpf", Sorted(docker)},
      {"examples/profiles/podman-default.bpf", Sorted(profile)},
  };
}

class DecompileExamples : public ::testing::TestWithParam<Example> {};

TEST_P(DecompileExamples, RoundTripIsProvenOrTheInexactSyscallsAreExactlyThese) {
  const Example& e = GetParam();
  Result<Program> p = LoadProgramFile(e.file);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  Result<VerifiedProgram> v = Verify(*p);
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  const std::vector<const VerifiedProgram*> stack{&*v};
  Result<Decompiled> d = Decompile(stack);
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  Result<RoundTrip> r = ProveRoundTrip(stack, *d);
  ASSERT_TRUE(r.ok()) << r.error().ToString() << "\n" << d->text;
  EXPECT_TRUE(r->exact);
  EXPECT_EQ(r->equivalent, e.inexact.empty());
  std::vector<std::string> keys;
  for (const Inexpressible& x : r->differences) {
    keys.push_back(x.syscall);
    const bool number_class = x.syscall.rfind("numbers", 0) == 0;
    const bool named = std::any_of(d->inexpressible.begin(), d->inexpressible.end(),
                                   [&](const Inexpressible& n) { return n.syscall == x.syscall; });
    EXPECT_TRUE(number_class || named) << x.syscall << ": " << x.reason;
  }
  EXPECT_EQ(Sorted(keys), e.inexact) << d->text;
}

INSTANTIATE_TEST_SUITE_P(Bundled, DecompileExamples, ::testing::ValuesIn(Examples()),
                         [](const auto& info) {
                           std::string n = info.param.file;
                           n = n.substr(n.rfind('/') + 1);
                           n = n.substr(0, n.find('.'));
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n + "_" + std::to_string(info.index);
                         });

}  // namespace
}  // namespace sckit::policy
