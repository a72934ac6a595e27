// The policy-language parser (policy/rules_parser.h): every construct of minijail's format as
// the AST it gives, both readings of `expr; return N`, @include / @frequency / @default /
// @denylist, and every error with its exact file:line:col text; plus bounds (size, include
// depth, parenthesis depth) and the generated constant table.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "policy/rules_constants.h"
#include "policy/rules_lexer.h"
#include "policy/rules_parser.h"
#include "policy/suggest.h"
#include "tests/policy/rules_test_util.h"

namespace sckit::policy {
namespace {

using testing::MustParse;
using testing::ParseErrorOf;

// A parse option whose files come from a map instead of the disk.
ParseOptions WithFiles(std::map<std::string, std::string> files) {
  ParseOptions o;
  o.read_file = [files](const std::string& path) -> Result<std::string> {
    auto it = files.find(path);
    if (it == files.end()) return MakeError("io", "No such file or directory");
    return it->second;
  };
  return o;
}

TEST(PolicyRulesParser, ConstantTableIsGeneratedFromHeaders) {
  EXPECT_EQ(LookupConstant("PROT_READ"), 1u);
  EXPECT_EQ(LookupConstant("PROT_EXEC"), 4u);
  EXPECT_EQ(LookupConstant("MAP_PRIVATE"), 2u);
  EXPECT_EQ(LookupConstant("AF_UNIX"), 1u);
  EXPECT_EQ(LookupConstant("EPERM"), 1u);
  EXPECT_EQ(LookupConstant("TCGETS"), 0x5401u);
  EXPECT_EQ(LookupConstant("FIONREAD"), 0x541Bu);
  EXPECT_EQ(LookupConstant("SIOCGIFFLAGS"), 0x8913u);
  EXPECT_EQ(LookupConstant("CLONE_NEWUSER"), 0x10000000u);
  EXPECT_EQ(LookupConstant("FUTEX_WAIT_PRIVATE"), 128u);
  EXPECT_EQ(LookupConstant("GRND_NONBLOCK"), 1u);
  EXPECT_EQ(LookupConstant("AT_FDCWD"), 0xffffffffffffff9cu);  // -100, sign-extended
  EXPECT_EQ(LookupConstant("FS_IOC_GETFLAGS"), 0x80086601u);     // _IOR('f', 1, long)
  EXPECT_FALSE(LookupConstant("SIG_DFL"));                        // a pointer, not a number
  EXPECT_FALSE(LookupConstant("NOT_A_CONSTANT"));
  EXPECT_GT(ConstantNames().size(), 1500u);
}

TEST(PolicyRulesParser, Numbers) {
  EXPECT_EQ(*ParseNumber("0"), 0u);
  EXPECT_EQ(*ParseNumber("42"), 42u);
  EXPECT_EQ(*ParseNumber("0x1F"), 31u);
  EXPECT_EQ(*ParseNumber("010777"), 010777u);
  EXPECT_EQ(*ParseNumber("-1"), ~uint64_t{0});
  EXPECT_EQ(*ParseNumber("0xffffffffffffffff"), ~uint64_t{0});
  EXPECT_EQ(*ParseNumber("-9223372036854775808"), uint64_t{1} << 63);
  EXPECT_FALSE(ParseNumber("08").ok());
  EXPECT_FALSE(ParseNumber("0x").ok());
  EXPECT_FALSE(ParseNumber("12ab").ok());
  EXPECT_FALSE(ParseNumber("0x10000000000000000").ok());
  EXPECT_FALSE(ParseNumber("-9223372036854775809").ok());
}

TEST(PolicyRulesParser, Values) {
  EXPECT_EQ(*ParseValueText("PROT_READ|PROT_WRITE"), 3u);
  EXPECT_EQ(*ParseValueText("~PROT_EXEC"), ~uint64_t{4});
  EXPECT_EQ(*ParseValueText("~(PROT_READ|PROT_WRITE)|1"), ~uint64_t{3} | 1);
  EXPECT_EQ(*ParseValueText("((1))"), 1u);
  EXPECT_EQ(*ParseValueText("0x10|010|2"), 0x1Au);
}

TEST(PolicyRulesParser, EveryStatementForm) {
  Policy p = MustParse(
      "# comment\n"
      "read: 1\n"
      "write: allow   # trailing comment\n"
      "open: return EPERM\n"
      "close: kill\n"
      "kill: kill-process\n"
      "brk: kill-thread\n"
      "mmap: trap\n"
      "munmap: trace\n"
      "ioctl: log\n"
      "fcntl: user-notify\n"
      "59: 1\n"
      "{getpid, getppid}: return 3\n");
  ASSERT_EQ(p.rules.size(), 13u);
  auto action = [&](size_t i) { return p.rules[i].filters.at(0).if_true; };
  EXPECT_EQ(action(0), (RuleAction{ActionKind::kAllow, 0}));
  EXPECT_EQ(action(1), (RuleAction{ActionKind::kAllow, 0}));
  EXPECT_EQ(action(2), (RuleAction{ActionKind::kErrno, 1}));
  EXPECT_EQ(action(3), (RuleAction{ActionKind::kKill, 0}));
  EXPECT_EQ(p.rules[4].name, "kill");
  EXPECT_EQ(action(4), (RuleAction{ActionKind::kKillProcess, 0}));
  EXPECT_EQ(action(5), (RuleAction{ActionKind::kKillThread, 0}));
  EXPECT_EQ(action(6), (RuleAction{ActionKind::kTrap, 0}));
  EXPECT_EQ(action(7), (RuleAction{ActionKind::kTrace, 0}));
  EXPECT_EQ(action(8), (RuleAction{ActionKind::kLog, 0}));
  EXPECT_EQ(action(9), (RuleAction{ActionKind::kUserNotify, 0}));
  EXPECT_EQ(p.rules[10].name, "59");
  EXPECT_EQ(p.rules[11].name, "getpid");
  EXPECT_EQ(p.rules[12].name, "getppid");
  EXPECT_EQ(action(12), (RuleAction{ActionKind::kErrno, 3}));
  EXPECT_EQ(p.rules[0].loc.ToString(), "t.policy:2:1");
}

TEST(PolicyRulesParser, ExpressionsAreDnf) {
  Policy p = MustParse("mmap: arg0 == 1 && arg1 != 2 || arg2 < 3 || arg3 <= 4 && arg4 > 5 && "
                       "arg5 >= 6 || arg0 & 7 || arg1 in 8\n");
  const Filter& f = p.rules.at(0).filters.at(0);
  ASSERT_EQ(f.expr.size(), 5u);
  EXPECT_EQ(f.expr[0].size(), 2u);
  EXPECT_EQ(f.expr[1].size(), 1u);
  EXPECT_EQ(f.expr[2].size(), 3u);
  EXPECT_EQ(f.expr[2][2].arg, 5);
  EXPECT_EQ(f.expr[2][2].op, CompareOp::kGe);
  EXPECT_EQ(f.expr[2][2].value, 6u);
  EXPECT_EQ(f.expr[3][0].op, CompareOp::kAnySet);
  EXPECT_EQ(f.expr[4][0].op, CompareOp::kIn);
  EXPECT_EQ(f.expr[4][0].loc.ToString(), "t.policy:1:95");
  EXPECT_EQ(f.if_true, (RuleAction{ActionKind::kAllow, 0}));
  EXPECT_FALSE(f.if_false);
}

TEST(PolicyRulesParser, ReturnClauseFollowsTheManPageByDefault) {
  Policy p = MustParse("socket: arg0 == AF_UNIX; return 1\n");
  const Filter& f = p.rules.at(0).filters.at(0);
  EXPECT_EQ(f.if_true, (RuleAction{ActionKind::kAllow, 0}));
  ASSERT_TRUE(f.if_false);
  EXPECT_EQ(*f.if_false, (RuleAction{ActionKind::kErrno, 1}));
  ParseOptions python;
  python.return_semantics = ReturnSemantics::kPython;
  p = MustParse("socket: arg0 == AF_UNIX; return 1\n", python);
  const Filter& g = p.rules.at(0).filters.at(0);
  EXPECT_EQ(g.if_true, (RuleAction{ActionKind::kErrno, 1}));
  EXPECT_FALSE(g.if_false);
}

TEST(PolicyRulesParser, ContinuationsAndRepeatedSyscalls) {
  Policy p = MustParse("read: arg0 == 0 || \\\n   arg0 == 1\nread: arg0 == 2\nread: return 5\n");
  ASSERT_EQ(p.rules.size(), 1u);
  ASSERT_EQ(p.rules[0].filters.size(), 3u);
  EXPECT_EQ(p.rules[0].filters[0].expr[1][0].loc.ToString(), "t.policy:2:4");
  EXPECT_EQ(p.rules[0].filters[2].if_true, (RuleAction{ActionKind::kErrno, 5}));
  p = MustParse("read: {arg0 == 0, arg0 == 1; return 4, kill}\n",
                [] { ParseOptions o; o.return_semantics = ReturnSemantics::kPython; return o; }());
  ASSERT_EQ(p.rules[0].filters.size(), 3u);
  EXPECT_EQ(p.rules[0].filters[1].if_true, (RuleAction{ActionKind::kErrno, 4}));
}

TEST(PolicyRulesParser, Directives) {
  ParseOptions o = WithFiles({{"dir/inc/common.policy", "write: 1\n@include ../more.policy\n"},
                              {"dir/more.policy", "close: 1\n"},
                              {"dir/hot.frequency", "read: 100\n# c\nwrite: 0x10\n"}});
  Result<Policy> p = ParsePolicyText("@include ./inc/common.policy\n@frequency ./hot.frequency\n"
                                     "@default kill-process\nread: 1\n",
                                     "dir/main.policy", o);
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_EQ(p->rules.size(), 3u);
  EXPECT_EQ(p->rules[0].name, "write");
  EXPECT_EQ(p->rules[0].loc.ToString(), "dir/inc/common.policy:1:1");
  EXPECT_EQ(p->rules[1].loc.ToString(), "dir/more.policy:1:1");
  ASSERT_EQ(p->frequencies.size(), 2u);
  EXPECT_EQ(p->frequencies[1].count, 16u);
  EXPECT_EQ(*p->default_action, (RuleAction{ActionKind::kKillProcess, 0}));
  EXPECT_EQ(p->files.size(), 4u);
  Policy d = MustParse("@denylist\nptrace: return EPERM\n");
  EXPECT_TRUE(d.denylist);
}

struct ErrorCase {
  const char* text;
  const char* error;
};

TEST(PolicyRulesParser, EveryErrorIsLocated) {
  const ErrorCase kCases[] = {
      {"read: arg0 == PROT_EXC\n",
       "t.policy:1:15: unknown constant 'PROT_EXC' (did you mean 'PROT_EXEC'?)"},
      {"read: arg6 == 1\n", "t.policy:1:7: argument index 6 out of range (arg0..arg5)"},
      {"read: arg0 =< 1\n", "t.policy:1:12: expected an operator (== != < <= > >= & in) after 'arg0', found '='"},
      {"read: arg0 1\n",
       "t.policy:1:12: expected an operator (== != < <= > >= & in) after 'arg0', found '1'"},
      {"read: arg0 ==\n", "t.policy:1:14: expected a constant, found end of line"},
      {"read: arg0 == ~~1\n", "t.policy:1:16: double complement '~~' is not allowed"},
      {"read: arg0 == (1|2\n",
       "t.policy:1:19: expected ')' to close the '(' at column 15, found end of line"},
      {"read: arg0 == 08\n", "t.policy:1:15: invalid number '08'"},
      {"read: arg0 == 0x1ffffffffffffffff\n",
       "t.policy:1:15: number '0x1ffffffffffffffff' does not fit in 64 bits"},
      {"read: arg0 == 1 &&\n", "t.policy:1:19: expected an argument (arg0..arg5), found end of line"},
      {"read: arg0 == 1 || foo\n",
       "t.policy:1:20: expected an argument (arg0..arg5), found 'foo'"},
      {"read: arg0 == 1;\n", "t.policy:1:17: expected an action, found end of line"},
      {"read: arg0 == 1; return\n", ""},  // C parser: a bare return is the default action
      {"read: return 70000\n", "t.policy:1:14: errno 70000 out of range (0..65535)"},
      {"read: return (1)\n",
       "t.policy:1:14: expected an errno (a number or a name such as EPERM) after 'return', "
       "found '('"},
      {"read: 2\n",
       "t.policy:1:7: expected an action (allow, 1, kill, kill-process, kill-thread, trap, "
       "trace, log, user-notify, return <errno>), found '2'"},
      {"read\n", "t.policy:1:5: expected ':' after the syscall name, found end of line"},
      {"read:\n", "t.policy:1:6: expected an expression or an action, found end of line"},
      {": 1\n", "t.policy:1:1: expected a syscall name, found ':'"},
      {"read: 1 1\n", "t.policy:1:9: unexpected '1' after the statement"},
      {"{read, write: 1\n", "t.policy:1:13: expected ',' or '}', found ':'"},
      {"read: $\n", "t.policy:1:7: unexpected character '$'"},
      {"read: \x01\n", "t.policy:1:7: unexpected character \\x01"},
      {"@includ ./x\n",
       "t.policy:1:1: unknown directive '@includ' (expected @include, @frequency, @default or "
       "@denylist)"},
      {"@include\n", "t.policy:1:9: expected a path after @include"},
      {"@include ./nope.policy\n",
       "t.policy:1:10: cannot read './nope.policy' (as nope.policy): No such file or directory"},
      {"@default allow\n",
       "t.policy:1:1: @default must be kill, kill-process, kill-thread, trap or user-notify, "
       "not 'allow'"},
      {"@denylist\nread: kill\n",
       "t.policy:2:7: a @denylist policy may only use 'return <errno>' as an action"},
      {"@denylist\n@default trap\nread: return 1\n",
       "t.policy:2:1: @default has no meaning in a @denylist policy (calls not listed are "
       "allowed)"},
      {"read: 1\nread: arg0 == 1\n",
       "t.policy:2:7: 'read' already has an unconditional action (from t.policy:1:7); this rule "
       "would never apply"},
      {"read: arg0 == 1; return 1\nread: 1\n",
       "t.policy:2:7: 'read' already has an unconditional action (from t.policy:1:7); this rule "
       "would never apply"},
      {"1x: 1\n", "t.policy:1:1: a syscall number must be a decimal number, found '1x'"},
  };
  ParseOptions o = WithFiles({});
  for (const ErrorCase& c : kCases) {
    EXPECT_EQ(ParseErrorOf(c.text, o), c.error) << c.text;
  }
}

TEST(PolicyRulesParser, FrequencyErrors) {
  ParseOptions o = WithFiles({{"f", "read 1\n"}, {"g", "read: -1\n"}, {"h", "read: 1 2\n"}});
  EXPECT_EQ(ParseErrorOf("@frequency ./f\n", o), "f:1:6: expected ':', found '1'");
  EXPECT_EQ(ParseErrorOf("@frequency ./g\n", o), "g:1:7: invalid count '-1'");
  EXPECT_EQ(ParseErrorOf("@frequency ./h\n", o), "h:1:9: unexpected '2' after the count");
}

TEST(PolicyRulesParser, IncludeDepthIsBounded) {
  ParseOptions o = WithFiles({{"loop.policy", "@include ./loop.policy\n"}});
  o.max_include_depth = 4;
  EXPECT_EQ(ParseErrorOf("@include ./loop.policy\n", o),
            "loop.policy:1:10: @include nested too deep (more than 4 files open)");
}

TEST(PolicyRulesParser, SizesAreBounded) {
  ParseOptions o = WithFiles({{"big.policy", std::string(2000, '#')}});
  o.max_file_bytes = 1000;
  EXPECT_EQ(ParseErrorOf("@include ./big.policy\n", o),
            "t.policy:1:10: cannot read './big.policy' (as big.policy): larger than 1000 bytes");
  std::string deep = "read: arg0 == " + std::string(40, '(') + "1" + std::string(40, ')') + "\n";
  EXPECT_EQ(ParseErrorOf(deep), "t.policy:1:47: parentheses nested too deep");
  Result<Policy> p = ParsePolicyText(std::string(2 << 20, ' '), "huge.policy");
  EXPECT_FALSE(p.ok());
}

TEST(PolicyRulesParser, Suggestions) {
  EXPECT_EQ(EditDistance("open", "opne", 3), 1u);
  EXPECT_EQ(EditDistance("abc", "xyz", 1), 2u);  // capped at limit + 1
  std::vector<std::string_view> names = {"open", "openat", "close", "read"};
  EXPECT_EQ(DidYouMean("opn", names), " (did you mean 'open'?)");
  EXPECT_EQ(DidYouMean("opena", names), " (did you mean 'open' or 'openat'?)");
  EXPECT_EQ(DidYouMean("zzzzzz", names), "");
}

TEST(PolicyRulesParser, ActionText) {
  EXPECT_EQ(*ParseActionText("kill-process"), (RuleAction{ActionKind::kKillProcess, 0}));
  EXPECT_EQ(*ParseActionText("return EPERM"), (RuleAction{ActionKind::kErrno, 1}));
  EXPECT_FALSE(ParseActionText("return EPERM extra").ok());
  EXPECT_FALSE(ParseActionText("nope").ok());
}

}  // namespace
}  // namespace sckit::policy
