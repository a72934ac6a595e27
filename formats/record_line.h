// One text record line before expansion (internal to formats/records.cc): its key=value tokens
// by field slot (Tokenize, with the line's syscall user dispatch keys), and the values of a
// field resolved the way formats/records.h documents them: numbers of a field's width, arch
// names, syscall names (ResolveArch, ResolveNumber, ResolveNr). Errors name the line and token.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "formats/record_dispatch.h"
#include "vm/arch.h"
#include "vm/status.h"

namespace sckit::record_line {

// Field slots in cross-product order.
enum Slot { kArch, kNr, kIp, kA0, kSlots = kA0 + 6 };

struct Token {
  std::string_view text;   // the whole key=value
  std::string_view value;
  bool present = false;
};

struct Parsed {
  std::array<Token, kSlots> slots;
  Token args;
  LineDispatch dispatch;  // dispatch=, region=, selector=, vdso-sigreturn= (record_dispatch.h)
};


// An error of `rule` about `token` on `line`: "'TOKEN': WHAT".
Error TokenError(std::string rule, std::string_view token, const std::string& what, int line);


// A comma-separated list's items (one empty item for an empty value).
std::vector<std::string_view> SplitList(std::string_view value);

// The line's tokens; its dispatch keys go to *dispatch, and are an error where the caller takes
// none (nullptr): a record whose configuration would be ignored must not pass silently.
Result<Parsed> Tokenize(std::string_view text, int line, LineDispatch* dispatch);

// An arch name or AUDIT_ARCH number: *audit its value; the ArchInfo, or nullptr for a number
// naming no known arch.
Result<const ArchInfo*> ResolveArch(std::string_view value, std::string_view token,
                                    uint32_t* audit, int line);

// A number of `bits` width (32 or 64), two's complement when negative.
Result<uint64_t> ResolveNumber(std::string_view value, std::string_view token, int bits,
                               int line);

// One nr value: a number (taken as given), a name resolved for the arch, or `name(number)` as
// FormatRecordText prints it, where the two must agree: the number is the name's, or the name
// is the number's.
Result<int32_t> ResolveNr(std::string_view value, std::string_view token, const ArchInfo* arch,
                          uint32_t audit, int line);

}  // namespace sckit::record_line
