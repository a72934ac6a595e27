// The C API's run paths (capi/sckit.cc) see each record's words as the record's machine lays
// them out, whichever path a run takes: sckit_program_run's direct call into the JIT (a program
// that loads only nr and arch, or a little-endian record), its out-of-line path (big-endian
// records of a program that loads ip or args: the 64-bit halves swapped, as seccomp_data is on
// s390x, ppc64, mips), the interpreter, and the batch call's loops (unrolled for programs that
// load only nr and arch, tested record by record otherwise, counts that are not a multiple of
// four). The expected words are written from the layout rule, not from sckit: on a big-endian
// machine the word at offset 16 is the HIGH half of args[0], on a little-endian one the low.
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/filter.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "capi/sckit.h"

namespace {

struct Arch {
  uint32_t audit_arch;
  bool big_endian;  // the word layout its records have
};

// Known little- and big-endian arches, and values sckit does not know (run as given, as on
// the host) with and without the __AUDIT_ARCH_LE bit.
constexpr Arch kArches[] = {
    {AUDIT_ARCH_X86_64, false}, {AUDIT_ARCH_I386, false},   {AUDIT_ARCH_AARCH64, false},
    {AUDIT_ARCH_MIPS, true},    {AUDIT_ARCH_S390X, true},   {AUDIT_ARCH_PPC64, true},
    {AUDIT_ARCH_MIPS64, true},  {0x00001234u, false},       {0xdeadbeefu, false},
};

// `ld [k]; ret A`: the filter returns the word it loads.
sckit_program* LoadWord(uint32_t k, sckit_engine engine) {
  const sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, k),
      BPF_STMT(BPF_RET | BPF_A, 0),
  };
  sckit_program* p = nullptr;
  char err[256];
  EXPECT_EQ(sckit_program_prepare(f, sizeof f, engine, &p, err, sizeof err), SCKIT_OK) << err;
  return p;
}

// A record whose every 32-bit half is distinct: ip = 0x0102030405060708 style.
seccomp_data Record(uint32_t arch, int i) {
  seccomp_data d{};
  d.nr = 100 + i;
  d.arch = arch;
  d.instruction_pointer = 0xa0a0a0a0'00000000ull | static_cast<uint32_t>(0x1000 + i);
  for (int a = 0; a < 6; ++a) {
    d.args[a] = (uint64_t{0x11110000u + static_cast<uint32_t>(a)} << 32) |
                (0x22220000u + static_cast<uint32_t>(a * 16 + i));
  }
  return d;
}

// What a filter on the record's own machine loads at offset k.
uint32_t WordOnItsMachine(const seccomp_data& d, uint32_t k, bool big_endian) {
  if (k == 0) return static_cast<uint32_t>(d.nr);
  if (k == 4) return d.arch;
  const uint64_t v = k < 16 ? d.instruction_pointer : d.args[(k - 16) / 8];
  const bool first_half = k % 8 == 0;  // offset 8, 16, ...: the field's first four bytes
  const bool high = big_endian ? first_half : !first_half;
  return static_cast<uint32_t>(high ? v >> 32 : v);
}

// The host's view of the same bytes: what the JIT's function pointer reads.
uint32_t WordAsGiven(const seccomp_data& d, uint32_t k) { return WordOnItsMachine(d, k, false); }

TEST(RunPath, EveryWordOnEveryArchThroughEveryPath) {
  for (sckit_engine engine : {SCKIT_ENGINE_INTERP, SCKIT_ENGINE_JIT}) {
    for (uint32_t k = 0; k < sizeof(seccomp_data); k += 4) {
      sckit_program* p = LoadWord(k, engine);
      ASSERT_NE(p, nullptr);
      const sckit_jit_function fn = sckit_program_jit_function(p);
      for (const Arch& arch : kArches) {
        const seccomp_data d = Record(arch.audit_arch, static_cast<int>(k));
        const uint32_t want = WordOnItsMachine(d, k, arch.big_endian);
        EXPECT_EQ(sckit_program_run(p, &d), want)
            << "engine " << engine << " k " << k << " arch " << std::hex << arch.audit_arch;
        uint32_t out = 0;
        ASSERT_EQ(sckit_program_run_batch(p, &d, 1, &out), SCKIT_OK);
        EXPECT_EQ(out, want) << "batch, engine " << engine << " k " << k;
        if (fn != nullptr) EXPECT_EQ(fn(&d), WordAsGiven(d, k)) << "function pointer, k " << k;
      }
      sckit_program_release(p);
    }
  }
}

// Batches of every length up to 13 (the unrolled loop's tail), arches mixed record by record,
// for a program that loads only nr/arch and one that loads an argument's half.
TEST(RunPath, BatchesOfEveryLengthWithMixedArches) {
  for (sckit_engine engine : {SCKIT_ENGINE_INTERP, SCKIT_ENGINE_JIT}) {
    for (uint32_t k : {0u, 4u, 16u, 44u}) {
      sckit_program* p = LoadWord(k, engine);
      ASSERT_NE(p, nullptr);
      for (size_t n = 1; n <= 13; ++n) {
        std::vector<seccomp_data> records;
        std::vector<uint32_t> want;
        for (size_t i = 0; i < n; ++i) {
          const Arch& arch = kArches[(i * 5 + n) % std::size(kArches)];
          records.push_back(Record(arch.audit_arch, static_cast<int>(i)));
          want.push_back(WordOnItsMachine(records.back(), k, arch.big_endian));
        }
        std::vector<uint32_t> out(n + 1, 0x5a5a5a5au);
        ASSERT_EQ(sckit_program_run_batch(p, records.data(), n, out.data()), SCKIT_OK);
        for (size_t i = 0; i < n; ++i) {
          EXPECT_EQ(out[i], want[i]) << "engine " << engine << " k " << k << " n " << n;
          EXPECT_EQ(sckit_program_run(p, &records[i]), want[i]);
        }
        EXPECT_EQ(out[n], 0x5a5a5a5au) << "the batch wrote past its count";
      }
      sckit_program_release(p);
    }
  }
}

// A policy that decides on a big-endian arch's argument: mips's open(2) (4005) with O_CREAT
// (0x100 on mips) in args[1] is denied. Through the direct and the out-of-line paths alike.
TEST(RunPath, BigEndianArgumentPolicy) {
  const sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_MIPS, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 4005, 0, 3),
      // mips is 32-bit big-endian: args[1]'s value sits in the low half, at offset 24 + 4.
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[1]) + 4),
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x100, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 13),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  for (sckit_engine engine : {SCKIT_ENGINE_INTERP, SCKIT_ENGINE_JIT}) {
    sckit_program* p = nullptr;
    ASSERT_EQ(sckit_program_prepare(f, sizeof f, engine, &p, nullptr, 0), SCKIT_OK);
    seccomp_data creat{};
    creat.arch = AUDIT_ARCH_MIPS;
    creat.nr = 4005;
    creat.args[1] = 0x101;
    seccomp_data read_only = creat;
    read_only.args[1] = 0x1;
    seccomp_data x86 = creat;
    x86.arch = AUDIT_ARCH_X86_64;
    EXPECT_EQ(sckit_program_run(p, &creat), SECCOMP_RET_ERRNO | 13u);
    EXPECT_EQ(sckit_program_run(p, &read_only), SECCOMP_RET_ALLOW);
    EXPECT_EQ(sckit_program_run(p, &x86), SECCOMP_RET_KILL_PROCESS);
    const seccomp_data batch[] = {creat, read_only, x86, creat, read_only};
    uint32_t out[5];
    ASSERT_EQ(sckit_program_run_batch(p, batch, 5, out), SCKIT_OK);
    EXPECT_EQ(out[0], SECCOMP_RET_ERRNO | 13u);
    EXPECT_EQ(out[1], SECCOMP_RET_ALLOW);
    EXPECT_EQ(out[2], SECCOMP_RET_KILL_PROCESS);
    EXPECT_EQ(out[3], SECCOMP_RET_ERRNO | 13u);
    EXPECT_EQ(out[4], SECCOMP_RET_ALLOW);
    sckit_program_release(p);
  }
}

}  // namespace
