// From a parsed policy (rules_ast.h) to what a filter must decide, per arch: syscall names to
// numbers (libseccomp's tables through vm/names.h), action words to SECCOMP_RET_* values, the
// default and kill actions, argument words per arch (64-bit arches compare both 32-bit halves
// in the arch's word order; 32-bit arches compare the low word only, as minijail does).
// Shared by the code generator (rules_compile.h) and the reference evaluator (rules_eval.h), so
// both read the policy the same way and differ only in how they decide.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/rules_ast.h"
#include "vm/arch.h"
#include "vm/status.h"

namespace sckit::policy {

struct ResolveOptions {
  std::vector<const ArchInfo*> arches;  // empty: x86_64. x86_64 and x32 share one AUDIT_ARCH
  std::optional<RuleAction> default_action;  // overrides @default (the command line)
  bool kill_process = false;  // the word `kill` (and foreign arches) mean KILL_PROCESS
};

// The calls of one AUDIT_ARCH value: x86_64 and x32 together (x32 numbers carry 0x40000000).
struct ArchGroup {
  uint32_t audit_arch = 0;
  std::vector<const ArchInfo*> arches;
  bool args64 = true;         // ArchInfo::bits == 64: compare high and low words
  bool little_endian = true;  // !ArchInfo::big_endian: low word first in each 64-bit argument
  std::map<uint32_t, size_t> rules;  // syscall number -> index into Policy::rules
  // syscall number -> its rule with every named constant as the number's arch defines it
  // (x32 numbers: x32's values); what the code generator and the evaluator read.
  std::map<uint32_t, SyscallRule> arch_rules;
  std::map<uint32_t, uint64_t> frequency;  // from @frequency, by number (absent: 1)

  uint32_t LowWord(int arg) const { return 16 + 8 * arg + (little_endian ? 0 : 4); }
  uint32_t HighWord(int arg) const { return 16 + 8 * arg + (little_endian ? 4 : 0); }
};

struct ResolvedPolicy {
  const Policy* policy = nullptr;  // not owned; must outlive this
  std::vector<ArchGroup> groups;   // in the order the arches were given
  uint32_t default_ret = 0;        // for calls no rule decides
  uint32_t kill_ret = 0;           // `kill`, and every foreign arch
  std::vector<std::string> warnings;  // located, e.g. a name missing on one of several arches

  // The rule of syscall `nr` in group g, its constants as that arch defines them.
  static const SyscallRule& RuleFor(const ArchGroup& g, uint32_t nr) { return g.arch_rules.at(nr); }

  // The SECCOMP_RET_* value of an action (kDefault: default_ret; kKill: kill_ret).
  uint32_t Ret(const RuleAction& a) const;
  // An atom's constant as this group compares it (the low 32 bits on 32-bit arches).
  static uint64_t GroupValue(const ArchGroup& g, uint64_t v) {
    return g.args64 ? v : (v & 0xffffffffu);
  }
};

// Errors, each at file:line:col: a syscall no given arch knows (with suggestions), two names
// for one number, a constant that does not fit a 32-bit arch's word, a bad --default-action,
// a named constant an arch does not define (or sckit has no table for: rules_constants.h), a
// named errno an arch does not define, a named default errno whose number differs between the
// given arches (a rule's named errno takes each arch's own number).
Result<ResolvedPolicy> ResolvePolicy(const Policy& policy, const ResolveOptions& options);

// The number a policy's syscall name means on `arch`, as minijail's tables (made from the
// kernel headers by its gen_syscalls.sh) give it: libseccomp's number; where libseccomp resolves
// the name to a pseudo number (i386's, s390x's and ppc's direct socket and IPC calls, which it
// multiplexes through socketcall/ipc) the kernel's own number for it (i386 recvmsg is 372);
// on arm, `ARM_x` for the ARM-private call __ARM_NR_x (ARM_set_tls is 0xf0005). nullopt when the
// arch has no such call.
std::optional<int32_t> PolicySyscallNumber(const ArchInfo& arch, std::string_view name);

// The syscall names libseccomp knows for `arch` (for suggestions and listings).
const std::vector<std::string_view>& SyscallNamesOf(const ArchInfo& arch);

}  // namespace sckit::policy
