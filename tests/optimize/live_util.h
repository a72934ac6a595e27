// Shared by the optimizer's live tests: records worth comparing and the running kernel's
// outcomes for two stacks (the kernel engine, live/kernel_engine.h; skipped without root).
#pragma once

#include <gtest/gtest.h>

#include <vector>

#include "bench/workload.h"
#include "live/kernel_engine.h"
#include "vm/arch.h"
#include "vm/program.h"
#include "vm/seccomp_data.h"

namespace sckit::optimize::testing {

inline bool Unavailable(const Error& e) {
  return e.rule == "suspend-seccomp-refused" || e.kernel_errno == EPERM ||
         e.kernel_errno == ENOSYS;
}

inline std::vector<SeccompData> Records() {
  std::vector<SeccompData> out;
  for (const char* a : {"x86_64", "i386"}) {
    for (SeccompData d : bench::UniformWorkload(*FindArch(a)).records) {
      out.push_back(d);
      d.args[0] = 1;  // socket(AF_UNIX), clone flags, personality ... take other branches
      d.args[1] = 0x7fffffff;
      out.push_back(d);
    }
  }
  for (int32_t nr : {-1, 1000, 0x40000000, 0x40000001}) {
    SeccompData d;
    d.arch = kAuditArchX86_64;
    d.nr = nr;
    out.push_back(d);
  }
  return out;
}

// Installs both stacks (oldest first) and compares the kernel's outcomes; false to skip.
inline bool CompareStacksInKernel(const std::vector<StackEntry>& a, const std::vector<StackEntry>& b,
                           const std::vector<SeccompData>& records) {
  Result<live::KernelEngine> ea = live::KernelEngine::Start(a);
  if (!ea.ok() && Unavailable(ea.error())) return false;
  EXPECT_TRUE(ea.ok()) << ea.error().ToString();
  Result<live::KernelEngine> eb = live::KernelEngine::Start(b);
  EXPECT_TRUE(ea.ok() && eb.ok());
  if (!ea.ok() || !eb.ok()) return true;
  int compared = 0;
  for (const SeccompData& d : records) {
    Result<live::KernelObservation> oa = ea->Run(d);
    Result<live::KernelObservation> ob = eb->Run(d);
    EXPECT_TRUE(oa.ok() && ob.ok());
    if (!oa.ok() || !ob.ok()) return true;
    if (!oa->reproducible || !ob->reproducible) continue;
    ++compared;
    EXPECT_EQ(oa->outcome, ob->outcome) << "nr " << d.nr << " arch " << d.arch;
  }
  EXPECT_GT(compared, static_cast<int>(records.size()) / 2);
  return true;
}

inline bool CompareInKernel(const Program& a, const Program& b, const std::vector<SeccompData>& records) {
  return CompareStacksInKernel({StackEntry{a, 0}}, {StackEntry{b, 0}}, records);
}

}  // namespace sckit::optimize::testing
