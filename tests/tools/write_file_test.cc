// WriteFileAtomically (formats/write_file.h): the destination holds its old content or all of
// the new one, never a part; failures leave no temporary file; devices are written in place.
#include "formats/write_file.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace sckit {
namespace {

std::string NewDir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/" + name;
  ::mkdir(dir.c_str(), 0755);
  return dir;
}

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  ::closedir(d);
  return out;
}

TEST(WriteFileAtomically, WritesNewFileWithUmaskMode) {
  const std::string dir = NewDir("new");
  const mode_t old = ::umask(022);
  ASSERT_FALSE(WriteFileAtomically(dir + "/out", "hello\n"));
  ::umask(old);
  EXPECT_EQ(Read(dir + "/out"), "hello\n");
  struct stat st;
  ASSERT_EQ(::stat((dir + "/out").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_EQ(Entries(dir), std::vector<std::string>{"out"});
}

TEST(WriteFileAtomically, ReplacesKeepingMode) {
  const std::string dir = NewDir("replace");
  const std::string path = dir + "/out";
  std::ofstream(path) << "old content that is longer";
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  ASSERT_FALSE(WriteFileAtomically(path, "new"));
  EXPECT_EQ(Read(path), "new");
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(Entries(dir), std::vector<std::string>{"out"});
}

TEST(WriteFileAtomically, MissingDirectoryIsAnError) {
  const std::string path = ::testing::TempDir() + "/no/such/dir/out";
  std::optional<Error> e = WriteFileAtomically(path, "x");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->rule, "write-error");
  EXPECT_EQ(e->message, "cannot write " + path + ": No such file or directory");
}

TEST(WriteFileAtomically, DirectoryIsAnError) {
  const std::string dir = NewDir("isdir");
  std::optional<Error> e = WriteFileAtomically(dir, "x");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message, "cannot write " + dir + ": Is a directory");
}

// A write that fails half-way (the file size limit) leaves the old file and no temporary one.
TEST(WriteFileAtomically, FailedWriteKeepsOldFileAndLeavesNoTemporary) {
  const std::string dir = NewDir("efbig");
  const std::string path = dir + "/out";
  std::ofstream(path) << "old";
  struct rlimit saved;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto* old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = saved;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::optional<Error> e = WriteFileAtomically(path, std::string(100000, 'x'));
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message, "cannot write " + path + ": File too large");
  EXPECT_EQ(Read(path), "old");
  EXPECT_EQ(Entries(dir), std::vector<std::string>{"out"});
}

// /dev/full is written in place, not replaced by a renamed regular file.
TEST(WriteFileAtomically, DeviceIsWrittenInPlace) {
  std::optional<Error> e = WriteFileAtomically("/dev/full", "x");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message, "cannot write /dev/full: No space left on device");
  struct stat st;
  ASSERT_EQ(::stat("/dev/full", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_FALSE(WriteFileAtomically("/dev/null", "x"));
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

// A symbolic link is followed: its target is replaced and the link stays a link.
TEST(WriteFileAtomically, FollowsSymbolicLink) {
  const std::string dir = NewDir("link");
  std::ofstream(dir + "/target") << "old";
  ASSERT_EQ(::symlink("target", (dir + "/link").c_str()), 0);
  ASSERT_FALSE(WriteFileAtomically(dir + "/link", "new"));
  EXPECT_EQ(Read(dir + "/target"), "new");
  struct stat st;
  ASSERT_EQ(::lstat((dir + "/link").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
}

}  // namespace
}  // namespace sckit
