// Binary result records (formats/result_records.h): the 32-byte layout, written and read.
#include "formats/result_records.h"

#include <bit>
#include <cstring>

namespace sckit {
namespace {

// The stored numbers are the enums' own values: pinned here, so that reordering an enum in vm/
// breaks the build instead of every reader.
using K = Verdict::Kind;
static_assert(static_cast<int>(K::kKillProcess) == 0 && static_cast<int>(K::kKillThread) == 1 &&
              static_cast<int>(K::kTrap) == 2 && static_cast<int>(K::kErrno) == 3 &&
              static_cast<int>(K::kUserNotif) == 4 && static_cast<int>(K::kTrace) == 5 &&
              static_cast<int>(K::kLog) == 6 && static_cast<int>(K::kAllow) == 7 &&
              static_cast<int>(K::kDispatchSigsys) == 8);
static_assert(static_cast<int>(Effect::kRun) == 0 && static_cast<int>(Effect::kReturn) == 1 &&
              static_cast<int>(Effect::kSignal) == 2 &&
              static_cast<int>(Effect::kTraceStop) == 3 &&
              static_cast<int>(Effect::kNotify) == 4 && static_cast<int>(Effect::kKillThread) == 5 &&
              static_cast<int>(Effect::kKillProcess) == 6 &&
              static_cast<int>(Effect::kDispatchSignal) == 7);
static_assert(static_cast<int>(DispatchResult::kOff) == 0 &&
              static_cast<int>(DispatchResult::kRegionExempt) == 1 &&
              static_cast<int>(DispatchResult::kVdsoSigreturn) == 2 &&
              static_cast<int>(DispatchResult::kSelectorAllow) == 3 &&
              static_cast<int>(DispatchResult::kDispatched) == 4 &&
              static_cast<int>(DispatchResult::kInvalidSelector) == 5 &&
              static_cast<int>(DispatchResult::kSelectorFault) == 6);
static_assert(static_cast<int>(Passthrough::kNone) == 0 &&
              static_cast<int>(Passthrough::kUretprobe) == 1 &&
              static_cast<int>(Passthrough::kUprobe) == 2);
constexpr uint8_t kLastVerdict = 8, kLastEffect = 7, kLastDispatch = 6, kLastPassthrough = 2;

constexpr uint8_t kLogged = 1, kUnavailable = 2, kStrict = 4, kSiginfo = 8, kFiltersRan = 0x40;
constexpr int kPassthroughShift = 4;
constexpr uint8_t kReservedFlags = 0x80;

// The wire form: fields at the header's offsets, in the host's order, which the build requires
// to be little-endian (every arch the JIT and the live engine run on is).
struct Wire {
  uint32_t ret;
  uint8_t verdict, effect, dispatch, flags;
  uint32_t n;
  int32_t matched;
  int64_t return_value;
  int32_t signal;
  int16_t si_code;
  uint16_t si_errno;
};
static_assert(sizeof(Wire) == kResultRecordSize && offsetof(Wire, return_value) == 16 &&
              offsetof(Wire, si_errno) == 30);
static_assert(std::endian::native == std::endian::little,
              "result records are little-endian; a big-endian host needs byte swaps here");

void AppendU32(uint32_t v, std::string* out) {
  out->append(reinterpret_cast<const char*>(&v), sizeof v);
}

uint32_t U32At(std::string_view bytes, size_t at) {
  uint32_t v;
  std::memcpy(&v, bytes.data() + at, sizeof v);
  return v;
}

Error At(size_t offset, const char* rule, const std::string& what) {
  return MakeError(rule, "byte " + std::to_string(offset) + ": " + what);
}

Result<ResultRecord> Decode(std::string_view bytes, size_t at) {
  Wire w;
  std::memcpy(&w, bytes.data() + at, sizeof w);
  if (w.verdict > kLastVerdict) {
    return At(at + 4, "bad-field", "unknown verdict " + std::to_string(w.verdict));
  }
  if (w.effect > kLastEffect) {
    return At(at + 5, "bad-field", "unknown effect " + std::to_string(w.effect));
  }
  if (w.dispatch > kLastDispatch) {
    return At(at + 6, "bad-field", "unknown dispatch result " + std::to_string(w.dispatch));
  }
  const uint8_t passthrough = (w.flags >> kPassthroughShift) & 3;
  if ((w.flags & kReservedFlags) != 0 || passthrough > kLastPassthrough) {
    return At(at + 7, "bad-field",
              "reserved flag bits set (flags " + std::to_string(w.flags) + ")");
  }
  ResultRecord r;
  r.ret = w.ret;
  r.verdict = static_cast<Verdict::Kind>(w.verdict);
  r.effect = static_cast<Effect>(w.effect);
  r.dispatch = static_cast<DispatchResult>(w.dispatch);
  r.logged = (w.flags & kLogged) != 0;
  r.unavailable = (w.flags & kUnavailable) != 0;
  r.strict = (w.flags & kStrict) != 0;
  r.has_siginfo = (w.flags & kSiginfo) != 0;
  r.passthrough = static_cast<Passthrough>(passthrough);
  r.filters_ran = (w.flags & kFiltersRan) != 0;
  r.n = w.n;
  r.matched = w.matched;
  r.return_value = w.return_value;
  r.signal = w.signal;
  r.si_code = w.si_code;
  r.si_errno = w.si_errno;
  return r;
}

}  // namespace

ResultRecord ResultOf(const Outcome& o, bool filters_ran) {
  const Verdict v = o.verdict();
  ResultRecord r;
  r.ret = DispatchPasses(o.dispatch) ? o.ret : 0;
  r.filters_ran = filters_ran;
  r.verdict = v.kind;
  r.effect = o.effect;
  r.dispatch = o.dispatch;
  r.logged = o.logged;
  r.unavailable = o.unavailable;
  r.strict = o.strict;
  r.has_siginfo = o.has_siginfo;
  r.passthrough = o.passthrough;
  r.n = v.n;
  r.matched = o.matched;
  r.return_value = o.return_value;
  r.signal = o.signal;
  if (o.has_siginfo) {
    r.si_code = static_cast<int16_t>(o.sigsys.code);
    r.si_errno = static_cast<uint16_t>(o.sigsys.error);
  }
  return r;
}

void AppendResultHeader(std::string* out) {
  out->append(kResultMagic);
  AppendU32(kResultVersion, out);
  AppendU32(kResultRecordSize, out);
}

void AppendResult(const Outcome& o, bool filters_ran, std::string* out) {
  const ResultRecord r = ResultOf(o, filters_ran);
  const Wire w{r.ret,
               static_cast<uint8_t>(r.verdict),
               static_cast<uint8_t>(r.effect),
               static_cast<uint8_t>(r.dispatch),
               static_cast<uint8_t>((r.logged ? kLogged : 0) | (r.unavailable ? kUnavailable : 0) |
                                    (r.strict ? kStrict : 0) | (r.has_siginfo ? kSiginfo : 0) |
                                    (r.filters_ran ? kFiltersRan : 0) |
                                    (static_cast<uint8_t>(r.passthrough) << kPassthroughShift)),
               r.n,
               r.matched,
               r.return_value,
               r.signal,
               r.si_code,
               r.si_errno};
  out->append(reinterpret_cast<const char*>(&w), sizeof w);
}

Result<std::vector<ResultRecord>> ReadResults(std::string_view bytes) {
  if (bytes.size() < kResultHeaderSize) {
    return At(0, "truncated", "a results stream starts with a 16-byte header; got " +
                                  std::to_string(bytes.size()) + " bytes");
  }
  if (bytes.substr(0, kResultMagic.size()) != kResultMagic) {
    return At(0, "bad-magic", "not a sckit results stream (no \"SCKITRES\")");
  }
  if (const uint32_t v = U32At(bytes, 8); v != kResultVersion) {
    return At(8, "bad-version", "version " + std::to_string(v) + ", this sckit reads version 1");
  }
  if (const uint32_t size = U32At(bytes, 12); size != kResultRecordSize) {
    return At(12, "bad-record-size", "record size " + std::to_string(size) + ", expected 32");
  }
  std::vector<ResultRecord> records;
  records.reserve((bytes.size() - kResultHeaderSize) / kResultRecordSize);
  size_t at = kResultHeaderSize;
  for (; at + kResultRecordSize <= bytes.size(); at += kResultRecordSize) {
    Result<ResultRecord> r = Decode(bytes, at);
    if (!r.ok()) return r.error();
    records.push_back(*r);
  }
  if (at != bytes.size()) {
    return At(at, "truncated", "a partial record of " + std::to_string(bytes.size() - at) +
                                   " bytes (record " + std::to_string(records.size()) + ")");
  }
  return records;
}

}  // namespace sckit
