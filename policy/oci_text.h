// The bytes of an OCI profile before JSON parsing: read in chunks and never past
// kMaxProfileBytes (policy/oci.h), refused at the first byte that cannot start JSON (so
// /dev/urandom stops at once), and nesting bounded before the parser builds anything.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "vm/status.h"

namespace sckit::policy {

// 1-based line and column of a byte offset.
std::pair<int, int> LineColumn(std::string_view text, size_t offset);

// text[i], the first byte that is not JSON whitespace, must be able to start a value (or be a
// UTF-8 byte order mark); otherwise the "json-syntax" error at its line and column.
std::optional<Error> CheckJsonStart(std::string_view text, size_t i);

// Arrays and objects nested deeper than 64 levels: the "json-syntax" error at the place.
std::optional<Error> CheckNesting(std::string_view text);

// The offset of the first number spelled `number` outside JSON strings (a whole number token,
// not part of a longer one), or npos: where the parser's "number overflow parsing '1e400'",
// which names the number but not its place, happened.
size_t FindNumber(std::string_view text, std::string_view number);

// The whole text of a profile file or standard input ("-"). Errors: "io-error" (also for a
// directory), "too-large", "json-syntax" (the first byte).
Result<std::string> ReadProfileText(const std::string& path);

}  // namespace sckit::policy
