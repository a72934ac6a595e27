// The names container profiles spell (policy/oci.h): SCMP_ACT_* actions, SCMP_CMP_* operators,
// SCMP_ARCH_* architectures with libseccomp's names for them, and SECCOMP_FILTER_FLAG_* flags.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "policy/oci.h"

namespace sckit::policy {
namespace {

struct NamedAction {
  std::string_view name;
  ProfileAction action;
};
constexpr std::array kActions = {
    NamedAction{"SCMP_ACT_KILL", ProfileAction::kKill},
    NamedAction{"SCMP_ACT_KILL_PROCESS", ProfileAction::kKillProcess},
    NamedAction{"SCMP_ACT_KILL_THREAD", ProfileAction::kKillThread},
    NamedAction{"SCMP_ACT_TRAP", ProfileAction::kTrap},
    NamedAction{"SCMP_ACT_ERRNO", ProfileAction::kErrno},
    NamedAction{"SCMP_ACT_TRACE", ProfileAction::kTrace},
    NamedAction{"SCMP_ACT_ALLOW", ProfileAction::kAllow},
    NamedAction{"SCMP_ACT_LOG", ProfileAction::kLog},
    NamedAction{"SCMP_ACT_NOTIFY", ProfileAction::kNotify},
};

struct NamedOp {
  std::string_view name;
  CmpOp op;
};
constexpr std::array kOps = {
    NamedOp{"SCMP_CMP_NE", CmpOp::kNe},         NamedOp{"SCMP_CMP_LT", CmpOp::kLt},
    NamedOp{"SCMP_CMP_LE", CmpOp::kLe},         NamedOp{"SCMP_CMP_EQ", CmpOp::kEq},
    NamedOp{"SCMP_CMP_GE", CmpOp::kGe},         NamedOp{"SCMP_CMP_GT", CmpOp::kGt},
    NamedOp{"SCMP_CMP_MASKED_EQ", CmpOp::kMaskedEq},
};

// The runtime-spec's SCMP_ARCH_* names and libseccomp's names for them.
struct NamedArch {
  std::string_view scmp;
  std::string_view libseccomp;
};
constexpr std::array kArchNames = {
    NamedArch{"SCMP_ARCH_X86", "x86"},
    NamedArch{"SCMP_ARCH_X86_64", "x86_64"},
    NamedArch{"SCMP_ARCH_X32", "x32"},
    NamedArch{"SCMP_ARCH_ARM", "arm"},
    NamedArch{"SCMP_ARCH_AARCH64", "aarch64"},
    NamedArch{"SCMP_ARCH_MIPS", "mips"},
    NamedArch{"SCMP_ARCH_MIPS64", "mips64"},
    NamedArch{"SCMP_ARCH_MIPS64N32", "mips64n32"},
    NamedArch{"SCMP_ARCH_MIPSEL", "mipsel"},
    NamedArch{"SCMP_ARCH_MIPSEL64", "mipsel64"},
    NamedArch{"SCMP_ARCH_MIPSEL64N32", "mipsel64n32"},
    NamedArch{"SCMP_ARCH_PPC", "ppc"},
    NamedArch{"SCMP_ARCH_PPC64", "ppc64"},
    NamedArch{"SCMP_ARCH_PPC64LE", "ppc64le"},
    NamedArch{"SCMP_ARCH_S390", "s390"},
    NamedArch{"SCMP_ARCH_S390X", "s390x"},
    NamedArch{"SCMP_ARCH_PARISC", "parisc"},
    NamedArch{"SCMP_ARCH_PARISC64", "parisc64"},
    NamedArch{"SCMP_ARCH_RISCV64", "riscv64"},
    // Named by the runtime-spec or Docker's profile but newer than libseccomp 2.5.4: accepted
    // here, refused by policy/compile only when the filter would need them.
    NamedArch{"SCMP_ARCH_LOONGARCH64", "loongarch64"},
    NamedArch{"SCMP_ARCH_M68K", "m68k"},
    NamedArch{"SCMP_ARCH_SH", "sh"},
    NamedArch{"SCMP_ARCH_SHEB", "sheb"},
};

struct NamedFlag {
  std::string_view name;
  uint32_t bit;
};
constexpr std::array kFlags = {
    NamedFlag{"SECCOMP_FILTER_FLAG_TSYNC", 1u << 0},
    NamedFlag{"SECCOMP_FILTER_FLAG_LOG", 1u << 1},
    NamedFlag{"SECCOMP_FILTER_FLAG_SPEC_ALLOW", 1u << 2},
    NamedFlag{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 1u << 5},
};

}  // namespace

std::string_view ProfileActionName(ProfileAction action) {
  for (const NamedAction& n : kActions) {
    if (n.action == action) return n.name;
  }
  return "SCMP_ACT_?";
}

std::optional<ProfileAction> ParseProfileAction(std::string_view name) {
  for (const NamedAction& n : kActions) {
    if (n.name == name) return n.action;
  }
  return std::nullopt;
}

bool ActionTakesErrno(ProfileAction action) {
  return action == ProfileAction::kErrno || action == ProfileAction::kTrace;
}

std::string_view CmpOpName(CmpOp op) {
  for (const NamedOp& n : kOps) {
    if (n.op == op) return n.name;
  }
  return "SCMP_CMP_?";
}

std::optional<CmpOp> ParseCmpOp(std::string_view name) {
  for (const NamedOp& n : kOps) {
    if (n.name == name) return n.op;
  }
  return std::nullopt;
}

std::optional<std::string> LibseccompArchName(std::string_view scmp_arch) {
  for (const NamedArch& n : kArchNames) {
    if (n.scmp == scmp_arch) return std::string(n.libseccomp);
  }
  return std::nullopt;
}

std::optional<uint32_t> FilterFlagBit(std::string_view name) {
  for (const NamedFlag& n : kFlags) {
    if (n.name == name) return n.bit;
  }
  return std::nullopt;
}

}  // namespace sckit::policy
