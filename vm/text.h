// Text helpers every layer prints with, written once: hexadecimal numbers and bytes, and the
// escaping that keeps JSON and XML output valid for any input bytes (file names are bytes on
// Linux and need not be UTF-8).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace sckit {

// "0x1f"; with width, zero-padded digits: Hex(0x1f, 8) == "0x0000001f".
std::string Hex(uint64_t v, int width = 0);

// Two lowercase digits per byte, no separators: "0f2a".
std::string HexBytes(std::span<const uint8_t> bytes);

// The body of a JSON string (without quotes). Valid UTF-8 passes through; control characters
// are escaped; each byte that is not part of valid UTF-8 becomes \u00XX (the code point of
// the same value), so the output is always valid JSON.
std::string JsonEscape(std::string_view s);

// `"` + JsonEscape(s) + `"`.
std::string JsonString(std::string_view s);

// Text for an XML attribute or element: & < > " ' escaped; bytes that are not valid UTF-8 and
// control characters XML 1.0 forbids become '?'.
std::string XmlEscape(std::string_view s);

}  // namespace sckit
