// Bounded reading (formats/read_file.h) and the loader's caps (formats/loader.h): what was read
// is asserted, not how long it took. /dev/zero, pipes, sparse files and directories once made
// `sckit verify`, `disasm` and `analyze` read gigabytes.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "formats/loader.h"
#include "formats/read_file.h"

namespace sckit {
namespace {

std::string Temp(const std::string& name) { return ::testing::TempDir() + "/read_file_" + name; }

void WriteText(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

// A pipe holding `size` bytes: the reader must consume exactly cap + 1 and leave the rest.
TEST(ReadBoundedFd, StopsAtTheFirstBytePastTheCap) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const std::string data(3000, 'x');
  ASSERT_EQ(write(fds[1], data.data(), data.size()), 3000);
  close(fds[1]);
  Result<BoundedRead> r = ReadBoundedFd(fds[0], 1000, "pipe");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->over_cap);
  EXPECT_EQ(r->bytes.size(), 1001u);
  EXPECT_EQ(r->file_size, -1);
  char rest[4096];
  EXPECT_EQ(read(fds[0], rest, sizeof rest), 3000 - 1001);  // nothing more was consumed
  close(fds[0]);
}

TEST(ReadBoundedFd, ExactlyTheCapIsNotOver) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  ASSERT_EQ(write(fds[1], std::string(1000, 'y').data(), 1000), 1000);
  close(fds[1]);
  Result<BoundedRead> r = ReadBoundedFd(fds[0], 1000, "pipe");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->over_cap);
  EXPECT_EQ(r->bytes.size(), 1000u);
  close(fds[0]);
}

TEST(ReadBoundedFile, DevZeroStopsAtTheCap) {
  Result<std::vector<uint8_t>> r = ReadBoundedFile("/dev/zero", 4096, "a test input");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rule, "file-too-large");
  EXPECT_NE(r.error().message.find("4096 bytes"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("stopped at byte 4097"), std::string::npos)
      << r.error().message;
}

TEST(ReadBoundedFile, RegularFileOverTheCapIsNotRead) {
  const std::string path = Temp("sparse");
  const int fd = open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, int64_t{1} << 30), 0);  // 1 GiB, sparse
  close(fd);
  Result<std::vector<uint8_t>> r = ReadBoundedFile(path, 100, "a test input");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rule, "file-too-large");
  EXPECT_NE(r.error().message.find("1073741824 bytes; nothing was read"), std::string::npos)
      << r.error().message;
  unlink(path.c_str());
}

TEST(ReadBoundedFile, DirectoryIsAnIoError) {
  Result<std::vector<uint8_t>> r = ReadBoundedFile(::testing::TempDir(), 100, "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rule, "io-error");
  EXPECT_NE(r.error().message.find("Is a directory"), std::string::npos) << r.error().message;
  Result<Program> p = LoadProgramFile(::testing::TempDir());
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("Is a directory"), std::string::npos);
}

// Raw input past 4096 instructions is the kernel's verdict (too-many-instructions, EINVAL),
// reached after reading 32769 bytes at most.
TEST(LoadProgramFile, DevZeroIsTooManyInstructions) {
  Result<Program> p = LoadProgramFile("/dev/zero");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().rule, "too-many-instructions");
  EXPECT_EQ(p.error().kernel_errno, EINVAL);
  EXPECT_NE(p.error().message.find("stopped at byte 32769"), std::string::npos)
      << p.error().message;
}

TEST(LoadProgramFile, SparseGigabyteRawIsTooManyInstructions) {
  const std::string path = Temp("sparse.bpf");
  const int fd = open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, int64_t{1} << 30), 0);
  close(fd);
  Result<Program> p = LoadProgramFile(path);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().rule, "too-many-instructions");
  EXPECT_EQ(p.error().kernel_errno, EINVAL);
  EXPECT_NE(p.error().message.find("134217728 instructions"), std::string::npos)
      << p.error().message;
  unlink(path.c_str());
}

TEST(LoadProgramFile, RawAtTheLimitLoads) {
  const std::string path = Temp("max.bpf");
  WriteText(path, std::string(kMaxRawFilterBytes, '\x06'));
  Result<Program> p = LoadProgramFile(path);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->size(), 4096u);
  WriteText(path, std::string(kMaxRawFilterBytes + 8, '\x06'));
  p = LoadProgramFile(path);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().rule, "too-many-instructions");
  EXPECT_NE(p.error().message.find("4097 instructions"), std::string::npos) << p.error().message;
}

TEST(LoadProgramFile, EmptyFileIsAnEmptyProgram) {
  const std::string path = Temp("empty.bpf");
  WriteText(path, "");
  Result<Program> p = LoadProgramFile(path);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_TRUE(p->empty());
}

// Text past 16 MiB: a regular file is refused by its size; a pipe after 16 MiB + 1 bytes,
// which the writer can tell from how much it managed to write.
TEST(LoadProgramFile, TextPastTheCapIsFileTooLarge) {
  const std::string path = Temp("big.s");
  WriteText(path, std::string(40000, '\n') + "ret ALLOW\n");
  ASSERT_EQ(truncate(path.c_str(), static_cast<off_t>(kMaxTextFilterBytes) + 10), 0);
  Result<Program> p = LoadProgramFile(path);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().rule, "file-too-large");
  EXPECT_NE(p.error().message.find("16777216"), std::string::npos) << p.error().message;

  signal(SIGPIPE, SIG_IGN);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  size_t written = 0;
  std::thread writer([&] {
    const std::string chunk(65536, '\n');
    for (int i = 0; i < 400; ++i) {  // 25 MiB, more than the cap
      const ssize_t n = write(fds[1], chunk.data(), chunk.size());
      if (n <= 0) break;
      written += static_cast<size_t>(n);
    }
    close(fds[1]);
  });
  p = LoadProgramFile("/proc/self/fd/" + std::to_string(fds[0]));
  close(fds[0]);
  writer.join();
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().rule, "file-too-large");
  EXPECT_NE(p.error().message.find("stopped at byte 16777217"), std::string::npos)
      << p.error().message;
  // The reader stopped: the writer got at most the cap, a pipe buffer and one chunk further.
  EXPECT_LE(written, kMaxTextFilterBytes + 2 * 65536 + 1 + (1 << 20));
}

}  // namespace
}  // namespace sckit
