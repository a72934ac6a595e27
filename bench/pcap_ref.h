// The libpcap reference point: pcap's bpf_filter() interpreter on a seccomp filter. pcap loads
// packet words big-endian, seccomp native-endian (little on x86-64), so PcapRecord() byte-swaps
// each 32-bit word of the record; then pcap's LD|W|ABS sees what the kernel's does. The program
// is the ORIGINAL one (LD|W|ABS), not the kernel's rewritten form. Kept in its own file so
// <pcap/bpf.h>'s macros stay away from the rest of the benchmark.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "vm/bpf.h"
#include "vm/seccomp_data.h"

namespace sckit::bench {

using PcapRecord = std::array<uint8_t, 64>;

PcapRecord ToPcapRecord(const SeccompData& data);

// bpf_filter(insns, record, 64, 64). SockFilter has struct bpf_insn's layout.
uint32_t PcapRun(const std::vector<SockFilter>& insns, const PcapRecord& record);

// The floor of every per-evaluation loop in jit_bench: a call into another file that reads one
// word of the record and returns it (BM_CallFloor). No engine can be cheaper than this.
uint32_t FloorRun(const SeccompData& data);

}  // namespace sckit::bench
