// Lookup over the generated constant table (see rules_constants.h).
#include "policy/rules_constants.h"

#include <algorithm>

#include "policy/rules_constants_table.h"

namespace sckit::policy {
namespace {

struct Entry {
  std::string_view name;
  uint64_t value;
};

const std::vector<Entry>& Table() {
  static const std::vector<Entry>* table = [] {
    auto* t = new std::vector<Entry>;
    for (const internal::RawConstant& c : internal::GeneratedConstants()) {
      if (c.integral) t->push_back({c.name, c.value});
    }
    std::sort(t->begin(), t->end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
    return t;
  }();
  return *table;
}

}  // namespace

std::optional<uint64_t> LookupConstant(std::string_view name) {
  const std::vector<Entry>& t = Table();
  auto it = std::lower_bound(t.begin(), t.end(), name,
                             [](const Entry& e, std::string_view n) { return e.name < n; });
  if (it == t.end() || it->name != name) return std::nullopt;
  return it->value;
}

const std::vector<std::string_view>& ConstantNames() {
  static const std::vector<std::string_view>* names = [] {
    auto* n = new std::vector<std::string_view>;
    for (const Entry& e : Table()) n->push_back(e.name);
    return n;
  }();
  return *names;
}

}  // namespace sckit::policy
