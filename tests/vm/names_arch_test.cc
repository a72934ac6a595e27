// The per-arch errno and signal numberings (vm/names.h) against the kernel headers themselves,
// read at test time by a second, simpler reader (the #define lines of asm/errno.h, the
// asm-generic files it includes, and asm/signal.h; the build's generator runs the C
// preprocessor instead): every name the table reads has the header's number, and every
// number printed is a name of that number in the header. Each numbering's family is checked
// from the AUDIT_ARCH values of <linux/audit.h>.
#include <gtest/gtest.h>
#include <linux/audit.h>

#include <csignal>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "vm/names.h"

namespace sckit {
namespace {

// Where ./dev.sh setup installs each numbering's headers (Debian's cross packages).
struct Headers {
  Numbering numbering;
  std::string dir;
};
const Headers kHeaders[] = {
    {Numbering::kGeneric, "/usr/include"},  // asm-generic; x86's asm/ below
    {Numbering::kPowerpc, "/usr/powerpc64le-linux-gnu/include"},
    {Numbering::kMips, "/usr/mipsel-linux-gnu/include"},
    {Numbering::kMips, "/usr/mips64el-linux-gnuabi64/include"},  // one header for every ABI
    {Numbering::kParisc, "/usr/hppa-linux-gnu/include"},
    {Numbering::kSparc, "/usr/sparc64-linux-gnu/include"},
    {Numbering::kAlpha, "/usr/alpha-linux-gnu/include"},
};

std::string AsmDir(const Headers& h) {
  return h.numbering == Numbering::kGeneric ? "/usr/include/x86_64-linux-gnu/asm" : h.dir + "/asm";
}

// NAME -> number of every `#define NAME <decimal>` with the prefix, following
// `#include <asm-generic/...>` into `dir`, outside comments; a later define or #undef wins.
void ReadDefines(const std::string& path, const std::string& dir, const std::string& prefix,
                 std::map<std::string, int>* out) {
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  const std::regex define("^#[ \t]*define[ \t]+(" + prefix + "[A-Z0-9]+)[ \t]+([0-9]+)\\b.*");
  const std::regex undef("^#[ \t]*undef[ \t]+([A-Z0-9]+).*");
  const std::regex include("^#[ \t]*include[ \t]+<(asm-generic/errno[a-z-]*\\.h)>.*");
  std::string raw, line;
  std::smatch m;
  bool in_comment = false;  // a define inside /* */ is no define (x86's SIGLOST)
  while (std::getline(in, raw)) {
    line.clear();
    for (size_t i = 0; i < raw.size(); ++i) {
      if (!in_comment && raw.compare(i, 2, "/*") == 0) {
        in_comment = true;
        ++i;
      } else if (in_comment && raw.compare(i, 2, "*/") == 0) {
        in_comment = false;
        ++i;
      } else if (!in_comment) {
        line += raw[i];
      }
    }
    if (std::regex_match(line, m, define)) (*out)[m[1]] = std::stoi(m[2]);
    if (std::regex_match(line, m, undef)) out->erase(m[1]);
    if (std::regex_match(line, m, include)) ReadDefines(dir + "/" + m[1].str(), dir, prefix, out);
  }
}

void ExpectTableMatchesHeader(const std::map<std::string, int>& header, Numbering numbering,
                              bool errno_kind, const std::string& where) {
  auto by_name = [&](const std::string& n) {
    return errno_kind ? ErrnoByName(n, numbering) : SignalByName(n, numbering);
  };
  auto name_of = [&](int v) {
    return errno_kind ? ErrnoNameOf(v, numbering) : SignalNameOf(v, numbering);
  };
  std::set<int> values;
  for (const auto& [name, value] : header) {
    if (name == "SIGRTMIN" || name.ends_with("STKSZ")) continue;
    EXPECT_EQ(by_name(name), value) << where << " " << name;
    values.insert(value);
  }
  ASSERT_GT(values.size(), 25u) << where;
  for (int v = 1; v < 4096; ++v) {
    const std::string_view printed = name_of(v);
    if (values.count(v) == 0) {
      EXPECT_EQ(printed, "") << where << " " << v;
      continue;
    }
    ASSERT_FALSE(printed.empty()) << where << " " << v;
    auto it = header.find(std::string(printed));
    ASSERT_NE(it, header.end()) << where << " prints " << printed;
    EXPECT_EQ(it->second, v) << where << " prints " << printed;
  }
}

TEST(NamesArch, EveryNumberingMatchesItsHeaders) {
  for (const Headers& h : kHeaders) {
    const std::string where(NumberingName(h.numbering));
    std::map<std::string, int> errnos, signals;
    ReadDefines(AsmDir(h) + "/errno.h", h.dir, "E", &errnos);
    ReadDefines(AsmDir(h) + "/signal.h", h.dir, "SIG", &signals);
    ExpectTableMatchesHeader(errnos, h.numbering, true, where + " errno " + h.dir);
    ExpectTableMatchesHeader(signals, h.numbering, false, where + " signal " + h.dir);
  }
}

TEST(NamesArch, FamiliesFromTheAuditArch) {
  EXPECT_EQ(NumberingOf(AUDIT_ARCH_X86_64), Numbering::kGeneric);
  EXPECT_EQ(NumberingOf(AUDIT_ARCH_AARCH64), Numbering::kGeneric);
  EXPECT_EQ(NumberingOf(AUDIT_ARCH_S390X), Numbering::kGeneric);
  EXPECT_EQ(NumberingOf(AUDIT_ARCH_PPC64LE), Numbering::kPowerpc);
  EXPECT_EQ(NumberingOf(AUDIT_ARCH_PPC), Numbering::kPowerpc);
  for (uint32_t mips : std::initializer_list<uint32_t>{AUDIT_ARCH_MIPS, AUDIT_ARCH_MIPSEL, AUDIT_ARCH_MIPS64, AUDIT_ARCH_MIPSEL64,
       AUDIT_ARCH_MIPS64N32, AUDIT_ARCH_MIPSEL64N32}) {
    EXPECT_EQ(NumberingOf(mips), Numbering::kMips) << std::hex << mips;
  }
  EXPECT_EQ(NumberingOf(AUDIT_ARCH_PARISC), Numbering::kParisc);
  EXPECT_EQ(NumberingOf(AUDIT_ARCH_PARISC64), Numbering::kParisc);
  EXPECT_EQ(NumberingOf(AUDIT_ARCH_SPARC), Numbering::kSparc);
  EXPECT_EQ(NumberingOf(AUDIT_ARCH_SPARC64), Numbering::kSparc);
  EXPECT_EQ(NumberingOf(AUDIT_ARCH_ALPHA), Numbering::kAlpha);
  EXPECT_EQ(NumberingOf(0x12345678u), Numbering::kUnknown);  // no such AUDIT_ARCH
  EXPECT_EQ(NumberingOf(0), Numbering::kUnknown);
}

TEST(NamesArch, ByAuditArch) {
  // mips: ENOSYS is 89; 89 on x86_64 is another errno, never ENOSYS.
  EXPECT_EQ(ErrnoNameOf(89, AUDIT_ARCH_MIPSEL), "ENOSYS");
  EXPECT_EQ(ErrnoByName("ENOSYS", AUDIT_ARCH_MIPS64), 89);
  EXPECT_NE(ErrnoNameOf(89, AUDIT_ARCH_X86_64), "ENOSYS");
  EXPECT_EQ(ErrnoNameOf(38, AUDIT_ARCH_X86_64), "ENOSYS");
  EXPECT_NE(ErrnoNameOf(38, AUDIT_ARCH_MIPSEL), "ENOSYS");
  EXPECT_EQ(ErrnoByName("EDQUOT", AUDIT_ARCH_MIPSEL), 1133);
  // An arch nobody numbers: no names at all, never the generic ones.
  EXPECT_EQ(ErrnoNameOf(1, 0x12345678u), "");
  EXPECT_EQ(ErrnoByName("EPERM", 0x12345678u), std::nullopt);
  EXPECT_EQ(SignalNameOf(31, 0x12345678u), "");
  // SIGSYS is what the kernel sends on each arch.
  EXPECT_EQ(SignalNameOf(SigsysOf(AUDIT_ARCH_MIPSEL), AUDIT_ARCH_MIPSEL), "SIGSYS");
  EXPECT_EQ(SignalNameOf(SigsysOf(AUDIT_ARCH_SPARC64), AUDIT_ARCH_SPARC64), "SIGSYS");
  EXPECT_EQ(SigsysOf(AUDIT_ARCH_X86_64), SIGSYS);
  EXPECT_NE(SigsysOf(AUDIT_ARCH_MIPSEL), SIGSYS);
  // Aliases are read, and print as the name they alias.
  EXPECT_EQ(ErrnoByName("EWOULDBLOCK", AUDIT_ARCH_X86_64), ErrnoByName("EAGAIN"));
  EXPECT_EQ(ErrnoNameOf(*ErrnoByName("EWOULDBLOCK", AUDIT_ARCH_ALPHA), AUDIT_ARCH_ALPHA),
            "EAGAIN");
  EXPECT_EQ(SignalByName("SIGABRT", AUDIT_ARCH_MIPSEL), SignalByName("SIGIOT", AUDIT_ARCH_MIPSEL));
}

}  // namespace
}  // namespace sckit
