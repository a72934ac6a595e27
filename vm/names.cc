// The generated errno and signal tables of every numbering (vm/names.h), looked up by number
// and by name, and the arch family that picks the numbering.
#include "vm/names.h"

#include <linux/elf-em.h>

#include <algorithm>
#include <array>
#include <vector>

#include "vm/arch.h"

namespace sckit {
namespace {

enum class Kind { kErrno, kSignal };

struct Name {
  Kind kind;
  Numbering numbering;
  std::string_view name;
  int value;
  bool alias;  // defined by another name's (EWOULDBLOCK), or SIGUNUSED: read, never printed
};

constexpr Name kNames[] = {
#define SCKIT_NAME(kind, numbering, name, value, alias) \
  {Kind::kind, Numbering::numbering, name, value, alias},
#include "vm/names_table.inc"
#undef SCKIT_NAME
};

// The first name a number has in the header's order (SIGABRT before SIGIOT).
std::string_view NameOf(Kind kind, Numbering numbering, int value) {
  if (value <= 0 || numbering == Numbering::kUnknown) return {};
  for (const Name& n : kNames) {
    if (n.kind == kind && n.numbering == numbering && n.value == value && !n.alias) return n.name;
  }
  return {};
}

std::optional<int> ValueOf(Kind kind, Numbering numbering, std::string_view name) {
  for (const Name& n : kNames) {
    if (n.kind == kind && n.numbering == numbering && n.name == name) return n.value;
  }
  return std::nullopt;
}

constexpr size_t kNumberings = static_cast<size_t>(Numbering::kUnknown) + 1;

}  // namespace

// The family by the ELF machine alone (<linux/audit.h>: AUDIT_ARCH = EM_* | flags).
static Numbering FamilyOf(uint32_t audit_arch) {
  switch (audit_arch & 0xffffu) {
    case EM_PPC:
    case EM_PPC64: return Numbering::kPowerpc;
    case EM_MIPS: return Numbering::kMips;
    case EM_PARISC: return Numbering::kParisc;
    case EM_SPARC:
    case EM_SPARC32PLUS:
    case EM_SPARCV9: return Numbering::kSparc;
    case EM_ALPHA: return Numbering::kAlpha;
    default: return Numbering::kGeneric;
  }
}

Numbering NumberingOf(uint32_t audit_arch) {
  // Every AUDIT_ARCH sckit knows, sorted once: a binary search per call (the vector sink asks
  // for every record).
  static const std::vector<uint32_t> kKnown = [] {
    std::vector<uint32_t> v;
    for (const ArchInfo& a : AllArches()) v.push_back(a.audit_arch);
    std::sort(v.begin(), v.end());
    return v;
  }();
  if (!std::binary_search(kKnown.begin(), kKnown.end(), audit_arch)) return Numbering::kUnknown;
  return FamilyOf(audit_arch);
}

std::string_view NumberingName(Numbering numbering) {
  switch (numbering) {
    case Numbering::kGeneric: return "generic";
    case Numbering::kPowerpc: return "powerpc";
    case Numbering::kMips: return "mips";
    case Numbering::kParisc: return "parisc";
    case Numbering::kSparc: return "sparc";
    case Numbering::kAlpha: return "alpha";
    case Numbering::kUnknown: return "unknown";
  }
  return "unknown";
}

std::string_view ErrnoNameOf(int value, Numbering numbering) {
  return NameOf(Kind::kErrno, numbering, value);
}
std::optional<int> ErrnoByName(std::string_view name, Numbering numbering) {
  return ValueOf(Kind::kErrno, numbering, name);
}
std::string_view SignalNameOf(int value, Numbering numbering) {
  return NameOf(Kind::kSignal, numbering, value);
}
std::optional<int> SignalByName(std::string_view name, Numbering numbering) {
  return ValueOf(Kind::kSignal, numbering, name);
}

// The value of `name` in every numbering (the generic one's where a numbering lacks it).
static std::array<int, kNumberings> PerNumbering(Kind kind, std::string_view name) {
  std::array<int, kNumberings> out{};
  const int generic = ValueOf(kind, Numbering::kGeneric, name).value_or(0);
  for (size_t i = 0; i < kNumberings; ++i) {
    out[i] = ValueOf(kind, static_cast<Numbering>(i), name).value_or(generic);
  }
  return out;
}

int SigsysOf(uint32_t audit_arch) {
  static const std::array<int, kNumberings> kSigsys = PerNumbering(Kind::kSignal, "SIGSYS");
  return kSigsys[static_cast<size_t>(FamilyOf(audit_arch))];
}

int EnosysOf(uint32_t audit_arch) {
  static const std::array<int, kNumberings> kEnosys = PerNumbering(Kind::kErrno, "ENOSYS");
  return kEnosys[static_cast<size_t>(FamilyOf(audit_arch))];
}

}  // namespace sckit
