// libpcap's bpf_filter() on a seccomp filter, the benchmarks' reference point
// (bench/pcap_ref.h).
#include "bench/pcap_ref.h"

#include <sys/types.h>  // u_int, u_char: pcap/bpf.h expects them

#include <pcap/bpf.h>

#include <cstring>

namespace sckit::bench {

static_assert(sizeof(struct bpf_insn) == sizeof(SockFilter));

PcapRecord ToPcapRecord(const SeccompData& data) {
  PcapRecord out;
  std::memcpy(out.data(), &data, sizeof data);
  for (size_t i = 0; i < out.size(); i += 4) {
    uint32_t w;
    std::memcpy(&w, out.data() + i, 4);
    w = __builtin_bswap32(w);
    std::memcpy(out.data() + i, &w, 4);
  }
  return out;
}

uint32_t PcapRun(const std::vector<SockFilter>& insns, const PcapRecord& record) {
  return bpf_filter(reinterpret_cast<const struct bpf_insn*>(insns.data()), record.data(),
                    static_cast<u_int>(record.size()), static_cast<u_int>(record.size()));
}

uint32_t FloorRun(const SeccompData& data) { return static_cast<uint32_t>(data.nr); }

}  // namespace sckit::bench
