// Filter files as every command reads them (tools/filter_files.h).
#include "tools/filter_files.h"

#include <cstdio>

#include "tools/command.h"
#include "tools/options.h"
#include "verifier/verifier.h"

namespace sckit::tools {

void AddByteOrderOption(po::options_description* options) {
  options->add_options()("byte-order", po::value<std::string>()->default_value("auto"),
                         "raw filter files: big (s390x, ppc64, mips, ... filters), little, or "
                         "auto: the order in which the file is a filter the kernel accepts");
}

std::optional<ByteOrder> ByteOrderOption(const std::string& command, const po::variables_map& vm) {
  if (!vm.count("byte-order")) return ByteOrder::kAuto;
  Result<ByteOrder> order = ParseByteOrderName(vm["byte-order"].as<std::string>());
  if (!order.ok()) {
    PrintError(command, order.error());
    return std::nullopt;
  }
  return *order;
}

LoadOptions FilterLoadOptions(Format format, ByteOrder order) {
  LoadOptions options;
  options.format = format;
  options.byte_order = order;
  options.verifies = [](const Program& p) { return Verify(p).ok(); };
  return options;
}

Result<Program> LoadFilterFile(const std::string& command, const std::string& path,
                               const LoadOptions& options, LoadInfo* info) {
  LoadInfo local;
  LoadInfo* const i = info != nullptr ? info : &local;
  Result<Program> p = LoadProgramFile(path, options, i);
  if (const std::string note = ByteOrderNote(*i); p.ok() && !note.empty()) {
    std::fprintf(stderr, "sckit %s: %s: note: %s\n", command.c_str(), path.c_str(), note.c_str());
  }
  return p;
}

std::optional<std::vector<VerifiedProgram>> LoadVerifiedFiles(const std::string& command,
                                                              const std::vector<std::string>& files,
                                                              Format format, int* exit_code) {
  return LoadVerifiedFiles(command, files, FilterLoadOptions(format), exit_code);
}

std::optional<std::vector<VerifiedProgram>> LoadVerifiedFiles(const std::string& command,
                                                              const std::vector<std::string>& files,
                                                              const LoadOptions& options,
                                                              int* exit_code,
                                                              std::vector<LoadInfo>* infos) {
  std::vector<VerifiedProgram> out;
  for (const std::string& f : files) {
    LoadInfo info;
    Result<Program> p = LoadFilterFile(command, f, options, &info);
    if (infos != nullptr) infos->push_back(info);
    if (!p.ok() && p.error().kernel_errno == 0) {
      PrintError(command, f + ": " + p.error().ToString());
      *exit_code = kExitUsage;
      return std::nullopt;
    }
    // A load error with a kernel errno (more than 4096 instructions) is a rejection.
    Result<VerifiedProgram> v = p.ok() ? Verify(*p) : Result<VerifiedProgram>(p.error());
    if (!v.ok()) {
      std::fprintf(stderr, "%s: rejected: %s\n", f.c_str(), v.error().ToString().c_str());
      *exit_code = kExitFailed;
      return std::nullopt;
    }
    out.push_back(std::move(*v));
  }
  return out;
}

std::optional<FilterArgs> ParseFilterArgs(const std::string& command, const po::variables_map& vm) {
  if (!vm.count("file")) {
    PrintError(command, "no filter file given (see --help)");
    return std::nullopt;
  }
  FilterArgs args;
  args.files = vm["file"].as<std::vector<std::string>>();
  Result<Format> format = ParseFormatName(vm["format"].as<std::string>());
  if (!format.ok()) {
    PrintError(command, format.error());
    return std::nullopt;
  }
  args.format = *format;
  return args;
}

std::optional<std::vector<VerifiedProgram>> ReadFilterStack(const std::string& command,
                                                            const FilterArgs& args,
                                                            const po::variables_map& vm,
                                                            int* exit_code,
                                                            std::vector<LoadInfo>* infos) {
  const std::optional<ByteOrder> order = ByteOrderOption(command, vm);
  if (!order) {
    *exit_code = kExitUsage;
    return std::nullopt;
  }
  return LoadVerifiedFiles(command, args.files, FilterLoadOptions(args.format, *order), exit_code,
                           infos);
}

ByteOrder OutputByteOrder(ByteOrder asked, const std::vector<LoadInfo>& inputs) {
  if (asked != ByteOrder::kAuto) return asked;
  if (!inputs.empty() && inputs[0].format == Format::kRaw) return inputs[0].byte_order;
  return ByteOrder::kLittle;
}

std::vector<const VerifiedProgram*> Pointers(const std::vector<VerifiedProgram>& programs) {
  std::vector<const VerifiedProgram*> out;
  out.reserve(programs.size());
  for (const VerifiedProgram& p : programs) out.push_back(&p);
  return out;
}

std::pair<std::vector<std::string>, std::vector<std::string>> SplitAtDoubleDash(
    const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") {
      return {std::vector<std::string>(args.begin(), args.begin() + static_cast<long>(i)),
              std::vector<std::string>(args.begin() + static_cast<long>(i) + 1, args.end())};
    }
  }
  return {args, {}};
}

}  // namespace sckit::tools
