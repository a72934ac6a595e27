// The generated workloads of sckit bench (bench/workload.h): uniform, hot, strace files.
#include <gtest/gtest.h>
#include <sys/syscall.h>

#include "bench/workload.h"
#include "vm/arch.h"

namespace sckit::bench {
namespace {

const ArchInfo& X86() { return *FindArch("x86_64"); }

TEST(Workload, UniformCoversTheArch) {
  const Workload w = UniformWorkload(X86());
  EXPECT_GT(w.records.size(), 300u);
  EXPECT_EQ(w.records.front().nr, 0);
  for (const SeccompData& d : w.records) EXPECT_EQ(d.arch, kAuditArchX86_64);
  const Workload x32 = UniformWorkload(*FindArch("x32"));
  ASSERT_FALSE(x32.records.empty());
  EXPECT_NE(static_cast<uint32_t>(x32.records.front().nr) & kX32SyscallBit, 0u);
}

TEST(Workload, HotIsDeterministicAndWeighted) {
  const Workload a = HotWorkload(X86());
  const Workload b = HotWorkload(X86());
  ASSERT_EQ(a.records.size(), 1000u);
  int reads = 0;
  for (size_t i = 0; i < a.records.size(); ++i) {
    EXPECT_EQ(a.records[i].nr, b.records[i].nr);
    reads += a.records[i].nr == SYS_read;
  }
  EXPECT_EQ(reads, 140);
  int same_as_previous = 0;  // interleaved, not in runs
  for (size_t i = 1; i < a.records.size(); ++i) {
    same_as_previous += a.records[i].nr == a.records[i - 1].nr;
  }
  EXPECT_LT(same_as_previous, 200);
  EXPECT_TRUE(LoadWorkload("hot", X86()).ok());
  EXPECT_FALSE(LoadWorkload("/nonexistent/trace", X86()).ok());
}

}  // namespace
}  // namespace sckit::bench
