// Binary result records: what `sckit eval --output binary` writes, one fixed-size record per
// evaluated seccomp_data, in the order the records came, for harnesses and fuzzers that read
// millions of outcomes (a text or JSON line costs 100-600 bytes and a formatter; this costs 32
// bytes and no formatting). examples/README.md ("Binary results") shows it for readers in C.
//
// The stream: a 16-byte header, then records; all numbers little-endian.
//   header   0  char[8]  magic "SCKITRES"
//            8  u32      version (1)
//           12  u32      record size (32)
//   record   0  u32      ret: the seccomp value that decided (the stack's winning value;
//                        0x7fff0000 for a passthrough call, strict mode's ALLOW or KILL_THREAD),
//                        0 when syscall user dispatch stopped the call before seccomp
//            4  u8       verdict: 0 KILL_PROCESS, 1 KILL_THREAD, 2 TRAP, 3 ERRNO, 4 USER_NOTIF,
//                        5 TRACE, 6 LOG, 7 ALLOW, 8 DISPATCH_SIGSYS (vm/outcome.h Verdict)
//            5  u8       effect: 0 run, 1 return, 2 signal, 3 trace_stop, 4 notify,
//                        5 kill_thread, 6 kill_process, 7 dispatch_signal (vm/outcome.h Effect)
//            6  u8       syscall user dispatch: 0 off, 1 region-exempt, 2 vdso-sigreturn,
//                        3 selector-allow, 4 dispatched, 5 invalid-selector, 6 selector-fault
//            7  u8       flags: bit 0 logged, 1 unavailable (not in actions_avail), 2 strict
//                        mode decided, 3 siginfo (si_code/si_errno below are set), bits 4-5
//                        passthrough (0 none, 1 uretprobe, 2 uprobe), 6 the filters ran (not
//                        for strict mode, a passthrough call, a dispatched call, an empty
//                        stack); bit 7 zero
//            8  u32      the verdict's number: TRAP/TRACE data, ERRNO's errno after the cap
//           12  i32      the filter that decided (0 = oldest), -1 none
//           16  i64      return value the caller sees (effect return: -errno, or 0)
//           24  i32      signal that kills or traps (the arch's SIGSYS; 9 SIGKILL), else 0
//           28  i16      si_code of the SIGSYS (1 SYS_SECCOMP, 2 SYS_USER_DISPATCH), else 0
//           30  u16      si_errno of the SIGSYS (the action's data), else 0
// si_signo is `signal`; si_syscall, si_arch and si_call_addr are the record's own nr, arch and
// instruction_pointer, which the reader has (record i answers input record i).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vm/outcome.h"
#include "vm/status.h"

namespace sckit {

inline constexpr std::string_view kResultMagic = "SCKITRES";
inline constexpr uint32_t kResultVersion = 1;
inline constexpr size_t kResultHeaderSize = 16;
inline constexpr size_t kResultRecordSize = 32;

// One record's fields, as the layout above has them.
struct ResultRecord {
  uint32_t ret = 0;
  Verdict::Kind verdict = Verdict::Kind::kAllow;
  Effect effect = Effect::kRun;
  DispatchResult dispatch = DispatchResult::kOff;
  bool logged = false;
  bool unavailable = false;
  bool strict = false;
  bool has_siginfo = false;
  Passthrough passthrough = Passthrough::kNone;
  bool filters_ran = false;
  uint32_t n = 0;
  int32_t matched = -1;
  int64_t return_value = 0;
  int32_t signal = 0;
  int16_t si_code = 0;
  uint16_t si_errno = 0;
  friend bool operator==(const ResultRecord&, const ResultRecord&) = default;
};

// What the record of `o` holds; `filters_ran`: o.filters_ran(the stack's size).
ResultRecord ResultOf(const Outcome& o, bool filters_ran);

void AppendResultHeader(std::string* out);
// Appends the 32 bytes of `o`'s record.
void AppendResult(const Outcome& o, bool filters_ran, std::string* out);

// Reads a whole stream: the header, then every record. Errors name the byte offset: "bad-magic",
// "bad-version", "bad-record-size", "truncated" (a partial header or record), "bad-field" (a
// value outside the lists above, or a reserved flag bit set).
Result<std::vector<ResultRecord>> ReadResults(std::string_view bytes);

}  // namespace sckit
