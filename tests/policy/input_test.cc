// Hostile and mistaken input to `sckit import oci` (policy/caps.h, policy/oci.h): capability
// names are checked, never guessed (a typo must not replace the default set and change the
// filter), and profile files are read with bounded memory: directories, devices that never end,
// files past the size cap and absurd nesting all end in a located error.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "policy/caps.h"
#include "policy/compile.h"
#include "policy/oci.h"

namespace sckit::policy {
namespace {

std::string TmpPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

using Caps = std::vector<std::string>;

TEST(Capabilities, UserSpellingsBecomeCanonicalNames) {
  Result<Caps> c = ParseCapabilities({"sys_admin,CAP_NET_RAW", "Cap_Kill", "net_raw"});
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(*c, (Caps{"CAP_SYS_ADMIN", "CAP_NET_RAW", "CAP_KILL"}));
  c = ParseCapabilities({"none"});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->empty());
  c = ParseCapabilities({"ALL"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->size(), 41u);
  EXPECT_EQ(c->front(), "CAP_CHOWN");
  EXPECT_EQ(c->back(), "CAP_CHECKPOINT_RESTORE");
}

TEST(Capabilities, UnknownNamesAreErrorsWithTheNearestOrTheList) {
  Result<Caps> c = ParseCapabilities({"CAP_BOGUS"});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().rule, "unknown-capability");
  EXPECT_NE(c.error().message.find("unknown capability \"CAP_BOGUS\" (known: CAP_CHOWN"),
            std::string::npos)
      << c.error().message;
  c = ParseCapabilities({"chown,sys_admn"});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message, "unknown capability \"sys_admn\" (did you mean CAP_SYS_ADMIN?)");
  // The empty set is spelt out; "none" and "all" do not mix with names.
  for (const Caps& bad : {Caps{""}, Caps{","}, Caps{}, Caps{"none,kill"}, Caps{"all", "kill"}}) {
    c = ParseCapabilities(bad);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().rule, "bad-capabilities");
  }
}

const char kProfile[] = R"({"defaultAction": "SCMP_ACT_ERRNO",
    "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [
      {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMN"]}},
      {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "excludes": {"caps": ["CAP_BOGUS"]}}]})";

TEST(Capabilities, TheLibraryRefusesUnknownNamesInOptions) {
  Result<Profile> p = ParseProfile(kProfile);
  ASSERT_TRUE(p.ok());
  ImportOptions o;
  o.arches = {"x86_64"};
  o.kernel_version = "6.1";
  o.caps = Caps{"CAP_SYS_ADMIN", "CAP_BOGUS"};
  Result<CompiledFilter> c = CompileProfile(*p, o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().rule, "unknown-capability");
  EXPECT_EQ(c.error().message.rfind("--caps: unknown capability \"CAP_BOGUS\"", 0), 0u);
}

TEST(Capabilities, NamesInTheProfileThatCanNeverMatchAreWarned) {
  Result<Profile> p = ParseProfile(kProfile);
  ASSERT_TRUE(p.ok());
  ImportOptions o;
  o.arches = {"x86_64"};
  o.kernel_version = "6.1";
  Result<ResolvedProfile> r = ResolveProfile(*p, o);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->warnings.size(), 2u);
  EXPECT_EQ(r->warnings[0],
            "syscalls[1].includes.caps[0]: unknown capability \"CAP_SYS_ADMN\" (did you mean "
            "CAP_SYS_ADMIN?): no container holds it, the entry never applies");
  EXPECT_EQ(r->warnings[1].rfind("syscalls[2].excludes.caps[0]: unknown capability "
                                 "\"CAP_BOGUS\"", 0),
            0u);
  // A config.json's bounding set: unknown names are ignored with a warning, as runc does.
  p = ParseProfile(R"({"process": {"capabilities": {"bounding": ["CAP_KILL", "CAP_KIL"]}},
                       "linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW"}}})");
  ASSERT_TRUE(p.ok());
  r = ResolveProfile(*p, o);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_EQ(r->warnings[0],
            "process.capabilities.bounding[1]: unknown capability \"CAP_KIL\" (did you mean "
            "CAP_KILL?) ignored, as runc does");
}

// minKernel values that the parser once let through and the compiler then could not read
// (an empty optional dereferenced): refused where they are written.
TEST(ProfileFiles, MinKernelIsCheckedWhereItIsWritten) {
  for (const char* v : {"-1.0", "1.99999999", "4", "4.", ".8", "x.y", "1.2.3456789"}) {
    Result<Profile> p = ParseProfile(std::string(R"({"defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
                      "includes": {"minKernel": ")") + v + "\"}}]}");
    ASSERT_FALSE(p.ok()) << v;
    EXPECT_EQ(p.error().message.rfind("syscalls[0].includes.minKernel: expected a kernel version", 0),
              0u) << p.error().message;
  }
  for (const char* v : {"4.8", "5.10.0-18-amd64", "999999.999999"}) {
    Result<Profile> p = ParseProfile(std::string(R"({"defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
                      "excludes": {"minKernel": ")") + v + "\"}}]}");
    ASSERT_TRUE(p.ok()) << v << ": " << p.error().ToString();
    ImportOptions o;
    o.arches = {"x86_64"};
    o.kernel_version = "6.1";
    EXPECT_TRUE(CompileProfile(*p, o).ok()) << v;
  }
}

TEST(ProfileFiles, ADirectoryIsAnIoError) {
  Result<Profile> p = LoadProfileFile(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR")
                                                                 : "/tmp");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().rule, "io-error");
  EXPECT_EQ(p.error().message, "is a directory, not a profile file");
  p = LoadProfileFile(TmpPath("no-such-profile.json"));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message, "cannot open: No such file or directory");
}

TEST(ProfileFiles, EndlessDevicesStopAtTheFirstByte) {
  for (const char* dev : {"/dev/zero", "/dev/urandom"}) {
    Result<Profile> p = LoadProfileFile(dev);
    ASSERT_FALSE(p.ok()) << dev;
    // /dev/urandom starts with one of the 14 bytes that can begin JSON 14 times in 256; then
    // the size cap ends it.
    EXPECT_TRUE(p.error().rule == "json-syntax" || p.error().rule == "too-large")
        << dev << ": " << p.error().ToString();
  }
  Result<Profile> p = LoadProfileFile("/dev/zero");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message,
            "malformed JSON at line 1, column 1: byte 0x00 cannot start a JSON value (a profile "
            "starts with '{')");
}

TEST(ProfileFiles, FilesPastTheCapAreRefusedBeforeReading) {
  const std::string path = TmpPath("sparse.json");
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "{", 1), 1);
  ASSERT_EQ(ftruncate(fd, static_cast<off_t>(kMaxProfileBytes) + 1), 0);
  close(fd);
  Result<Profile> p = LoadProfileFile(path);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().rule, "too-large");
  EXPECT_EQ(p.error().message, "16777217 bytes: larger than 16 MiB, the most sckit reads as a "
                               "profile");
  // Exactly at the cap is read (and then fails as JSON, not as a size).
  ASSERT_EQ(truncate(path.c_str(), static_cast<off_t>(kMaxProfileBytes)), 0);
  p = LoadProfileFile(path);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().rule, "json-syntax");
}

TEST(ProfileFiles, AbsurdNestingIsRefusedWithItsPosition) {
  std::string deep = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"x\": " + std::string(100, '[');
  Result<Profile> p = ParseProfile(deep);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().rule, "json-syntax");
  EXPECT_EQ(p.error().message,
            "malformed JSON at line 1, column 105: nested deeper than 64 levels (no profile "
            "needs more than a few)");
  // Brackets inside strings do not count.
  p = ParseProfile("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"x\": \"" + std::string(100, '[') +
                   "\\\"\"}");
  EXPECT_TRUE(p.ok()) << p.error().ToString();
}

}  // namespace
}  // namespace sckit::policy
