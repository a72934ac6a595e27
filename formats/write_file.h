// Writing an output file so that it is never left half-written: the bytes go to a temporary file
// in the same directory, which is renamed over the destination only once every write, the flush
// and the close succeeded. On failure the temporary file is removed and an existing file at the
// destination keeps its old content. Libraries that write files (and tools/output.h for the
// command line) use this; nothing here prints.
//
// Atomicity comes from rename(2) within one directory: a reader sees the old file or the whole
// new one. There is no fsync: after a power loss the new file may be empty, as with most
// editors' "atomic save"; sckit's outputs can be regenerated.
//
// Destinations that are not regular files (/dev/null, /dev/full, a FIFO, /dev/stdout) are written
// in place: renaming over them would replace the device node. A symbolic link to a regular file
// is followed: the file it points to is replaced, the link stays.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "vm/status.h"

namespace sckit {

// Writes `bytes` to `path` as above. A new file gets mode 0666 minus the umask; a replaced file
// keeps its mode. Errors have rule "write-error" and a message naming the path and the reason
// ("cannot write out/x.bpf: No space left on device").
std::optional<Error> WriteFileAtomically(const std::string& path, std::string_view bytes);

}  // namespace sckit
