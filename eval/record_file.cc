// ForEachRecordInFile: binary records through RecordReader (a NUL byte in the first 64 bytes,
// which no text record holds), text and cases lines through CaseReader; streamed, in bounded
// memory (formats/records.h caps line length and a file's total records). A cases line's own
// dispatch configuration (formats/record_dispatch.h) keeps out the records it dispatches.
#include "eval/record_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include "formats/read_file.h"
#include "formats/records.h"

namespace sckit::eval {

std::optional<Error> ForEachRecordInFile(const std::string& path,
                                         const std::function<void(const SeccompData&)>& sink) {
  if (auto e = RefuseDirectory(path)) return e;
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) return MakeError("io-error", "cannot open " + path + ": " + std::strerror(errno));
    in = &file;
  }
  std::string head(sizeof(SeccompData), '\0');
  in->read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in->gcount()));
  in->clear(in->rdstate() & ~std::ios::failbit);
  if (head.find('\0') != std::string::npos) {
    if (head.size() < sizeof(SeccompData)) {
      return MakeError("truncated-record",
                       "record 1 has " + std::to_string(head.size()) + " of 64 bytes");
    }
    SeccompData d;
    std::memcpy(&d, head.data(), sizeof d);  // the head is the first record
    sink(d);
    RecordReader reader(*in, RecordFormat::kBinary);
    for (;;) {
      Result<bool> more = reader.Next(&d);
      if (!more.ok()) return more.error();
      if (!*more) return std::nullopt;
      sink(d);
    }
  }
  CaseReader cases(*in, /*require_expected=*/false, std::move(head));
  CaseLine line;
  for (;;) {
    Result<bool> more = cases.Next(&line);
    if (!more.ok()) return more.error();
    if (!*more) return std::nullopt;
    if (!line.dispatch.any()) {
      for (const SeccompData& d : line.records) sink(d);
      continue;
    }
    // A line with its own syscall user dispatch configuration: only the records it lets reach
    // the filters (a dispatched call never runs them).
    DispatchConfig base;  // the command line's defaults: off, selector block
    base.selector = kDispatchBlock;
    Result<DispatchConfig> dispatch = ApplyLineDispatch(base, line.dispatch);
    if (!dispatch.ok()) return dispatch.error();
    for (const SeccompData& d : line.records) {
      if (DispatchPasses(DecideDispatch(*dispatch, d))) sink(d);
    }
  }
}

}  // namespace sckit::eval
