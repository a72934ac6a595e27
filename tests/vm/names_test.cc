// The generated errno and signal tables (vm/names.h) against the C library's own names
// (strerrorname_np, sigabbrev_np): an independent source for the same facts.
#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>

#include "vm/names.h"

namespace sckit {
namespace {

TEST(Names, EveryErrnoAgreesWithTheCLibrary) {
  int named = 0;
  for (int e = 1; e < 4096; ++e) {
    const std::string_view ours = ErrnoNameOf(e);
    const char* libc = strerrorname_np(e);
    if (ours.empty()) {
      // Only aliases are missing from the kernel's table (ENOTSUP = EOPNOTSUPP in glibc).
      EXPECT_EQ(libc, nullptr) << e;
      continue;
    }
    ++named;
    ASSERT_NE(libc, nullptr) << ours;
    EXPECT_EQ(ours, libc) << e;
    EXPECT_EQ(ErrnoByName(ours), e);
  }
  EXPECT_GT(named, 120);
  EXPECT_EQ(ErrnoNameOf(EPERM), "EPERM");
  EXPECT_EQ(ErrnoNameOf(ENOSYS), "ENOSYS");
  EXPECT_EQ(ErrnoNameOf(0), "");
  EXPECT_EQ(ErrnoByName("EWOULDBLOCK"), EAGAIN);  // an alias: read, printed as EAGAIN
  EXPECT_EQ(ErrnoNameOf(EAGAIN), "EAGAIN");
  EXPECT_EQ(ErrnoByName("eperm"), std::nullopt);
}

TEST(Names, EverySignalAgreesWithTheCLibrary) {
  int named = 0;
  for (int s = 1; s < 32; ++s) {
    const std::string_view ours = SignalNameOf(s);
    const char* libc = sigabbrev_np(s);  // without the SIG prefix
    ASSERT_FALSE(ours.empty()) << s;
    ASSERT_NE(libc, nullptr) << s;
    // 29: the kernel's header names it SIGIO (SIGPOLL an alias), glibc's abbreviation POLL.
    EXPECT_EQ(ours, s == SIGIO ? "SIGIO" : "SIG" + std::string(libc)) << s;
    EXPECT_EQ(SignalByName(ours), s);
    ++named;
  }
  EXPECT_EQ(named, 31);
  EXPECT_EQ(SignalNameOf(SIGSYS), "SIGSYS");
  EXPECT_EQ(SignalNameOf(SIGABRT), "SIGABRT");  // the first of SIGABRT and SIGIOT
  EXPECT_EQ(SignalByName("SIGIOT"), SIGABRT);
  EXPECT_EQ(SignalNameOf(64), "");
}

}  // namespace
}  // namespace sckit
