// The audit reader (audit.h): seccomp records from audit.log, the kernel log, ausearch -i.
#include "formats/audit.h"

#include <cctype>
#include <optional>
#include <string>

#include "formats/records.h"
#include "vm/action.h"
#include "vm/arch.h"

namespace sckit {
namespace {

bool IsSeccompRecord(std::string_view s) {
  return s.find("type=SECCOMP ") != std::string_view::npos ||
         s.find("type=1326 ") != std::string_view::npos;
}

std::optional<uint64_t> Number(std::string_view s, int base) {
  if (base == 16 && (s.starts_with("0x") || s.starts_with("0X"))) s.remove_prefix(2);
  if (s.empty() || s.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (const char c : s) {
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    if (d < 0 || d >= base) return std::nullopt;
    if (v > (~uint64_t{0} - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) {
      return std::nullopt;
    }
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  return v;
}

// The value of `key=` in the record's field text (a quoted value without its quotes), or
// nullopt. Fields are separated by spaces; a key matches only at a field's start.
std::optional<std::string_view> Field(std::string_view fields, std::string_view key) {
  size_t i = 0;
  while (i < fields.size()) {
    while (i < fields.size() && fields[i] == ' ') ++i;
    const size_t start = i;
    // The field's own '=' (before its first space): a stray word before `comm="a b"` once took
    // comm's quote as its own and hid the field.
    const size_t space = fields.find(' ', start);
    size_t eq = fields.find('=', start);
    if (eq > space) eq = std::string_view::npos;
    size_t end = start;
    bool quoted = false;
    if (eq != std::string_view::npos && eq + 1 < fields.size() && fields[eq + 1] == '"') {
      quoted = true;
      end = fields.find('"', eq + 2);
      if (end == std::string_view::npos) end = fields.size();
    } else {
      end = space == std::string_view::npos ? fields.size() : space;
    }
    if (eq != std::string_view::npos && eq < end && fields.substr(start, eq - start) == key) {
      return quoted ? fields.substr(eq + 2, end - eq - 2) : fields.substr(eq + 1, end - eq - 1);
    }
    i = end + (quoted ? 1 : 0);
  }
  return std::nullopt;
}

Error Bad(const std::string& why, int line_no) {
  return MakeLineError("bad-audit-record", why, line_no);
}

// arch=c000003e, or ausearch -i's arch=x86_64.
Result<const ArchInfo*> ArchField(std::string_view v, int line_no) {
  if (std::optional<uint64_t> n = Number(v, 16); n && *n <= 0xffffffffu) {
    if (const ArchInfo* a = FindArchByAudit(static_cast<uint32_t>(*n))) return a;
  }
  if (const ArchInfo* a = FindArch(v)) return a;
  return Bad("unknown arch '" + std::string(v) + "'", line_no);
}

// code=0x7ffc0000, or ausearch -i's code=log / kill / errno.
std::optional<uint32_t> CodeField(std::string_view v) {
  if (std::optional<uint64_t> n = Number(v, 16); n && *n <= 0xffffffffu) {
    return static_cast<uint32_t>(*n);
  }
  std::string upper;
  for (const char c : v) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (std::optional<Action> a = ParseActionName(upper)) return ActionValue(*a);
  return std::nullopt;
}

}  // namespace

Result<bool> ParseAuditLine(std::string_view line, int line_no, TraceCall* out, uint32_t* code) {
  if (!IsSeccompRecord(line)) return false;
  const size_t sep = line.find('\x1d');  // ENRICHED: interpreted fields follow
  if (sep != std::string_view::npos) line = line.substr(0, sep);
  const size_t msg = line.find("audit(");
  const size_t close = msg == std::string_view::npos ? msg : line.find(')', msg);
  if (close == std::string_view::npos) return Bad("no audit(...) stamp", line_no);
  std::string_view fields = line.substr(close + 1);
  while (!fields.empty() && (fields.front() == ':' || fields.front() == ' ')) {
    fields.remove_prefix(1);
  }
  const std::optional<std::string_view> arch_v = Field(fields, "arch");
  const std::optional<std::string_view> nr_v = Field(fields, "syscall");
  if (!arch_v || !nr_v) return Bad("a seccomp record without arch= or syscall=", line_no);
  Result<const ArchInfo*> arch = ArchField(*arch_v, line_no);
  if (!arch.ok()) return arch.error();
  TraceCall c;
  c.record.arch = (*arch)->audit_arch;
  // The kernel prints the number as a signed int (syscall=-1 for a nr above 2^31).
  const bool negative = nr_v->starts_with("-");
  if (std::optional<uint64_t> n = Number(nr_v->substr(negative ? 1 : 0), 10);
      n && *n <= (negative ? 0x80000000u : 0xffffffffu)) {
    const uint32_t v = static_cast<uint32_t>(*n);
    c.record.nr = static_cast<int32_t>(negative ? 0u - v : v);
  } else if (std::optional<int32_t> named = SyscallNumber(**arch, *nr_v)) {
    c.record.nr = *named;
  } else {
    return Bad("syscall '" + std::string(*nr_v) + "' is not a number or a name libseccomp "
               "knows for " + std::string((*arch)->name), line_no);
  }
  if (auto ip = Field(fields, "ip")) {
    std::optional<uint64_t> v = Number(*ip, 16);
    if (!v) return Bad("ip '" + std::string(*ip) + "' is not a hex number", line_no);
    c.record.instruction_pointer = *v;
  }
  if (auto pid = Field(fields, "pid")) {
    std::optional<uint64_t> v = Number(*pid, 10);
    if (!v || *v > 0x7fffffffu) return Bad("pid '" + std::string(*pid) + "'", line_no);
    c.pid = static_cast<int64_t>(*v);
  }
  if (auto comm = Field(fields, "comm")) c.process = std::string(comm->substr(0, 64));
  if (code) {
    std::optional<std::string_view> code_v = Field(fields, "code");
    std::optional<uint32_t> v = code_v ? CodeField(*code_v) : std::nullopt;
    *code = v.value_or(0);
  }
  c.name = SyscallName(c.record.arch, c.record.nr).value_or("");
  c.line = line_no;
  // The record from pid= on: who made which call (the stamp and login ids are noise here).
  std::string_view text = fields;
  if (const size_t at = text.find("pid="); at != std::string_view::npos) text.remove_prefix(at);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  c.text = std::string(text.substr(0, kMaxTraceText));
  *out = std::move(c);
  return true;
}

Result<std::vector<TraceCall>> ReadAuditCalls(std::istream& in, AuditStats* stats) {
  AuditStats local;
  AuditStats& st = stats ? *stats : local;
  st = AuditStats{};
  std::vector<TraceCall> out;
  std::string line;
  size_t head_pos = 0;
  for (int line_no = 1;; ++line_no) {
    Result<bool> got = ReadBoundedLine(in, "", &head_pos, &line, kMaxTraceLine, line_no);
    if (!got.ok()) return got.error();
    if (!*got) break;
    ++st.lines;
    TraceCall c;
    Result<bool> r = ParseAuditLine(line, line_no, &c);
    if (!r.ok()) return r.error();
    if (!*r) {
      ++st.other;
      continue;
    }
    ++st.records;
    out.push_back(std::move(c));
    if (out.size() > kMaxTraceCalls) {
      return MakeLineError("too-many-calls",
                           "more than " + std::to_string(kMaxTraceCalls) + " records", line_no);
    }
  }
  if (in.bad()) return MakeError("io-error", "reading the audit log failed");
  if (out.empty()) {
    return MakeError("empty-trace", "no seccomp audit record (type=SECCOMP or type=1326) in " +
                                        std::to_string(st.lines) + " lines");
  }
  return out;
}

}  // namespace sckit
