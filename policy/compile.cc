// A container seccomp profile resolved and compiled as the runtimes do (policy/compile.h).
#include "policy/compile.h"

#include <seccomp.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>
#include <tuple>
#include <utility>

#include "formats/codec.h"

namespace sckit::policy {
namespace {

constexpr std::string_view kDockerDefaultCaps[] = {
    "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
    "CAP_MKNOD",  "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
    "CAP_SETFCAP", "CAP_SETPCAP",     "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
    "CAP_KILL",   "CAP_AUDIT_WRITE",
};

// libseccomp's arch name -> the name Docker's includes/excludes.arches use for it (moby's
// goToNative values; its spellings kept, "mips3l64n32" included).
std::string DockerArchToken(std::string_view libseccomp_name) {
  if (libseccomp_name == "x86_64") return "amd64";
  if (libseccomp_name == "aarch64") return "arm64";
  if (libseccomp_name == "mipsel64n32") return "mips3l64n32";
  return std::string(libseccomp_name);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A user-given or profile arch name -> libseccomp's name and token.
Result<ArchChoice> ResolveArchName(std::string_view given, const std::string& where) {
  std::string n;
  if (std::optional<std::string> scmp = LibseccompArchName(given)) {
    n = *scmp;
  } else {
    n = Lower(given);
    if (n.rfind("scmp_arch_", 0) == 0) n = n.substr(10);
    if (n == "amd64") n = "x86_64";
    if (n == "i386" || n == "i686" || n == "386" || n == "ia32") n = "x86";
    if (n == "arm64") n = "aarch64";
  }
  const uint32_t token = seccomp_arch_resolve_name(n.c_str());
  if (token == 0) {
    return MakeError("unknown-arch", where + ": unknown architecture \"" + std::string(given) +
                                         "\" (libseccomp " + std::to_string(SCMP_VER_MAJOR) + "." +
                                         std::to_string(SCMP_VER_MINOR) + " does not know it)");
  }
  return ArchChoice{n, token};
}

std::string NativeArchName() {
  const uint32_t token = seccomp_arch_native();
  for (const char* n : {"x86_64", "x86", "x32", "aarch64", "arm", "riscv64", "s390x", "s390",
                        "ppc64le", "ppc64", "ppc", "mips", "mipsel", "mips64", "mipsel64",
                        "mips64n32", "mipsel64n32", "parisc", "parisc64"}) {
    if (seccomp_arch_resolve_name(n) == token) return n;
  }
  return "x86_64";
}

bool Contains(const std::vector<std::string>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

std::string Join(const std::vector<std::string>& list) {
  std::string out;
  for (const std::string& s : list) out += (out.empty() ? "" : ",") + s;
  return out;
}

bool KernelAtLeast(const std::array<unsigned, 3>& have, const std::array<unsigned, 3>& need) {
  return have >= need;  // lexicographic, as moby's CompareKernelVersion
}

// Why an entry does not apply (moby's order of checks), or "" when it applies.
std::string DropReason(const SyscallEntry& e, const std::string& arch,
                       const std::vector<std::string>& caps,
                       const std::array<unsigned, 3>& kernel) {
  if (!e.excludes.arches.empty() && Contains(e.excludes.arches, arch)) {
    return "excludes.arches has " + arch;
  }
  for (const std::string& c : e.excludes.caps) {
    if (Contains(caps, c)) return "excludes.caps has " + c;
  }
  if (!e.excludes.min_kernel.empty()) {
    if (KernelAtLeast(kernel, *ParseKernelVersion(e.excludes.min_kernel))) {
      return "excludes.minKernel " + e.excludes.min_kernel + " <= kernel";
    }
  }
  if (!e.includes.arches.empty() && !Contains(e.includes.arches, arch)) {
    return "includes.arches [" + Join(e.includes.arches) + "] lacks " + arch;
  }
  for (const std::string& c : e.includes.caps) {
    if (!Contains(caps, c)) return "includes.caps needs " + c;
  }
  if (!e.includes.min_kernel.empty()) {
    if (!KernelAtLeast(kernel, *ParseKernelVersion(e.includes.min_kernel))) {
      return "includes.minKernel " + e.includes.min_kernel + " > kernel";
    }
  }
  return "";
}

// Capability names that can never match: runc ignores unknown bounding capabilities with a
// warning, and moby compares includes/excludes.caps as plain strings.
void WarnUnknownCaps(const Profile& profile, bool caps_given, std::vector<std::string>* out) {
  if (profile.bounding_caps && !caps_given) {
    for (size_t i = 0; i < profile.bounding_caps->size(); ++i) {
      const std::string& c = (*profile.bounding_caps)[i];
      if (!IsLinuxCapability(c)) {
        out->push_back("process.capabilities.bounding[" + std::to_string(i) +
                       "]: " + UnknownCapabilityMessage(c) + " ignored, as runc does");
      }
    }
  }
  for (const SyscallEntry& e : profile.syscalls) {
    for (const auto& [filter, what, effect] :
         {std::tuple{&e.includes, "includes", "the entry never applies"},
          std::tuple{&e.excludes, "excludes", "this exclusion never holds"}}) {
      for (size_t i = 0; i < filter->caps.size(); ++i) {
        if (IsLinuxCapability(filter->caps[i])) continue;
        out->push_back(e.path + "." + what + ".caps[" + std::to_string(i) + "]: " +
                       UnknownCapabilityMessage(filter->caps[i]) + ": no container holds it, " +
                       effect);
      }
    }
  }
}

scmp_compare ToScmp(CmpOp op) {
  switch (op) {
    case CmpOp::kNe: return SCMP_CMP_NE;
    case CmpOp::kLt: return SCMP_CMP_LT;
    case CmpOp::kLe: return SCMP_CMP_LE;
    case CmpOp::kEq: return SCMP_CMP_EQ;
    case CmpOp::kGe: return SCMP_CMP_GE;
    case CmpOp::kGt: return SCMP_CMP_GT;
    case CmpOp::kMaskedEq: return SCMP_CMP_MASKED_EQ;
  }
  return SCMP_CMP_EQ;
}

struct CtxDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Ctx = std::unique_ptr<void, CtxDeleter>;

Error LibseccompError(const std::string& what, int rc) {
  return MakeError("libseccomp", what + ": " + std::strerror(-rc), -1, -rc);
}

// libseccomp 2.5's seccomp_export_bpf() takes a short write() as success, and a file-size
// limit (ulimit -f) shortens writes even to a memfd: the filter would come back cut off, and a
// cut that ends on a `ret` still verifies. So the export runs with the soft limit raised to
// the hard one, and refuses when even that could cut an export short.
class ExportSizeLimit {
 public:
  static constexpr rlim_t kNeeded = rlim_t{1} << 20;  // far past any exportable program
  ExportSizeLimit() {
    if (getrlimit(RLIMIT_FSIZE, &saved_) != 0) return;
    rlimit raised = saved_;
    raised.rlim_cur = saved_.rlim_max;
    changed_ = saved_.rlim_cur != saved_.rlim_max && setrlimit(RLIMIT_FSIZE, &raised) == 0;
    const rlim_t now = changed_ ? raised.rlim_cur : saved_.rlim_cur;
    ok_ = now == RLIM_INFINITY || now >= kNeeded;
  }
  ~ExportSizeLimit() {
    if (changed_) setrlimit(RLIMIT_FSIZE, &saved_);
  }
  bool ok() const { return ok_; }

 private:
  rlimit saved_{};
  bool changed_ = false;
  bool ok_ = true;
};

// seccomp_export_bpf() into a memfd, read back.
Result<Program> ExportBpf(void* ctx) {
  const ExportSizeLimit limit;
  if (!limit.ok()) {
    return MakeError("io-error", "the file-size limit (ulimit -f) is below 1 MiB even at its "
                                 "hard value: libseccomp's export could be cut short");
  }
  const int fd = memfd_create("sckit-import", MFD_CLOEXEC);
  if (fd < 0) return MakeError("io-error", std::string("memfd_create: ") + std::strerror(errno));
  std::vector<uint8_t> bytes;
  int rc = seccomp_export_bpf(ctx, fd);
  if (rc == 0 && lseek(fd, 0, SEEK_SET) != 0) rc = -errno;
  while (rc == 0) {
    uint8_t buf[4096];
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) rc = -errno;
    if (n <= 0) break;
    bytes.insert(bytes.end(), buf, buf + n);
  }
  close(fd);
  if (rc != 0) return LibseccompError("seccomp_export_bpf", rc);
  return DecodeRaw(bytes);
}

}  // namespace

std::span<const std::string_view> DockerDefaultCaps() { return kDockerDefaultCaps; }

uint32_t ActionRet(ProfileAction action, std::optional<uint32_t> errno_ret) {
  const uint32_t data = errno_ret.value_or(EPERM) & 0xffffu;
  switch (action) {
    case ProfileAction::kKill:
    case ProfileAction::kKillThread: return SCMP_ACT_KILL_THREAD;
    case ProfileAction::kKillProcess: return SCMP_ACT_KILL_PROCESS;
    case ProfileAction::kTrap: return SCMP_ACT_TRAP;
    case ProfileAction::kErrno: return SCMP_ACT_ERRNO(data);
    case ProfileAction::kTrace: return SCMP_ACT_TRACE(data);
    case ProfileAction::kAllow: return SCMP_ACT_ALLOW;
    case ProfileAction::kLog: return SCMP_ACT_LOG;
    case ProfileAction::kNotify: return SCMP_ACT_NOTIFY;
  }
  return SCMP_ACT_KILL_THREAD;
}

std::optional<std::array<unsigned, 3>> ParseKernelVersion(std::string_view text) {
  std::array<unsigned, 3> v = {0, 0, 0};
  size_t i = 0;
  for (int part = 0; part < 3; ++part) {
    if (i >= text.size() || !std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (part >= 2) break;  // "X.Y" is enough
      return std::nullopt;
    }
    unsigned n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      n = n * 10 + static_cast<unsigned>(text[i] - '0');
      if (n > 1000000) return std::nullopt;
      ++i;
    }
    v[part] = n;
    if (part < 2) {
      if (i < text.size() && text[i] == '.') {
        ++i;
      } else if (part == 0) {
        return std::nullopt;
      } else {
        break;
      }
    }
  }
  return v;
}

namespace {

// The native arch, then the profile's (architectures, or the archMap entry of the native arch
// with its subArchitectures, as moby does), then the other --arch values; no duplicates.
std::optional<Error> ChooseArches(const Profile& profile, const ImportOptions& options,
                                  ResolvedProfile* r) {
  std::vector<ArchChoice> arches;
  auto add = [&arches](const ArchChoice& a) {
    for (const ArchChoice& have : arches) {
      if (have.token == a.token) return;
    }
    arches.push_back(a);
  };
  Result<ArchChoice> native = ResolveArchName(
      options.arches.empty() ? NativeArchName() : options.arches.front(), "--arch");
  if (!native.ok()) return native.error();
  add(*native);
  r->docker_arch = DockerArchToken(native->libseccomp_name);
  for (const std::string& a : profile.architectures) {
    Result<ArchChoice> c = ResolveArchName(a, "architectures");
    if (!c.ok()) return c.error();
    add(*c);
  }
  // moby: the archMap entry whose architecture is the native arch, with its subArchitectures.
  for (const ArchMapEntry& m : profile.arch_map) {
    Result<ArchChoice> c = ResolveArchName(m.arch, "archMap");
    if (!c.ok()) return c.error();
    if (c->token != native->token) continue;
    for (const std::string& sub : m.sub_arches) {
      Result<ArchChoice> s = ResolveArchName(sub, "archMap");
      if (!s.ok()) return s.error();
      add(*s);
    }
    break;
  }
  for (size_t i = 1; i < options.arches.size(); ++i) {
    Result<ArchChoice> c = ResolveArchName(options.arches[i], "--arch");
    if (!c.ok()) return c.error();
    add(*c);
  }
  r->arches = std::move(arches);
  return std::nullopt;
}

// The capabilities (--caps, else the profile's bounding set, else Docker's default set) and
// the kernel version (--kernel-version, else this machine's), which decide the includes and
// excludes.
Result<std::array<unsigned, 3>> ChooseCapsAndKernel(const Profile& profile,
                                                   const ImportOptions& options,
                                                   ResolvedProfile* r) {
  if (options.caps) {
    for (const std::string& c : *options.caps) {
      if (!IsLinuxCapability(c)) {
        return MakeError("unknown-capability", "--caps: " + UnknownCapabilityMessage(c));
      }
    }
    r->caps = *options.caps;
  } else if (profile.bounding_caps) {
    r->caps = *profile.bounding_caps;
  } else {
    for (std::string_view c : kDockerDefaultCaps) r->caps.emplace_back(c);
  }
  WarnUnknownCaps(profile, options.caps.has_value(), &r->warnings);

  if (options.kernel_version.empty()) {
    utsname u{};
    if (uname(&u) == 0) r->kernel_version = u.release;
  } else {
    r->kernel_version = options.kernel_version;
  }
  std::optional<std::array<unsigned, 3>> kernel = ParseKernelVersion(r->kernel_version);
  if (!kernel) {
    return MakeError("bad-kernel-version", "kernel version \"" + r->kernel_version +
                                               "\" is not of the form X.Y or X.Y.Z");
  }
  return *kernel;
}

}  // namespace

Result<ResolvedProfile> ResolveProfile(const Profile& profile, const ImportOptions& options) {
  ResolvedProfile r;
  r.default_ret = ActionRet(profile.default_action, profile.default_errno_ret);
  if (std::optional<Error> e = ChooseArches(profile, options, &r)) return *e;
  Result<std::array<unsigned, 3>> kernel = ChooseCapsAndKernel(profile, options, &r);
  if (!kernel.ok()) return kernel.error();
  for (const SyscallEntry& e : profile.syscalls) {
    const std::string why = DropReason(e, r.docker_arch, r.caps, *kernel);
    if (why.empty()) {
      r.entries.push_back(e);
    } else {
      r.dropped.push_back(e.path + ": " + why);
    }
  }
  for (const std::string& f : profile.flags) {
    r.flags |= FilterFlagBit(f).value_or(0);
    r.flag_names.push_back(f);
  }
  return r;
}

namespace {

// A libseccomp context with the default action, the chosen arches in order (this host's
// removed when not chosen), no NO_NEW_PRIVS attribute, and the binary tree when asked.
Result<Ctx> NewContext(const ResolvedProfile& r, const ImportOptions& options) {
  Ctx ctx(seccomp_init(r.default_ret));
  if (!ctx) {
    return MakeError("libseccomp", "seccomp_init refused the default action 0x" +
                                       [&] {
                                         char b[16];
                                         std::snprintf(b, sizeof b, "%08x", r.default_ret);
                                         return std::string(b);
                                       }());
  }
  // The context starts with this host's arch. Add the chosen ones in order, then drop the
  // host's if it was not chosen.
  bool host_chosen = false;
  const uint32_t host = seccomp_arch_native();
  for (const ArchChoice& a : r.arches) {
    if (a.token == host) host_chosen = true;
    const int rc = seccomp_arch_add(ctx.get(), a.token);
    if (rc == -EDOM) {  // a big-endian arch beside this host's: libseccomp keeps one byte order
      return MakeError("unsupported-arch",
                       "--arch " + a.libseccomp_name + " is big-endian: libseccomp keeps one byte "
                       "order per filter and its cross-endian export is not reliable (return "
                       "values came out in this host's order for Docker's profile), so import "
                       "takes this host's byte order only; use `sckit compile --arch " +
                           a.libseccomp_name + "` or import on that machine",
                       -1, EDOM);
    }
    if (rc < 0 && rc != -EEXIST) return LibseccompError("seccomp_arch_add " + a.libseccomp_name, rc);
  }
  if (!host_chosen) {
    const int rc = seccomp_arch_remove(ctx.get(), SCMP_ARCH_NATIVE);
    if (rc < 0) return LibseccompError("seccomp_arch_remove native", rc);
  }
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0); rc < 0) {
    return LibseccompError("seccomp_attr_set CTL_NNP", rc);
  }
  if (options.binary_tree) {
    if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2); rc < 0) {
      return LibseccompError("seccomp_attr_set CTL_OPTIMIZE", rc);
    }
  }
  return ctx;
}

// One entry's rules: per known name, its argument conditions as one rule (one rule per
// condition when two compare the same argument, which libseccomp refuses in one rule).
// Unknown names are warned about once each (in *warned) and skipped.
std::optional<Error> AddEntryRules(void* ctx, const SyscallEntry& e, uint32_t action,
                                   std::set<std::string>* warned, CompiledFilter* out) {
  std::vector<scmp_arg_cmp> cmps;
  bool same_index = false;
  unsigned seen = 0;
  for (const ArgCondition& c : e.args) {
    if (seen & (1u << c.index)) same_index = true;
    seen |= 1u << c.index;
    cmps.push_back(scmp_arg_cmp{c.index, ToScmp(c.op), c.value, c.value_two});
  }
  for (size_t j = 0; j < e.names.size(); ++j) {
    const std::string& name = e.names[j];
    const int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) {
      if (warned->insert(name).second) {
        out->warnings.push_back(e.path + ".names[" + std::to_string(j) +
                                "]: unknown system call \"" + name + "\" ignored");
      }
      continue;
    }
    auto add_rule = [&](unsigned count, const scmp_arg_cmp* array) -> std::optional<Error> {
      const int rc = seccomp_rule_add_array(ctx, action, nr, count, array);
      if (rc < 0) {
        return LibseccompError(e.path + ": seccomp_rule_add(" + name + ")", rc);
      }
      ++out->rules_added;
      return std::nullopt;
    };
    if (same_index) {
      for (const scmp_arg_cmp& c : cmps) {
        if (auto err = add_rule(1, &c)) return *err;
      }
    } else if (auto err = add_rule(static_cast<unsigned>(cmps.size()), cmps.data())) {
      return *err;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<CompiledFilter> CompileProfile(const Profile& profile, const ImportOptions& options) {
  Result<ResolvedProfile> resolved = ResolveProfile(profile, options);
  if (!resolved.ok()) return resolved.error();
  CompiledFilter out;
  out.resolved = std::move(*resolved);
  const ResolvedProfile& r = out.resolved;
  Result<Ctx> ctx = NewContext(r, options);
  if (!ctx.ok()) return ctx.error();
  std::set<std::string> warned;
  for (const SyscallEntry& e : r.entries) {
    const uint32_t action = ActionRet(e.action, e.errno_ret);
    if (action == r.default_ret) {
      out.names_redundant += e.names.size();
      continue;
    }
    if (std::optional<Error> err = AddEntryRules(ctx->get(), e, action, &warned, &out)) {
      return *err;
    }
  }
  Result<Program> program = ExportBpf(ctx->get());
  if (!program.ok()) return program.error();
  out.program = std::move(*program);
  return out;
}

}  // namespace sckit::policy
