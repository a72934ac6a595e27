// The in-process capture of tests/cli_capture.h, on gtest's stream capture.
#include "tests/cli_capture.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace sckit::testing {

CliRun CaptureCli(CliCommand cmd, const std::vector<std::string>& args) {
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  const int code = cmd(args);
  std::fflush(stdout);
  std::fflush(stderr);
  CliRun r{code, "", ""};
  r.out = ::testing::internal::GetCapturedStdout();
  r.err = ::testing::internal::GetCapturedStderr();
  return r;
}

}  // namespace sckit::testing
