// Executable memory: W^X (never writable and executable at once), int3 slack, RAII unmapping.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "jit/exec_memory.h"

namespace sckit::jit {
namespace {

// The permission string ("r-xp") of the /proc/self/maps line containing `addr`, or "" if the
// address is not mapped.
std::string Protection(const void* addr) {
  std::ifstream maps("/proc/self/maps");
  const auto a = reinterpret_cast<uintptr_t>(addr);
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream in(line);
    std::string range, perms;
    in >> range >> perms;
    const size_t dash = range.find('-');
    const uintptr_t lo = std::stoull(range.substr(0, dash), nullptr, 16);
    const uintptr_t hi = std::stoull(range.substr(dash + 1), nullptr, 16);
    if (a >= lo && a < hi) return perms;
  }
  return "";
}

// mov eax, 42; ret
const std::vector<uint8_t> kReturn42 = {0xB8, 0x2A, 0x00, 0x00, 0x00, 0xC3};

TEST(ExecMemory, MapsReadExecuteOnlyAndRuns) {
  Result<ExecMemory> mem = ExecMemory::Create(kReturn42);
  ASSERT_TRUE(mem.ok()) << mem.error().ToString();
  EXPECT_EQ(mem->size(), kReturn42.size());
  EXPECT_EQ(mem->mapped_size() % 4096, 0u);
  EXPECT_EQ(Protection(mem->data()), "r-xp");
#if defined(__x86_64__)
  auto fn = reinterpret_cast<uint32_t (*)()>(const_cast<uint8_t*>(mem->data()));
  EXPECT_EQ(fn(), 42u);
#endif
}

TEST(ExecMemory, SlackIsInt3) {
  Result<ExecMemory> mem = ExecMemory::Create(kReturn42);
  ASSERT_TRUE(mem.ok());
  for (size_t i = 0; i < kReturn42.size(); ++i) EXPECT_EQ(mem->data()[i], kReturn42[i]);
  for (size_t i = kReturn42.size(); i < mem->mapped_size(); ++i) {
    ASSERT_EQ(mem->data()[i], 0xCC) << i;
  }
}

TEST(ExecMemory, MultiPageCode) {
  std::vector<uint8_t> code(10000, 0x90);  // nop sled into the final ret
  code.back() = 0xC3;
  Result<ExecMemory> mem = ExecMemory::Create(code);
  ASSERT_TRUE(mem.ok());
  EXPECT_EQ(mem->mapped_size(), 12288u);
  EXPECT_EQ(Protection(mem->data() + 9999), "r-xp");
}

TEST(ExecMemory, MoveTransfersOwnershipAndDestructorUnmaps) {
  const void* where = nullptr;
  {
    Result<ExecMemory> mem = ExecMemory::Create(kReturn42);
    ASSERT_TRUE(mem.ok());
    ExecMemory owner = std::move(*mem);
    where = owner.data();
    EXPECT_EQ(mem->data(), nullptr);
    EXPECT_EQ(mem->size(), 0u);
    ExecMemory other;
    other = std::move(owner);
    EXPECT_EQ(other.data(), where);
    EXPECT_EQ(Protection(where), "r-xp");
  }
  EXPECT_EQ(Protection(where), "");
}

TEST(ExecMemory, EmptyCodeIsAnError) {
  Result<ExecMemory> mem = ExecMemory::Create({});
  ASSERT_FALSE(mem.ok());
  EXPECT_EQ(mem.error().rule, "empty-code");
}

}  // namespace
}  // namespace sckit::jit
