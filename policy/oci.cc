#include "policy/oci.h"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <utility>

#include "policy/oci_text.h"

namespace sckit::policy {
namespace {

using nlohmann::json;

struct NamedAction {
  std::string_view name;
  ProfileAction action;
};
constexpr std::array kActions = {
    NamedAction{"SCMP_ACT_KILL", ProfileAction::kKill},
    NamedAction{"SCMP_ACT_KILL_PROCESS", ProfileAction::kKillProcess},
    NamedAction{"SCMP_ACT_KILL_THREAD", ProfileAction::kKillThread},
    NamedAction{"SCMP_ACT_TRAP", ProfileAction::kTrap},
    NamedAction{"SCMP_ACT_ERRNO", ProfileAction::kErrno},
    NamedAction{"SCMP_ACT_TRACE", ProfileAction::kTrace},
    NamedAction{"SCMP_ACT_ALLOW", ProfileAction::kAllow},
    NamedAction{"SCMP_ACT_LOG", ProfileAction::kLog},
    NamedAction{"SCMP_ACT_NOTIFY", ProfileAction::kNotify},
};

struct NamedOp {
  std::string_view name;
  CmpOp op;
};
constexpr std::array kOps = {
    NamedOp{"SCMP_CMP_NE", CmpOp::kNe},         NamedOp{"SCMP_CMP_LT", CmpOp::kLt},
    NamedOp{"SCMP_CMP_LE", CmpOp::kLe},         NamedOp{"SCMP_CMP_EQ", CmpOp::kEq},
    NamedOp{"SCMP_CMP_GE", CmpOp::kGe},         NamedOp{"SCMP_CMP_GT", CmpOp::kGt},
    NamedOp{"SCMP_CMP_MASKED_EQ", CmpOp::kMaskedEq},
};

// The runtime-spec's SCMP_ARCH_* names and libseccomp's names for them.
struct NamedArch {
  std::string_view scmp;
  std::string_view libseccomp;
};
constexpr std::array kArchNames = {
    NamedArch{"SCMP_ARCH_X86", "x86"},
    NamedArch{"SCMP_ARCH_X86_64", "x86_64"},
    NamedArch{"SCMP_ARCH_X32", "x32"},
    NamedArch{"SCMP_ARCH_ARM", "arm"},
    NamedArch{"SCMP_ARCH_AARCH64", "aarch64"},
    NamedArch{"SCMP_ARCH_MIPS", "mips"},
    NamedArch{"SCMP_ARCH_MIPS64", "mips64"},
    NamedArch{"SCMP_ARCH_MIPS64N32", "mips64n32"},
    NamedArch{"SCMP_ARCH_MIPSEL", "mipsel"},
    NamedArch{"SCMP_ARCH_MIPSEL64", "mipsel64"},
    NamedArch{"SCMP_ARCH_MIPSEL64N32", "mipsel64n32"},
    NamedArch{"SCMP_ARCH_PPC", "ppc"},
    NamedArch{"SCMP_ARCH_PPC64", "ppc64"},
    NamedArch{"SCMP_ARCH_PPC64LE", "ppc64le"},
    NamedArch{"SCMP_ARCH_S390", "s390"},
    NamedArch{"SCMP_ARCH_S390X", "s390x"},
    NamedArch{"SCMP_ARCH_PARISC", "parisc"},
    NamedArch{"SCMP_ARCH_PARISC64", "parisc64"},
    NamedArch{"SCMP_ARCH_RISCV64", "riscv64"},
    // Named by the runtime-spec or Docker's profile but newer than libseccomp 2.5.4: accepted
    // here, refused by policy/compile only when the filter would need them.
    NamedArch{"SCMP_ARCH_LOONGARCH64", "loongarch64"},
    NamedArch{"SCMP_ARCH_M68K", "m68k"},
    NamedArch{"SCMP_ARCH_SH", "sh"},
    NamedArch{"SCMP_ARCH_SHEB", "sheb"},
};

struct NamedFlag {
  std::string_view name;
  uint32_t bit;
};
constexpr std::array kFlags = {
    NamedFlag{"SECCOMP_FILTER_FLAG_TSYNC", 1u << 0},
    NamedFlag{"SECCOMP_FILTER_FLAG_LOG", 1u << 1},
    NamedFlag{"SECCOMP_FILTER_FLAG_SPEC_ALLOW", 1u << 2},
    NamedFlag{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 1u << 5},
};

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

Error PathError(std::string rule, const std::string& path, const std::string& what) {
  return MakeError(std::move(rule), path + ": " + what);
}

std::string TypeName(const json& v) {
  if (v.is_number_float()) return "a fractional number";
  if (v.is_number_integer() && !v.is_number_unsigned()) return "a negative number";
  if (v.is_number()) return "a number";
  const std::string name = v.type_name();
  return (name == "array" || name == "object" ? "an " : "a ") + name;
}

std::string Child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}
std::string Index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// Reading one value of a known JSON type, every failure naming its path.
class Reader {
 public:
  // An object member; nullptr when absent or null (Go's json treats null as absent).
  static const json* Member(const json& obj, std::string_view key) {
    auto it = obj.find(std::string(key));
    if (it == obj.end() || it->is_null()) return nullptr;
    return &*it;
  }

  static Result<std::string> String(const json& v, const std::string& path) {
    if (!v.is_string()) {
      return PathError("bad-profile", path, "expected a string, found " + TypeName(v));
    }
    return v.get<std::string>();
  }

  static Result<uint64_t> Unsigned(const json& v, const std::string& path, uint64_t max) {
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0)) {
      return PathError("bad-profile", path,
                       "expected an unsigned integer, found " + TypeName(v) +
                           (v.is_number_float() ? " (or one beyond 64 bits)" : ""));
    }
    const uint64_t n = v.get<uint64_t>();
    if (n > max) {
      return PathError("bad-profile", path,
                       std::to_string(n) + " is out of range (at most " + std::to_string(max) +
                           ")");
    }
    return n;
  }

  static Result<std::vector<std::string>> Strings(const json* v, const std::string& path) {
    std::vector<std::string> out;
    if (v == nullptr) return out;
    if (!v->is_array()) {
      return PathError("bad-profile", path, "expected an array of strings, found " + TypeName(*v));
    }
    for (size_t i = 0; i < v->size(); ++i) {
      Result<std::string> s = String((*v)[i], Index(path, i));
      if (!s.ok()) return s.error();
      out.push_back(std::move(*s));
    }
    return out;
  }

  static Error Missing(const std::string& path) {
    return PathError("bad-profile", path, "missing (required)");
  }
};

Result<ProfileAction> ReadAction(const json& v, const std::string& path) {
  Result<std::string> s = Reader::String(v, path);
  if (!s.ok()) return s.error();
  std::optional<ProfileAction> a = ParseProfileAction(*s);
  if (!a) {
    return PathError("unknown-action", path,
                     "unknown action " + Quote(*s) +
                         " (expected SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, "
                         "SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, "
                         "SCMP_ACT_LOG or SCMP_ACT_NOTIFY)");
  }
  return *a;
}

// errnoRet / defaultErrnoRet: the 16-bit SECCOMP_RET_DATA of ERRNO or TRACE.
Result<std::optional<uint32_t>> ReadErrnoRet(const json* v, const std::string& path,
                                             ProfileAction action, const std::string& action_path) {
  if (v == nullptr) return std::optional<uint32_t>();
  Result<uint64_t> n = Reader::Unsigned(*v, path, 0xffff);
  if (!n.ok()) return n.error();
  if (!ActionTakesErrno(action)) {
    return PathError("bad-profile", path,
                     "an errno value is only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not "
                     "with " + std::string(ProfileActionName(action)) + " (" + action_path + ")");
  }
  return std::optional<uint32_t>(static_cast<uint32_t>(*n));
}

Result<std::string> ReadArch(const json& v, const std::string& path) {
  Result<std::string> s = Reader::String(v, path);
  if (!s.ok()) return s.error();
  if (!LibseccompArchName(*s)) {
    return PathError("unknown-arch", path, "unknown architecture " + Quote(*s));
  }
  return *s;
}

// "X.Y" with an optional ".Z" and any suffix, each number of at most 6 digits: what
// policy/compile's ParseKernelVersion accepts, so a profile that parses always compiles
// ("-1.0" or "1.99999999" used to pass sscanf's %u and then fail there).
bool LooksLikeKernelVersion(const std::string& s) {
  size_t i = 0;
  for (int part = 0; part < 2; ++part) {
    const size_t start = i;
    while (i < s.size() && i - start < 7 && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start || i - start > 6) return false;
    if (part == 0 && (i >= s.size() || s[i++] != '.')) return false;
  }
  if (i < s.size() && s[i] == '.') {
    const size_t start = ++i;
    while (i < s.size() && i - start < 7 && s[i] >= '0' && s[i] <= '9') ++i;
    if (i - start > 6) return false;
  }
  return true;
}

Result<EntryFilter> ReadFilter(const json* v, const std::string& path) {
  EntryFilter f;
  if (v == nullptr) return f;
  if (!v->is_object()) {
    return PathError("bad-profile", path, "expected an object, found " + TypeName(*v));
  }
  Result<std::vector<std::string>> caps = Reader::Strings(Reader::Member(*v, "caps"),
                                                          Child(path, "caps"));
  if (!caps.ok()) return caps.error();
  Result<std::vector<std::string>> arches = Reader::Strings(Reader::Member(*v, "arches"),
                                                            Child(path, "arches"));
  if (!arches.ok()) return arches.error();
  f.caps = std::move(*caps);
  f.arches = std::move(*arches);
  if (const json* mk = Reader::Member(*v, "minKernel")) {
    Result<std::string> s = Reader::String(*mk, Child(path, "minKernel"));
    if (!s.ok()) return s.error();
    if (!LooksLikeKernelVersion(*s)) {
      return PathError("bad-profile", Child(path, "minKernel"),
                       "expected a kernel version like \"4.8\", found " + Quote(*s));
    }
    f.min_kernel = std::move(*s);
  }
  return f;
}

Result<ArgCondition> ReadArg(const json& v, const std::string& path) {
  if (!v.is_object()) {
    return PathError("bad-profile", path, "expected an object, found " + TypeName(v));
  }
  ArgCondition c;
  const json* index = Reader::Member(v, "index");
  if (index == nullptr) return Reader::Missing(Child(path, "index"));
  Result<uint64_t> i = Reader::Unsigned(*index, Child(path, "index"), UINT64_MAX);
  if (!i.ok()) return i.error();
  if (*i > 5) {
    return PathError("bad-profile", Child(path, "index"),
                     "argument index " + std::to_string(*i) +
                         " is out of range (a system call has arguments 0 to 5)");
  }
  c.index = static_cast<uint32_t>(*i);
  const json* value = Reader::Member(v, "value");
  if (value == nullptr) return Reader::Missing(Child(path, "value"));
  Result<uint64_t> val = Reader::Unsigned(*value, Child(path, "value"), UINT64_MAX);
  if (!val.ok()) return val.error();
  c.value = *val;
  if (const json* two = Reader::Member(v, "valueTwo")) {
    Result<uint64_t> t = Reader::Unsigned(*two, Child(path, "valueTwo"), UINT64_MAX);
    if (!t.ok()) return t.error();
    c.value_two = *t;
  }
  const json* op = Reader::Member(v, "op");
  if (op == nullptr) return Reader::Missing(Child(path, "op"));
  Result<std::string> ops = Reader::String(*op, Child(path, "op"));
  if (!ops.ok()) return ops.error();
  std::optional<CmpOp> parsed = ParseCmpOp(*ops);
  if (!parsed) {
    return PathError("unknown-operator", Child(path, "op"),
                     "unknown operator " + Quote(*ops) +
                         " (expected SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, "
                         "SCMP_CMP_GE, SCMP_CMP_GT or SCMP_CMP_MASKED_EQ)");
  }
  c.op = *parsed;
  return c;
}

Result<SyscallEntry> ReadEntry(const json& v, const std::string& path) {
  if (!v.is_object()) {
    return PathError("bad-profile", path, "expected an object, found " + TypeName(v));
  }
  SyscallEntry e;
  e.path = path;
  Result<std::vector<std::string>> names = Reader::Strings(Reader::Member(v, "names"),
                                                           Child(path, "names"));
  if (!names.ok()) return names.error();
  e.names = std::move(*names);
  if (const json* name = Reader::Member(v, "name")) {
    if (!e.names.empty()) {
      return PathError("bad-profile", path,
                       "both \"name\" and \"names\" given (use either, as Docker requires)");
    }
    Result<std::string> s = Reader::String(*name, Child(path, "name"));
    if (!s.ok()) return s.error();
    e.names.push_back(std::move(*s));
  }
  if (e.names.empty()) return PathError("bad-profile", Child(path, "names"), "missing or empty");
  for (size_t i = 0; i < e.names.size(); ++i) {
    if (e.names[i].empty()) {
      return PathError("bad-profile", Index(Child(path, "names"), i),
                       "empty string is not a system call name");
    }
  }
  const json* action = Reader::Member(v, "action");
  if (action == nullptr) return Reader::Missing(Child(path, "action"));
  Result<ProfileAction> a = ReadAction(*action, Child(path, "action"));
  if (!a.ok()) return a.error();
  e.action = *a;
  Result<std::optional<uint32_t>> errno_ret = ReadErrnoRet(
      Reader::Member(v, "errnoRet"), Child(path, "errnoRet"), e.action, Child(path, "action"));
  if (!errno_ret.ok()) return errno_ret.error();
  e.errno_ret = *errno_ret;
  if (const json* args = Reader::Member(v, "args")) {
    const std::string args_path = Child(path, "args");
    if (!args->is_array()) {
      return PathError("bad-profile", args_path, "expected an array, found " + TypeName(*args));
    }
    for (size_t i = 0; i < args->size(); ++i) {
      Result<ArgCondition> c = ReadArg((*args)[i], Index(args_path, i));
      if (!c.ok()) return c.error();
      e.args.push_back(*c);
    }
  }
  Result<EntryFilter> inc = ReadFilter(Reader::Member(v, "includes"), Child(path, "includes"));
  if (!inc.ok()) return inc.error();
  Result<EntryFilter> exc = ReadFilter(Reader::Member(v, "excludes"), Child(path, "excludes"));
  if (!exc.ok()) return exc.error();
  e.includes = std::move(*inc);
  e.excludes = std::move(*exc);
  if (const json* comment = Reader::Member(v, "comment"); comment && comment->is_string()) {
    e.comment = comment->get<std::string>();
  }
  return e;
}

// The seccomp object itself, at `path` ("" for a bare profile, "linux.seccomp" in a config).
Result<Profile> ReadSeccomp(const json& v, const std::string& path) {
  if (!v.is_object()) {
    return PathError("bad-profile", path.empty() ? "(top level)" : path,
                     "expected an object, found " + TypeName(v));
  }
  Profile p;
  const json* def = Reader::Member(v, "defaultAction");
  if (def == nullptr) return Reader::Missing(Child(path, "defaultAction"));
  Result<ProfileAction> a = ReadAction(*def, Child(path, "defaultAction"));
  if (!a.ok()) return a.error();
  if (*a == ProfileAction::kNotify) {
    return PathError("bad-profile", Child(path, "defaultAction"),
                     "SCMP_ACT_NOTIFY cannot be the default action (runc and libseccomp refuse "
                     "it)");
  }
  p.default_action = *a;
  Result<std::optional<uint32_t>> der =
      ReadErrnoRet(Reader::Member(v, "defaultErrnoRet"), Child(path, "defaultErrnoRet"),
                   p.default_action, Child(path, "defaultAction"));
  if (!der.ok()) return der.error();
  p.default_errno_ret = *der;

  const std::string arch_path = Child(path, "architectures");
  Result<std::vector<std::string>> arches =
      Reader::Strings(Reader::Member(v, "architectures"), arch_path);
  if (!arches.ok()) return arches.error();
  for (size_t i = 0; i < arches->size(); ++i) {
    Result<std::string> ok = ReadArch(json((*arches)[i]), Index(arch_path, i));
    if (!ok.ok()) return ok.error();
  }
  p.architectures = std::move(*arches);

  if (const json* map = Reader::Member(v, "archMap")) {
    const std::string map_path = Child(path, "archMap");
    if (!map->is_array()) {
      return PathError("bad-profile", map_path, "expected an array, found " + TypeName(*map));
    }
    if (!p.architectures.empty() && !map->empty()) {
      return PathError("bad-profile", map_path,
                       "both \"architectures\" and \"archMap\" given (use either, as Docker "
                       "requires)");
    }
    for (size_t i = 0; i < map->size(); ++i) {
      const json& m = (*map)[i];
      const std::string mp = Index(map_path, i);
      if (!m.is_object()) {
        return PathError("bad-profile", mp, "expected an object, found " + TypeName(m));
      }
      ArchMapEntry entry;
      const json* arch = Reader::Member(m, "architecture");
      if (arch == nullptr) return Reader::Missing(Child(mp, "architecture"));
      Result<std::string> an = ReadArch(*arch, Child(mp, "architecture"));
      if (!an.ok()) return an.error();
      entry.arch = *an;
      const std::string sub_path = Child(mp, "subArchitectures");
      Result<std::vector<std::string>> subs =
          Reader::Strings(Reader::Member(m, "subArchitectures"), sub_path);
      if (!subs.ok()) return subs.error();
      for (size_t j = 0; j < subs->size(); ++j) {
        Result<std::string> ok = ReadArch(json((*subs)[j]), Index(sub_path, j));
        if (!ok.ok()) return ok.error();
      }
      entry.sub_arches = std::move(*subs);
      p.arch_map.push_back(std::move(entry));
    }
  }

  const std::string flags_path = Child(path, "flags");
  Result<std::vector<std::string>> flags = Reader::Strings(Reader::Member(v, "flags"), flags_path);
  if (!flags.ok()) return flags.error();
  for (size_t i = 0; i < flags->size(); ++i) {
    if (!FilterFlagBit((*flags)[i])) {
      return PathError("unknown-flag", Index(flags_path, i),
                       "unknown filter flag " + Quote((*flags)[i]) +
                           " (expected SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, "
                           "SECCOMP_FILTER_FLAG_SPEC_ALLOW or "
                           "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)");
    }
  }
  p.flags = std::move(*flags);

  if (const json* lp = Reader::Member(v, "listenerPath")) {
    Result<std::string> s = Reader::String(*lp, Child(path, "listenerPath"));
    if (!s.ok()) return s.error();
    p.listener_path = std::move(*s);
  }
  if (const json* lm = Reader::Member(v, "listenerMetadata")) {
    Result<std::string> s = Reader::String(*lm, Child(path, "listenerMetadata"));
    if (!s.ok()) return s.error();
    p.listener_metadata = std::move(*s);
  }

  if (const json* calls = Reader::Member(v, "syscalls")) {
    const std::string calls_path = Child(path, "syscalls");
    if (!calls->is_array()) {
      return PathError("bad-profile", calls_path, "expected an array, found " + TypeName(*calls));
    }
    for (size_t i = 0; i < calls->size(); ++i) {
      Result<SyscallEntry> e = ReadEntry((*calls)[i], Index(calls_path, i));
      if (!e.ok()) return e.error();
      p.syscalls.push_back(std::move(*e));
    }
  }
  return p;
}

}  // namespace

std::string_view ProfileActionName(ProfileAction action) {
  for (const NamedAction& n : kActions) {
    if (n.action == action) return n.name;
  }
  return "SCMP_ACT_?";
}

std::optional<ProfileAction> ParseProfileAction(std::string_view name) {
  for (const NamedAction& n : kActions) {
    if (n.name == name) return n.action;
  }
  return std::nullopt;
}

bool ActionTakesErrno(ProfileAction action) {
  return action == ProfileAction::kErrno || action == ProfileAction::kTrace;
}

std::string_view CmpOpName(CmpOp op) {
  for (const NamedOp& n : kOps) {
    if (n.op == op) return n.name;
  }
  return "SCMP_CMP_?";
}

std::optional<CmpOp> ParseCmpOp(std::string_view name) {
  for (const NamedOp& n : kOps) {
    if (n.name == name) return n.op;
  }
  return std::nullopt;
}

std::optional<std::string> LibseccompArchName(std::string_view scmp_arch) {
  for (const NamedArch& n : kArchNames) {
    if (n.scmp == scmp_arch) return std::string(n.libseccomp);
  }
  return std::nullopt;
}

std::optional<uint32_t> FilterFlagBit(std::string_view name) {
  for (const NamedFlag& n : kFlags) {
    if (n.name == name) return n.bit;
  }
  return std::nullopt;
}

Result<Profile> ParseProfile(std::string_view json_text) {
  if (std::optional<Error> deep = CheckNesting(json_text)) return *deep;
  json doc;
  try {
    doc = json::parse(json_text.begin(), json_text.end());
  } catch (const json::parse_error& e) {
    // e.byte is 1-based: the byte at which parsing failed.
    const size_t at = e.byte > 0 ? e.byte - 1 : 0;
    auto [line, col] = LineColumn(json_text, at);
    std::string what = e.what();
    // nlohmann's message: "[json.exception.parse_error.101] parse error at line 1, column 2:
    // syntax error while parsing value - ..."; keep the part after the position.
    const size_t colon = what.find(": ", what.find("column"));
    if (colon != std::string::npos) what = what.substr(colon + 2);
    Error err = MakeError("json-syntax", "malformed JSON at line " + std::to_string(line) +
                                             ", column " + std::to_string(col) + ": " + what);
    return err;
  } catch (const json::out_of_range& e) {
    // A number beyond a double (1e400): "[json.exception.out_of_range.406] number overflow
    // parsing '1e400'" names the number, not its place (it once escaped as an exception and
    // aborted `sckit import oci`).
    const std::string what = e.what();
    const size_t open = what.find('\'');
    const size_t close = what.rfind('\'');
    const std::string number =
        open < close ? what.substr(open + 1, close - open - 1) : std::string();
    const size_t at = FindNumber(json_text, number);
    const std::string where =
        at == std::string_view::npos
            ? std::string()
            : " at line " + std::to_string(LineColumn(json_text, at).first) + ", column " +
                  std::to_string(LineColumn(json_text, at).second);
    return MakeError("json-syntax", "malformed JSON" + where + ": number '" + number +
                                        "' is out of range (beyond a 64-bit float)");
  } catch (const json::exception& e) {
    return MakeError("json-syntax", std::string("malformed JSON: ") + e.what());
  }
  if (!doc.is_object()) {
    return PathError("bad-profile", "(top level)",
                     "expected an object (a seccomp profile or a config.json), found " +
                         TypeName(doc));
  }
  const json* linux_obj = Reader::Member(doc, "linux");
  if (linux_obj == nullptr) return ReadSeccomp(doc, "");

  // A whole config.json.
  if (!linux_obj->is_object()) {
    return PathError("bad-profile", "linux", "expected an object, found " + TypeName(*linux_obj));
  }
  const json* seccomp = Reader::Member(*linux_obj, "seccomp");
  if (seccomp == nullptr) {
    return PathError("bad-profile", "linux.seccomp",
                     "missing: this config.json has no seccomp profile");
  }
  Result<Profile> p = ReadSeccomp(*seccomp, "linux.seccomp");
  if (!p.ok()) return p;
  p->from_config = true;
  if (const json* process = Reader::Member(doc, "process"); process && process->is_object()) {
    if (const json* caps = Reader::Member(*process, "capabilities");
        caps && caps->is_object()) {
      if (const json* bounding = Reader::Member(*caps, "bounding")) {
        Result<std::vector<std::string>> b =
            Reader::Strings(bounding, "process.capabilities.bounding");
        if (!b.ok()) return b.error();
        p->bounding_caps = std::move(*b);
      }
    }
  }
  return p;
}

Result<Profile> LoadProfileFile(const std::string& path) {
  Result<std::string> text = ReadProfileText(path);
  if (!text.ok()) return text.error();
  return ParseProfile(*text);
}

}  // namespace sckit::policy
