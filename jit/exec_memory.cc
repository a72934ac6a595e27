// W^X executable memory for JIT code, the only mmap in sckit (jit/exec_memory.h).
#include "jit/exec_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace sckit::jit {

Result<ExecMemory> ExecMemory::Create(std::span<const uint8_t> code) {
  if (code.empty()) return MakeError("empty-code", "no code to map");
  const long page_size = sysconf(_SC_PAGESIZE);
  const size_t page = page_size > 0 ? static_cast<size_t>(page_size) : 4096;
  const size_t mapped = (code.size() + page - 1) / page * page;
  void* base = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) {
    const int err = errno;
    return MakeError("mmap-failed", std::string("mmap: ") + std::strerror(err), -1, err);
  }
  ExecMemory mem;
  mem.base_ = base;
  mem.size_ = code.size();
  mem.mapped_ = mapped;
  auto* bytes = static_cast<uint8_t*>(base);
  std::memcpy(bytes, code.data(), code.size());
  std::memset(bytes + code.size(), 0xCC, mapped - code.size());  // int3 in the slack
  if (mprotect(base, mapped, PROT_READ | PROT_EXEC) != 0) {
    const int err = errno;
    return MakeError("mprotect-failed", std::string("mprotect: ") + std::strerror(err), -1, err);
  }
  return mem;
}

ExecMemory::ExecMemory(ExecMemory&& other) noexcept
    : base_(std::exchange(other.base_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      mapped_(std::exchange(other.mapped_, 0)) {}

ExecMemory& ExecMemory::operator=(ExecMemory&& other) noexcept {
  if (this != &other) {
    Release();
    base_ = std::exchange(other.base_, nullptr);
    size_ = std::exchange(other.size_, 0);
    mapped_ = std::exchange(other.mapped_, 0);
  }
  return *this;
}

ExecMemory::~ExecMemory() { Release(); }

void ExecMemory::Release() noexcept {
  if (base_ != nullptr) munmap(base_, mapped_);
  base_ = nullptr;
  size_ = 0;
  mapped_ = 0;
}

}  // namespace sckit::jit
