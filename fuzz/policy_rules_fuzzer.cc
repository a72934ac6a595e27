// libFuzzer target: the rules-language parser and compiler (policy/rules_*.h) on arbitrary
// text, plus the differential check of issue 15. Never crashes; every error is located
// (file:line:col); a policy that parses and resolves compiles to a filter the verifier accepts
// (or is refused as too long), and that filter returns, in the interpreter, what the reference
// evaluation of the parsed rules returns, on records built from the policy's own constants and
// from the input bytes. @include and @frequency read from memory: the input itself, so nesting
// and its bound are exercised too.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "policy/rules_compile.h"
#include "policy/rules_eval.h"
#include "policy/rules_parser.h"
#include "policy/rules_resolve.h"
#include "verifier/verifier.h"
#include "vm/interpreter.h"

namespace {

using namespace sckit;          // NOLINT
using namespace sckit::policy;  // NOLINT

bool Located(const std::string& message) {
  // "in.policy:L:C: ..." (or an included file, which is the same text under another name).
  const size_t colon = message.find(':');
  return colon != std::string::npos && message.find(": ", colon) != std::string::npos;
}

// Records at and around every constant of the rule of each syscall, with the other arguments
// taken from the input bytes.
void Differential(const ResolvedPolicy& r, const VerifiedProgram& v, std::string_view bytes) {
  size_t pos = 0;
  auto next = [&]() -> uint64_t {
    uint64_t x = 0;
    for (int i = 0; i < 8 && !bytes.empty(); ++i) x = (x << 8) | static_cast<uint8_t>(bytes[pos++ % bytes.size()]);
    return x;
  };
  for (const ArchGroup& g : r.groups) {
    for (const auto& [nr, index] : g.rules) {
      (void)index;
      std::vector<uint64_t> values = {0, 1, ~uint64_t{0}, 0xffffffffu, uint64_t{1} << 32};
      for (const Filter& f : ResolvedPolicy::RuleFor(g, nr).filters) {
        for (const Clause& c : f.expr) {
          for (const Atom& a : c) {
            for (uint64_t d : {uint64_t{0}, uint64_t{1}, ~uint64_t{0}, uint64_t{1} << 32}) {
              values.push_back(a.value + d);
            }
          }
        }
      }
      for (size_t i = 0; i < values.size() && i < 64; ++i) {
        SeccompData d;
        d.arch = g.audit_arch;
        d.nr = static_cast<int32_t>(nr);
        for (int a = 0; a < 6; ++a) d.args[a] = (next() % 3 == 0) ? next() : values[(i + a) % values.size()];
        fuzz::Check(RunFilter(v, d) == EvaluatePolicy(r, d),
                    "the compiled filter returns what the rules say");
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  ParseOptions options;
  options.max_include_depth = 4;
  options.max_total_bytes = 1 << 16;
  options.read_file = [&text](const std::string& path) -> Result<std::string> {
    if (path.find("missing") != std::string::npos) return MakeError("io", "No such file");
    return text;
  };
  if (size % 2) options.return_semantics = ReturnSemantics::kPython;
  if (size % 3 == 0) options.allow_duplicate_syscalls = true;  // Android's minijail
  Result<Policy> policy = ParsePolicyText(text, "in.policy", options);
  if (!policy.ok()) {
    fuzz::Check(policy.error().rule == "policy" || policy.error().rule == "io",
                "parse errors have the policy or io rule");
    fuzz::Check(policy.error().rule != "policy" || Located(policy.error().message),
                "parse errors are located");
    return 0;
  }
  ResolveOptions ro;
  if (size % 3 == 0) ro.arches = {FindArch("x86_64"), FindArch("x32"), FindArch("aarch64")};
  Result<ResolvedPolicy> resolved = ResolvePolicy(*policy, ro);
  if (!resolved.ok()) return 0;
  Result<Program> program = GenerateFilter(*resolved);
  if (!program.ok()) {
    fuzz::Check(program.error().rule == "too-many-instructions",
                "the only compile failure is a filter too long");
    return 0;
  }
  Result<VerifiedProgram> v = Verify(*program);
  fuzz::Check(v.ok(), "compiled filters verify");
  Differential(*resolved, *v, text);
  return 0;
}
