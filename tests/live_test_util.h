// Shared by the tests against the live kernel: a reproducible seed (SCKIT_LIVE_SEED overrides
// the test's default) and a skip, with the probe's explanation, where seccomp is absent.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>

#include "live/seccomp_probe.h"

namespace sckit::live_testing {

inline uint64_t Seed(uint64_t default_seed) {
  if (const char* s = std::getenv("SCKIT_LIVE_SEED")) return std::strtoull(s, nullptr, 0);
  return default_seed;
}

}  // namespace sckit::live_testing

#define REQUIRE_SECCOMP()                                                    \
  do {                                                                       \
    const ::sckit::live::SeccompSupport support = ::sckit::live::ProbeSeccomp(); \
    if (!support.filter_mode) GTEST_SKIP() << "seccomp: " << support.detail; \
  } while (0)
