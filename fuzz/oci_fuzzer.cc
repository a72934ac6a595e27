// libFuzzer target: container seccomp profiles (policy/oci.h, Docker/Podman/OCI JSON) on
// arbitrary bytes, then the runtime's compilation (policy/compile.h, through libseccomp) of
// what parses. Never crashes and never throws (nlohmann's type errors included); every error
// has a rule and a message (a JSON path or a line and column); a profile that parses and
// compiles gives a filter the verifier accepts. Compilation is deterministic here (native arch
// x86_64, kernel 6.1, Docker's default capabilities or the config.json's, with and without the
// binary tree), and only for profiles of at most 64 entries and 256 names (libseccomp's cost
// grows with every rule; larger profiles are parsed only).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "policy/compile.h"
#include "policy/oci.h"
#include "verifier/verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sckit;          // NOLINT
  using namespace sckit::policy;  // NOLINT
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<Profile> profile = ParseProfile(text);
  if (!profile.ok()) {
    fuzz::Check(!profile.error().rule.empty(), "profile errors carry a rule");
    fuzz::Check(!profile.error().message.empty(), "profile errors say what is wrong");
    return 0;
  }
  if (profile->syscalls.size() > 64) return 0;
  size_t names = 0;
  for (const SyscallEntry& e : profile->syscalls) names += e.names.size();
  if (names > 256) return 0;
  for (bool binary_tree : {false, true}) {
    ImportOptions options;
    options.arches = {"x86_64"};
    options.kernel_version = "6.1";
    options.binary_tree = binary_tree;
    Result<CompiledFilter> filter = CompileProfile(*profile, options);
    if (!filter.ok()) {
      fuzz::Check(!filter.error().rule.empty(), "compile errors carry a rule");
      continue;
    }
    Result<VerifiedProgram> verified = Verify(filter->program);
    fuzz::Check(verified.ok(), "a compiled profile verifies");
  }
  return 0;
}
