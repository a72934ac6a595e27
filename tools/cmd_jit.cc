// sckit jit: verify a filter, compile it to x86-64 machine code, and show the result.
#include <cstdio>
#include <string>

#include "jit/compiler.h"
#include "jit/listing.h"
#include "tools/command.h"
#include "tools/filter_files.h"
#include "tools/options.h"
#include "verifier/verifier.h"
#include "formats/loader.h"
#include "vm/text.h"

namespace sckit::tools {
namespace {

void PrintRejected(const std::string& file, const Program& program, const Error& e, bool json) {
  if (json) {
    std::printf("{\"file\": \"%s\", \"accepted\": false, %s, \"instructions\": %zu}\n",
                JsonEscape(file).c_str(), ErrorJsonFields(e).c_str(), program.size());
  } else {
    std::printf("%s: rejected: %s\n", file.c_str(), e.ToString().c_str());
  }
}

// `listing` is the disassembly, empty without --dump.
void PrintJson(const std::string& file, const VerifiedProgram& verified,
               const jit::CompiledFilter& filter, bool dump, const std::string& listing) {
  std::string out = "{\"file\": \"" + JsonEscape(file) + "\", \"accepted\": true";
  out += ", \"instructions\": " + std::to_string(verified.size());
  out += ", \"code_bytes\": " + std::to_string(filter.code().size());
  out += ", \"prologue_bytes\": " + std::to_string(filter.body_offset());
  out += ", \"epilogue_offset\": " + std::to_string(filter.epilogue_offset());
  out += ", \"jump_table_bytes\": " + std::to_string(filter.code().size() - filter.data_offset());
  out += ", \"pc_offsets\": [";
  for (size_t i = 0; i < filter.pc_offsets().size(); ++i) {
    out += (i ? ", " : "") + std::to_string(filter.pc_offsets()[i]);
  }
  out += "]";
  if (dump) {
    out += ", \"code_hex\": \"" + HexBytes(filter.code()) + "\"";
    out += ", \"disassembly\": \"" + JsonEscape(listing) + "\"";
  }
  std::printf("%s}\n", out.c_str());
}

void PrintText(const std::string& file, const VerifiedProgram& verified,
               const jit::CompiledFilter& filter, bool dump, const std::string& listing) {
  std::printf("%s: ok, %zu BPF instructions -> %zu bytes of x86-64 code (%.1f bytes/insn; "
              "prologue %u bytes, epilogue at %#x, %zu bytes of jump tables)\n",
              file.c_str(), verified.size(), filter.code().size(),
              static_cast<double>(filter.code().size()) / static_cast<double>(verified.size()),
              filter.body_offset(), filter.epilogue_offset(),
              filter.code().size() - filter.data_offset());
  if (dump) {
    std::printf("\ncode:\n%s\ndisassembly:\n%s", jit::HexDump(filter.code()).c_str(),
                listing.c_str());
  }
}

}  // namespace

int CmdJit(const std::vector<std::string>& args) {
  po::options_description visible("options");
  visible.add_options()("help,h", "show this help")(
      "dump", "print the code as hex and as a capstone disassembly with each BPF pc marked")(
      "json", "print one JSON object {file, accepted, instructions, code_bytes, pc_offsets, ...}")(
      "format", po::value<std::string>()->default_value("auto"), "input format: auto, raw, asm, c");
  AddByteOrderOption(&visible);
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::string>(), "filter file");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (auto code = ParseOptions(args, "sckit jit [--dump] [--format F] [--json] FILE", visible,
                               hidden, pos, &vm)) {
    return *code;
  }
  if (!vm.count("file")) {
    PrintError("jit", "no filter file given (see --help)");
    return kExitUsage;
  }
  const std::string file = vm["file"].as<std::string>();
  Result<Format> format = ParseFormatName(vm["format"].as<std::string>());
  if (!format.ok()) {
    PrintError("jit", format.error());
    return kExitUsage;
  }
  const bool json = vm.count("json") > 0;
  const bool dump = vm.count("dump") > 0;

  const std::optional<ByteOrder> order = ByteOrderOption("jit", vm);
  if (!order) return kExitUsage;
  Result<Program> program = LoadFilterFile("jit", file, FilterLoadOptions(*format, *order));
  if (!program.ok() && program.error().kernel_errno == 0) {
    PrintError("jit", file + ": " + program.error().ToString());
    return kExitUsage;
  }
  // A load error with a kernel errno (more than 4096 instructions) is a rejection.
  Result<VerifiedProgram> verified =
      program.ok() ? Verify(*program) : Result<VerifiedProgram>(program.error());
  if (!verified.ok()) {
    PrintRejected(file, program.ok() ? *program : Program{}, verified.error(), json);
    return kExitFailed;
  }
  Result<jit::CompiledFilter> compiled = jit::Compile(*verified);
  if (!compiled.ok()) {
    PrintError("jit", file + ": " + compiled.error().ToString());
    return kExitFailed;
  }
  const jit::CompiledFilter& filter = *compiled;
  std::string listing;
  if (dump) {
    Result<std::string> text =
        jit::Disassemble(filter.code(), filter.pc_offsets(), verified->original().insns,
                         filter.body_offset(), filter.epilogue_offset(), filter.data_offset());
    if (!text.ok()) {
      PrintError("jit", text.error());
      return kExitFailed;
    }
    listing = std::move(*text);
  }

  if (json) {
    PrintJson(file, *verified, filter, dump, listing);
  } else {
    PrintText(file, *verified, filter, dump, listing);
  }
  return kExitOk;
}

}  // namespace sckit::tools
