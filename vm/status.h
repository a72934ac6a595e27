// Errors as values. Every boundary that can fail (decode, parse, verify, compile, install) returns
// an Error carrying a stable rule name, the instruction or line it is about, a message, and the
// kernel errno where the kernel would return one.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace sckit {

struct Error {
  std::string rule;      // stable, kebab-case: "jump-out-of-range", "truncated-file", ...
  std::string message;   // human-readable detail
  int pc = -1;           // instruction index, or -1 when not about one instruction
  int line = -1;         // 1-based text line, or -1 when not about a line
  int kernel_errno = 0;  // EINVAL, ENOMEM, ... when the kernel would fail the same way; 0 if none

  // "pc 7: jump-out-of-range: jt=12 lands at 20 of 15 instructions (EINVAL)".
  std::string ToString() const;
};

// Name of an errno value as in <errno.h> ("EINVAL"); "E<n>" for values it does not know.
std::string ErrnoName(int err);

// A value or an Error. Small on purpose: C++20 has no std::expected and clang 14 lacks it.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}      // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

inline Error MakeError(std::string rule, std::string message, int pc = -1, int kernel_errno = 0) {
  Error e;
  e.rule = std::move(rule);
  e.message = std::move(message);
  e.pc = pc;
  e.kernel_errno = kernel_errno;
  return e;
}

inline Error MakeLineError(std::string rule, std::string message, int line) {
  Error e;
  e.rule = std::move(rule);
  e.message = std::move(message);
  e.line = line;
  return e;
}

}  // namespace sckit
