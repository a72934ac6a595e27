// Container seccomp profiles as typed data: the OCI runtime-spec `linux.seccomp` object
// (config.json), and the superset Docker's and Podman's profile files use (archMap, `name`,
// includes/excludes on capabilities, arches and minimum kernel, comments).
//
// This file only parses and validates: JSON in, a Profile out, or an Error whose message starts
// with the JSON path of the offending value, e.g.
//   syscalls[12].args[0].op: unknown operator "SCMP_CMP_FOO"
// Which entries apply to a given container (Docker's setupSeccomp()) and how they become BPF
// (runc's/crun's libseccomp calls) is policy/compile.h.
//
// Accepted as runtimes accept them: unknown keys are ignored (Go's encoding/json does so);
// `names` or Docker's older `name` (not both); `args` null or absent = no conditions; a whole
// config.json is recognised by its `linux` object (its `linux.seccomp` is the profile and its
// `process.capabilities.bounding` the capability set).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vm/status.h"

namespace sckit::policy {

// SCMP_ACT_* as the runtime-spec spells them. kKill is SCMP_ACT_KILL (= KILL_THREAD).
enum class ProfileAction : uint8_t {
  kKill,
  kKillProcess,
  kKillThread,
  kTrap,
  kErrno,
  kTrace,
  kAllow,
  kLog,
  kNotify,
};

// "SCMP_ACT_ERRNO", ...
std::string_view ProfileActionName(ProfileAction action);
std::optional<ProfileAction> ParseProfileAction(std::string_view name);
// ERRNO and TRACE carry a 16-bit data value (errnoRet); the others do not (crun rejects
// errnoRet on them, runc ignores it).
bool ActionTakesErrno(ProfileAction action);

// SCMP_CMP_* (libseccomp's enum scmp_compare).
enum class CmpOp : uint8_t { kNe, kLt, kLe, kEq, kGe, kGt, kMaskedEq };

std::string_view CmpOpName(CmpOp op);
std::optional<CmpOp> ParseCmpOp(std::string_view name);

// One `args[]` entry. For MASKED_EQ, `value` is the mask and `value_two` the datum:
// (arg & value) == value_two, as libseccomp's datum_a / datum_b.
struct ArgCondition {
  uint32_t index = 0;  // 0..5
  uint64_t value = 0;
  uint64_t value_two = 0;
  CmpOp op = CmpOp::kEq;
};

// Docker's `includes` / `excludes` filter of a syscalls[] entry.
struct EntryFilter {
  std::vector<std::string> caps;    // "CAP_SYS_ADMIN", ...
  std::vector<std::string> arches;  // Docker's arch tokens: "amd64", "x32", "x86", "arm64", ...
  std::string min_kernel;           // "4.8"; empty when absent

  bool empty() const { return caps.empty() && arches.empty() && min_kernel.empty(); }
};

struct SyscallEntry {
  std::string path;  // "syscalls[3]", for messages
  std::vector<std::string> names;
  ProfileAction action = ProfileAction::kAllow;
  std::optional<uint32_t> errno_ret;  // absent: EPERM for ERRNO/TRACE (runc, crun)
  std::vector<ArgCondition> args;
  EntryFilter includes;
  EntryFilter excludes;
  std::string comment;
};

struct ArchMapEntry {
  std::string arch;                     // "SCMP_ARCH_X86_64"
  std::vector<std::string> sub_arches;  // "SCMP_ARCH_X86", "SCMP_ARCH_X32"
};

struct Profile {
  ProfileAction default_action = ProfileAction::kAllow;
  std::optional<uint32_t> default_errno_ret;
  std::vector<std::string> architectures;  // "SCMP_ARCH_*" as written (OCI)
  std::vector<ArchMapEntry> arch_map;      // Docker's; exclusive with architectures
  std::vector<std::string> flags;          // "SECCOMP_FILTER_FLAG_*" as written
  std::string listener_path;
  std::string listener_metadata;
  std::vector<SyscallEntry> syscalls;

  bool from_config = false;  // the input was a whole config.json
  // config.json's process.capabilities.bounding, when the input was one and has it.
  std::optional<std::vector<std::string>> bounding_caps;
};

// Parses a profile or a whole config.json. Error rules: "json-syntax" (with line and column),
// "bad-profile" (a value of the wrong type, missing or out of range), "unknown-action",
// "unknown-operator", "unknown-arch", "unknown-flag". Messages start with the JSON path.
Result<Profile> ParseProfile(std::string_view json_text);

// The largest profile read: Docker's default profile is about 20 KiB, so 16 MiB leaves room
// for any real one while bounding what a hostile input (/dev/zero, a huge file) can cost.
inline constexpr size_t kMaxProfileBytes = size_t{16} << 20;

// Reads and parses a file ("-" = standard input). The file is read in bounded chunks and never
// past kMaxProfileBytes (rule "too-large"), a regular file's size is checked before reading,
// and input whose first byte cannot start JSON is refused after that byte ("json-syntax").
// Other I/O errors (missing file, a directory, ...) have rule "io-error" and say why.
Result<Profile> LoadProfileFile(const std::string& path);

// "SCMP_ARCH_X86_64" -> libseccomp's name "x86_64" (what seccomp_arch_resolve_name() takes);
// nullopt for names no libseccomp release has. Some (loongarch64, m68k, sh) are newer than
// Debian 12's libseccomp 2.5.4: they parse, and only compiling a filter for them fails.
std::optional<std::string> LibseccompArchName(std::string_view scmp_arch);

// SECCOMP_FILTER_FLAG_* name -> its bit (include/uapi/linux/seccomp.h); nullopt when unknown.
// The names runc and crun accept: TSYNC, LOG, SPEC_ALLOW, WAIT_KILLABLE_RECV.
std::optional<uint32_t> FilterFlagBit(std::string_view name);

}  // namespace sckit::policy
