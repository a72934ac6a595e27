// Classic BPF encoding as the kernel defines it (include/uapi/linux/filter.h, bpf_common.h) and
// the seccomp constants (include/uapi/linux/seccomp.h). Plain data, no behaviour: every other
// component names instructions through these constants and the opcode table in opcodes.h.
#pragma once

#include <cstdint>

namespace sckit {

// struct sock_filter: 8 bytes, host byte order. Layout-compatible with the kernel's type so a
// raw dump (libseccomp's seccomp_export_bpf, PTRACE_SECCOMP_GET_FILTER) is an array of these.
struct SockFilter {
  uint16_t code = 0;
  uint8_t jt = 0;
  uint8_t jf = 0;
  uint32_t k = 0;

  friend bool operator==(const SockFilter&, const SockFilter&) = default;
};
static_assert(sizeof(SockFilter) == 8, "struct sock_filter is 8 bytes");

namespace bpf {

// Instruction classes: code & 0x07.
inline constexpr uint16_t kLD = 0x00;
inline constexpr uint16_t kLDX = 0x01;
inline constexpr uint16_t kST = 0x02;
inline constexpr uint16_t kSTX = 0x03;
inline constexpr uint16_t kALU = 0x04;
inline constexpr uint16_t kJMP = 0x05;
inline constexpr uint16_t kRET = 0x06;
inline constexpr uint16_t kMISC = 0x07;

// Load sizes: code & 0x18.
inline constexpr uint16_t kW = 0x00;
inline constexpr uint16_t kH = 0x08;
inline constexpr uint16_t kB = 0x10;

// Load modes: code & 0xe0.
inline constexpr uint16_t kIMM = 0x00;
inline constexpr uint16_t kABS = 0x20;
inline constexpr uint16_t kIND = 0x40;
inline constexpr uint16_t kMEM = 0x60;
inline constexpr uint16_t kLEN = 0x80;
inline constexpr uint16_t kMSH = 0xa0;

// ALU operations: code & 0xf0.
inline constexpr uint16_t kADD = 0x00;
inline constexpr uint16_t kSUB = 0x10;
inline constexpr uint16_t kMUL = 0x20;
inline constexpr uint16_t kDIV = 0x30;
inline constexpr uint16_t kOR = 0x40;
inline constexpr uint16_t kAND = 0x50;
inline constexpr uint16_t kLSH = 0x60;
inline constexpr uint16_t kRSH = 0x70;
inline constexpr uint16_t kNEG = 0x80;
inline constexpr uint16_t kMOD = 0x90;
inline constexpr uint16_t kXOR = 0xa0;

// Jump operations: code & 0xf0.
inline constexpr uint16_t kJA = 0x00;
inline constexpr uint16_t kJEQ = 0x10;
inline constexpr uint16_t kJGT = 0x20;
inline constexpr uint16_t kJGE = 0x30;
inline constexpr uint16_t kJSET = 0x40;

// Operand source: code & 0x08.
inline constexpr uint16_t kK = 0x00;
inline constexpr uint16_t kX = 0x08;

// RET value source: code & 0x18 (RET|X exists as a constant but no kernel accepts it).
inline constexpr uint16_t kRetA = 0x10;

// MISC operations: code & 0xf8.
inline constexpr uint16_t kTAX = 0x00;
inline constexpr uint16_t kTXA = 0x80;

inline constexpr uint16_t Class(uint16_t code) { return code & 0x07; }
inline constexpr uint16_t Size(uint16_t code) { return code & 0x18; }
inline constexpr uint16_t Mode(uint16_t code) { return code & 0xe0; }
inline constexpr uint16_t Op(uint16_t code) { return code & 0xf0; }
inline constexpr uint16_t Src(uint16_t code) { return code & 0x08; }
inline constexpr uint16_t RetSrc(uint16_t code) { return code & 0x18; }
inline constexpr uint16_t MiscOp(uint16_t code) { return code & 0xf8; }

inline constexpr uint32_t kMaxInsns = 4096;   // BPF_MAXINSNS
inline constexpr uint32_t kMemWords = 16;     // BPF_MEMWORDS
inline constexpr uint32_t kSkfAdOff = 0xfffff000u;  // SKF_AD_OFF (-0x1000)

}  // namespace bpf

namespace seccomp {

// Return actions (include/uapi/linux/seccomp.h).
inline constexpr uint32_t kRetKillProcess = 0x80000000u;
inline constexpr uint32_t kRetKillThread = 0x00000000u;
inline constexpr uint32_t kRetTrap = 0x00030000u;
inline constexpr uint32_t kRetErrno = 0x00050000u;
inline constexpr uint32_t kRetUserNotif = 0x7fc00000u;
inline constexpr uint32_t kRetTrace = 0x7ff00000u;
inline constexpr uint32_t kRetLog = 0x7ffc0000u;
inline constexpr uint32_t kRetAllow = 0x7fff0000u;

inline constexpr uint32_t kRetActionFull = 0xffff0000u;  // SECCOMP_RET_ACTION_FULL
inline constexpr uint32_t kRetAction = 0x7fff0000u;      // SECCOMP_RET_ACTION (legacy)
inline constexpr uint32_t kRetData = 0x0000ffffu;        // SECCOMP_RET_DATA

inline constexpr uint32_t kMaxErrno = 4095;  // MAX_ERRNO, the cap applied to ERRNO data

// sizeof(struct seccomp_data); also what BPF_LD|BPF_W|BPF_LEN yields for seccomp.
inline constexpr uint32_t kDataSize = 64;

// MAX_INSNS_PER_PATH in kernel/seccomp.c: (1 << 18) / sizeof(struct sock_filter).
inline constexpr uint32_t kMaxInsnsPerPath = (1u << 18) / 8;
// Penalty per already-attached filter in seccomp_attach_filter's path-length check.
inline constexpr uint32_t kPathPenaltyPerFilter = 4;

// Filter flags (SECCOMP_FILTER_FLAG_*).
inline constexpr uint32_t kFlagTsync = 1u << 0;
inline constexpr uint32_t kFlagLog = 1u << 1;
inline constexpr uint32_t kFlagSpecAllow = 1u << 2;
inline constexpr uint32_t kFlagNewListener = 1u << 3;
inline constexpr uint32_t kFlagTsyncEsrch = 1u << 4;
inline constexpr uint32_t kFlagWaitKillableRecv = 1u << 5;
inline constexpr uint32_t kFlagMask = 0x3f;

}  // namespace seccomp
}  // namespace sckit
