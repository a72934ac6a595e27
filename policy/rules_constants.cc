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
    for (const internal::ArchTable& t : internal::GeneratedArchTables()) {
      for (const internal::NamedValue& v : t.values) n->push_back(v.name);
    }
    std::sort(n->begin(), n->end());
    n->erase(std::unique(n->begin(), n->end()), n->end());
    return n;
  }();
  return *names;
}

ArchConstant LookupArchConstant(std::string_view arch, std::string_view name) {
  for (const internal::ArchTable& t : internal::GeneratedArchTables()) {
    if (arch != t.arch) continue;
    auto it = std::lower_bound(
        t.values.begin(), t.values.end(), name,
        [](const internal::NamedValue& e, std::string_view n) { return e.name < n; });
    if (it != t.values.end() && it->name == name) return {it->value, ""};
    return {std::nullopt, "'" + std::string(name) + "' is not an integer constant of the " +
                              std::string(arch) + " headers"};
  }
  std::string have;
  for (std::string_view a : ArchConstantTables()) have += (have.empty() ? "" : ", ") + std::string(a);
  return {std::nullopt, "sckit has no constant table for " + std::string(arch) +
                            " (values differ between arches; tables: " + have +
                            "): write the number"};
}

std::vector<std::string_view> ArchConstantTables() {
  std::vector<std::string_view> out;
  for (const internal::ArchTable& t : internal::GeneratedArchTables()) out.push_back(t.arch);
  return out;
}

}  // namespace sckit::policy
