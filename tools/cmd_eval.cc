// sckit eval: what the kernel would do with system calls, for a filter stack: records from
// --data or a --vectors file, answered as text, JSON Lines or binary result records.
// Options, reading and printing only: the stack's options are tools/stack_options.h, loading,
// engines, evaluation and reports are eval/'s, the binary layout formats/result_records.h.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "eval/evaluate.h"
#include "eval/session.h"
#include "eval/vector_sink.h"
#include "formats/read_file.h"
#include "formats/records.h"
#include "formats/result_records.h"
#include "tools/command.h"
#include "tools/options.h"
#include "tools/output.h"
#include "tools/stack_options.h"

namespace sckit::tools {
namespace {

enum class Output { kText, kJson, kBinary };

// Runs append(record, its line's dispatch configuration or nullptr, &buffer) on every record
// `next` gives, after `header`, writing the buffer to standard output in blocks of ~64 KiB.
// append's errors (the live kernel harness) are said and counted, and the next record goes on.
template <typename Next, typename Append>
int EvalInBlocks(const std::string& source, const std::string& header, Next next, Append append) {
  constexpr size_t kBlock = 64 * 1024;
  std::string buffer = header;
  buffer.reserve(kBlock + 4096);
  auto flush = [&buffer] {
    std::fwrite(buffer.data(), 1, buffer.size(), stdout);
    buffer.clear();
    return !StandardOutputFailed();
  };
  bool all_agree = true;
  SeccompData d;
  for (;;) {
    const DispatchConfig* dispatch = nullptr;
    Result<bool> more = next(&d, &dispatch);
    if (!more.ok()) {
      flush();
      std::fflush(stdout);
      PrintError("eval", source + more.error().ToString());
      return kExitUsage;
    }
    if (!*more) break;
    Result<bool> agree = append(d, dispatch, &buffer);
    if (!agree.ok()) {
      flush();
      std::fflush(stdout);
      PrintError("eval", agree.error().message);
      all_agree = false;
      continue;
    }
    all_agree = *agree && all_agree;
    if (buffer.size() >= kBlock && !flush()) break;  // the dispatcher reports it
  }
  flush();
  return all_agree ? kExitOk : kExitFailed;
}

// Text or JSON without --trace or the live kernel: eval/vector_sink.h's formatter. The same
// bytes, in the same order, as EvalAll's one-by-one path.
template <typename Next>
int EvalAllBuffered(eval::Session& session, const eval::EvalOptions& options,
                    const std::string& source, Next next) {
  eval::VectorSink sink(session, options);
  eval::Scratch scratch;
  return EvalInBlocks(source, "", next,
                      [&](const SeccompData& d, const DispatchConfig* dispatch,
                          std::string* out) -> Result<bool> {
    if (dispatch == nullptr) return sink.Append(d, out);
    // A line with its own dispatch configuration: evaluated on its own, in the same order.
    Result<bool> agree = eval::EvaluateRecord(session, d, options, &scratch, dispatch);
    if (agree.ok()) *out += scratch.out;
    return agree;
  });
}

// --output binary: the results stream of formats/result_records.h, a 32-byte record each.
template <typename Next>
int EvalAllBinary(const eval::Session& session, const std::string& source, Next next) {
  std::string header;
  AppendResultHeader(&header);
  std::vector<uint32_t> rets;
  return EvalInBlocks(source, header, next,
                      [&](const SeccompData& d, const DispatchConfig* dispatch,
                          std::string* out) -> Result<bool> {
    const Outcome o = eval::DecideRecord(session, d, dispatch, &rets);
    AppendResult(o, o.filters_ran(session.stack.size()), out);
    return true;
  });
}

// Evaluates and prints each record; returns the exit code.
template <typename Next>
int EvalAll(eval::Session& session, const eval::EvalOptions& options, Output output,
            const std::string& source, Next next) {
  if (output == Output::kBinary) return EvalAllBinary(session, source, next);
  if (eval::VectorSink::Supports(session, options)) {
    return EvalAllBuffered(session, options, source, next);
  }
  eval::Scratch scratch;
  bool all_agree = true;
  SeccompData d;
  for (;;) {
    const DispatchConfig* dispatch = nullptr;
    Result<bool> more = next(&d, &dispatch);
    if (!more.ok()) {
      std::fflush(stdout);
      PrintError("eval", source + more.error().ToString());
      return kExitUsage;
    }
    if (!*more) break;
    Result<bool> agree = eval::EvaluateRecord(session, d, options, &scratch, dispatch);
    if (!agree.ok()) {  // a harness failure: said, counted, and the next record goes on
      std::fflush(stdout);
      PrintError("eval", agree.error().message);
      all_agree = false;
      continue;
    }
    all_agree = *agree && all_agree;
    std::fwrite(scratch.out.data(), 1, scratch.out.size(), stdout);
    if (StandardOutputFailed()) break;  // the dispatcher reports it; no point going on
  }
  return all_agree ? kExitOk : kExitFailed;
}

// `--data` records: all checked first (counted, not expanded), so a bad one prints nothing
// else; each may be a pattern (sets, ranges, nr=*), expanded one at a time while evaluating.
int EvalData(eval::Session& session, const eval::EvalOptions& options, Output output,
             const std::vector<std::string>& texts) {
  uint64_t total = 0;
  std::vector<std::optional<DispatchConfig>> configs;  // per --data: its own dispatch keys
  for (const std::string& text : texts) {
    LineDispatch line;
    Result<uint64_t> n = CountRecordPattern(StripComment(text), 1, &line);
    if (n.ok() && (total += *n) > eval::kMaxCasesPerFile) {
      n = MakeError("too-many-records", "the --data records expand to more than " +
                                            std::to_string(eval::kMaxCasesPerFile));
    }
    Result<std::optional<DispatchConfig>> config = eval::LineDispatchConfig(session, line);
    if (n.ok() && !config.ok()) n = config.error();
    if (!n.ok()) {
      PrintError("eval", "--data: " + n.error().ToString());
      return kExitUsage;
    }
    configs.push_back(*config);
  }
  size_t next_text = 0, i = 0;
  std::vector<SeccompData> records;
  LineDispatch scratch_line;
  return EvalAll(session, options, output, "--data: ",
                 [&](SeccompData* d, const DispatchConfig** dispatch) -> Result<bool> {
                   while (i == records.size()) {
                     if (next_text == texts.size()) return false;
                     Result<std::vector<SeccompData>> r = ParseRecordPattern(
                         StripComment(texts[next_text++]), 1, &scratch_line);
                     if (!r.ok()) return r.error();  // not reached: counted above
                     records = std::move(*r);
                     i = 0;
                   }
                   const std::optional<DispatchConfig>& c = configs[next_text - 1];
                   *dispatch = c ? &*c : nullptr;
                   *d = records[i++];
                   return true;
                 });
}


// --output (or --json): the printed form; binary goes to a file or a pipe only, and holds what
// a userspace engine decides (no --trace, no live kernel: their answers are text). Checked
// before the session opens, so a refusal never starts the kernel engine.
std::optional<Output> ParseOutput(const po::variables_map& vm) {
  const std::string name = vm["output"].as<std::string>();
  if (name != "text" && name != "json" && name != "binary") {
    PrintError("eval", "--output: '" + name + "' is not text, json or binary");
    return std::nullopt;
  }
  const Output output = name == "json" ? Output::kJson
                        : name == "binary" ? Output::kBinary
                                           : Output::kText;
  if (vm.count("json") && !vm["output"].defaulted() && output != Output::kJson) {
    PrintError("eval", "--json and --output " + name + " disagree");
    return std::nullopt;
  }
  if (vm.count("json")) return Output::kJson;
  if (output != Output::kBinary) return output;
  const std::string engine = vm["engine"].as<std::string>();
  const char* refused = nullptr;
  if (vm.count("trace")) {
    refused = "--trace (its steps are text)";
  } else if (engine == "kernel" || engine == "all") {
    refused = "--engine kernel/all (use interp or jit)";
  } else if (isatty(STDOUT_FILENO)) {
    refused = "a terminal (redirect standard output)";
  }
  if (refused != nullptr) {
    PrintError("eval", std::string("--output binary: not with ") + refused);
    return std::nullopt;
  }
  return output;
}

// --vectors: records read one at a time from a file or standard input, text or binary.
int EvalVectors(eval::Session& session, const eval::EvalOptions& options, Output output,
                const std::string& path, RecordFormat vformat) {
  if (auto e = RefuseDirectory(path)) {  // std::ifstream would read a directory as empty
    PrintError("eval", e->message);
    return kExitUsage;
  }
  // std::cin is synchronised with stdio, which costs a third more on millions of records.
  std::ifstream file(path == "-" ? std::string("/dev/stdin") : path, std::ios::binary);
  if (!file) {
    PrintError("eval", "cannot open " + path + ": " + std::strerror(errno));
    return kExitUsage;
  }
  struct stat st;  // a regular file's size helps tell binary records from text
  const int64_t size = path != "-" && stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)
                           ? static_cast<int64_t>(st.st_size)
                           : -1;
  RecordReader reader(file, vformat, size, eval::kMaxCasesPerFile);
  bool first = true;
  LineDispatch line;
  std::optional<DispatchConfig> config;
  return EvalAll(session, options, output, path + ": ",
                 [&](SeccompData* d, const DispatchConfig** dispatch) -> Result<bool> {
    Result<bool> next = reader.Next(d, &line);
    if (next.ok() && *next && line.any()) {  // the line's own configuration
      Result<std::optional<DispatchConfig>> c = eval::LineDispatchConfig(session, line);
      if (!c.ok()) return c.error();
      config = *c;
      *dispatch = &*config;
    }
    if (first && vformat == RecordFormat::kAuto && reader.guess().ambiguous) {
      std::fprintf(stderr,
                   "sckit eval: note: %s read as %s records (%s); say --vectors-format "
                   "text|binary to choose\n",
                   path.c_str(), reader.format() == RecordFormat::kBinary ? "binary" : "text",
                   reader.guess().reason.c_str());
    }
    first = false;
    return next;
  });
}

}  // namespace

int CmdEval(const std::vector<std::string>& args) {
  po::options_description visible("options");
  visible.add_options()("help,h", "show this help");
  AddStackOptions(&visible);
  visible.add_options()("data,d", po::value<std::vector<std::string>>(),
                        "one record, e.g. 'arch=x86_64 nr=openat args=0xffffff9c,0x1000', or a "
                        "pattern ('nr=read,write a0=0-3', 'nr=*') (repeatable)")(
      "vectors", po::value<std::string>(), "file of records, one per line, or '-' for stdin")(
      "vectors-format", po::value<std::string>()->default_value("auto"),
      "records format: auto, text, binary (raw 64-byte seccomp_data)")(
      "output,o", po::value<std::string>()->default_value("text"),
      "text, json (JSON Lines) or binary (32-byte result records, examples/README.md "
      "'Binary results'; --engine interp or jit, to a file or pipe)")(
      "json", "JSON Lines output (--output json)")(
      "trace", "list the executed instructions (pc, A, X)")(
      "full", "print records whole: ip and all six args, zeros too (default: names, and only "
              "what is not zero)");
  po::options_description hidden;
  po::positional_options_description pos;
  po::variables_map vm;
  if (auto code = ParseOptions(args,
                               "sckit eval --filter F [--filter F2 ...] (--data RECORD | "
                               "--vectors FILE|-) [--output text|json|binary] [--trace] [--full]",
                               visible, hidden, pos, &vm)) {
    return *code;
  }
  const bool has_data = vm.count("data") > 0;
  if (has_data == (vm.count("vectors") > 0)) {
    PrintError("eval", "give either --data or --vectors (see --help)");
    return kExitUsage;
  }
  Result<RecordFormat> vformat = ParseRecordFormatName(vm["vectors-format"].as<std::string>());
  if (!vformat.ok()) {
    PrintError("eval", vformat.error());
    return kExitUsage;
  }
  const std::optional<Output> output = ParseOutput(vm);
  if (!output) return kExitUsage;
  int code = kExitUsage;
  std::unique_ptr<eval::Session> session = OpenStack("eval", vm, &code);
  if (!session) return code;
  const bool trace = vm.count("trace") > 0;
  if (trace && session->uses_kernel()) {
    PrintError("eval", "--trace lists the interpreter's steps: not with --engine kernel/all");
    return kExitUsage;
  }
  const eval::EvalOptions options{*output == Output::kJson, trace, vm.count("full") > 0};
  if (has_data) {
    return EvalData(*session, options, *output, vm["data"].as<std::vector<std::string>>());
  }
  return EvalVectors(*session, options, *output, vm["vectors"].as<std::string>(), *vformat);
}

}  // namespace sckit::tools
