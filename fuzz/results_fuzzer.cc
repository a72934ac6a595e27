// libFuzzer target: any bytes through ReadResults (formats/result_records.h), the reader of
// `sckit eval --output binary`. It accepts exactly a stream of a valid header and whole records
// (the count follows from the size); every refusal carries a rule and names a byte inside the
// input; reading is deterministic; and each record read, written again from the fields it
// holds, decodes to the same fields.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "formats/result_records.h"
#include "fuzz/fuzz_check.h"

namespace {

using namespace sckit;  // NOLINT

// An Outcome whose record is `r` (the fields the record keeps, set as the kernel model would).
Outcome OutcomeOf(const ResultRecord& r) {
  Outcome o;
  o.ret = r.ret;
  o.effect = r.effect;
  o.dispatch = r.dispatch;
  o.logged = r.logged;
  o.unavailable = r.unavailable;
  o.strict = r.strict;
  o.has_siginfo = r.has_siginfo;
  o.passthrough = r.passthrough;
  o.matched = r.matched;
  o.return_value = r.return_value;
  o.signal = r.signal;
  o.sigsys.code = r.si_code;
  o.sigsys.error = r.si_errno;
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Result<std::vector<ResultRecord>> read = ReadResults(bytes);
  Result<std::vector<ResultRecord>> again = ReadResults(bytes);
  fuzz::Check(read.ok() == again.ok(), "reading is deterministic");
  if (!read.ok()) {
    fuzz::Check(!read.error().rule.empty(), "a refusal carries a rule");
    const std::string& m = read.error().message;
    fuzz::Check(m.rfind("byte ", 0) == 0, "a refusal names its byte");
    fuzz::Check(std::stoull(m.substr(5)) <= size, "the byte is inside the input");
    return 0;
  }
  fuzz::Check(size >= kResultHeaderSize && (size - kResultHeaderSize) % kResultRecordSize == 0,
              "only whole records after a header are accepted");
  fuzz::Check(read->size() == (size - kResultHeaderSize) / kResultRecordSize, "record count");
  for (size_t i = 0; i < read->size(); ++i) {
    const ResultRecord& r = (*read)[i];
    fuzz::Check(r == (*again)[i], "reading is deterministic");
    // Written again: the fields that do not depend on the verdict's derivation come back.
    std::string rewritten;
    AppendResultHeader(&rewritten);
    AppendResult(OutcomeOf(r), r.filters_ran, &rewritten);
    Result<std::vector<ResultRecord>> back = ReadResults(rewritten);
    fuzz::Check(back.ok() && back->size() == 1, "a written record reads back");
    const ResultRecord& b = (*back)[0];
    fuzz::Check(b.effect == r.effect && b.dispatch == r.dispatch && b.logged == r.logged &&
                    b.unavailable == r.unavailable && b.strict == r.strict &&
                    b.has_siginfo == r.has_siginfo && b.passthrough == r.passthrough &&
                    b.filters_ran == r.filters_ran && b.matched == r.matched &&
                    b.return_value == r.return_value && b.signal == r.signal,
                "the record's fields survive a rewrite");
  }
  return 0;
}
