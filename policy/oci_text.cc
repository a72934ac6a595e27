// An OCI profile's bytes before JSON parsing: bounded reads and nesting (policy/oci_text.h).
#include "policy/oci_text.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "policy/oci.h"

namespace sckit::policy {

std::pair<int, int> LineColumn(std::string_view text, size_t offset) {
  int line = 1, col = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {line, col};
}

// The first byte that is not JSON whitespace, text[i], must be able to start a value (or be a
// UTF-8 byte order mark, which the parser skips); otherwise no amount of further input helps.
std::optional<Error> CheckJsonStart(std::string_view text, size_t i) {
  const unsigned char c = static_cast<unsigned char>(text[i]);
  if (std::string_view("{[\"-0123456789tfn").find(static_cast<char>(c)) != std::string_view::npos ||
      c == 0xef) {
    return std::nullopt;
  }
  auto [line, col] = LineColumn(text, i);
  char byte[8];
  std::snprintf(byte, sizeof byte, "0x%02x", c);
  return MakeError("json-syntax", "malformed JSON at line " + std::to_string(line) +
                                      ", column " + std::to_string(col) + ": byte " + byte +
                                      " cannot start a JSON value (a profile starts with '{')");
}

namespace {

// The one walk over a profile's JSON text: calls at(i) for every offset outside strings (a
// string's quotes and bytes, escapes included, are passed over) until at returns true; that
// offset, or npos.
template <typename At>
size_t FindOutsideStrings(std::string_view text, At at) {
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (at(i)) {
      return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace

// Arrays and objects nested deeper than any profile needs: refused before the parser builds
// (and later tears down) millions of nested values.
std::optional<Error> CheckNesting(std::string_view text) {
  constexpr int kMaxDepth = 64;  // a config.json's deepest value is 6 levels down
  int depth = 0;
  const size_t deep = FindOutsideStrings(text, [&](size_t i) {
    if (text[i] == '[' || text[i] == '{') return ++depth > kMaxDepth;
    if (text[i] == ']' || text[i] == '}') --depth;
    return false;
  });
  if (deep == std::string_view::npos) return std::nullopt;
  auto [line, col] = LineColumn(text, deep);
  return MakeError("json-syntax", "malformed JSON at line " + std::to_string(line) + ", column " +
                                      std::to_string(col) + ": nested deeper than " +
                                      std::to_string(kMaxDepth) +
                                      " levels (no profile needs more than a few)");
}

size_t FindNumber(std::string_view text, std::string_view number) {
  if (number.empty()) return std::string_view::npos;
  const auto part_of_number = [](char c) {
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
  };
  return FindOutsideStrings(text, [&](size_t i) {
    return text.compare(i, number.size(), number) == 0 &&
           (i == 0 || !part_of_number(text[i - 1])) &&
           (i + number.size() == text.size() || !part_of_number(text[i + number.size()]));
  });
}

// The whole text of a profile file or standard input, read in chunks and never past
// kMaxProfileBytes.
Result<std::string> ReadProfileText(const std::string& path) {
  const bool is_stdin = path == "-";
  const int fd = is_stdin ? STDIN_FILENO : open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return MakeError("io-error", "cannot open: " + std::string(std::strerror(errno)));
  auto fail = [&](std::string rule, std::string what) -> Error {
    if (!is_stdin) close(fd);
    return MakeError(std::move(rule), std::move(what));
  };
  struct stat st {};
  if (fstat(fd, &st) != 0) return fail("io-error", std::string("stat: ") + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return fail("io-error", "is a directory, not a profile file");
  const std::string limit = "larger than " + std::to_string(kMaxProfileBytes >> 20) +
                            " MiB, the most sckit reads as a profile";
  if (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > kMaxProfileBytes) {
    return fail("too-large", std::to_string(st.st_size) + " bytes: " + limit);
  }
  std::string text;
  char buf[65536];
  bool checked_start = false;
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("io-error", std::string("read failed: ") + std::strerror(errno));
    if (n == 0) break;
    if (text.size() + static_cast<size_t>(n) > kMaxProfileBytes) return fail("too-large", limit);
    text.append(buf, static_cast<size_t>(n));
    if (!checked_start) {  // only the new chunk: leading whitespace was scanned before
      const size_t first = text.find_first_not_of(" \t\r\n", text.size() - static_cast<size_t>(n));
      if (first != std::string::npos) {
        std::optional<Error> bad = CheckJsonStart(text, first);
        if (bad) return fail(bad->rule, bad->message);
        checked_start = true;
      }
    }
  }
  if (!is_stdin) close(fd);
  return text;
}

}  // namespace sckit::policy
