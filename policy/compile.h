// A container seccomp profile (policy/oci.h) compiled the way container runtimes compile it:
//
//   1. Resolve (Docker's setupSeccomp(), moby profiles/seccomp): choose the architectures
//      (`architectures`, or the `archMap` entry of the native arch plus its subArchitectures),
//      and keep only the syscalls[] entries whose includes/excludes hold for the native arch,
//      the capability (bounding) set and the kernel version. Evaluation order as moby's:
//      excludes.arches, excludes.caps (any held cap excludes), excludes.minKernel (kernel >= it
//      excludes), then includes.arches, includes.caps (every cap needed), includes.minKernel.
//   2. Compile (runc's InitSeccomp()/matchCall(), crun's libcrun_generate_seccomp()): a
//      libseccomp filter context with the default action (ERRNO/TRACE data defaults to EPERM),
//      the arches, NO_NEW_PRIVS off, optionally the binary-tree optimisation; one rule per name
//      with seccomp_rule_add_array(). Entries whose action equals the default action are skipped
//      (libseccomp refuses them); names libseccomp does not know are skipped with a warning;
//      when two conditions of one entry test the same argument, each condition becomes a rule
//      of its own (an OR), as runc and crun do; otherwise the conditions are ANDed.
//   3. Export: seccomp_export_bpf() into a memfd (libseccomp 2.5.4 has no in-memory export),
//      read back as a Program.
//
// Filter flags (SECCOMP_FILTER_FLAG_*) are reported, never part of the bytes: they are
// arguments of seccomp(2), not of the filter. Not reproduced: runc's "patchbpf" ENOSYS stub
// (runc prepends code returning -ENOSYS for syscalls newer than any the profile names) and
// crun's default SPEC_ALLOW flag; both happen after libseccomp's export.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "policy/caps.h"
#include "policy/oci.h"
#include "vm/program.h"
#include "vm/status.h"

namespace sckit::policy {

struct ImportOptions {
  // The first is the native arch (the machine the runtime runs on: it selects the archMap entry
  // and is what includes/excludes.arches are compared with); later ones are added to the filter
  // as `architectures` entries would be. Names: sckit's or libseccomp's ("x86_64", "i386"/"x86",
  // "x32", "aarch64"/"arm64", ...), Go's ("amd64") or SCMP_ARCH_*. Empty: this host's arch.
  std::vector<std::string> arches;
  // The container's bounding capability set for includes/excludes.caps, canonical names
  // ("CAP_SYS_ADMIN"; ParseCapabilities() makes them from what a user writes). A name that is
  // not a Linux capability is an error ("unknown-capability"): a typo must not silently replace
  // the default set. nullopt: the config.json's process.capabilities.bounding when the input
  // was one, else Docker's default set (DockerDefaultCaps()).
  std::optional<std::vector<std::string>> caps;
  // "X.Y" or "X.Y.Z" for minKernel; empty: the running kernel (uname), as Docker does.
  std::string kernel_version;
  // libseccomp's binary-tree optimisation (SCMP_FLTATR_CTL_OPTIMIZE = 2). runc turns it on by
  // itself for profiles with more than 32 syscalls[] entries; crun does not.
  bool binary_tree = false;
};

// The capabilities `docker run` grants by default (moby's oci/caps DefaultCapabilities()).
std::span<const std::string_view> DockerDefaultCaps();

// The kernel's return value of a profile action: SCMP_ACT_ERRNO(errno_ret or EPERM), ...
uint32_t ActionRet(ProfileAction action, std::optional<uint32_t> errno_ret);

// The arch names of one filter, in the filter's order.
struct ArchChoice {
  std::string libseccomp_name;  // "x86_64", "x86", "x32", ...
  uint32_t token = 0;           // SCMP_ARCH_* value (AUDIT_ARCH_*, x32 has its own token)
};

// Step 1: what the runtime is handed after Docker's filtering.
struct ResolvedProfile {
  uint32_t default_ret = 0;            // ActionRet of defaultAction / defaultErrnoRet
  std::vector<ArchChoice> arches;      // native first; each once
  std::string docker_arch;             // the native arch as includes/excludes name it ("amd64")
  std::vector<std::string> caps;       // the capability set used
  std::string kernel_version;          // the kernel version used for minKernel
  std::vector<SyscallEntry> entries;   // the entries that apply, in profile order
  std::vector<std::string> dropped;    // "syscalls[18]: excludes.caps has CAP_SYS_ADMIN", ...
  uint32_t flags = 0;                  // SECCOMP_FILTER_FLAG_* bits of `flags`
  std::vector<std::string> flag_names;
  // Names in the profile that cannot match: a config.json bounding capability that is not a
  // Linux capability (runc ignores it with a warning), an includes/excludes.caps name that no
  // container can hold (the entry then never applies / the exclusion never holds). With paths.
  std::vector<std::string> warnings;
};

Result<ResolvedProfile> ResolveProfile(const Profile& profile, const ImportOptions& options);

struct CompiledFilter {
  Program program;
  ResolvedProfile resolved;
  std::vector<std::string> warnings;  // one per unknown syscall name skipped, with its path
  size_t rules_added = 0;             // seccomp_rule_add_array() calls that succeeded
  size_t names_redundant = 0;         // names skipped because action == default action
};

// Steps 1 to 3. Errors: those of ResolveProfile ("unknown-arch", "unknown-capability",
// "bad-kernel-version"), and
// "libseccomp" when libseccomp refuses a call (the message names the entry and the errno).
Result<CompiledFilter> CompileProfile(const Profile& profile, const ImportOptions& options);

// Kernel versions as moby compares them: "6.1.0-18-amd64" -> {6, 1, 0}.
std::optional<std::array<unsigned, 3>> ParseKernelVersion(std::string_view text);

}  // namespace sckit::policy
