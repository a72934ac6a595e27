// jit_bench (bench/jit_bench.cc has the whole binary's description): record parsing, the text
// and binary readers of formats/records.h and the strace line parser of formats/strace.h, on the
// records of the hot workload.
#include <benchmark/benchmark.h>

#include <sstream>
#include <string>

#include "bench/jit_bench.h"
#include "formats/records.h"
#include "formats/strace.h"
#include "vm/arch.h"

namespace sckit::bench {
namespace {

std::string CanonicalText() {
  std::string text;
  for (const SeccompData& d : HotRecords()) text += FormatRecord(d) + "\n";
  return text;
}

void BM_ParseRecord(benchmark::State& state) {
  const std::string line = FormatRecord(HotRecords()[7]);
  for (auto _ : state) {
    Result<SeccompData> r = ParseRecord(line);
    benchmark::DoNotOptimize(r.ok());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_RecordReader(benchmark::State& state, bool binary) {
  std::string input;
  if (binary) {
    for (const SeccompData& d : HotRecords()) {
      input.append(reinterpret_cast<const char*>(&d), sizeof d);
    }
  } else {
    input = CanonicalText();
  }
  int64_t records = 0;
  for (auto _ : state) {
    std::istringstream in(input);
    RecordReader reader(in, binary ? RecordFormat::kBinary : RecordFormat::kText);
    SeccompData d;
    while (true) {
      Result<bool> next = reader.Next(&d);
      if (!next.ok() || !*next) break;
      ++records;
    }
  }
  state.SetItemsProcessed(records);
}

void BM_StraceLine(benchmark::State& state) {
  const ArchInfo& arch = *FindArch("x86_64");
  const std::string line =
      "4242  openat(AT_FDCWD, \"/etc/ld.so.cache\", O_RDONLY|O_CLOEXEC) = 3";
  for (auto _ : state) {
    StraceLine l = ParseStraceLine(line, arch);
    benchmark::DoNotOptimize(l.record.nr);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_ParseRecord);
BENCHMARK_CAPTURE(BM_RecordReader, text, false);
BENCHMARK_CAPTURE(BM_RecordReader, binary, true);
BENCHMARK(BM_StraceLine);

}  // namespace
}  // namespace sckit::bench
