// sckit import oci: compile a container seccomp profile (OCI runtime-spec linux.seccomp, a whole
// config.json, or Docker's/Podman's profile files) to the filter the runtime would install, with
// libseccomp as runc and crun do. Parsing is policy/oci.h, compilation policy/compile.h; this
// file parses options, prints what was decided, and writes the filter.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "policy/compile.h"
#include "policy/oci.h"
#include "tools/command.h"
#include "tools/options.h"
#include "tools/output.h"
#include "verifier/verifier.h"
#include "formats/carray.h"
#include "formats/codec.h"
#include "formats/disasm.h"
#include "vm/arch.h"

namespace sckit::tools {
namespace {

std::vector<std::string> SplitCommas(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const std::string& v : values) {
    std::stringstream ss(v);
    std::string item;
    while (std::getline(ss, item, ',')) {
      if (!item.empty()) out.push_back(item);
    }
  }
  return out;
}

std::string Join(const std::vector<std::string>& items, const char* sep = ",") {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

struct ImportArgs {
  std::string file;
  std::string emit;    // raw, asm, c
  std::string output;  // "" = standard output
  bool verbose = false;
  policy::ImportOptions options;
};

// Fills *a from the command line; an exit code when the command ends here.
std::optional<int> ParseImportArgs(const std::vector<std::string>& args, ImportArgs* a) {
  po::options_description visible("options");
  visible.add_options()("help,h", "show this help")(
      "output,o", po::value<std::string>(), "write the filter to this file (default: stdout)")(
      "emit", po::value<std::string>()->default_value("raw"),
      "output form: raw (struct sock_filter bytes, for every other sckit command), asm "
      "(sckit's canonical assembly) or c (tcpdump -dd style C array)")(
      "arch", po::value<std::vector<std::string>>()->composing(),
      "architectures, repeatable or comma-separated; the first is the runtime's native arch "
      "(picks the archMap entry, is matched by includes/excludes.arches), later ones are added "
      "to the filter. Default: this machine's arch")(
      "caps", po::value<std::vector<std::string>>()->composing(),
      "the container's bounding capabilities for includes/excludes.caps, comma-separated "
      "(CAP_ prefix optional, any case; 'none' for none, 'all' for every one; an unknown name "
      "is an error). Default: a config.json's process.capabilities.bounding, else Docker's "
      "default set")(
      "kernel-version", po::value<std::string>(),
      "kernel version X.Y[.Z] for includes/excludes.minKernel (default: the running kernel, as "
      "Docker does)")(
      "binary-tree", "libseccomp's binary-tree optimisation (SCMP_FLTATR_CTL_OPTIMIZE=2; runc "
                     "turns it on itself for profiles with more than 32 syscalls entries)")(
      "verbose,v", "also list the entries includes/excludes dropped");
  po::options_description hidden;
  hidden.add_options()("kind", po::value<std::string>(), "input kind")(
      "file", po::value<std::string>(), "profile");
  po::positional_options_description pos;
  pos.add("kind", 1).add("file", 1);
  po::variables_map vm;
  const std::string usage =
      "sckit import oci PROFILE.json [-o OUT] [--arch A...] [--caps CAP,...] [--binary-tree] "
      "[--emit raw|asm|c] [--kernel-version X.Y]\n\n"
      "Compiles an OCI runtime-spec seccomp profile (linux.seccomp, or a whole config.json) or a\n"
      "Docker/Podman profile file the way runc and crun do, with libseccomp. Filter flags are\n"
      "reported on stderr (they are seccomp(2) arguments, not part of the filter).";
  if (auto code = ParseOptions(args, usage, visible, hidden, pos, &vm)) return *code;
  if (!vm.count("kind") || !vm.count("file")) {
    PrintError("import", "expected 'oci PROFILE.json' (see --help)");
    return kExitUsage;
  }
  if (vm["kind"].as<std::string>() != "oci") {
    PrintError("import", "unknown input kind '" + vm["kind"].as<std::string>() +
                             "' (expected oci: OCI/Docker/Podman JSON profiles)");
    return kExitUsage;
  }
  a->file = vm["file"].as<std::string>();
  a->emit = vm["emit"].as<std::string>();
  if (a->emit != "raw" && a->emit != "asm" && a->emit != "c") {
    PrintError("import", "unknown --emit '" + a->emit + "' (expected raw, asm or c)");
    return kExitUsage;
  }
  if (vm.count("output") && vm["output"].as<std::string>() != "-") {
    a->output = vm["output"].as<std::string>();
  }
  a->verbose = vm.count("verbose") > 0;

  policy::ImportOptions& options = a->options;
  if (vm.count("arch")) options.arches = SplitCommas(vm["arch"].as<std::vector<std::string>>());
  if (vm.count("caps")) {
    Result<std::vector<std::string>> caps =
        policy::ParseCapabilities(vm["caps"].as<std::vector<std::string>>());
    if (!caps.ok()) {
      PrintError("import", "--caps: " + caps.error().message);
      return kExitUsage;
    }
    options.caps = std::move(*caps);
  }
  if (vm.count("kernel-version")) options.kernel_version = vm["kernel-version"].as<std::string>();
  options.binary_tree = vm.count("binary-tree") > 0;

  return std::nullopt;
}

// The warnings and the one-line summary on standard error (the filter goes to the output).
void Report(const ImportArgs& a, const policy::Profile& profile,
            const policy::CompiledFilter& compiled) {
  const std::string& file = a.file;
  const policy::ImportOptions& options = a.options;
  const policy::ResolvedProfile& r = compiled.resolved;
  for (const std::string& w : r.warnings) {
    std::fprintf(stderr, "sckit import: warning: %s\n", w.c_str());
  }
  for (const std::string& w : compiled.warnings) {
    std::fprintf(stderr, "sckit import: warning: %s\n", w.c_str());
  }
  if (a.verbose) {
    for (const std::string& d : r.dropped) {
      std::fprintf(stderr, "sckit import: dropped %s\n", d.c_str());
    }
  }
  std::vector<std::string> arch_names;
  for (const policy::ArchChoice& a : r.arches) arch_names.push_back(a.libseccomp_name);
  const char* caps_from = options.caps                 ? "--caps"
                          : profile.bounding_caps     ? "config.json bounding set"
                                                       : "Docker's default set";
  std::fprintf(stderr,
               "sckit import: %s: %zu instructions; arches %s (native %s as '%s'); %zu rules, "
               "%zu of %zu entries dropped by includes/excludes (caps: %s, %zu; kernel %s); "
               "%zu unknown syscall names ignored; flags: %s\n",
               file.c_str(), compiled.program.size(), Join(arch_names).c_str(),
               arch_names.front().c_str(), r.docker_arch.c_str(), compiled.rules_added,
               r.dropped.size(), profile.syscalls.size(), caps_from, r.caps.size(),
               r.kernel_version.c_str(), compiled.warnings.size(),
               r.flag_names.empty() ? "none" : Join(r.flag_names, " ").c_str());
  if (!profile.listener_path.empty()) {
    std::fprintf(stderr, "sckit import: listenerPath %s (SCMP_ACT_NOTIFY goes to that agent)\n",
                 profile.listener_path.c_str());
  }

}

// The filter in the --emit form.
std::string Emit(const ImportArgs& a, const Program& program, const std::string& native_arch) {
  if (a.emit == "raw") {
    const std::vector<uint8_t> bytes = EncodeRaw(program);
    return std::string(bytes.begin(), bytes.end());
  }
  DisasmOptions d;
  d.arch = FindArch(native_arch == "x86" ? "i386" : native_arch);
  return a.emit == "asm" ? DisassembleCanonical(program, d) : EmitCArray(program, true);
}

}  // namespace

int CmdImport(const std::vector<std::string>& args) {
  ImportArgs a;
  if (auto code = ParseImportArgs(args, &a)) return *code;
  Result<policy::Profile> profile = policy::LoadProfileFile(a.file);
  if (!profile.ok()) {
    PrintError("import", a.file + ": " + profile.error().message);
    return kExitUsage;
  }
  Result<policy::CompiledFilter> compiled = policy::CompileProfile(*profile, a.options);
  if (!compiled.ok()) {
    PrintError("import", a.file + ": " + compiled.error().message);
    return kExitUsage;
  }
  Report(a, *profile, *compiled);
  // Nothing sckit produces is written unverified.
  Result<VerifiedProgram> verified = Verify(compiled->program);
  if (!verified.ok()) {
    std::fprintf(stderr, "sckit import: the kernel would reject this filter, not written: %s\n",
                 verified.error().ToString().c_str());
    return kExitFailed;
  }
  if (a.emit == "raw" && RefuseRawOnTerminal("import", a.output, "use -o FILE or --emit asm|c")) {
    return kExitUsage;
  }
  const std::string native =
      compiled->resolved.arches.empty() ? "" : compiled->resolved.arches.front().libseccomp_name;
  return WriteOutput("import", a.output, Emit(a, compiled->program, native)) == kExitOk
             ? kExitOk
             : kExitUsage;
}

}  // namespace sckit::tools
