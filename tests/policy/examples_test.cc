// The bundled profile examples (examples/profiles/): each .bpf is exactly what `sckit import
// oci` makes from its .json with the options its .cases file states, and every case passes when
// run the way `sckit test` runs it (formats/records.h patterns, vm/outcome.h expectations and
// kernel model).
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "policy/compile.h"
#include "policy/oci.h"
#include "tests/policy_test_util.h"
#include "verifier/verifier.h"
#include "formats/codec.h"
#include "vm/outcome.h"
#include "formats/records.h"
#include "vm/stack.h"

namespace sckit::policy {
namespace {

using testing::ReadText;

// The options the .cases headers state: x86_64, Linux 6.1, Docker's default capabilities.
ImportOptions ExampleOptions() {
  ImportOptions o;
  o.arches = {"x86_64"};
  o.kernel_version = "6.1";
  return o;
}

Program Compile(const std::string& json_path) {
  Result<Profile> p = ParseProfile(ReadText(json_path));
  EXPECT_TRUE(p.ok()) << p.error().ToString();
  if (!p.ok()) return {};
  Result<CompiledFilter> c = CompileProfile(*p, ExampleOptions());
  EXPECT_TRUE(c.ok()) << c.error().ToString();
  return c.ok() ? c->program : Program{};
}

// Runs a cases file against `program`; returns the number of records checked.
int RunCases(const Program& program, const std::string& cases_path) {
  Result<VerifiedProgram> v = Verify(program);
  EXPECT_TRUE(v.ok());
  if (!v.ok()) return 0;
  FilterStack stack;
  stack.Push(*v, 0, cases_path);
  const KernelContext ctx;
  std::vector<uint32_t> rets(stack.size(), 0);
  std::istringstream in(ReadText(cases_path));
  std::string raw;
  int line_no = 0, checked = 0;
  while (std::getline(in, raw)) {
    ++line_no;
    const std::string_view line = StripComment(raw);
    if (line.empty()) continue;
    const size_t arrow = line.find("=>");
    EXPECT_NE(arrow, std::string_view::npos) << cases_path << ":" << line_no;
    if (arrow == std::string_view::npos) continue;
    Result<std::vector<SeccompData>> records = ParseRecordPattern(line.substr(0, arrow), line_no);
    Result<Expectation> expected = ParseExpectation(StripComment(line.substr(arrow + 2)), line_no);
    EXPECT_TRUE(records.ok()) << cases_path << ": " << records.error().ToString();
    EXPECT_TRUE(expected.ok()) << cases_path << ": " << expected.error().ToString();
    if (!records.ok() || !expected.ok()) continue;
    for (const SeccompData& d : *records) {
      const Outcome o = Decide(stack, d, ctx, rets);
      EXPECT_TRUE(expected->Matches(o)) << cases_path << ":" << line_no << ": "
                                        << FormatRecord(d) << ": expected " << expected->text
                                        << ", got " << o.Text();
      ++checked;
    }
  }
  return checked;
}

TEST(ProfileExamples, BundledFiltersAreWhatImportGenerates) {
  for (const char* name : {"docker-default", "podman-default"}) {
    const std::string base = std::string("examples/profiles/") + name;
    const std::string bytes = ReadText(base + ".bpf");
    Result<Program> bundled = DecodeRaw(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    ASSERT_TRUE(bundled.ok()) << base << ".bpf: " << bundled.error().ToString();
    EXPECT_EQ(*bundled, Compile(base + ".json"))
        << base << ".bpf is stale: regenerate it with the command in " << base << ".cases";
  }
}

TEST(ProfileExamples, DockerCasesPass) {
  EXPECT_GT(RunCases(Compile("examples/profiles/docker-default.json"),
                     "examples/profiles/docker-default.cases"),
            80);
}

TEST(ProfileExamples, PodmanCasesPass) {
  EXPECT_GT(RunCases(Compile("examples/profiles/podman-default.json"),
                     "examples/profiles/podman-default.cases"),
            50);
}

}  // namespace
}  // namespace sckit::policy
