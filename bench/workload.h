// The records `sckit bench` evaluates: a records file (formats/records.h), every syscall of an arch
// once ("uniform"), a weighted mix of the syscalls a typical server makes most ("hot"), or an
// `strace -f -o` trace of a real program (formats/strace.h).
#pragma once

#include <string>
#include <vector>

#include "formats/strace.h"
#include "vm/arch.h"
#include "vm/seccomp_data.h"
#include "vm/status.h"

namespace sckit::bench {

struct Workload {
  std::string name;         // "uniform", "hot", "vectors:FILE", "strace:FILE"
  std::string description;  // one line for reports
  std::vector<SeccompData> records;
  StraceStats strace;       // for strace workloads
};

// Every syscall number in [0, 1024) that libseccomp names for `arch` (with the arch's nr bit),
// once each, args 0.
Workload UniformWorkload(const ArchInfo& arch);

// A deterministic, interleaved mix of 1000 records over common syscalls with fixed weights
// (read/write/futex/epoll_wait/... ; see workload.cc), with plausible small arguments.
// Names the arch does not have are left out.
Workload HotWorkload(const ArchInfo& arch);

// "uniform", "hot", or a path to strace output.
Result<Workload> LoadWorkload(const std::string& spec, const ArchInfo& arch);

// A records file in any RecordReader format ("-" = standard input).
Result<Workload> LoadVectors(const std::string& path);

}  // namespace sckit::bench
