// Hex, JSON and XML escaping helpers every layer prints with (vm/text.h).
#include "vm/text.h"

#include <cstdio>

namespace sckit {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if none starts there.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto byte = [&](size_t j) { return static_cast<unsigned char>(s[j]); };
  const unsigned char c = byte(i);
  size_t len = 0;
  uint32_t min = 0;
  uint32_t cp = 0;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) { len = 2; min = 0x80; cp = c & 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) { len = 3; min = 0x800; cp = c & 0x0F; }
  else if (c >= 0xF0 && c <= 0xF4) { len = 4; min = 0x10000; cp = c & 0x07; }
  else return 0;
  if (i + len > s.size()) return 0;
  for (size_t j = 1; j < len; ++j) {
    if ((byte(i + j) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + j) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

}  // namespace

std::string Hex(uint64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%0*llx", width, static_cast<unsigned long long>(v));
  return buf;
}

std::string HexBytes(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

// Walks `s` as UTF-8: `ascii(c)` for each ASCII byte, `invalid(c)` for each byte that is not
// part of a valid sequence; valid multi-byte sequences are copied to `out` as they are.
template <typename Ascii, typename Invalid>
void WalkUtf8(std::string_view s, std::string* out, Ascii ascii, Invalid invalid) {
  out->reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t len = Utf8SequenceLength(s, i);
    if (len == 0) {
      invalid(c);
      ++i;
    } else if (len > 1) {
      out->append(s.substr(i, len));
      i += len;
    } else {
      ascii(c);
      ++i;
    }
  }
}

std::string JsonEscape(std::string_view s) {
  std::string out;
  char buf[8];
  auto code_point = [&](unsigned char c) {  // \u00XX: the byte as the code point of its value
    std::snprintf(buf, sizeof buf, "\\u%04x", c);
    out += buf;
  };
  WalkUtf8(s, &out, [&](unsigned char c) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          code_point(c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }, code_point);
  return out;
}

std::string JsonString(std::string_view s) { return "\"" + JsonEscape(s) + "\""; }

std::string XmlEscape(std::string_view s) {
  std::string out;
  WalkUtf8(s, &out, [&](unsigned char c) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:  // control characters XML 1.0 forbids
        out += (c < 0x20 && c != '\t' && c != '\n' && c != '\r') ? '?' : static_cast<char>(c);
    }
  }, [&](unsigned char) { out += '?'; });
  return out;
}

}  // namespace sckit
