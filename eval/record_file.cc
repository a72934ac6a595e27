// ForEachRecordInFile: binary records through RecordReader, text lines through the record
// pattern parser.
#include "eval/record_file.h"

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string_view>
#include <vector>

#include "formats/loader.h"
#include "formats/records.h"

namespace sckit::eval {

std::optional<Error> ForEachRecordInFile(const std::string& path,
                                         const std::function<void(const SeccompData&)>& sink) {
  Result<std::vector<uint8_t>> bytes = ReadFileBytes(path);
  if (!bytes.ok()) return bytes.error();
  const bool binary = std::find(bytes->begin(), bytes->end(), 0) != bytes->end();
  std::istringstream in(std::string(bytes->begin(), bytes->end()));
  if (binary) {
    RecordReader reader(in, RecordFormat::kBinary);
    SeccompData d;
    for (;;) {
      Result<bool> more = reader.Next(&d);
      if (!more.ok()) return more.error();
      if (!*more) return std::nullopt;
      sink(d);
    }
  }
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    std::string_view record = StripComment(line);
    const size_t arrow = record.find("=>");
    if (arrow != std::string_view::npos) record = record.substr(0, arrow);
    while (!record.empty() && (record.back() == ' ' || record.back() == '\t')) {
      record.remove_suffix(1);
    }
    if (record.empty()) continue;
    Result<std::vector<SeccompData>> records = ParseRecordPattern(record, line_no);
    if (!records.ok()) return records.error();
    for (const SeccompData& d : *records) sink(d);
  }
  return std::nullopt;
}

}  // namespace sckit::eval
