// sckit disasm / sckit asm: converting filters between raw bytes, assembly text and C arrays.
// All conversion logic is in formats/ (asm.h, disasm.h, carray.h, loader.h); this file parses
// options, reads the input, and writes the output.
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "tools/command.h"
#include "tools/filter_files.h"
#include "tools/options.h"
#include "tools/output.h"
#include "formats/asm.h"
#include "formats/carray.h"
#include "formats/codec.h"
#include "formats/disasm.h"
#include "formats/loader.h"
#include "verifier/verifier.h"
#include "vm/arch.h"

namespace sckit::tools {
namespace {

enum class Emit { kListing, kAsm, kC, kCInstall, kRaw };

Result<Emit> ParseEmit(const std::string& name) {
  if (name == "listing") return Emit::kListing;
  if (name == "asm") return Emit::kAsm;
  if (name == "c") return Emit::kC;
  if (name == "c-install") return Emit::kCInstall;
  if (name == "raw" || name == "bin") return Emit::kRaw;
  return MakeError("bad-emit",
                   "unknown output form '" + name + "' (expected listing, asm, c, c-install or raw)");
}

Result<std::string> Render(const Program& program, Emit emit, const ArchInfo* arch,
                           bool comments, ByteOrder order) {
  DisasmOptions options;
  options.arch = arch;
  options.comments = comments;
  options.big_endian = order == ByteOrder::kBig;  // word names as on the filter's machine
  switch (emit) {
    case Emit::kListing: return DisassembleListing(program, options);
    case Emit::kAsm: return DisassembleCanonical(program, options);
    case Emit::kC: return EmitCArray(program, comments);
    case Emit::kCInstall: return EmitCInstaller(program, comments);
    case Emit::kRaw: {
      std::vector<uint8_t> raw = EncodeRaw(program, order);
      return std::string(raw.begin(), raw.end());
    }
  }
  return std::string();
}

// To `path` (empty or "-": standard output, never raw bytes on a terminal).
int WriteFilter(const std::string& command, const std::string& path, const std::string& data,
                bool raw) {
  if (raw && RefuseRawOnTerminal(command, path, "use -o FILE, redirect standard output, or "
                                                "--emit asm|c|listing")) {
    return kExitUsage;
  }
  return WriteOutput(command, path, data);
}

void DescribeOptions(bool disasm, po::options_description* visible) {
  visible->add_options()("help,h", "show this help")(
      "format,f", po::value<std::string>()->default_value("auto"),
      "input format: auto, raw, asm, c (auto: raw when not text; c when it has `{ 0x..` "
      "entries or BPF_STMT/BPF_JUMP; otherwise asm)")(
      "emit,e", po::value<std::string>()->default_value(disasm ? "listing" : "raw"),
      disasm ? "output: listing (readable), asm (canonical assembly: `sckit asm` gives back the "
               "identical bytes), c (C array), c-install (C source with an installer function), raw"
             : "output: raw (struct sock_filter array), c (C array), c-install (C source with "
               "sckit_install_filter()), asm (canonical assembly), "
               "listing")(
      "output,o", po::value<std::string>(), "output file (default: standard output; raw "
                                            "output is refused on a terminal)")(
      "arch", po::value<std::string>()->default_value("x86_64"),
      "architecture for syscall names: SYS_x/__NR_x in input, names in comments where the "
      "filter does not pin one")(
      "no-relax", "reject conditional jumps farther than 255 instead of inserting ja trampolines")(
      "no-comments", "leave comments (syscall, errno names) out of the output");
  AddByteOrderOption(visible);  // raw input, and raw output: auto writes the input's order
}

// What the command line asks for, checked.
struct AsmArgs {
  std::string file;
  Emit emit = Emit::kRaw;
  const ArchInfo* arch = nullptr;
  ByteOrder order = ByteOrder::kAuto;
  LoadOptions load;
};

// Fills *a from the options; an exit code when the command ends here (the error printed).
std::optional<int> CheckArgs(const std::string& command, const po::variables_map& vm,
                             AsmArgs* a) {
  if (!vm.count("file")) {
    PrintError(command, "no input file given (see --help)");
    return kExitUsage;
  }
  const auto files = vm["file"].as<std::vector<std::string>>();
  if (files.size() != 1) {
    PrintError(command, "exactly one input file expected, got " + std::to_string(files.size()));
    return kExitUsage;
  }
  a->file = files[0];
  Result<Format> format = ParseFormatName(vm["format"].as<std::string>());
  if (!format.ok()) {
    PrintError(command, format.error());
    return kExitUsage;
  }
  Result<Emit> emit = ParseEmit(vm["emit"].as<std::string>());
  if (!emit.ok()) {
    PrintError(command, emit.error());
    return kExitUsage;
  }
  a->emit = *emit;
  const std::string arch_name = vm["arch"].as<std::string>();
  a->arch = FindArch(arch_name);
  if (a->arch == nullptr) {
    PrintError(command, "unknown architecture '" + arch_name + "'");
    return kExitUsage;
  }
  const std::optional<ByteOrder> order = ByteOrderOption(command, vm);
  if (!order) return kExitUsage;
  a->order = *order;
  a->load = FilterLoadOptions(*format, *order);
  a->load.arch = arch_name;
  a->load.relax = vm.count("no-relax") == 0;
  return std::nullopt;
}

// Reads the input, renders it as asked and writes it; the exit code.
int Convert(const std::string& command, const po::variables_map& vm, const AsmArgs& a) {
  LoadInfo info;
  Result<Program> program = LoadFilterFile(command, a.file, a.load, &info);
  if (!program.ok()) {
    PrintError(command, a.file + ": " + program.error().ToString());
    return kExitUsage;
  }
  // An installer only for a program the kernel accepts: anything else would fail at install
  // time at best, or (a length past 65535 wrapping) install a different program at worst.
  if (a.emit == Emit::kCInstall) {
    if (Result<VerifiedProgram> v = Verify(*program); !v.ok()) {
      PrintError(command, a.file + ": rejected: " + v.error().ToString() +
                              "; --emit c-install writes only filters the kernel accepts");
      return kExitFailed;
    }
  }
  if (info.text_as_raw) {
    std::fprintf(stderr,
                 "sckit %s: warning: %s looks like text but is read as raw instructions "
                 "(use --format asm or c for text)\n",
                 command.c_str(), a.file.c_str());
  }
  // Raw output in the order asked for; with auto, in the order a raw input was read in.
  const ByteOrder out_order = OutputByteOrder(a.order, {info});
  Result<std::string> out =
      Render(*program, a.emit, a.arch, vm.count("no-comments") == 0, out_order);
  if (!out.ok()) {
    PrintError(command, out.error());
    return kExitUsage;
  }
  return WriteFilter(command, vm.count("output") ? vm["output"].as<std::string>() : "", *out,
                     a.emit == Emit::kRaw);
}

int Run(const std::string& command, const std::vector<std::string>& args) {
  po::options_description visible("options");
  DescribeOptions(command == "disasm", &visible);
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::vector<std::string>>(), "input file");
  po::positional_options_description pos;
  pos.add("file", -1);
  po::variables_map vm;
  const std::string usage = "sckit " + command + " [options] FILE   (FILE '-' = standard input)";
  if (auto code = ParseOptions(args, usage, visible, hidden, pos, &vm)) return *code;
  AsmArgs a;
  if (auto code = CheckArgs(command, vm, &a)) return *code;
  return Convert(command, vm, a);
}

}  // namespace

int CmdDisasm(const std::vector<std::string>& args) { return Run("disasm", args); }
int CmdAsm(const std::vector<std::string>& args) { return Run("asm", args); }

}  // namespace sckit::tools
