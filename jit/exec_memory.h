// Executable memory for JIT code, and the only file in sckit that calls mmap. W^X throughout:
// the pages are mapped read-write (MAP_PRIVATE | MAP_ANONYMOUS), the code is copied in, the
// slack up to the page end is filled with int3 (0xCC), and only then are they switched to
// read + execute with mprotect. They are never writable and executable at the same time.
// Unmapped in the destructor; move-only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "vm/status.h"

namespace sckit::jit {

class ExecMemory {
 public:
  // Errors: "empty-code", "mmap-failed", "mprotect-failed" (with errno).
  static Result<ExecMemory> Create(std::span<const uint8_t> code);

  ExecMemory() = default;
  ExecMemory(ExecMemory&& other) noexcept;
  ExecMemory& operator=(ExecMemory&& other) noexcept;
  ExecMemory(const ExecMemory&) = delete;
  ExecMemory& operator=(const ExecMemory&) = delete;
  ~ExecMemory();

  const uint8_t* data() const { return static_cast<const uint8_t*>(base_); }
  size_t size() const { return size_; }          // the code's size
  size_t mapped_size() const { return mapped_; }  // whole pages

 private:
  void Release() noexcept;

  void* base_ = nullptr;
  size_t size_ = 0;
  size_t mapped_ = 0;
};

}  // namespace sckit::jit
