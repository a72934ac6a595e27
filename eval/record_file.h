// The records of a file that `sckit coverage` and `sckit cfg --coverage` read: a `sckit test`
// cases file (the RECORD side of `RECORD => EXPECTED`, patterns expanded), a text vectors file,
// or binary seccomp_data records (a file with a zero byte is binary). Of a line with its own
// syscall user dispatch configuration (`dispatch=on region=...`), only the records that reach
// the filters.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "vm/seccomp_data.h"
#include "vm/status.h"

namespace sckit::eval {

// Streams every record of `path` ("-" = standard input) into `sink`, in order. Errors: the
// file's (rule "io-error"), or the first bad line with its number.
std::optional<Error> ForEachRecordInFile(const std::string& path,
                                         const std::function<void(const SeccompData&)>& sink);

}  // namespace sckit::eval
