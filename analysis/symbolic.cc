// Verified programs and stacks encoded as Z3 bit-vector formulas over seccomp_data
// (analysis/symbolic.h).
#include "analysis/symbolic.h"

#include "vm/record_layout.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "vm/bpf.h"
#include "vm/names.h"

namespace sckit::analysis {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

const char* const kWordNames[16] = {
    "nr",        "arch",      "ip.lo",     "ip.hi",     "args[0].lo", "args[0].hi",
    "args[1].lo", "args[1].hi", "args[2].lo", "args[2].hi", "args[3].lo", "args[3].hi",
    "args[4].lo", "args[4].hi", "args[5].lo", "args[5].hi"};

struct State {
  z3::expr A;
  z3::expr X;
  std::array<z3::expr, kMemWords> M;
};

// The accumulated state at one pc: reach = OR of incoming guards; A/X/M = if-then-else chain.
struct Incoming {
  std::optional<z3::expr> reach;
  std::optional<State> state;
};

z3::expr Merge(const z3::expr& guard, const z3::expr& a, const z3::expr& b) {
  if (z3::eq(a, b)) return a;
  return z3::ite(guard, a, b);
}

void AddEdge(std::vector<Incoming>& in, uint32_t target, const z3::expr& guard, const State& s) {
  Incoming& t = in[target];
  if (!t.reach) {
    t.reach = guard;
    t.state = s;
    return;
  }
  // Paths are mutually exclusive: on this edge's guard, the state is this edge's.
  t.reach = *t.reach || guard;
  State& m = *t.state;
  m.A = Merge(guard, s.A, m.A);
  m.X = Merge(guard, s.X, m.X);
  for (uint32_t i = 0; i < kMemWords; ++i) m.M[i] = Merge(guard, s.M[i], m.M[i]);
}

}  // namespace

DataWords::DataWords(z3::context& ctx)
    : w{ctx.bv_const(kWordNames[0], 32),  ctx.bv_const(kWordNames[1], 32),
        ctx.bv_const(kWordNames[2], 32),  ctx.bv_const(kWordNames[3], 32),
        ctx.bv_const(kWordNames[4], 32),  ctx.bv_const(kWordNames[5], 32),
        ctx.bv_const(kWordNames[6], 32),  ctx.bv_const(kWordNames[7], 32),
        ctx.bv_const(kWordNames[8], 32),  ctx.bv_const(kWordNames[9], 32),
        ctx.bv_const(kWordNames[10], 32), ctx.bv_const(kWordNames[11], 32),
        ctx.bv_const(kWordNames[12], 32), ctx.bv_const(kWordNames[13], 32),
        ctx.bv_const(kWordNames[14], 32), ctx.bv_const(kWordNames[15], 32)} {}

uint32_t EvalU32(const z3::model& model, const z3::expr& e) {
  z3::expr v = model.eval(e, true);
  uint64_t out = 0;
  v.is_numeral_u64(out);
  return static_cast<uint32_t>(out);
}

SeccompData DataWords::FromModel(const z3::model& model) const {
  uint32_t words[16];
  for (int i = 0; i < 16; ++i) words[i] = EvalU32(model, w[i]);
  SeccompData image;
  std::memcpy(&image, words, sizeof image);
  return LoadedImage(image);  // the words are what the filter loads: the record's image
}

z3::expr DataWords::Equals(const SeccompData& data) const {
  z3::context& ctx = w[0].ctx();
  z3::expr all = ctx.bool_val(true);
  const SeccompData image = LoadedImage(data);
  for (uint32_t i = 0; i < 16; ++i) all = all && (w[i] == ctx.bv_val(LoadWord(image, 4 * i), 32));
  return all;
}

// Long on purpose: one case per seccomp opcode, each its meaning as a Z3 term (vm/opcodes.h says
// why the engines switch on codes); splitting it would scatter the one mapping.
SymbolicProgram Encode(z3::context& ctx, const VerifiedProgram& program, const DataWords& words) {
  const auto insns = program.insns();
  const uint32_t len = static_cast<uint32_t>(insns.size());
  const z3::expr zero = ctx.bv_val(0, 32);
  std::vector<Incoming> in(len);
  State init{zero, zero, {zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero,
                          zero, zero, zero, zero}};
  in[0].reach = ctx.bool_val(true);
  in[0].state = init;
  SymbolicProgram out{zero, {}, {}, {}};
  out.reach.reserve(len);
  out.taken.assign(len, ctx.bool_val(false));
  out.not_taken.assign(len, ctx.bool_val(false));
  for (uint32_t pc = 0; pc < len; ++pc) {
    if (!in[pc].reach) {  // no edge leads here: statically unreachable
      out.reach.push_back(ctx.bool_val(false));
      continue;
    }
    const z3::expr reach = in[pc].reach->simplify();
    out.reach.push_back(reach);
    if (reach.is_false()) {  // never runs (e.g. nr and arch fixed by analysis::Diff)
      in[pc].state.reset();
      continue;
    }
    State s = *in[pc].state;
    in[pc].state.reset();  // release terms no longer needed
    const SockFilter& f = insns[pc];
    const z3::expr k = ctx.bv_val(f.k, 32);
    bool falls_through = true;
    switch (f.code) {
      case kSeccompLoadData: s.A = words.w[f.k / 4]; break;
      case kLD | kIMM: s.A = k; break;
      case kLDX | kIMM: s.X = k; break;
      case kLD | kMEM: s.A = s.M[f.k]; break;
      case kLDX | kMEM: s.X = s.M[f.k]; break;
      case kST: s.M[f.k] = s.A; break;
      case kSTX: s.M[f.k] = s.X; break;
      case kALU | kADD | kK: s.A = s.A + k; break;
      case kALU | kADD | kX: s.A = s.A + s.X; break;
      case kALU | kSUB | kK: s.A = s.A - k; break;
      case kALU | kSUB | kX: s.A = s.A - s.X; break;
      case kALU | kMUL | kK: s.A = s.A * k; break;
      case kALU | kMUL | kX: s.A = s.A * s.X; break;
      case kALU | kDIV | kK: s.A = z3::udiv(s.A, k); break;
      case kALU | kDIV | kX: {
        // X == 0: the program returns 0 here.
        const z3::expr div0 = reach && (s.X == zero);
        out.ret = z3::ite(div0, zero, out.ret);
        const z3::expr go = reach && (s.X != zero);
        s.A = z3::udiv(s.A, s.X);
        AddEdge(in, pc + 1, go, s);
        falls_through = false;
        break;
      }
      case kALU | kOR | kK: s.A = s.A | k; break;
      case kALU | kOR | kX: s.A = s.A | s.X; break;
      case kALU | kAND | kK: s.A = s.A & k; break;
      case kALU | kAND | kX: s.A = s.A & s.X; break;
      case kALU | kXOR | kK: s.A = s.A ^ k; break;
      case kALU | kXOR | kX: s.A = s.A ^ s.X; break;
      case kALU | kLSH | kK: s.A = z3::shl(s.A, k); break;
      case kALU | kLSH | kX: s.A = z3::shl(s.A, s.X & ctx.bv_val(31, 32)); break;
      case kALU | kRSH | kK: s.A = z3::lshr(s.A, k); break;
      case kALU | kRSH | kX: s.A = z3::lshr(s.A, s.X & ctx.bv_val(31, 32)); break;
      case kALU | kNEG: s.A = zero - s.A; break;
      case kMISC | kTAX: s.X = s.A; break;
      case kMISC | kTXA: s.A = s.X; break;
      case kJMP | kJA:
        AddEdge(in, pc + 1 + f.k, reach, s);
        falls_through = false;
        break;
      case kRET | kK:
        out.ret = z3::ite(reach, k, out.ret);
        falls_through = false;
        break;
      case kRET | kRetA:
        out.ret = z3::ite(reach, s.A, out.ret);
        falls_through = false;
        break;
      default: {  // conditional jumps
        const z3::expr operand = Src(f.code) == kX ? s.X : k;
        z3::expr cond = ctx.bool_val(false);
        switch (Op(f.code)) {
          case kJEQ: cond = s.A == operand; break;
          case kJGT: cond = z3::ugt(s.A, operand); break;
          case kJGE: cond = z3::uge(s.A, operand); break;
          default: cond = (s.A & operand) != zero; break;  // kJSET
        }
        if (f.jt == f.jf) {
          AddEdge(in, pc + 1 + f.jt, reach, s);
        } else {
          out.taken[pc] = reach && cond;
          out.not_taken[pc] = reach && !cond;
          AddEdge(in, pc + 1 + f.jt, out.taken[pc], s);
          AddEdge(in, pc + 1 + f.jf, out.not_taken[pc], s);
        }
        falls_through = false;
        break;
      }
    }
    if (falls_through) AddEdge(in, pc + 1, reach, s);
  }
  return out;
}

z3::expr StackRet(z3::context& ctx, const std::vector<z3::expr>& rets) {
  const z3::expr full = ctx.bv_val(seccomp::kRetActionFull, 32);
  z3::expr ret = ctx.bv_val(seccomp::kRetAllow, 32);
  for (size_t i = rets.size(); i-- > 0;) {  // newest first; strict < keeps ties
    ret = z3::ite(z3::slt(rets[i] & full, ret & full), rets[i], ret);
  }
  return ret;
}

z3::expr Canonical(z3::context& ctx, const z3::expr& ret) {
  using namespace seccomp;  // NOLINT
  const z3::expr action = ret & ctx.bv_val(kRetActionFull, 32);
  const z3::expr data = ret & ctx.bv_val(kRetData, 32);
  const z3::expr capped =
      z3::ite(z3::ugt(data, ctx.bv_val(kMaxErrno, 32)), ctx.bv_val(kMaxErrno, 32), data);
  auto v = [&](uint32_t x) { return ctx.bv_val(x, 32); };
  return z3::ite(action == v(kRetKillThread), v(kRetKillThread),
         z3::ite(action == v(kRetTrap), v(kRetTrap) | data,
         z3::ite(action == v(kRetErrno), v(kRetErrno) | capped,
         z3::ite(action == v(kRetUserNotif), v(kRetUserNotif),
         z3::ite(action == v(kRetTrace), v(kRetTrace) | data,
         z3::ite(action == v(kRetLog), v(kRetLog),
         z3::ite(action == v(kRetAllow), v(kRetAllow), v(kRetKillProcess))))))));
}

uint32_t CanonicalValue(uint32_t ret) {
  using namespace seccomp;  // NOLINT
  const uint32_t action = ret & kRetActionFull;
  const uint32_t data = ret & kRetData;
  switch (action) {
    case kRetKillThread: return kRetKillThread;
    case kRetTrap: return kRetTrap | data;
    case kRetErrno: return kRetErrno | std::min(data, kMaxErrno);
    case kRetUserNotif: return kRetUserNotif;
    case kRetTrace: return kRetTrace | data;
    case kRetLog: return kRetLog;
    case kRetAllow: return kRetAllow;
    default: return kRetKillProcess;
  }
}

std::string CanonicalText(uint32_t canonical) {
  return CanonicalText(canonical, Numbering::kUnknown);  // kUnknown: no names
}

std::string CanonicalText(uint32_t canonical, Numbering names) {
  using namespace seccomp;  // NOLINT
  const uint32_t data = canonical & kRetData;
  switch (canonical & kRetActionFull) {
    case kRetKillThread: return "KILL_THREAD";
    case kRetTrap: return "TRAP(" + std::to_string(data) + ")";
    case kRetErrno: {
      const std::string_view name = ErrnoNameOf(static_cast<int>(data), names);
      return "ERRNO(" + std::to_string(data) + ")" + (name.empty() ? "" : " " + std::string(name));
    }
    case kRetUserNotif: return "USER_NOTIF";
    case kRetTrace: return "TRACE(" + std::to_string(data) + ")";
    case kRetLog: return "LOG";
    case kRetAllow: return "ALLOW";
    case 0x7ffe0000u: return "DISPATCH_SIGSYS";  // analysis/dispatch_stage.h, not an action
    default: return "KILL_PROCESS";
  }
}

}  // namespace sckit::analysis
