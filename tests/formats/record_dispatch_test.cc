// A record line's own syscall user dispatch configuration (formats/record_dispatch.h): the keys
// in records, patterns and cases lines, the override of the command line's configuration, the
// prctl's EINVAL cases as located errors, and printing that parses back.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "formats/record_dispatch.h"
#include "formats/records.h"

namespace sckit {
namespace {

DispatchConfig On(uint64_t offset, uint64_t len, uint8_t selector) {
  DispatchConfig c;
  c.mode = DispatchMode::kExclusive;
  c.offset = offset;
  c.len = len;
  c.selector = selector;
  return c;
}

// The line's configuration over `base`, expecting success.
DispatchConfig Apply(const std::string& text, const DispatchConfig& base = {}) {
  LineDispatch line;
  Result<SeccompData> r = ParseRecord(text, 4, &line);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().ToString());
  Result<DispatchConfig> c = ApplyLineDispatch(base, line);
  EXPECT_TRUE(c.ok()) << text << ": " << (c.ok() ? "" : c.error().ToString());
  return c.ok() ? *c : DispatchConfig{};
}

// The error of a line, from parsing or from applying it over `base`.
Error LineError(const std::string& text, const DispatchConfig& base = {}) {
  LineDispatch line;
  Result<SeccompData> r = ParseRecord(text, 7, &line);
  if (!r.ok()) return r.error();
  Result<DispatchConfig> c = ApplyLineDispatch(base, line);
  EXPECT_FALSE(c.ok()) << text;
  return c.ok() ? Error{} : c.error();
}

TEST(RecordDispatch, TheKeysSetTheConfigurationBesideTheRecord) {
  LineDispatch line;
  Result<SeccompData> r = ParseRecord(
      "arch=x86_64 nr=openat ip=0x7f0000001000 dispatch=on region=0x7f0000000000,0x10000 "
      "selector=block",
      1, &line);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->nr, 257);
  EXPECT_EQ(r->instruction_pointer, 0x7f0000001000u);  // the record itself is unchanged
  EXPECT_EQ(line.given, LineDispatch::kMode | LineDispatch::kRegion | LineDispatch::kSelector);
  const DispatchConfig c = Apply(
      "nr=openat dispatch=inclusive region=0x1000,0x2000 selector=7 vdso-sigreturn=0x10,0x20");
  EXPECT_EQ(c.mode, DispatchMode::kInclusive);
  EXPECT_EQ(c.offset, 0x1000u);
  EXPECT_EQ(c.len, 0x2000u);
  EXPECT_EQ(c.selector_kind, SelectorKind::kByte);
  EXPECT_EQ(c.selector, 7);
  EXPECT_EQ(c.vdso_sigreturn[0], 0x10u);
  EXPECT_EQ(c.vdso_sigreturn[1], 0x20u);
  EXPECT_EQ(Apply("nr=1 dispatch=exclusive selector=none").selector_kind, SelectorKind::kNone);
  EXPECT_EQ(Apply("nr=1 dispatch=on selector=fault").selector_kind, SelectorKind::kFault);
}

TEST(RecordDispatch, ALineOverridesTheCommandLineFieldByField) {
  const DispatchConfig cli = On(0x7f0000000000, 0x1000, kDispatchBlock);
  // Only the selector: region and mode stay the command line's.
  DispatchConfig c = Apply("nr=1 selector=allow", cli);
  EXPECT_EQ(c.mode, DispatchMode::kExclusive);
  EXPECT_EQ(c.offset, 0x7f0000000000u);
  EXPECT_EQ(c.selector, kDispatchAllow);
  // Only the region.
  c = Apply("nr=1 region=0x2000,0x10", cli);
  EXPECT_EQ(c.offset, 0x2000u);
  EXPECT_EQ(c.len, 0x10u);
  EXPECT_EQ(c.selector, kDispatchBlock);
  // Off drops the command line's region with it.
  c = Apply("nr=1 dispatch=off", cli);
  EXPECT_FALSE(c.on());
  EXPECT_EQ(c.offset, 0u);
  EXPECT_EQ(c.len, 0u);
  // A line without keys leaves the command line's alone.
  LineDispatch none;
  ASSERT_TRUE(ParseRecord("nr=1 ip=5", 1, &none).ok());
  EXPECT_FALSE(none.any());
}

TEST(RecordDispatch, ThePrctlsEinvalCasesAreLocatedErrors) {
  Error e = LineError("nr=1 dispatch=on region=0x10,0xfffffffffffffff0");
  EXPECT_EQ(e.rule, "bad-dispatch-region");
  EXPECT_EQ(e.line, 7);
  EXPECT_NE(e.message.find("'region=0x10,0xfffffffffffffff0'"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("overflows"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("EINVAL"), std::string::npos) << e.message;
  EXPECT_EQ(LineError("nr=1 dispatch=on region=0x1000,0").rule, "bad-dispatch-region");
  EXPECT_EQ(LineError("nr=1 dispatch=inclusive").rule, "bad-dispatch-region");  // len 0
  // An empty region at 0 is what the exclusive prctl accepts (every call judged by the selector).
  EXPECT_EQ(Apply("nr=1 dispatch=on region=0,0").len, 0u);
  // The line's mode over the command line's region: inclusive of an empty region is refused,
  // at the dispatch= token since the line gave no region.
  e = LineError("nr=1 dispatch=inclusive", On(0, 0, kDispatchBlock));
  EXPECT_EQ(e.rule, "bad-dispatch-region");
  EXPECT_NE(e.message.find("'dispatch=inclusive'"), std::string::npos) << e.message;
}

TEST(RecordDispatch, BadValuesAndMisplacedKeysNameTheToken) {
  for (const char* bad : {"nr=1 dispatch=maybe", "nr=1 dispatch=on region=12",
                          "nr=1 dispatch=on selector=300", "nr=1 dispatch=on vdso-sigreturn=0",
                          "nr=1 dispatch=on region=0x1,zz"}) {
    const Error e = LineError(bad);
    EXPECT_EQ(e.rule, "bad-dispatch") << bad;
    EXPECT_EQ(e.line, 7) << bad;
    const std::string token = std::string(bad).substr(5);
    EXPECT_NE(e.message.find(token.substr(token.rfind(' ') + 1)), std::string::npos)
        << bad << ": " << e.message;
  }
  // Region, selector and vDSO addresses with dispatch off (line and command line).
  Error e = LineError("nr=1 selector=block");
  EXPECT_EQ(e.rule, "bad-dispatch");
  EXPECT_NE(e.message.find("'selector=block'"), std::string::npos) << e.message;
  EXPECT_EQ(LineError("nr=1 dispatch=off region=0,4096").rule, "bad-dispatch");
  EXPECT_EQ(LineError("nr=1 dispatch=off region=0x10,0x10", On(0, 0, 1)).rule, "bad-dispatch");
  EXPECT_EQ(LineError("nr=1 dispatch=on dispatch=off").rule, "duplicate-key");
  EXPECT_EQ(LineError("nr=1 region=1,2 region=1,2").rule, "duplicate-key");
  EXPECT_EQ(LineError("nr=1 selector=").rule, "missing-value");
}

TEST(RecordDispatch, InputsThatTakeNoConfigurationRefuseIt) {
  Result<SeccompData> r = ParseRecord("nr=1 dispatch=on", 2);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rule, "dispatch-not-allowed");
  EXPECT_EQ(r.error().line, 2);
  EXPECT_NE(r.error().message.find("'dispatch=on'"), std::string::npos);
  EXPECT_EQ(ParseRecordPattern("nr=1-3 selector=allow", 2).error().rule, "dispatch-not-allowed");
  EXPECT_EQ(CountRecordPattern("nr=1-3 region=1,2", 2).error().rule, "dispatch-not-allowed");
  std::istringstream in("nr=1 dispatch=on\n");
  RecordReader reader(in, RecordFormat::kText);
  SeccompData d;
  EXPECT_EQ(reader.Next(&d).error().rule, "dispatch-not-allowed");
}

TEST(RecordDispatch, PatternsKeepTheirRangesAndShareTheConfiguration) {
  LineDispatch line;
  Result<std::vector<SeccompData>> r = ParseRecordPattern(
      "nr=0-3 ip=0x1000,0x2000 dispatch=on region=0x1000,0x1000 selector=block", 1, &line);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->size(), 8u);
  EXPECT_EQ(line.values.offset, 0x1000u);
  // The region's comma is not a list.
  LineDispatch counted;
  EXPECT_EQ(*CountRecordPattern("nr=0-3 region=0x1000,0x1000 dispatch=on", 1, &counted), 4u);
  EXPECT_TRUE(counted.given & LineDispatch::kRegion);
  // The streaming readers carry each line's keys, and only that line's.
  std::istringstream in(
      "nr=1,2 dispatch=on selector=allow\nnr=3\nnr=4 dispatch=off\n");
  RecordReader reader(in, RecordFormat::kText);
  SeccompData d;
  LineDispatch got;
  std::vector<unsigned> given;
  while (*reader.Next(&d, &got)) given.push_back(got.given);
  const unsigned on_allow = LineDispatch::kMode | LineDispatch::kSelector;
  EXPECT_EQ(given, (std::vector<unsigned>{on_allow, on_allow, 0, LineDispatch::kMode}));
  std::istringstream cases_in("nr=1 ip=0-1 selector=none dispatch=on => DISPATCH_SIGSYS\n");
  CaseReader cases(cases_in, true);
  CaseLine c;
  ASSERT_TRUE(*cases.Next(&c));
  EXPECT_EQ(c.records.size(), 2u);
  EXPECT_EQ(c.dispatch.values.selector_kind, SelectorKind::kNone);
  EXPECT_EQ(c.expected, "DISPATCH_SIGSYS");
}

TEST(RecordDispatch, PrintedConfigurationsParseBackToThemselves) {
  DispatchConfig c = On(0x7f0000000000, 0x1000, kDispatchBlock);
  EXPECT_EQ(LineDispatchText(c), "dispatch=on region=0x7f0000000000,0x1000 selector=block");
  EXPECT_EQ(DispatchConfigJson(c),
            "{\"mode\": \"on\", \"offset\": 139637976727552, \"len\": 4096, \"selector\": "
            "\"block\", \"vdso_sigreturn\": null}");
  EXPECT_EQ(LineDispatchText(DispatchConfig{}), "dispatch=off");
  EXPECT_EQ(DispatchConfigJson(DispatchConfig{}), "{\"mode\": \"off\"}");
  DispatchConfig odd = c;
  odd.mode = DispatchMode::kInclusive;
  odd.selector = 9;
  odd.vdso_sigreturn[0] = 0xf7fc1570;
  odd.vdso_sigreturn[1] = 0xf7fc1580;
  EXPECT_NE(DispatchConfigJson(odd).find("\"selector\": 9,"), std::string::npos);
  DispatchConfig none = c;
  none.selector_kind = SelectorKind::kNone;
  // Whatever the command line says, the printed line gives back the same configuration.
  const DispatchConfig cli = On(0x5000, 0x10, kDispatchAllow);
  for (const DispatchConfig& want : {c, odd, none, DispatchConfig{}}) {
    const std::string text = "nr=1 " + LineDispatchText(want);
    for (const DispatchConfig& base : {DispatchConfig{}, cli}) {
      const DispatchConfig back = Apply(text, base);
      EXPECT_EQ(LineDispatchText(back), LineDispatchText(want)) << text;
      EXPECT_EQ(back.vdso_sigreturn[0], want.vdso_sigreturn[0]) << text;
    }
  }
}

}  // namespace
}  // namespace sckit
