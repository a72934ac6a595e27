// The JIT on long programs (4096 instructions, jumps of 255, chains of ja), each run under every
// register map and in the interpreter, and the shape of the generated code: fall-through-aware
// jumps, the prologue, instruction selection, the high-register map, the listing.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "jit/compiler.h"
#include "jit/listing.h"
#include "tests/jit/compiler_test_util.h"
#include "tests/jit_test_util.h"
#include "verifier/verifier.h"
#include "vm/bpf.h"
#include "vm/interpreter.h"
#include "vm/program.h"

namespace sckit::jit {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.
using namespace testing;  // NOLINT: the JIT tests' helpers (Expect, Maps, capstone).
using enum Reg;

// ---- long programs ---------------------------------------------------------------------------

TEST(JitLongPrograms, JaOverFourThousandInstructions) {
  // pc 0: ja 4093 -> pc 4094: add #7; pc 4095: ret a. Everything between adds 1000.
  std::vector<SockFilter> p(4096, Stmt(kALU | kADD | kK, 1000));
  p[0] = Stmt(kJMP | kJA, 4093);
  p[4094] = Stmt(kALU | kADD | kK, 7);
  p[4095] = Stmt(kRET | kRetA, 0);
  Expect(p, 7, "ja 4093");
  p[0] = Stmt(kJMP | kJA, 0);  // now every add runs: 4093 * 1000 + 7
  Expect(p, 4093u * 1000u + 7u, "ja 0 then 4093 adds");
}

TEST(JitLongPrograms, ChainOfJas) {
  // Pairs (ja 1, add #1000) skip every add; the last add #1 and ret a run.
  std::vector<SockFilter> p;
  while (p.size() < 4094) {
    p.push_back(Stmt(kJMP | kJA, 1));
    p.push_back(Stmt(kALU | kADD | kK, 1000));
  }
  p.push_back(Stmt(kALU | kADD | kK, 1));
  p.push_back(Stmt(kRET | kRetA, 0));
  ASSERT_EQ(p.size(), 4096u);
  Expect(p, 1, "ja chain");
  // A chain of ja 0 that falls through into every add #1.
  std::vector<SockFilter> q;
  while (q.size() < 4094) {
    q.push_back(Stmt(kJMP | kJA, 0));
    q.push_back(Stmt(kALU | kADD | kK, 1));
  }
  q.push_back(Stmt(kALU | kADD | kK, 1));
  q.push_back(Stmt(kRET | kRetA, 0));
  Expect(q, 2048, "ja 0 chain");
}

TEST(JitLongPrograms, JumpsOf255) {
  // Blocks of 256: "jgt #0, 255, 0" followed by 255 x "add #1". A starts at 1 (ld #1), so every
  // jgt is taken and skips its block; the final block is not a jump block.
  for (bool taken : {true, false}) {
    std::vector<SockFilter> p;
    p.push_back(Stmt(kLD | kIMM, taken ? 1 : 0));
    int blocks = 0;
    while (p.size() + 256 <= 4094) {
      p.push_back(Jump(kJMP | kJGT | kK, taken ? 0 : 0xffffffff, 255, 0));
      for (int i = 0; i < 255; ++i) p.push_back(Stmt(kALU | kADD | kK, 1));
      ++blocks;
    }
    while (p.size() < 4095) p.push_back(Stmt(kMISC | kTAX, 0));
    p.push_back(Stmt(kRET | kRetA, 0));
    ASSERT_EQ(p.size(), 4096u);
    // Not taken: every add runs, and A stays below every later jgt bound (0xffffffff).
    Expect(p, taken ? 1u : static_cast<uint32_t>(blocks) * 255u,
           taken ? "jumps of 255 taken" : "jumps of 255 not taken");
  }
  // jt = jf = 255 and jt = 255 / jf = 254 from the first instruction.
  std::vector<SockFilter> q(258, Stmt(kALU | kADD | kK, 1));
  q[0] = Jump(kJMP | kJEQ | kK, 0, 255, 254);  // A == 0: taken -> pc 256
  q[255] = Stmt(kRET | kK, 254);
  q[256] = Stmt(kRET | kK, 255);
  q[257] = Stmt(kRET | kK, 0);
  Expect(q, 255, "jt 255");
  q[0] = Jump(kJMP | kJEQ | kK, 1, 255, 254);  // not taken -> pc 255
  Expect(q, 254, "jf 254");
  q[0] = Jump(kJMP | kJSET | kX, 0, 255, 255);
  Expect(q, 255, "jt = jf = 255");
}

TEST(JitLongPrograms, MaximumSizeStraightLineAndManyReturns) {
  // 4095 instructions of alternating adds and xors, then ret a: interpreter and JIT agree.
  std::vector<SockFilter> p;
  for (int i = 0; p.size() < 4095; ++i) {
    p.push_back(i % 2 ? Stmt(kALU | kXOR | kK, 0x9e3779b9u * static_cast<uint32_t>(i))
                      : Stmt(kALU | kADD | kK, static_cast<uint32_t>(i)));
  }
  p.push_back(Stmt(kRET | kRetA, 0));
  const VerifiedProgram v = MustVerify(p);
  Result<CompiledFilter> jit = Compile(v);
  ASSERT_TRUE(jit.ok());
  EXPECT_EQ(jit->Run(SeccompData{}), RunFilter(v, SeccompData{}));
  // 2048 conditional returns: every RET jumps to the one epilogue, many with rel32.
  std::vector<SockFilter> q;
  q.push_back(Stmt(kLdAbs, 0));
  for (uint32_t i = 0; q.size() < 4095; ++i) {
    q.push_back(Jump(kJMP | kJEQ | kK, i, 0, 1));
    q.push_back(Stmt(kRET | kK, 0x10000 + i));
  }
  q.push_back(Stmt(kRET | kK, 0xffffffff));
  for (int32_t nr : {0, 1, 1000, 2046, 2047, -1}) {
    SeccompData d;
    d.nr = nr;
    Expect(q, d, nr >= 0 && nr < 2047 ? 0x10000u + static_cast<uint32_t>(nr) : 0xffffffffu,
           "nr " + std::to_string(nr));
  }
}

// ---- shape of the generated code -----------------------------------------------------------

// Disassembly of the code generated for BPF pc `pc` only.
std::string CodeOf(const MachineCode& code, size_t pc) {
  const uint32_t begin = code.pc_offsets[pc];
  const uint32_t end =
      pc + 1 < code.pc_offsets.size() ? code.pc_offsets[pc + 1] : code.epilogue_offset;
  std::string out;
  for (const auto& d : testing::Capstone(code.bytes)) {
    if (d.address < begin || d.address >= end) continue;
    if (!out.empty()) out += "; ";
    // Jumps as mnemonics only: their targets depend on the layout.
    out += d.text[0] == 'j' ? d.text.substr(0, d.text.find(' ')) : d.text;
  }
  return out;
}

TEST(JitCodeShape, DefaultPrologueZeroesAAndXOnly) {
  Result<MachineCode> code = Generate(MustVerify({Stmt(kRET | kRetA, 0)}));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(testing::CapstoneText(code->bytes), "xor eax, eax; xor ecx, ecx; ret");
  EXPECT_EQ(code->body_offset, 4u);
}

TEST(JitCodeShape, FallThroughAwareConditionalJumps) {
  auto shape = [](uint8_t jt, uint8_t jf) {
    Result<MachineCode> code =
        Generate(MustVerify({Stmt(kLdAbs, 0), Jump(kJMP | kJEQ | kK, 5, jt, jf), Stmt(kRET | kK, 1),
                             Stmt(kRET | kK, 2), Stmt(kRET | kK, 3)}));
    EXPECT_TRUE(code.ok());
    return code.ok() ? CodeOf(*code, 1) : std::string();
  };
  EXPECT_EQ(shape(1, 0), "cmp eax, 5; je");   // only jcc when jf == 0
  EXPECT_EQ(shape(0, 1), "cmp eax, 5; jne");  // inverted jcc when jt == 0
  EXPECT_EQ(shape(1, 2), "cmp eax, 5; je; jmp");
  EXPECT_EQ(shape(2, 2), "jmp");  // one place to go: no compare
  EXPECT_EQ(shape(0, 0), "");
}

TEST(JitCodeShape, UnsignedConditionsAndTestForJset) {
  auto shape = [](uint16_t code_op, uint32_t k) {
    Result<MachineCode> code = Generate(MustVerify(
        {Stmt(kLdAbs, 0), Jump(code_op, k, 1, 0), Stmt(kRET | kK, 1), Stmt(kRET | kK, 2)}));
    EXPECT_TRUE(code.ok());
    return code.ok() ? CodeOf(*code, 1) : std::string();
  };
  EXPECT_EQ(shape(kJMP | kJGT | kK, 0x80000000), "cmp eax, 0x80000000; ja");
  EXPECT_EQ(shape(kJMP | kJGE | kK, 0xffffffff), "cmp eax, -1; jae");
  EXPECT_EQ(shape(kJMP | kJGT | kX, 0), "cmp eax, ecx; ja");
  EXPECT_EQ(shape(kJMP | kJSET | kK, 4), "test eax, 4; jne");
  EXPECT_EQ(shape(kJMP | kJSET | kX, 0), "test eax, ecx; jne");
  EXPECT_EQ(shape(kJMP | kJEQ | kK, 0), "test eax, eax; je");
}

TEST(JitCodeShape, ArithmeticSelection) {
  auto body = [](std::vector<SockFilter> p) {
    p.push_back(Stmt(kRET | kRetA, 0));
    Result<MachineCode> code = Generate(MustVerify(p));
    EXPECT_TRUE(code.ok());
    std::string out;
    for (size_t pc = 0; pc + 1 < p.size(); ++pc) {
      const std::string s = CodeOf(*code, pc);
      if (!s.empty()) out += (out.empty() ? "" : "; ") + s;
    }
    return out;
  };
  EXPECT_EQ(body({Stmt(kALU | kLSH | kX, 0)}), "shl eax, cl");
  EXPECT_EQ(body({Stmt(kALU | kRSH | kX, 0)}), "shr eax, cl");
  EXPECT_EQ(body({Stmt(kALU | kDIV | kX, 0)}), "test ecx, ecx; je; xor edx, edx; div ecx");
  EXPECT_EQ(body({Stmt(kALU | kDIV | kK, 7)}), "mov esi, 7; xor edx, edx; div esi");
  EXPECT_EQ(body({Stmt(kALU | kDIV | kK, 16)}), "shr eax, 4");
  EXPECT_EQ(body({Stmt(kALU | kMUL | kK, 10)}), "imul eax, eax, 0xa");
  EXPECT_EQ(body({Stmt(kALU | kMUL | kX, 0)}), "imul eax, ecx");
  EXPECT_EQ(body({Stmt(kALU | kNEG, 0)}), "neg eax");
  EXPECT_EQ(body({Stmt(kLdAbs, 16), Stmt(kST, 0), Stmt(kLDX | kMEM, 0)}),
            "mov eax, dword ptr [rdi + 0x10]; mov dword ptr [rsp - 0x40], eax; "
            "mov ecx, dword ptr [rsp - 0x40]");
}

TEST(JitCodeShape, HighRegisterMapUsesRexSibAndDisp8) {
  JitOptions options;
  options.registers = RegisterMap::HighRegisters();
  Result<MachineCode> code = Generate(
      MustVerify({Stmt(kLdAbs, 0), Stmt(kST, 0), Stmt(kLDX | kIMM, 3), Stmt(kALU | kLSH | kX, 0),
                  Stmt(kALU | kDIV | kX, 0), Stmt(kRET | kRetA, 0)}),
      options);
  ASSERT_TRUE(code.ok());
  const std::string text = testing::CapstoneText(code->bytes);
  EXPECT_EQ(text,
            "push r13; push r12; push r15; mov r13, rdi; sub rsp, 0x40; mov r12, rsp; "
            "xor r8d, r8d; xor r9d, r9d; "
            "mov r8d, dword ptr [r13]; mov dword ptr [r12], r8d; mov r9d, 3; "
            "mov ecx, r9d; shl r8d, cl; "
            // je -> the DIV-by-zero stub at 0x3f; the RET's jmp -> the epilogue at 0x41.
            "test r9d, r9d; je 0x3f; mov eax, r8d; xor edx, edx; div r9d; mov r8d, eax; "
            "mov eax, r8d; jmp 0x41; xor eax, eax; "
            "add rsp, 0x40; pop r15; pop r12; pop r13; ret");
}

TEST(JitListing, MarksEveryBpfInstruction) {
  const VerifiedProgram v = MustVerify({Stmt(kLdAbs, 4), Jump(kJMP | kJEQ | kK, 0xc000003e, 1, 0),
                                        Stmt(kRET | kK, 0), Stmt(kRET | kK, 0x7fff0000)});
  Result<CompiledFilter> jit = Compile(v);
  ASSERT_TRUE(jit.ok());
  Result<std::string> text = Disassemble(jit->code(), jit->pc_offsets(), v.original().insns,
                                         jit->body_offset(), jit->epilogue_offset(),
                                         jit->data_offset());
  ASSERT_TRUE(text.ok()) << text.error().ToString();
  for (const char* want :
       {"; pc 0: ld [4]", "; pc 1: jeq #0xc000003e, 3, 2", "; pc 2: ret #0",
        "; pc 3: ret #0x7fff0000", "mov eax, dword ptr [rdi + 4]", "; epilogue", "ret"}) {
    EXPECT_NE(text->find(want), std::string::npos) << want << " in\n" << *text;
  }
  EXPECT_EQ(HexDump(std::vector<uint8_t>{0x31, 0xc0}), "0000  31 c0\n");
}

}  // namespace
}  // namespace sckit::jit
