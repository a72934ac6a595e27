// The filter shapes of issue 19's table, as programs the shapes benchmark
// (bench/shapes_bench.cc) and tests/bench:shapes_test run through every engine:
//   - ArchCheckFilter: the 4-instruction arch check (3 run);
//   - AllowChainFilter: an arch check, then one `jeq` per allowed syscall jumping to a shared
//     `ret ALLOW` (the 40-syscall chain of bench/hand_filters.h);
//   - LibseccompAllowFilter: the same kind of policy compiled and exported by libseccomp itself,
//     in its default layout or as its binary tree (SCMP_FLTATR_CTL_OPTIMIZE = 2);
//   - ChromiumLikeFilter: a renderer-like policy laid out the way Chromium's BPF compiler lays
//     policies out: a `jge` binary search over ranges of syscall numbers with the same rule, the
//     64-bit argument checks at the leaves (high word first), `ja` for far jumps;
//   - TreeFilter4096: a 4096-instruction `jge` tree over distinct leaves, for preparation cost.
// Docker's default profile is examples/profiles/docker-default.bpf.
#pragma once

#include <span>
#include <vector>

#include "vm/program.h"
#include "vm/status.h"

namespace sckit::bench {

Program ArchCheckFilter();
Program AllowChainFilter(std::span<const int> nrs);
// Default action ERRNO(EPERM), `nrs` allowed, x86_64 only; exported with seccomp_export_bpf().
Result<Program> LibseccompAllowFilter(std::span<const int> nrs, bool binary_tree);
Program ChromiumLikeFilter();
Program TreeFilter4096();

}  // namespace sckit::bench
