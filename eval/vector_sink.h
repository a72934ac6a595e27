// The fast output path of `sckit eval --vectors` (and --data): the same bytes EvaluateRecord()
// (eval/evaluate.h) writes, text or JSON Lines, for millions of records per second.
//
// Where the time went (docs/performance.md): 60% of a run was snprintf and std::string
// concatenation, re-deriving for every record text that depends only on the outcome. Here:
//   - the record is formatted per record as EvaluateRecord prints it (formats/record_text.h:
//     the text with names, or JSON's record members), but only if EvaluateRecord's lines start
//     with exactly that text on sample records of many arches and numbers when the sink is
//     made; if the record format ever changes, every line is EvaluateRecord's own, slower but
//     never different (AppendRecord, the canonical form by hand, is what it was before names);
//   - everything after the record is a function of the outcome and the filters' values, made
//     once per distinct outcome by EvaluateRecord() itself and reused; only the SIGSYS siginfo
//     of a JSON line (which names the record's nr, arch and ip) is formatted per record, and a
//     piece that does not split as expected is never reused (that record goes the slow way);
//   - the record's own text (JSON: the canonical "record", the named "text", "arch_name",
//     "syscall") is put together in one stack buffer: the names of an (arch, nr) come from a
//     small direct-mapped cache filled from the library's output (libseccomp's name lookups and
//     the string concatenations were most of a JSON line's cost), the numbers by hand;
//   - lines are appended to one buffer the caller writes in large blocks.
// Not for --trace or the live kernel (EvaluateRecord handles those one by one).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "eval/evaluate.h"
#include "eval/session.h"
#include "vm/seccomp_data.h"
#include "vm/status.h"

namespace sckit::eval {

class VectorSink {
 public:
  // Whether the sink can serve these options (no trace, no live kernel).
  static bool Supports(const Session& session, const EvalOptions& options);

  VectorSink(Session& session, const EvalOptions& options);

  // Evaluates `data` and appends its line (byte for byte EvaluateRecord's) to *out.
  // Errors: EvaluateRecord's.
  Result<bool> Append(const SeccompData& data, std::string* out);

  // Lines formatted from the cache, and by EvaluateRecord (first of an outcome, or unsplittable).
  uint64_t fast_lines() const { return fast_; }
  uint64_t slow_lines() const { return slow_; }

 private:
  struct Piece {
    bool reusable = false;
    std::string head;  // after the record, up to the siginfo member (or to the end)
    std::string tail;  // after the siginfo member (JSON with siginfo only)
  };

  // The names of one (arch, nr): `arch=x86_64 nr=read(0)` and, for JSON, everything after the
  // "text" member (`, "arch_name": "x86_64", "syscall": "read"`), both cut from the library's
  // own output for the record with that arch and nr and nothing else set.
  struct Names {
    bool filled = false;
    bool usable = false;  // the library's output had the expected shape
    uint32_t arch = 0;
    int32_t nr = 0;
    std::string text_head;
    std::string json_names;
  };

  const Names& NamesFor(const SeccompData& data);
  void AppendPrefix(const SeccompData& data, std::string* out);
  void OutcomeKey(const Outcome& o, std::string* key) const;
  Result<bool> Slow(const SeccompData& data, std::string* out);
  Piece Split(const SeccompData& data, const Outcome& o, const std::string& line) const;

  Session& session_;
  EvalOptions options_;
  bool fast_record_ = false;  // EvaluateRecord's lines start with AppendRecord's text
  Scratch scratch_;
  std::vector<uint32_t> rets_;
  std::string key_;
  std::string record_;
  std::unordered_map<std::string, Piece> pieces_;
  std::vector<Names> names_;  // direct-mapped by (arch, nr): bounded, a miss refills the slot
  uint64_t fast_ = 0;
  uint64_t slow_ = 0;
};

// The canonical record text of formats/records.h (FormatRecord), appended with std::to_chars.
void AppendRecord(const SeccompData& data, std::string* out);

}  // namespace sckit::eval
