// The records `sckit bench` evaluates: uniform, hot, a records file or an strace trace
// (bench/workload.h).
#include "bench/workload.h"

#include <fcntl.h>

#include <fstream>
#include <iostream>

#include "formats/records.h"

namespace sckit::bench {
namespace {

struct HotEntry {
  const char* name;
  int weight;  // per 100 records
  uint64_t a0, a1, a2;
};

// Weights in the spirit of a network server's steady state (I/O, futexes, event loop, memory).
constexpr HotEntry kHot[] = {
    {"read", 14, 3, 0, 4096},
    {"write", 10, 4, 0, 512},
    {"futex", 10, 0, 0x81 /* FUTEX_WAKE_PRIVATE */, 1},
    {"epoll_wait", 6, 5, 0, 64},
    {"recvfrom", 6, 6, 0, 65536},
    {"sendto", 6, 6, 0, 1024},
    {"close", 5, 7, 0, 0},
    {"openat", 5, static_cast<uint64_t>(AT_FDCWD), 0, O_RDONLY | O_CLOEXEC},
    {"newfstatat", 5, 3, 0, 0},
    {"mmap", 4, 0, 8192, 3 /* PROT_READ|PROT_WRITE */},
    {"munmap", 3, 0, 8192, 0},
    {"rt_sigprocmask", 4, 0, 0, 0},
    {"ioctl", 3, 1, 0x5401 /* TCGETS */, 0},
    {"lseek", 3, 3, 0, 1},
    {"poll", 2, 0, 1, 1000},
    {"writev", 2, 4, 0, 2},
    {"accept4", 2, 5, 0, 0x80800},
    {"fcntl", 2, 3, 3 /* F_GETFL */, 0},
    {"brk", 2, 0, 0, 0},
    {"mprotect", 2, 0, 4096, 1},
    {"getpid", 2, 0, 0, 0},
    {"clock_nanosleep", 1, 0, 0, 0},
    {"madvise", 1, 0, 4096, 4},
};

}  // namespace

Workload UniformWorkload(const ArchInfo& arch) {
  Workload w;
  w.name = "uniform";
  for (int32_t nr = 0; nr < 1024; ++nr) {
    const int32_t full = static_cast<int32_t>(static_cast<uint32_t>(nr) | arch.nr_bit);
    if (!SyscallName(arch.audit_arch, full)) continue;
    SeccompData d;
    d.arch = arch.audit_arch;
    d.nr = full;
    w.records.push_back(d);
  }
  w.description = "every " + std::string(arch.name) + " syscall once (" +
                  std::to_string(w.records.size()) + " records)";
  return w;
}

Workload HotWorkload(const ArchInfo& arch) {
  Workload w;
  w.name = "hot";
  std::vector<SeccompData> pool;
  for (const HotEntry& e : kHot) {
    const std::optional<int32_t> nr = SyscallNumber(arch, e.name);
    if (!nr) continue;
    SeccompData d;
    d.arch = arch.audit_arch;
    d.nr = *nr;
    d.args[0] = e.a0;
    d.args[1] = e.a1;
    d.args[2] = e.a2;
    for (int i = 0; i < e.weight * 10; ++i) pool.push_back(d);
  }
  // Interleave deterministically (a fixed linear congruential shuffle), so consecutive records
  // differ the way a real stream does and branch predictors cannot learn a run of one syscall.
  uint64_t state = 0x2545F4914F6CDD1Dull;
  for (size_t i = pool.size(); i > 1; --i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    const size_t j = static_cast<size_t>((state >> 33) % i);
    std::swap(pool[i - 1], pool[j]);
  }
  w.records = std::move(pool);
  w.description = "weighted mix of " + std::to_string(std::size(kHot)) + " common " +
                  std::string(arch.name) + " syscalls (" + std::to_string(w.records.size()) +
                  " records)";
  return w;
}

Result<Workload> LoadWorkload(const std::string& spec, const ArchInfo& arch) {
  if (spec == "uniform") return UniformWorkload(arch);
  if (spec == "hot") return HotWorkload(arch);
  std::ifstream in(spec);
  if (!in) return MakeError("io-error", "cannot open workload '" + spec + "'");
  Workload w;
  w.name = "strace:" + spec;
  Result<std::vector<SeccompData>> records = ParseStrace(in, arch, &w.strace);
  if (!records.ok()) {
    Error e = records.error();
    e.message = spec + ": " + e.message;
    return e;
  }
  w.records = std::move(*records);
  w.description = "strace trace " + spec + ": " + std::to_string(w.strace.syscalls) +
                  " syscalls, " + std::to_string(w.strace.unknown) + " unknown names skipped, " +
                  std::to_string(w.strace.approximated_args) + " args approximated as 0";
  return w;
}

Result<Workload> LoadVectors(const std::string& path) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) return MakeError("io-error", "cannot open records file '" + path + "'");
    in = &file;
  }
  RecordReader reader(*in);
  Workload w;
  w.name = "vectors:" + path;
  SeccompData d;
  for (;;) {
    Result<bool> next = reader.Next(&d);
    if (!next.ok()) return next.error();
    if (!*next) break;
    w.records.push_back(d);
  }
  if (w.records.empty()) return MakeError("empty-workload", path + ": no records");
  w.description = "records file " + path + " (" + std::to_string(w.records.size()) + " records)";
  return w;
}

}  // namespace sckit::bench
