// Parsing container seccomp profiles (policy/oci.h): the accepted shapes (bare profile,
// config.json, Docker's `name`, null members), every action and operator name, and errors for
// bad profiles that name the JSON path. Then every SCMP_CMP operator compiled by libseccomp
// and run on 64-bit arguments whose halves differ, against plain 64-bit C++ comparisons.
#include <gtest/gtest.h>

#include <string>

#include "policy/compile.h"
#include "policy/oci.h"
#include "tests/policy_test_util.h"
#include "vm/arch.h"

namespace sckit::policy {
namespace {

using testing::ConditionHolds;
using testing::Filter;

std::string ParseMessage(const std::string& json) {
  Result<Profile> p = ParseProfile(json);
  EXPECT_FALSE(p.ok()) << "accepted: " << json;
  return p.ok() ? std::string() : p.error().message;
}

std::string ParseRule(const std::string& json) {
  Result<Profile> p = ParseProfile(json);
  return p.ok() ? std::string("ok") : p.error().rule;
}

TEST(OciParse, BareProfileWithEveryField) {
  Result<Profile> p = ParseProfile(R"({
    "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
    "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
    "listenerPath": "/run/agent.sock", "listenerMetadata": "meta",
    "syscalls": [
      {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
       "args": [{"index": 1, "value": 9, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]},
      {"name": "ptrace", "action": "SCMP_ACT_TRACE", "errnoRet": 7, "args": null,
       "includes": {"minKernel": "4.8"}, "excludes": {"caps": ["CAP_SYS_PTRACE"]},
       "comment": "old Docker spelling"}
    ],
    "unknownKey": {"ignored": true}})");
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->default_action, ProfileAction::kErrno);
  EXPECT_EQ(p->default_errno_ret, 38u);
  EXPECT_EQ(p->architectures.size(), 2u);
  EXPECT_EQ(p->flags.size(), 2u);
  EXPECT_EQ(p->listener_path, "/run/agent.sock");
  ASSERT_EQ(p->syscalls.size(), 3u);
  EXPECT_EQ(p->syscalls[0].names, (std::vector<std::string>{"read", "write"}));
  EXPECT_FALSE(p->syscalls[0].errno_ret.has_value());
  EXPECT_EQ(p->syscalls[1].errno_ret, 13u);
  ASSERT_EQ(p->syscalls[1].args.size(), 1u);
  EXPECT_EQ(p->syscalls[1].args[0].index, 1u);
  EXPECT_EQ(p->syscalls[2].names, (std::vector<std::string>{"ptrace"}));
  EXPECT_EQ(p->syscalls[2].action, ProfileAction::kTrace);
  EXPECT_EQ(p->syscalls[2].includes.min_kernel, "4.8");
  EXPECT_EQ(p->syscalls[2].excludes.caps, (std::vector<std::string>{"CAP_SYS_PTRACE"}));
  EXPECT_EQ(p->syscalls[2].path, "syscalls[2]");
  EXPECT_FALSE(p->from_config);
}

TEST(OciParse, WholeConfigJsonUsesLinuxSeccompAndBoundingCaps) {
  Result<Profile> p = ParseProfile(R"({"ociVersion": "1.0.2",
    "process": {"capabilities": {"bounding": ["CAP_SYS_ADMIN", "CAP_KILL"]}},
    "linux": {"namespaces": [], "seccomp": {"defaultAction": "SCMP_ACT_KILL_PROCESS",
      "syscalls": [{"names": ["exit"], "action": "SCMP_ACT_ALLOW"}]}}})");
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_TRUE(p->from_config);
  EXPECT_EQ(p->default_action, ProfileAction::kKillProcess);
  ASSERT_TRUE(p->bounding_caps.has_value());
  EXPECT_EQ(p->bounding_caps->size(), 2u);
  // Errors inside carry the full path.
  EXPECT_EQ(ParseMessage(R"({"linux": {"seccomp": {"defaultAction": "SCMP_ACT_NOPE"}}})"),
            "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_NOPE\" (expected "
            "SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, "
            "SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG or SCMP_ACT_NOTIFY)");
  EXPECT_EQ(ParseMessage(R"({"linux": {"namespaces": []}})"),
            "linux.seccomp: missing: this config.json has no seccomp profile");
}

TEST(OciParse, EveryActionAndOperatorName) {
  for (ProfileAction a :
       {ProfileAction::kKill, ProfileAction::kKillProcess, ProfileAction::kKillThread,
        ProfileAction::kTrap, ProfileAction::kErrno, ProfileAction::kTrace,
        ProfileAction::kAllow, ProfileAction::kLog, ProfileAction::kNotify}) {
    EXPECT_EQ(ParseProfileAction(ProfileActionName(a)), a);
  }
  for (CmpOp op : {CmpOp::kNe, CmpOp::kLt, CmpOp::kLe, CmpOp::kEq, CmpOp::kGe, CmpOp::kGt,
                   CmpOp::kMaskedEq}) {
    EXPECT_EQ(ParseCmpOp(CmpOpName(op)), op);
  }
  EXPECT_FALSE(ParseProfileAction("SCMP_ACT_allow").has_value());  // case-sensitive, as Go
  EXPECT_EQ(ActionRet(ProfileAction::kKill, std::nullopt), 0x00000000u);
  EXPECT_EQ(ActionRet(ProfileAction::kKillThread, std::nullopt), 0x00000000u);
  EXPECT_EQ(ActionRet(ProfileAction::kKillProcess, std::nullopt), 0x80000000u);
  EXPECT_EQ(ActionRet(ProfileAction::kTrap, std::nullopt), 0x00030000u);
  EXPECT_EQ(ActionRet(ProfileAction::kErrno, std::nullopt), 0x00050001u);  // EPERM
  EXPECT_EQ(ActionRet(ProfileAction::kErrno, 38), 0x00050026u);
  EXPECT_EQ(ActionRet(ProfileAction::kTrace, std::nullopt), 0x7ff00001u);  // EPERM
  EXPECT_EQ(ActionRet(ProfileAction::kAllow, std::nullopt), 0x7fff0000u);
  EXPECT_EQ(ActionRet(ProfileAction::kLog, std::nullopt), 0x7ffc0000u);
  EXPECT_EQ(ActionRet(ProfileAction::kNotify, std::nullopt), 0x7fc00000u);
}

TEST(OciParse, MalformedJsonNamesLineAndColumn) {
  Result<Profile> p = ParseProfile("{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  ]\n}");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().rule, "json-syntax");
  EXPECT_NE(p.error().message.find("line 3, column 3"), std::string::npos) << p.error().message;
  EXPECT_EQ(ParseRule(""), "json-syntax");
  EXPECT_EQ(ParseRule("{\"defaultAction\": \"SCMP_ACT_ALLOW\""), "json-syntax");
  EXPECT_EQ(ParseMessage("[1, 2]"),
            "(top level): expected an object (a seccomp profile or a config.json), found an "
            "array");
}

// oci fuzz target, 2026-12-07 (fuzz/regressions/oci/): a number beyond a double (1e400) made
// the JSON parser throw out_of_range, which ParseProfile let escape (std::terminate in the
// fuzzer, an unlocated failure in `sckit import oci`). It is a located json-syntax error now.
TEST(OciParse, NumberBeyondADoubleIsALocatedSyntaxError) {
  Result<Profile> p = ParseProfile(
      "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"comment\": \"1e400\",\n"
      "  \"defaultErrnoRet\": 1e400}");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().rule, "json-syntax");
  EXPECT_NE(p.error().message.find("line 2, column 22"), std::string::npos)
      << p.error().message;  // the number, not the string with the same text
  EXPECT_NE(p.error().message.find("'1e400'"), std::string::npos) << p.error().message;
  // Negative, in an array, and at the very start of the text.
  EXPECT_EQ(ParseRule("{\"syscalls\": [-2e999]}"), "json-syntax");
  EXPECT_EQ(ParseRule("1e400"), "json-syntax");
  // Large but finite numbers still parse (and are then judged by their field).
  EXPECT_EQ(ParseRule("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1e300}"),
            "bad-profile");
}

// The number is looked for outside strings only, and a string ends at its first unescaped
// quote: the 1e400 after \" is still string text (and its '[' is no nesting).
TEST(OciParse, OutOfRangeNumberIsLocatedPastEscapedQuotes) {
  EXPECT_EQ(ParseMessage("{\"comment\": \"a\\\" 1e400 [\",\n \"defaultErrnoRet\": 1e400}"),
            "malformed JSON at line 2, column 21: number '1e400' is out of range (beyond a 64-bit "
            "float)");
}

TEST(OciParse, BadProfilesNameTheJsonPath) {
  const std::string head = R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [)";
  const std::string ok = R"({"names": ["read"], "action": "SCMP_ACT_ALLOW"}, )";
  auto msg = [&](const std::string& entry) { return ParseMessage(head + ok + entry + "]}"); };

  EXPECT_EQ(msg(R"({"names": ["read"], "action": "SCMP_ACT_MAYBE"})"),
            "syscalls[1].action: unknown action \"SCMP_ACT_MAYBE\" (expected SCMP_ACT_KILL, "
            "SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, "
            "SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG or SCMP_ACT_NOTIFY)");
  EXPECT_EQ(msg(R"({"names": ["read"], "action": "SCMP_ACT_ALLOW",
                    "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_FOO"}]})"),
            "syscalls[1].args[0].op: unknown operator \"SCMP_CMP_FOO\" (expected SCMP_CMP_NE, "
            "SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT or "
            "SCMP_CMP_MASKED_EQ)");
  EXPECT_EQ(msg(R"({"names": ["read"], "action": "SCMP_ACT_ALLOW",
                    "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"},
                             {"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]})"),
            "syscalls[1].args[1].index: argument index 6 is out of range (a system call has "
            "arguments 0 to 5)");
  EXPECT_EQ(msg(R"({"names": ["read"], "action": "SCMP_ACT_ALLOW",
                    "args": [{"value": 1, "op": "SCMP_CMP_EQ"}]})"),
            "syscalls[1].args[0].index: missing (required)");
  EXPECT_EQ(msg(R"({"names": ["read"], "action": "SCMP_ACT_ALLOW",
                    "args": [{"index": 0, "op": "SCMP_CMP_EQ"}]})"),
            "syscalls[1].args[0].value: missing (required)");
  EXPECT_EQ(msg(R"({"names": ["read"], "action": "SCMP_ACT_ALLOW",
                    "args": [{"index": 0, "value": 1}]})"),
            "syscalls[1].args[0].op: missing (required)");
  EXPECT_EQ(msg(R"({"names": ["read"], "action": "SCMP_ACT_ALLOW",
                    "args": [{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}]})"),
            "syscalls[1].args[0].value: expected an unsigned integer, found a negative number");
  EXPECT_EQ(msg(R"({"names": ["read"], "action": "SCMP_ACT_ALLOW",
                    "args": [{"index": 0, "value": 18446744073709551616, "op": "SCMP_CMP_EQ"}]})"),
            "syscalls[1].args[0].value: expected an unsigned integer, found a fractional "
            "number (or one beyond 64 bits)");
  EXPECT_EQ(msg(R"({"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": {}})"),
            "syscalls[1].args: expected an array, found an object");
  EXPECT_EQ(msg(R"({"names": ["read"]})"), "syscalls[1].action: missing (required)");
  EXPECT_EQ(msg(R"({"action": "SCMP_ACT_ALLOW"})"), "syscalls[1].names: missing or empty");
  EXPECT_EQ(msg(R"({"names": [], "action": "SCMP_ACT_ALLOW"})"),
            "syscalls[1].names: missing or empty");
  EXPECT_EQ(msg(R"({"names": ["read", 3], "action": "SCMP_ACT_ALLOW"})"),
            "syscalls[1].names[1]: expected a string, found a number");
  EXPECT_EQ(msg(R"({"names": [""], "action": "SCMP_ACT_ALLOW"})"),
            "syscalls[1].names[0]: empty string is not a system call name");
  EXPECT_EQ(msg(R"({"name": "a", "names": ["b"], "action": "SCMP_ACT_ALLOW"})"),
            "syscalls[1]: both \"name\" and \"names\" given (use either, as Docker requires)");
  EXPECT_EQ(msg(R"({"names": ["read"], "action": "SCMP_ACT_ALLOW", "errnoRet": 1})"),
            "syscalls[1].errnoRet: an errno value is only allowed with SCMP_ACT_ERRNO or "
            "SCMP_ACT_TRACE, not with SCMP_ACT_ALLOW (syscalls[1].action)");
  EXPECT_EQ(msg(R"({"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 65536})"),
            "syscalls[1].errnoRet: 65536 is out of range (at most 65535)");
  EXPECT_EQ(msg(R"({"names": ["read"], "action": "SCMP_ACT_ALLOW",
                    "includes": {"minKernel": "four"}})"),
            "syscalls[1].includes.minKernel: expected a kernel version like \"4.8\", found "
            "\"four\"");
  EXPECT_EQ(msg(R"({"names": ["read"], "action": "SCMP_ACT_ALLOW", "excludes": []})"),
            "syscalls[1].excludes: expected an object, found an array");
  EXPECT_EQ(msg(R"(7)"), "syscalls[1]: expected an object, found a number");

  EXPECT_EQ(ParseMessage(R"({"syscalls": []})"), "defaultAction: missing (required)");
  EXPECT_EQ(ParseMessage(R"({"defaultAction": "SCMP_ACT_NOTIFY"})"),
            "defaultAction: SCMP_ACT_NOTIFY cannot be the default action (runc and libseccomp "
            "refuse it)");
  EXPECT_EQ(ParseMessage(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["vax"]})"),
            "architectures[0]: unknown architecture \"vax\"");
  EXPECT_EQ(ParseMessage(R"({"defaultAction": "SCMP_ACT_ALLOW",
                             "flags": ["SECCOMP_FILTER_FLAG_NEW_LISTENER"]})"),
            "flags[0]: unknown filter flag \"SECCOMP_FILTER_FLAG_NEW_LISTENER\" (expected "
            "SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW "
            "or SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)");
  EXPECT_EQ(ParseMessage(R"({"defaultAction": "SCMP_ACT_ALLOW",
                             "architectures": ["SCMP_ARCH_X86_64"],
                             "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]})"),
            "archMap: both \"architectures\" and \"archMap\" given (use either, as Docker "
            "requires)");
  EXPECT_EQ(ParseRule(R"({"defaultAction": "SCMP_ACT_ALLOW",
                          "archMap": [{"architecture": "SCMP_ARCH_PDP11"}]})"),
            "unknown-arch");
  EXPECT_EQ(ParseRule(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": null})"), "ok");
}

TEST(OciCompile, CompileErrorsNameTheirCause) {
  Result<Profile> p = ParseProfile(R"({"defaultAction": "SCMP_ACT_ALLOW",
      "architectures": ["SCMP_ARCH_LOONGARCH64"]})");
  ASSERT_TRUE(p.ok());
  ImportOptions o;
  o.kernel_version = "6.1";
  Result<CompiledFilter> c = CompileProfile(*p, o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().rule, "unknown-arch");
  o.arches = {"pdp11"};
  c = CompileProfile(*p, o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message.rfind("--arch: unknown architecture \"pdp11\"", 0), 0u);
  o.arches = {"x86_64"};
  o.kernel_version = "latest";
  Result<Profile> plain = ParseProfile(R"({"defaultAction": "SCMP_ACT_ALLOW"})");
  c = CompileProfile(*plain, o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().rule, "bad-kernel-version");
}

TEST(OciCompile, KernelVersionsCompareAsMobyDoes) {
  EXPECT_EQ(ParseKernelVersion("6.1.0-18-amd64"), (std::array<unsigned, 3>{6, 1, 0}));
  EXPECT_EQ(ParseKernelVersion("4.8"), (std::array<unsigned, 3>{4, 8, 0}));
  EXPECT_EQ(ParseKernelVersion("5.10.209"), (std::array<unsigned, 3>{5, 10, 209}));
  EXPECT_FALSE(ParseKernelVersion("6").has_value());
  EXPECT_FALSE(ParseKernelVersion("x.y").has_value());
}

TEST(OciCompile, RulesWithTheDefaultActionAreSkippedAsRuntimesDo) {
  Filter f(R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
      "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
                   {"names": ["close"], "action": "SCMP_ACT_ERRNO", "errnoRet": 9},
                   {"names": ["no_such_call"], "action": "SCMP_ACT_ALLOW"}]})",
           [] {
             ImportOptions o;
             o.arches = {"x86_64"};
             o.kernel_version = "6.1";
             return o;
           }());
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f.compiled().names_redundant, 2u);
  EXPECT_EQ(f.compiled().rules_added, 1u);
  ASSERT_EQ(f.compiled().warnings.size(), 1u);
  EXPECT_EQ(f.compiled().warnings[0],
            "syscalls[2].names[0]: unknown system call \"no_such_call\" ignored");
  EXPECT_EQ(f.RunName("read"), 0x00050001u);
  EXPECT_EQ(f.RunName("close"), 0x00050009u);
}

TEST(OciCompile, EveryActionReachesTheFilter) {
  Filter f(R"({"defaultAction": "SCMP_ACT_KILL_PROCESS", "architectures": ["SCMP_ARCH_X86_64"],
      "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["write"], "action": "SCMP_ACT_LOG"},
        {"names": ["open"], "action": "SCMP_ACT_ERRNO", "errnoRet": 2},
        {"names": ["close"], "action": "SCMP_ACT_ERRNO"},
        {"names": ["stat"], "action": "SCMP_ACT_TRAP"},
        {"names": ["fstat"], "action": "SCMP_ACT_TRACE", "errnoRet": 77},
        {"names": ["lstat"], "action": "SCMP_ACT_TRACE"},
        {"names": ["poll"], "action": "SCMP_ACT_NOTIFY"},
        {"names": ["lseek"], "action": "SCMP_ACT_KILL"},
        {"names": ["mmap"], "action": "SCMP_ACT_KILL_THREAD"}]})",
           [] {
             ImportOptions o;
             o.arches = {"x86_64"};
             o.kernel_version = "6.1";
             return o;
           }());
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f.RunName("read"), 0x7fff0000u);
  EXPECT_EQ(f.RunName("write"), 0x7ffc0000u);
  EXPECT_EQ(f.RunName("open"), 0x00050002u);
  EXPECT_EQ(f.RunName("close"), 0x00050001u);
  EXPECT_EQ(f.RunName("stat"), 0x00030000u);
  EXPECT_EQ(f.RunName("fstat"), 0x7ff0004du);
  EXPECT_EQ(f.RunName("lstat"), 0x7ff00001u);
  EXPECT_EQ(f.RunName("poll"), 0x7fc00000u);
  EXPECT_EQ(f.RunName("lseek"), 0x00000000u);
  EXPECT_EQ(f.RunName("mmap"), 0x00000000u);
  EXPECT_EQ(f.RunName("munmap"), 0x80000000u);
}

// Every operator, compiled by libseccomp for x86_64 (64-bit compares as two 32-bit halves) and
// run on values around its constants where the high and low halves order differently.
TEST(OciCompile, EveryOperatorOn64BitArguments) {
  const uint64_t constants[] = {0,
                                5,
                                0xffffffffull,
                                0x100000000ull,
                                0x00000001fffffffeull,
                                0x8000000000000000ull,
                                0xfffffffe00000001ull,
                                0x123456789abcdef0ull};
  const uint64_t masks[][2] = {{0xffffffff00000000ull, 0x1234567800000000ull},
                               {0x00000000ffff0000ull, 0x0000000012340000ull},
                               {0xf0000000000000f0ull, 0x1000000000000010ull},
                               {0x7e020000ull, 0}};
  int checked = 0;
  for (CmpOp op : {CmpOp::kNe, CmpOp::kLt, CmpOp::kLe, CmpOp::kEq, CmpOp::kGe, CmpOp::kGt,
                   CmpOp::kMaskedEq}) {
    std::vector<std::pair<uint64_t, uint64_t>> operands;
    if (op == CmpOp::kMaskedEq) {
      for (const auto& m : masks) operands.emplace_back(m[0], m[1]);
    } else {
      for (uint64_t c : constants) operands.emplace_back(c, 0);
    }
    for (const auto& [value, value_two] : operands) {
      for (int index : {0, 3, 5}) {
        const std::string json =
            R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
               "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [
                 {"index": )" + std::to_string(index) + R"(, "value": )" + std::to_string(value) +
            R"(, "valueTwo": )" + std::to_string(value_two) + R"(, "op": ")" +
            std::string(CmpOpName(op)) + R"("}]}]})";
        ImportOptions o;
        o.arches = {"x86_64"};
        o.kernel_version = "6.1";
        Filter f(json, o);
        ASSERT_TRUE(f.ok()) << json;
        const ArgCondition cond{static_cast<uint32_t>(index), value, value_two, op};
        std::vector<uint64_t> samples = testing::SampleValues(cond);
        for (uint64_t hi : {0ull, 1ull, 0xffffffffull}) {
          for (uint64_t lo : {0ull, 1ull, 0x7fffffffull, 0x80000000ull, 0xffffffffull}) {
            samples.push_back(hi << 32 | lo);
          }
        }
        samples.push_back(value_two | ~value);
        for (uint64_t arg : samples) {
          std::array<uint64_t, 6> args{};
          args[index] = arg;
          const uint32_t want = ConditionHolds(cond, arg) ? 0x7fff0000u : 0x00050001u;
          EXPECT_EQ(f.Run(kAuditArchX86_64, 0, args), want)
              << CmpOpName(op) << " a" << index << "=0x" << std::hex << arg << " value=0x"
              << value << " valueTwo=0x" << value_two;
          // The other arguments do not matter.
          std::array<uint64_t, 6> noisy;
          noisy.fill(0xdeadbeefcafef00dull);
          noisy[index] = arg;
          EXPECT_EQ(f.Run(kAuditArchX86_64, 0, noisy), want);
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 1000);
}

TEST(OciCompile, ConditionsOnOneArgumentAreOredAsRuncAndCrunDo) {
  ImportOptions o;
  o.arches = {"x86_64"};
  o.kernel_version = "6.1";
  // Same index twice: each condition is a rule of its own.
  Filter ored(R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
      "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [
        {"index": 0, "value": 1, "op": "SCMP_CMP_EQ"},
        {"index": 0, "value": 7, "op": "SCMP_CMP_EQ"}]}]})", o);
  ASSERT_TRUE(ored.ok());
  EXPECT_EQ(ored.RunName("read", {1}), 0x7fff0000u);
  EXPECT_EQ(ored.RunName("read", {7}), 0x7fff0000u);
  EXPECT_EQ(ored.RunName("read", {2}), 0x00050001u);
  // Different indexes: ANDed in one rule.
  Filter anded(R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
      "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [
        {"index": 0, "value": 1, "op": "SCMP_CMP_EQ"},
        {"index": 2, "value": 7, "op": "SCMP_CMP_GE"}]}]})", o);
  ASSERT_TRUE(anded.ok());
  EXPECT_EQ(anded.RunName("read", {1, 0, 7}), 0x7fff0000u);
  EXPECT_EQ(anded.RunName("read", {1, 0, 6}), 0x00050001u);
  EXPECT_EQ(anded.RunName("read", {2, 0, 7}), 0x00050001u);
}

TEST(OciCompile, ConflictingEntriesKeepTheFirst) {
  ImportOptions o;
  o.arches = {"x86_64"};
  o.kernel_version = "6.1";
  const std::string head = R"({"defaultAction": "SCMP_ACT_KILL",
      "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [)";
  const std::string allow = R"({"names": ["read"], "action": "SCMP_ACT_ALLOW"})";
  const std::string deny = R"({"names": ["read"], "action": "SCMP_ACT_ERRNO"})";
  Filter allow_first(head + allow + "," + deny + "]}", o);
  Filter deny_first(head + deny + "," + allow + "]}", o);
  ASSERT_TRUE(allow_first.ok() && deny_first.ok());
  EXPECT_EQ(allow_first.RunName("read"), 0x7fff0000u);
  EXPECT_EQ(deny_first.RunName("read"), 0x00050001u);
}

TEST(OciCompile, FlagsAreReportedNotCompiled) {
  const std::string base = R"({"defaultAction": "SCMP_ACT_ALLOW",
      "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [
        {"names": ["kill"], "action": "SCMP_ACT_ERRNO"}])";
  ImportOptions o;
  o.arches = {"x86_64"};
  o.kernel_version = "6.1";
  Filter plain(base + "}", o);
  Filter flagged(base + R"(, "flags": ["SECCOMP_FILTER_FLAG_LOG",
      "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC",
      "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]})", o);
  ASSERT_TRUE(plain.ok() && flagged.ok());
  EXPECT_EQ(plain.program(), flagged.program());
  EXPECT_EQ(flagged.compiled().resolved.flags, 0x27u);
  EXPECT_EQ(flagged.compiled().resolved.flag_names.size(), 4u);
}

TEST(OciCompile, IncludesAndExcludesFollowMobysOrder) {
  const std::string json = R"({"defaultAction": "SCMP_ACT_ERRNO",
      "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_ALLOW",
         "includes": {"caps": ["CAP_SYS_ADMIN", "CAP_NET_ADMIN"]}},
        {"names": ["write"], "action": "SCMP_ACT_ALLOW", "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
        {"names": ["open"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64"]}},
        {"names": ["close"], "action": "SCMP_ACT_ALLOW", "excludes": {"arches": ["amd64"]}},
        {"names": ["stat"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "5.0"}},
        {"names": ["fstat"], "action": "SCMP_ACT_ALLOW",
         "includes": {"caps": ["CAP_SYS_ADMIN"]}, "excludes": {"caps": ["CAP_NET_ADMIN"]}}]})";
  Result<Profile> p = ParseProfile(json);
  ASSERT_TRUE(p.ok());
  ImportOptions o;
  o.arches = {"amd64"};
  o.kernel_version = "4.19";
  o.caps = std::vector<std::string>{"CAP_SYS_ADMIN"};
  Result<ResolvedProfile> r = ResolveProfile(*p, o);
  ASSERT_TRUE(r.ok());
  std::vector<std::string> kept;
  for (const SyscallEntry& e : r->entries) kept.push_back(e.names[0]);
  EXPECT_EQ(kept, (std::vector<std::string>{"open", "stat", "fstat"}));
  ASSERT_EQ(r->dropped.size(), 3u);
  EXPECT_EQ(r->dropped[0], "syscalls[0]: includes.caps needs CAP_NET_ADMIN");
  EXPECT_EQ(r->dropped[1], "syscalls[1]: excludes.caps has CAP_SYS_ADMIN");
  EXPECT_EQ(r->dropped[2], "syscalls[3]: excludes.arches has amd64");
  o.caps = std::vector<std::string>{"CAP_SYS_ADMIN", "CAP_NET_ADMIN"};
  o.kernel_version = "5.0";
  r = ResolveProfile(*p, o);
  ASSERT_TRUE(r.ok());
  kept.clear();
  for (const SyscallEntry& e : r->entries) kept.push_back(e.names[0]);
  EXPECT_EQ(kept, (std::vector<std::string>{"read", "open"}));
}

}  // namespace
}  // namespace sckit::policy
