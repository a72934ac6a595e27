// Random classic-BPF programs for the verifier agreement tests (tests/live/
// verifier_agreement_test.cc, stack_agreement_test.cc): ProgramGen tracks
// check_load_and_stores()'s state (spec §3.2) while emitting, so that what it calls valid is
// valid for the kernel, and its mutations break one kernel rule each; Dump prints a program as
// C-array lines for a failure message.
#pragma once

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "vm/bpf.h"
#include "vm/opcodes.h"
#include "vm/program.h"

namespace sckit::program_gen {

using namespace bpf;  // NOLINT: kernel vocabulary.

inline constexpr uint32_t kAllow = seccomp::kRetAllow;

// Programs as C-array lines (tcpdump -dd style), long ones abridged around `pc`.
inline std::string Dump(const Program& p, int pc = -1) {
  std::string out;
  char line[80];
  const size_t n = p.size();
  for (size_t i = 0; i < n; ++i) {
    const bool near =
        pc >= 0 && i + 3 >= static_cast<size_t>(pc) && i <= static_cast<size_t>(pc) + 3;
    if (n > 48 && i >= 24 && i + 8 < n && !near) {
      if (out.size() < 4 || out.compare(out.size() - 4, 4, "...\n") != 0) out += "  ...\n";
      continue;
    }
    const SockFilter& f = p.insns[i];
    snprintf(line, sizeof line, "  /* %4zu */ { 0x%02x, %u, %u, 0x%08x },\n", i, f.code, f.jt, f.jf,
             f.k);
    out += line;
  }
  return out;
}

// A generator that tracks check_load_and_stores()'s state (spec §3.2) while emitting, so that
// what it calls valid is valid for the kernel; the mutations then break one rule each.
class ProgramGen {
 public:
  explicit ProgramGen(uint64_t seed) : rng_(seed) {}

  uint32_t U32() { return static_cast<uint32_t>(rng_()); }
  uint32_t Below(uint32_t n) { return n == 0 ? 0 : static_cast<uint32_t>(rng_() % n); }
  bool Chance(uint32_t percent) { return Below(100) < percent; }

  // An interesting 32-bit constant.
  uint32_t Constant() {
    switch (Below(6)) {
      case 0:
        return Below(8);
      case 1:
        return 0x80000000u | Below(4);
      case 2:
        return 0xffffffffu - Below(4);
      case 3:
        return kAllow | Below(3);
      case 4:
        return Below(400);
      default:
        return U32();
    }
  }

  uint32_t Length() {
    const uint32_t r = Below(100);
    if (r < 70) return 1 + Below(24);
    if (r < 93) return 25 + Below(120);
    if (r < 99) return 150 + Below(600);
    return 4096 - Below(3);
  }

  Program Valid(uint32_t len) {
    Program p;
    p.insns.reserve(len);
    std::vector<uint16_t> masks(len, 0xffff);
    uint16_t memvalid = 0;
    for (uint32_t pc = 0; pc + 1 < len; ++pc) {
      memvalid &= masks[pc];
      const uint32_t room = len - pc - 2;  // largest forward offset that stays in the program
      SockFilter f;
      switch (Below(20)) {
        case 0:
        case 1:
        case 2:
          f = Stmt(kLD | kW | kABS, 4 * Below(16));
          break;
        case 3:
          f = Stmt(Chance(50) ? kLD | kW | kLEN : kLDX | kW | kLEN, Constant());
          break;
        case 4:
          f = Stmt(Chance(50) ? kLD | kIMM : kLDX | kIMM, Constant());
          break;
        case 5:
        case 6: {
          static constexpr uint16_t kOps[] = {kADD, kSUB, kMUL, kDIV, kOR, kAND, kLSH, kRSH, kXOR};
          const uint16_t op = kOps[Below(9)];
          uint32_t k = Constant();
          if (op == kDIV && k == 0) k = 1 + Below(9);
          if (op == kLSH || op == kRSH) k = Below(32);
          f = Stmt(kALU | op | kK, k);
          break;
        }
        case 7: {
          static constexpr uint16_t kOps[] = {kADD, kSUB, kMUL, kDIV, kOR, kAND, kLSH, kRSH, kXOR};
          f = Stmt(kALU | kOps[Below(9)] | kX, U32());
          break;
        }
        case 8:
          f = Stmt(kALU | kNEG, U32());
          break;
        case 9:
          f = Stmt(kMISC | (Chance(50) ? kTAX : kTXA), U32());
          break;
        case 10:
        case 11: {
          const uint32_t k = Below(16);
          f = Stmt(Chance(50) ? kST : kSTX, k);
          memvalid |= static_cast<uint16_t>(1u << k);
          break;
        }
        case 12: {
          std::vector<uint32_t> ok;
          for (uint32_t k = 0; k < 16; ++k) {
            if (memvalid & (1u << k)) ok.push_back(k);
          }
          if (ok.empty()) {
            f = Stmt(kST, Below(16));
            memvalid |= static_cast<uint16_t>(1u << f.k);
          } else {
            f = Stmt(Chance(50) ? kLD | kMEM : kLDX | kMEM, ok[Below(ok.size())]);
          }
          break;
        }
        case 13: {
          const uint32_t k = Chance(60) ? Below(std::min(room, 6u) + 1) : Below(room + 1);
          f = Stmt(kJMP | kJA, k);
          masks[pc + 1 + k] &= memvalid;
          memvalid = 0xffff;
          break;
        }
        case 14:
        case 15:
        case 16:
        case 17: {
          static constexpr uint16_t kOps[] = {kJEQ, kJGT, kJGE, kJSET};
          const uint32_t lim = std::min(room, 255u);
          auto off = [&] {
            const uint32_t r = Below(10);
            if (r < 3) return 0u;
            if (r < 8) return Below(std::min(lim, 5u) + 1);
            return Below(lim + 1);
          };
          const uint8_t jt = static_cast<uint8_t>(off());
          const uint8_t jf = static_cast<uint8_t>(off());
          f = Jump(kJMP | kOps[Below(4)] | (Chance(30) ? kX : kK), Constant(), jt, jf);
          masks[pc + 1 + jt] &= memvalid;
          masks[pc + 1 + jf] &= memvalid;
          memvalid = 0xffff;
          break;
        }
        default:
          f = Chance(50) ? Stmt(kRET | kK, Constant()) : Stmt(kRET | kRetA, U32());
          break;
      }
      p.insns.push_back(f);
    }
    p.insns.push_back(Chance(60) ? Stmt(kRET | kK, Constant()) : Stmt(kRET | kRetA, Constant()));
    return p;
  }

  // Indexes of instructions satisfying pred.
  template <typename Pred>
  std::vector<uint32_t> Find(const Program& p, Pred pred) {
    std::vector<uint32_t> out;
    for (uint32_t i = 0; i < p.size(); ++i) {
      if (pred(p.insns[i])) out.push_back(i);
    }
    return out;
  }

  // Breaks (or, for the boundary cases, just touches) one rule. Returns the mutation's name.
  std::string Mutate(Program& p) {
    const uint32_t len = static_cast<uint32_t>(p.size());
    const uint32_t at = Below(len);
    SockFilter& f = p.insns[at];
    switch (Below(24)) {
      case 0: {  // a jump one too far, or exactly to the last instruction
        std::vector<uint32_t> jumps =
            Find(p, [](const SockFilter& s) { return Class(s.code) == kJMP; });
        if (jumps.empty()) return Mutate(p);
        const uint32_t pc = jumps[Below(jumps.size())];
        SockFilter& j = p.insns[pc];
        const bool past = Chance(70);
        const uint32_t off = len - pc - (past ? 1 : 2);  // target len (bad) or len - 1 (good)
        if (j.code == (kJMP | kJA)) {
          j.k = off;
        } else {
          if (off > 255) return "jump-boundary-unreachable";
          (Chance(50) ? j.jt : j.jf) = static_cast<uint8_t>(off);
        }
        return past ? "jump-one-past-end" : "jump-to-last";
      }
      case 1:
        f = Stmt(kLD | kW | kABS, 64);
        return "ld-abs-64";
      case 2:
        f = Stmt(kLD | kW | kABS, 62);
        return "ld-abs-62";
      case 3:
        f = Stmt(kLD | kW | kABS, 60);
        return "ld-abs-60";
      case 4:
        f = Stmt(kLD | kW | kABS, Chance(50) ? 1 + 4 * Below(15) : 0xfffff000u + 4 * Below(20));
        return "ld-abs-odd-or-ancillary";
      case 5:
        f = Stmt(kALU | kDIV | kK, 0);
        return "div-k-0";
      case 6:
        f = Stmt(kALU | (Chance(50) ? kLSH : kRSH) | kK, Chance(60) ? 32 : 33 + Below(100));
        return "shift-k-32+";
      case 7:
        f = Stmt(kALU | (Chance(50) ? kLSH : kRSH) | kK, 31);
        return "shift-k-31";
      case 8: {
        static constexpr uint16_t kCodes[] = {kLD | kMEM, kLDX | kMEM, kST, kSTX};
        f = Stmt(kCodes[Below(4)], 16 + (Chance(70) ? 0 : Below(1000)));
        return "scratch-16+";
      }
      case 9:
        f = Stmt(kALU | kMOD | (Chance(50) ? kK : kX), 1 + Below(9));
        return "mod";
      case 10: {
        static constexpr uint16_t kCodes[] = {kLD | kH | kABS, kLD | kB | kABS, kLD | kW | kIND,
                                              kLD | kH | kIND, kLD | kB | kIND, kLDX | kB | kMSH};
        f = Stmt(kCodes[Below(6)], 4 * Below(16));
        return "packet-load";
      }
      case 11: {  // read-before-write: load a scratch word the path may not have written
        const uint32_t k = Below(16);
        f = Stmt(Chance(50) ? kLD | kMEM : kLDX | kMEM, k);
        return "scratch-read";
      }
      case 12:
      case 13:
        return RetQuirk(p);
      case 14: {  // the last instruction is not a RET
        static constexpr uint16_t kCodes[] = {kLD | kIMM, kALU | kADD | kK, kMISC | kTAX, kST,
                                              kJMP | kJA};
        SockFilter& last = p.insns.back();
        last = Stmt(kCodes[Below(5)], 0);
        if (Chance(30)) last = Stmt(kRET | 0x08, 0);  // RET|X
        return "last-not-ret";
      }
      case 15:
      case 16: {  // an opcode no kernel accepts
        static constexpr uint16_t kCodes[] = {0x0e, 0x21, 0x8c, 0x17,  0x26,   0x1e,
                                              0x8d, 0x0f, 0xff, 0x106, 0x8000, 0x2e};
        uint16_t code;
        if (Chance(50)) {
          code = kCodes[Below(std::size(kCodes))];
        } else {
          do code = static_cast<uint16_t>(Chance(80) ? Below(256) : U32());
          while (LookupOpcode(code));
        }
        f.code = code;
        return "unknown-opcode";
      }
      case 17: {
        const uint32_t n = Chance(50) ? 4097 : 4096;
        Program big;
        big.insns.reserve(n);
        for (uint32_t i = 0; i + 1 < n; ++i) {
          big.insns.push_back(i < p.size() - 1 ? p.insns[i] : Stmt(kLD | kIMM, i));
        }
        big.insns.push_back(Stmt(kRET | kK, kAllow));
        p = std::move(big);
        return n == 4096 ? "length-4096" : "length-4097";
      }
      case 18:
        f = Stmt(kJMP | kJA, Chance(50) ? 0xffffffffu : len - at - 1 + Below(3));
        return "ja-far";
      case 19: {  // any allowed code with random fields
        const auto all = AllOpcodes();
        const OpcodeInfo& info = all[Below(all.size())];
        f = Jump(info.code, Constant(), static_cast<uint8_t>(Below(4)),
                 static_cast<uint8_t>(Below(4)));
        return "random-insn";
      }
      case 20:
        p.insns.push_back(Stmt(kRET | kK, 0));
        p.insns.push_back(Stmt(kLD | kMEM, Below(16)));
        p.insns.push_back(Stmt(kRET | kRetA, 0));
        return "dead-read-after-ret";
      case 21:
        f = Stmt(kALU | kDIV | kX, 0);
        return "div-x";
      case 22:
        f = Stmt(kALU | kNEG | kX, 0);
        return "neg-x";
      default: {
        Program empty;
        if (Chance(90)) return "unmutated";
        p = empty;
        return "empty";
      }
    }
  }

  // The check_load_and_stores() RET quirk (spec §3.2), in its two directions:
  // - rejected although valid: the insn after a RET is reached only by a jump from a path that
  //   stored, but inherits the RET's (smaller) state;
  // - accepted by inheritance: the word is stored before the RET, the load after it is dead.
  std::string RetQuirk(Program& p) {
    const uint32_t k = Below(16);
    const uint32_t nr = Below(400);
    if (Chance(50)) {
      // The spec's 7-instruction example, with a random prefix and word.
      p.insns = {Stmt(kLD | kW | kABS, 0), Jump(kJMP | kJEQ | kK, nr, 0, 2), Stmt(kST, k),
                 Stmt(kJMP | kJA, 1),      Stmt(kRET | kK, kAllow),          Stmt(kLD | kMEM, k),
                 Stmt(kRET | kRetA, 0)};
      if (Chance(30)) {
        // Store before the branch as well: now every path writes M[k] and the kernel agrees.
        p.insns.insert(p.insns.begin(), Stmt(kST, k));
        return "ret-quirk-fixed";
      }
      return "ret-quirk-rejects-valid";
    }
    p.insns = {Stmt(kLD | kW | kABS, 0), Stmt(kST, k), Stmt(kRET | kK, kAllow), Stmt(kLD | kMEM, k),
               Stmt(kRET | kRetA, 0)};
    if (Chance(40)) {
      // Make the load reachable from a path that did not store: now it is really unsafe, but
      // the kernel still only sees the state inherited from the RET plus the jump's mask.
      p.insns = {Stmt(kLD | kW | kABS, 0),
                 Jump(kJMP | kJEQ | kK, nr, 2, 0),
                 Stmt(kST, k),
                 Stmt(kRET | kK, kAllow),
                 Stmt(kLD | kMEM, k),
                 Stmt(kRET | kRetA, 0)};
      return "ret-quirk-jump-from-unstored";
    }
    return "ret-quirk-accepts-dead-load";
  }

  Program Next(std::string* kind) {
    Program p = Valid(Length());
    if (Chance(55)) {
      *kind = "valid";
      return p;
    }
    *kind = Mutate(p);
    return p;
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace sckit::program_gen
