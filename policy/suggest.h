// "did you mean" for unknown names in policies: the nearest candidates by edit distance
// (optimal string alignment: insertions, deletions, substitutions, adjacent transpositions).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sckit::policy {

// Edit distance between a and b, computed only up to `limit` (returns limit + 1 when larger).
size_t EditDistance(std::string_view a, std::string_view b, size_t limit);

// Up to `max` candidates at the smallest distance from `name` (ties by name), if that distance
// is at most max(1, len(name) / 3); case differences count as one edit each.
std::vector<std::string> NearestNames(std::string_view name,
                                      const std::vector<std::string_view>& candidates,
                                      size_t max = 3);

// " (did you mean 'open'?)", " (did you mean 'open' or 'openat'?)", or "" when none is near.
std::string DidYouMean(std::string_view name, const std::vector<std::string_view>& candidates);

}  // namespace sckit::policy
