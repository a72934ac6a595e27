// Code generation for the policy language (issue 15): a resolved policy (rules_resolve.h) to a
// classic BPF seccomp filter that the verifier accepts, or an error; nothing the kernel would
// reject is ever returned.
//
// Layout: `ld arch`, one `jeq` per AUDIT_ARCH given (foreign arches get the kill action), then
// per arch a balanced search over the syscall numbers: the number space is cut into maximal
// runs that get the same outcome (adjacent allowed calls form one run; two calls with the same
// conditions share one body), and a tree of `jge` splits those runs by weight (one per run, or
// the @frequency counts), so a call costs about log2(runs) comparisons and needs no final
// equality test. Paths to unconditional outcomes load only `arch` and `nr`, so the kernel's
// constant-action cache (seccomp_cache_prepare_bitmap) lets allowed calls through without
// running the filter. Argument atoms compare 64-bit values as two 32-bit words in the arch's
// word order (the low word alone on 32-bit arches), and skip reloading a word the previous
// atom of the same clause left in A. x32 numbers on x86_64 (bit 30) only match rules when x32
// is one of the arches; otherwise they fall in the default range, as the kernel sees them.
#pragma once

#include <string>
#include <vector>

#include "policy/rules_ast.h"
#include "policy/rules_resolve.h"
#include "vm/program.h"
#include "vm/status.h"

namespace sckit::policy {

// The filter for a resolved policy, verified (verifier/verifier.h) before it is returned.
Result<Program> GenerateFilter(const ResolvedPolicy& policy);

struct CompiledPolicy {
  Program program;
  std::vector<std::string> warnings;
};

// ResolvePolicy + GenerateFilter.
Result<CompiledPolicy> CompilePolicy(const Policy& policy, const ResolveOptions& options);

}  // namespace sckit::policy
