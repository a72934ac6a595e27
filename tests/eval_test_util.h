// Helpers shared by the eval-area tests: building verified programs and stacks.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/program.h"

namespace sckit::testing {

inline VerifiedProgram MustVerify(std::vector<SockFilter> insns) {
  Result<VerifiedProgram> v = Verify(Program{std::move(insns)});
  if (!v.ok()) {
    ADD_FAILURE() << "program rejected: " << v.error().ToString();
    return *Verify(Program{{Stmt(bpf::kRET | bpf::kK, seccomp::kRetKillProcess)}});
  }
  return std::move(*v);
}

// A one-instruction filter: RET #value.
inline VerifiedProgram Returning(uint32_t value) {
  return MustVerify({Stmt(bpf::kRET | bpf::kK, value)});
}

}  // namespace sckit::testing
