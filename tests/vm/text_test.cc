// vm/text: hex numbers, and JSON and XML escaping that stays valid for any bytes.
#include <gtest/gtest.h>

#include "vm/text.h"

namespace sckit {
namespace {

TEST(Text, Hex) {
  EXPECT_EQ(Hex(0), "0x0");
  EXPECT_EQ(Hex(0x1f, 8), "0x0000001f");
  const uint8_t bytes[] = {0x0f, 0x2a};
  EXPECT_EQ(HexBytes(bytes), "0f2a");
}

TEST(Text, JsonEscapeKeepsUtf8AndEscapesEverythingElse) {
  EXPECT_EQ(JsonEscape("a\"b\\c\n\t"), "a\\\"b\\\\c\\n\\t");
  EXPECT_EQ(JsonEscape("caf\xc3\xa9"), "caf\xc3\xa9");           // valid UTF-8 passes
  EXPECT_EQ(JsonEscape("x\xff" "y"), "x\\u00ffy");               // a stray byte
  EXPECT_EQ(JsonEscape("\xc3"), "\\u00c3");                      // a cut-off sequence
  EXPECT_EQ(JsonEscape("\xed\xa0\x80"), "\\u00ed\\u00a0\\u0080");  // a surrogate is not UTF-8
  EXPECT_EQ(JsonEscape(std::string("\x01\x7f", 2)), "\\u0001\\u007f");
  EXPECT_EQ(JsonString("a"), "\"a\"");
}

TEST(Text, XmlEscape) {
  EXPECT_EQ(XmlEscape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");
  EXPECT_EQ(XmlEscape("caf\xc3\xa9\xff\x01\n"), "caf\xc3\xa9??\n");
}

}  // namespace
}  // namespace sckit
