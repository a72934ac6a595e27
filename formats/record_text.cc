// Records and outcomes with names (formats/record_text.h).
#include "formats/record_text.h"

#include <optional>

#include "formats/records.h"
#include "vm/arch.h"
#include "vm/names.h"
#include "vm/text.h"

namespace sckit {
namespace {

// The arch to print and the syscall's name (both round-trip through the parser).
struct Named {
  const ArchInfo* arch = nullptr;  // nullptr: print the AUDIT_ARCH number
  std::optional<std::string> syscall;
};

Named NamesOf(const SeccompData& d) {
  Named n;
  n.arch = FindArchByAudit(d.arch);
  if (n.arch == nullptr) return n;
  std::optional<std::string> name = SyscallName(d.arch, d.nr);
  if (!name) return n;
  // An x86_64 record with the x32 bit: x32's name, which resolves with the bit on arch=x32.
  const ArchInfo* via = n.arch;
  if (d.arch == kAuditArchX86_64 && (static_cast<uint32_t>(d.nr) & kX32SyscallBit) != 0) {
    via = FindArch("x32");
  }
  if (via != nullptr) n.arch = via;
  n.syscall = std::move(name);  // the parser accepts name(number) when the number has the name
  return n;
}

// A JSON string of text this file builds: keys, hex and decimal numbers, and the names of
// libseccomp's tables and the generated ones, all letters, digits, '_', '=', ',', '(', ')',
// '-' and spaces, so nothing needs escaping (JsonEscape's UTF-8 walk was an eighth of
// `eval --json`'s time).
std::string Quote(std::string_view plain) {
  std::string out;
  out.reserve(plain.size() + 2);
  out += '"';
  out += plain;
  out += '"';
  return out;
}

std::string TextOf(const SeccompData& d, const Named& n, bool full) {
  std::string out = "arch=";
  out += n.arch != nullptr ? std::string(n.arch->name) : Hex(d.arch);
  out += " nr=";
  out += n.syscall ? *n.syscall + "(" + std::to_string(d.nr) + ")" : std::to_string(d.nr);
  if (full) {
    out += " ip=" + Hex(d.instruction_pointer) + " args=";
    for (int i = 0; i < 6; ++i) out += (i ? "," : "") + Hex(d.args[i]);
    return out;
  }
  if (d.instruction_pointer != 0) out += " ip=" + Hex(d.instruction_pointer);
  for (int i = 0; i < 6; ++i) {
    if (d.args[i] != 0) out += " a" + std::to_string(i) + "=" + Hex(d.args[i]);
  }
  return out;
}

}  // namespace

std::string FormatRecordText(const SeccompData& d, bool full) { return TextOf(d, NamesOf(d), full); }

std::string VerdictText(const Verdict& v, uint32_t audit_arch) {
  std::string out = v.Text();
  if (v.kind == Verdict::Kind::kErrno) {
    const std::string_view name = ErrnoNameOf(static_cast<int>(v.n), audit_arch);
    if (!name.empty()) out += " " + std::string(name);
  }
  return out;
}

std::string SignalText(int signal, uint32_t audit_arch) {
  const std::string_view name = SignalNameOf(signal, audit_arch);
  return name.empty() ? std::to_string(signal) : std::string(name);
}

std::string RecordJsonMembers(const SeccompData& d, bool full) {
  const Named n = NamesOf(d);
  const std::optional<std::string>& syscall = n.syscall;
  return "\"record\": " + Quote(FormatRecord(d)) + ", \"text\": " + Quote(TextOf(d, n, full)) +
         ", \"arch_name\": " + (n.arch != nullptr ? Quote(n.arch->name) : std::string("null")) +
         ", \"syscall\": " + (syscall ? JsonString(*syscall) : std::string("null"));
}

std::string VerdictNameJson(const Verdict& v, uint32_t audit_arch) {
  const std::string_view name = v.kind == Verdict::Kind::kErrno
                                    ? ErrnoNameOf(static_cast<int>(v.n), audit_arch)
                                    : std::string_view();
  return "\"errno_name\": " + (name.empty() ? std::string("null") : JsonString(name));
}

}  // namespace sckit
