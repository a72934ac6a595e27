// Constant names for generated policies (generate_values.h).
#include "policy/generate_values.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "policy/rules_constants.h"
#include "policy/rules_parser.h"

namespace sckit::policy {
namespace {

// Names that alias a better-known one (AF_FILE and AF_LOCAL are AF_UNIX) or are not values of
// the argument (F_OK is access(2)'s, CLONE_ARGS_SIZE_* are clone3's struct sizes).
bool Avoided(std::string_view n) {
  static constexpr std::string_view kAvoid[] = {"AF_FILE", "AF_LOCAL", "AF_ROUTE", "F_OK",
                                                "SOCK_TYPE_MASK", "PROT_NONE", "SIGCLD",
                                                "SIGPOLL", "SIGIOT"};
  for (std::string_view a : kAvoid) {
    if (n == a) return true;
  }
  return n.starts_with("CLONE_ARGS_") || n.starts_with("TCP_") || n.starts_with("SIG_") ||
         n.starts_with("SIGRT");
}

using Names = std::vector<std::pair<std::string, uint64_t>>;

// The names with `prefix`, preferred first: shorter, then alphabetical.
const Names& NamesWithPrefix(std::string_view prefix) {
  static std::mutex mu;
  static auto* cache = new std::map<std::string, Names, std::less<>>;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache->find(prefix);
  if (it != cache->end()) return it->second;
  Names names;
  for (std::string_view n : ConstantNames()) {
    if (!n.starts_with(prefix) || Avoided(n)) continue;
    if (std::optional<uint64_t> v = LookupConstant(n)) names.emplace_back(std::string(n), *v);
  }
  std::stable_sort(names.begin(), names.end(), [](const auto& a, const auto& b) {
    return a.first.size() != b.first.size() ? a.first.size() < b.first.size() : a.first < b.first;
  });
  return cache->emplace(std::string(prefix), std::move(names)).first->second;
}

std::vector<std::string_view> Split(std::string_view prefixes) {
  std::vector<std::string_view> out;
  while (!prefixes.empty()) {
    const size_t sp = prefixes.find(' ');
    out.push_back(prefixes.substr(0, sp));
    if (sp == std::string_view::npos) break;
    prefixes.remove_prefix(sp + 1);
  }
  return out;
}

std::optional<std::string> Exact(uint64_t v, const std::vector<std::string_view>& prefixes) {
  for (std::string_view p : prefixes) {
    for (const auto& [name, value] : NamesWithPrefix(p)) {
      if (value == v) return name;
    }
  }
  return std::nullopt;
}

// Greedy: the largest named subsets of the bits left, then the rest as a number.
std::string Bits(uint64_t v, const std::vector<std::string_view>& prefixes, uint64_t min_value) {
  Names all;
  for (std::string_view p : prefixes) {
    for (const auto& nv : NamesWithPrefix(p)) {
      if (nv.second >= min_value && nv.second != 0) all.push_back(nv);
    }
  }
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return std::popcount(a.second) > std::popcount(b.second);
  });
  std::string out;
  uint64_t left = v;
  for (const auto& [name, value] : all) {
    if (left == 0) break;
    if ((value & ~left) != 0) continue;
    out += (out.empty() ? "" : "|") + name;
    left &= ~value;
  }
  if (left != 0 || out.empty()) out += (out.empty() ? "" : "|") + NumberText(left);
  return out;
}

}  // namespace

std::string NumberText(uint64_t v) {
  if (v < 4096) return std::to_string(v);
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string ValueText(uint64_t v, std::string_view syscall, std::string_view prefixes,
                      ArgKind kind) {
  const std::vector<std::string_view> ps = Split(prefixes);
  std::string text;
  if (ps.empty()) {
    text = NumberText(v);
  } else if (syscall == "clone" && (v & 0xff) != 0) {
    // The exit signal in the low byte, the flags above it.
    const std::optional<std::string> sig = Exact(v & 0xff, {"SIG"});
    const std::string low = sig ? *sig : NumberText(v & 0xff);
    text = (v & ~uint64_t{0xff}) ? Bits(v & ~uint64_t{0xff}, ps, 0x100) + "|" + low : low;
  } else if (v == 0 && kind == ArgKind::kFlags) {
    text = "0";
  } else if (std::optional<std::string> exact = Exact(v, ps)) {
    text = *exact;
  } else {
    text = Bits(v, ps, syscall == "clone" ? 0x100 : 1);
  }
  Result<uint64_t> back = ParseValueText(text);
  return back.ok() && *back == v ? text : NumberText(v);
}

}  // namespace sckit::policy
