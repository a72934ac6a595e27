// One system call a program was seen making, as the trace readers (formats/strace.h,
// formats/audit.h) and the live tracer give it to `sckit generate` and `sckit test --strace`:
// the record the filter would see, where it was seen (trace line, process) and which of its
// arguments are known register values.
#pragma once

#include <cstdint>
#include <string>

#include "vm/seccomp_data.h"

namespace sckit {

struct TraceCall {
  SeccompData record;   // arch, nr, ip (0 when the trace does not say), args (0 when unknown)
  std::string name;     // the syscall name as the trace wrote it ("" for a bare number)
  int line = 0;         // 1-based line of the trace where the call starts; 0: not from a file
  int64_t pid = 0;      // the process or thread; 0 when the trace does not say
  // Bit i: args[i] is the value the register held (a number or flag expression strace printed,
  // a raw value, a value read by the tracer). Clear: a pointer shown as what it points to, a
  // struct, a string, or an argument the trace does not show.
  uint8_t known_args = 0;
  // Bit i: strace printed args[i] decoded as a string, buffer, struct or array: the register is
  // a pointer. Only strace's decoded output sets it.
  uint8_t pointer_args = 0;
  std::string process;  // the program, when the trace names it (audit's comm, /proc comm)
  std::string text;  // the trace's text for the call (capped at kMaxTraceText bytes)
};

inline constexpr size_t kMaxTraceText = 240;
// A trace line longer than this is an error (no valid strace or audit line comes close).
inline constexpr size_t kMaxTraceLine = 1u << 20;
// Calls beyond this many in one trace are an error, not unbounded memory.
inline constexpr size_t kMaxTraceCalls = 1u << 22;

}  // namespace sckit
