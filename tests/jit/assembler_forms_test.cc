// The x86-64 assembler: every method with every register (pair, base, immediate width,
// condition code) cross-checked against capstone's decoding, text and length, so a redundant
// REX or SIB byte would fail.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "jit/exec_memory.h"
#include "jit/x86_assembler.h"
#include "tests/jit/assembler_test_util.h"
#include "tests/jit_test_util.h"

namespace sckit::jit {
namespace {

using namespace testing;  // NOLINT: CapstoneText, Hex and the assembler helpers.

TEST(X86Assembler, RegisterRegisterFormsForEveryPair) {
  struct Form {
    const char* mnemonic;
    size_t opcode_bytes;
    void (X86Assembler::*emit)(Reg, Reg);
  };
  const Form forms[] = {
      {"mov", 1, &X86Assembler::MovR32R32},   {"add", 1, &X86Assembler::AddR32R32},
      {"sub", 1, &X86Assembler::SubR32R32},   {"and", 1, &X86Assembler::AndR32R32},
      {"or", 1, &X86Assembler::OrR32R32},     {"xor", 1, &X86Assembler::XorR32R32},
      {"cmp", 1, &X86Assembler::CmpR32R32},   {"test", 1, &X86Assembler::TestR32R32},
      {"imul", 2, &X86Assembler::ImulR32R32},
  };
  for (const Form& f : forms) {
    for (int i = 0; i < kNumRegs; ++i) {
      for (int j = 0; j < kNumRegs; ++j) {
        const auto code = Assemble([&](X86Assembler& a) { (a.*f.emit)(R(i), R(j)); });
        EXPECT_EQ(CapstoneText(code), std::string(f.mnemonic) + " " + N32(R(i)) + ", " + N32(R(j)));
        EXPECT_EQ(code.size(), RegRegLength(f.opcode_bytes, R(i), R(j))) << Hex(code);
      }
    }
  }
  for (int i = 0; i < kNumRegs; ++i) {
    for (int j = 0; j < kNumRegs; ++j) {
      auto code = Assemble([&](X86Assembler& a) { a.MovR64R64(R(i), R(j)); });
      EXPECT_EQ(CapstoneText(code), "mov " + N64(R(i)) + ", " + N64(R(j)));
      EXPECT_EQ(code.size(), 3u) << Hex(code);  // REX.W is always needed
      code = Assemble([&](X86Assembler& a) { a.AddR64R64(R(i), R(j)); });
      EXPECT_EQ(CapstoneText(code), "add " + N64(R(i)) + ", " + N64(R(j)));
      EXPECT_EQ(code.size(), 3u) << Hex(code);
    }
  }
}

TEST(X86Assembler, JumpTableFormsForEveryRegister) {
  for (int d = 0; d < kNumRegs; ++d) {
    const Reg rd = R(d);
    // jmp r64: no REX.W (64-bit is the default in long mode), REX.B for r8..r15.
    auto code = Assemble([&](X86Assembler& a) { a.JmpR64(rd); });
    EXPECT_EQ(CapstoneText(code), "jmp " + N64(rd));
    EXPECT_EQ(code.size(), (High(rd) ? 1u : 0u) + 2) << Hex(code);
    // lea r64, [rip + disp32]: always 7 bytes, whatever the register and the distance.
    for (int gap : {0, 1, 200}) {
      code = Assemble([&](X86Assembler& a) {
        Label l = a.NewLabel();
        a.LeaR64Label(rd, l);
        for (int k = 0; k < gap; ++k) a.Int3();
        a.Bind(l);
      });
      ASSERT_GE(code.size(), 7u);
      EXPECT_EQ(CapstoneText(std::span(code).first(7)),
                "lea " + N64(rd) + ", [rip" + (gap ? " + " + CsNum(gap) : "") + "]");
      EXPECT_EQ(testing::Capstone(code)[0].size, 7u) << Hex(code);
    }
    // movsxd r64, dword [base + index*4]: REX.W, opcode, ModRM, SIB, disp8 for rbp/r13.
    for (int b = 0; b < kNumRegs; ++b) {
      for (int i = 0; i < kNumRegs; ++i) {
        if (i == RegNumber(Reg::rsp)) continue;
        code = Assemble([&](X86Assembler& a) { a.MovsxdR64MemIndex4(rd, R(b), R(i)); });
        EXPECT_EQ(CapstoneText(code), "movsxd " + N64(rd) + ", dword ptr [" + N64(R(b)) +
                                          " + " + N64(R(i)) + "*4]");
        EXPECT_EQ(code.size(), (b & 7) == 5 ? 5u : 4u) << Hex(code);
      }
    }
  }
}

TEST(X86Assembler, RangeTableFormsForEveryRegister) {
  // mov r32, dword [base + index*4] and movzx r32, byte [base + index]: REX only for r8..r15,
  // opcode, ModRM, SIB, disp8 for rbp/r13 as base.
  for (int d = 0; d < kNumRegs; ++d) {
    for (int b = 0; b < kNumRegs; ++b) {
      for (int i = 0; i < kNumRegs; ++i) {
        if (i == RegNumber(Reg::rsp)) continue;
        const Reg rd = R(d), rb = R(b), ri = R(i);
        const size_t rex = (High(rd) || High(rb) || High(ri)) ? 1 : 0;
        const size_t disp = (b & 7) == 5 ? 1 : 0;
        auto code = Assemble([&](X86Assembler& a) { a.MovR32MemIndex4(rd, rb, ri); });
        EXPECT_EQ(CapstoneText(code),
                  "mov " + N32(rd) + ", dword ptr [" + N64(rb) + " + " + N64(ri) + "*4]");
        EXPECT_EQ(code.size(), rex + 3 + disp) << Hex(code);
        code = Assemble([&](X86Assembler& a) { a.MovzxR32MemIndex1(rd, rb, ri); });
        EXPECT_EQ(CapstoneText(code),
                  "movzx " + N32(rd) + ", byte ptr [" + N64(rb) + " + " + N64(ri) + "]");
        EXPECT_EQ(code.size(), rex + 4 + disp) << Hex(code);
      }
    }
  }
  EXPECT_EQ(Hex(Assemble([](X86Assembler& a) { a.MovR32MemIndex4(Reg::rax, Reg::rdx, Reg::rsi); })),
            "8B04B2");
  EXPECT_EQ(Hex(Assemble([](X86Assembler& a) { a.MovzxR32MemIndex1(Reg::rsi, Reg::rdx, Reg::rsi); })),
            "0FB63432");
  EXPECT_EQ(Hex(Assemble([](X86Assembler& a) {
              a.Data8(0xAB);
              a.Data32(0x11223344);
            })),
            "AB44332211");
  for (auto emit : {+[](X86Assembler& a) { a.MovR32MemIndex4(Reg::rax, Reg::rdx, Reg::rsp); },
                    +[](X86Assembler& a) { a.MovzxR32MemIndex1(Reg::rax, Reg::rdx, Reg::rsp); }}) {
    X86Assembler a;
    emit(a);
    Result<std::vector<uint8_t>> code = a.Finish();
    ASSERT_FALSE(code.ok()) << "rsp cannot be an index";
    EXPECT_EQ(code.error().rule, "jit-internal");
  }
}

TEST(X86Assembler, RspAsAnIndexIsAnError) {
  X86Assembler a;
  a.MovsxdR64MemIndex4(Reg::rax, Reg::rdx, Reg::rsp);
  a.Ret();
  Result<std::vector<uint8_t>> code = a.Finish();
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(code.error().rule, "jit-internal");
}

TEST(X86Assembler, MemoryFormsForEveryBaseAndRegister) {
  const int32_t disps[] = {0, 4, 60, -4, -64, 127, 128, -128, -129, 0x7fffffff};
  for (int b = 0; b < kNumRegs; ++b) {
    for (int r = 0; r < kNumRegs; ++r) {
      for (int32_t disp : disps) {
        const Reg base = R(b);
        const Reg reg = R(r);
        // REX if either register is high; rsp/r12 need a SIB byte; rbp/r13 always carry a
        // displacement; disp8 when it fits in a signed byte.
        size_t len = (High(base) || High(reg) ? 1 : 0) + 2;
        if ((b & 7) == 4) len += 1;
        if (disp != 0 || (b & 7) == 5) len += (disp >= -128 && disp <= 127) ? 1 : 4;
        const auto load = Assemble([&](X86Assembler& a) { a.MovR32Mem(reg, base, disp); });
        EXPECT_EQ(CapstoneText(load), "mov " + N32(reg) + ", " + CsMem(base, disp));
        EXPECT_EQ(load.size(), len) << Hex(load);
        const auto store = Assemble([&](X86Assembler& a) { a.MovMemR32(base, disp, reg); });
        EXPECT_EQ(CapstoneText(store), "mov " + CsMem(base, disp) + ", " + N32(reg));
        EXPECT_EQ(store.size(), len) << Hex(store);
      }
    }
  }
}

const uint32_t kImms[] = {0,          1,          9,          10,         0x7f,
                          0x80,       0xff,       0x3b,       0xffffff80, 0xffffff7f,
                          0xffffffff, 0x7fffffff, 0x80000000, 0x7fff0000, 0xc000003e};

TEST(X86Assembler, ImmediateFormsForEveryRegister) {
  struct Form {
    const char* mnemonic;
    void (X86Assembler::*emit)(Reg, uint32_t);
    bool imm8_signed_in_capstone;  // capstone prints and/or/xor imm8 as the unsigned 32-bit value
  };
  const Form forms[] = {
      {"add", &X86Assembler::AddR32Imm32, true},  {"sub", &X86Assembler::SubR32Imm32, true},
      {"and", &X86Assembler::AndR32Imm32, false}, {"or", &X86Assembler::OrR32Imm32, false},
      {"xor", &X86Assembler::XorR32Imm32, false}, {"cmp", &X86Assembler::CmpR32Imm32, true},
  };
  for (const Form& f : forms) {
    for (int i = 0; i < kNumRegs; ++i) {
      for (uint32_t imm : kImms) {
        const Reg r = R(i);
        const auto code = Assemble([&](X86Assembler& a) { (a.*f.emit)(r, imm); });
        const bool imm8 = FitsInt8(imm);
        const int64_t shown = imm8 && f.imm8_signed_in_capstone
                                  ? static_cast<int64_t>(static_cast<int32_t>(imm))
                                  : static_cast<int64_t>(imm);
        EXPECT_EQ(CapstoneText(code), std::string(f.mnemonic) + " " + N32(r) + ", " + CsNum(shown));
        const size_t len = (High(r) ? 1 : 0) + (imm8 ? 3 : r == Reg::rax ? 5 : 6);
        EXPECT_EQ(code.size(), len) << f.mnemonic << " " << Hex(code);
      }
    }
  }
  for (int i = 0; i < kNumRegs; ++i) {
    for (uint32_t imm : kImms) {
      const Reg r = R(i);
      auto code = Assemble([&](X86Assembler& a) { a.MovR32Imm32(r, imm); });
      EXPECT_EQ(CapstoneText(code), "mov " + N32(r) + ", " + CsNum(imm));
      EXPECT_EQ(code.size(), (High(r) ? 1u : 0u) + 5);
      code = Assemble([&](X86Assembler& a) { a.TestR32Imm32(r, imm); });
      EXPECT_EQ(CapstoneText(code), "test " + N32(r) + ", " + CsNum(imm));
      EXPECT_EQ(code.size(), (High(r) ? 1u : 0u) + (r == Reg::rax ? 5 : 6));
      for (int j = 0; j < kNumRegs; ++j) {
        const Reg s = R(j);
        code = Assemble([&](X86Assembler& a) { a.ImulR32R32Imm32(r, s, imm); });
        const bool imm8 = FitsInt8(imm);
        const int64_t shown = imm8 ? static_cast<int32_t>(imm) : static_cast<int64_t>(imm);
        EXPECT_EQ(CapstoneText(code), "imul " + N32(r) + ", " + N32(s) + ", " + CsNum(shown));
        EXPECT_EQ(code.size(), RegRegLength(1, r, s) + (imm8 ? 1 : 4));
      }
    }
  }
}

TEST(X86Assembler, SingleRegisterFormsForEveryRegister) {
  for (int i = 0; i < kNumRegs; ++i) {
    const Reg r = R(i);
    const size_t rex = High(r) ? 1 : 0;
    struct Case {
      std::string text;
      size_t len;
      std::function<void(X86Assembler&)> emit;
    };
    const Case cases[] = {
        {"div " + N32(r), rex + 2, [&](X86Assembler& a) { a.DivR32(r); }},
        {"neg " + N32(r), rex + 2, [&](X86Assembler& a) { a.NegR32(r); }},
        {"shl " + N32(r) + ", cl", rex + 2, [&](X86Assembler& a) { a.ShlR32Cl(r); }},
        {"shr " + N32(r) + ", cl", rex + 2, [&](X86Assembler& a) { a.ShrR32Cl(r); }},
        {"shl " + N32(r) + ", 1", rex + 2, [&](X86Assembler& a) { a.ShlR32Imm8(r, 1); }},
        {"shr " + N32(r) + ", 1", rex + 2, [&](X86Assembler& a) { a.ShrR32Imm8(r, 1); }},
        {"shl " + N32(r) + ", 2", rex + 3, [&](X86Assembler& a) { a.ShlR32Imm8(r, 2); }},
        {"shr " + N32(r) + ", 0x1f", rex + 3, [&](X86Assembler& a) { a.ShrR32Imm8(r, 31); }},
        {"push " + N64(r), rex + 1, [&](X86Assembler& a) { a.PushR64(r); }},
        {"pop " + N64(r), rex + 1, [&](X86Assembler& a) { a.PopR64(r); }},
        {"add " + N64(r) + ", 0x40", 4, [&](X86Assembler& a) { a.AddR64Imm32(r, 64); }},
        {"sub " + N64(r) + ", 0x40", 4, [&](X86Assembler& a) { a.SubR64Imm32(r, 64); }},
        {"sub " + N64(r) + ", 0x1000", r == Reg::rax ? 6u : 7u,
         [&](X86Assembler& a) { a.SubR64Imm32(r, 0x1000); }},
    };
    for (const Case& c : cases) {
      const auto code = Assemble(c.emit);
      EXPECT_EQ(CapstoneText(code), c.text);
      EXPECT_EQ(code.size(), c.len) << c.text << " " << Hex(code);
    }
  }
}

TEST(X86Assembler, EveryConditionCode) {
  for (int c = 0; c < 16; ++c) {
    const Cond cond = static_cast<Cond>(c);
    const auto code = Assemble([&](X86Assembler& a) {
      Label l = a.NewLabel();
      a.Jcc(cond, l);
      a.Bind(l);
    });
    EXPECT_EQ(CapstoneText(code), "j" + std::string(CondName(cond)) + " 2");
    EXPECT_EQ(Invert(Invert(cond)), cond);
    EXPECT_NE(Invert(cond), cond);
  }
  EXPECT_EQ(Invert(Cond::e), Cond::ne);
  EXPECT_EQ(Invert(Cond::a), Cond::be);
  EXPECT_EQ(Invert(Cond::ae), Cond::b);
}

}  // namespace
}  // namespace sckit::jit
