// What `sckit generate` (policy/generate.h) knows about particular system calls, beyond their
// numbers: which arguments are flags or enumerations worth checking (and the constant names
// that spell their values), which calls a program needs although a trace rarely shows them,
// which calls are newer than some kernels that libc tries first and falls back from on ENOSYS,
// and which calls are classic escape hatches from a sandbox.
//
// The kernel versions are the release whose arch/x86/entry/syscalls/syscall_64.tbl first lists
// the call (the kernel's git history; libseccomp 2.6's syscalls.csv records the same versions).
// Debian 12's headers and libseccomp 2.5.4 carry no versions, so this short list is kept by
// hand and reviewed; tests/policy/generate_test checks each name against libseccomp's table.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace sckit::policy {

enum class ArgKind : uint8_t {
  kEnum,   // one of a set of values: checked with ==
  kFlags,  // an OR of bits: checked with `in` (no bit outside those seen)
};

struct ArgFamily {
  std::string_view syscall;
  int arg;
  ArgKind kind;
  std::string_view what;  // "family", "request", ...
  // Constant-name prefixes for the values, most preferred first ("" : numbers only).
  std::string_view prefixes;  // space-separated
};
std::span<const ArgFamily> ArgFamilies();

struct RuntimeCall {
  std::string_view syscall;
  std::string_view why;
};
// Calls a program's runtime may make that a trace may not show.
std::span<const RuntimeCall> RuntimeCalls();

struct NewerSyscall {
  std::string_view syscall;
  std::string_view linux_version;  // the release that added it
  std::string_view fallback;       // what libc uses when it gets ENOSYS ("" if none)
};
std::span<const NewerSyscall> NewerSyscalls();

struct EscapeHatch {
  std::string_view syscall;
  std::string_view why;
  uint64_t risky_flags = 0;  // for clone/unshare: the bits that make it risky (CLONE_NEWUSER)
};
std::span<const EscapeHatch> EscapeHatches();

}  // namespace sckit::policy
