// The generated errno and signal tables (vm/names.h), looked up by number and by name.
#include "vm/names.h"

#include <cerrno>
#include <csignal>

namespace sckit {
namespace {

struct Name {
  std::string_view name;
  int value;
};

constexpr Name kErrnos[] = {
#define SCKIT_ERRNO(n) {#n, n},
#define SCKIT_SIGNAL(n)
#include "vm/names_table.inc"
#undef SCKIT_ERRNO
#undef SCKIT_SIGNAL
};

constexpr Name kSignals[] = {
#define SCKIT_ERRNO(n)
#define SCKIT_SIGNAL(n) {#n, n},
#include "vm/names_table.inc"
#undef SCKIT_ERRNO
#undef SCKIT_SIGNAL
};

// The first name a number has in the header's order (SIGABRT before SIGIOT).
template <size_t N>
std::string_view NameOf(const Name (&table)[N], int value) {
  for (const Name& n : table) {
    if (n.value == value) return n.name;
  }
  return {};
}

template <size_t N>
std::optional<int> ValueOf(const Name (&table)[N], std::string_view name) {
  for (const Name& n : table) {
    if (n.name == name) return n.value;
  }
  return std::nullopt;
}

}  // namespace

std::string_view ErrnoNameOf(int value) { return value > 0 ? NameOf(kErrnos, value) : ""; }
std::optional<int> ErrnoByName(std::string_view name) { return ValueOf(kErrnos, name); }
std::string_view SignalNameOf(int value) { return value > 0 ? NameOf(kSignals, value) : ""; }
std::optional<int> SignalByName(std::string_view name) { return ValueOf(kSignals, name); }

}  // namespace sckit
