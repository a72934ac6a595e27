// A filter stack flattened into one program (see flatten.h).
#include "optimize/flatten.h"

#include <map>

#include "optimize/code.h"
#include "verifier/verifier.h"
#include "vm/action.h"
#include "vm/bpf.h"

namespace sckit::optimize {
namespace {

using namespace bpf;  // NOLINT: kernel vocabulary.

SockFilter Insn(uint16_t code, uint32_t k) { return SockFilter{code, 0, 0, k}; }

bool ReadsX(const Program& p) {
  for (const SockFilter& f : p.insns) {
    const uint16_t c = Class(f.code);
    if (c == kSTX || (c == kMISC && MiscOp(f.code) == kTXA) ||
        ((c == kALU || (c == kJMP && Op(f.code) != kJA)) && Src(f.code) == kX) ||
        (c == kLD && Mode(f.code) == kIND)) {
      return true;
    }
  }
  return false;
}

bool MayReturnUserNotif(const Program& p) {
  for (const SockFilter& f : p.insns) {
    if (Class(f.code) == kRET && (f.k & seccomp::kRetActionFull) == seccomp::kRetUserNotif) {
      return true;
    }
  }
  return false;
}

// seccomp_run_filters(): the value kept after a filter returned `ret` with `best` so far.
uint32_t Combine(uint32_t best, uint32_t ret) { return TakesPrecedence(ret, best) ? ret : best; }

// The flattened program, filter by filter, newest first. Instead of remembering the best value
// in a register (the filters need them all), each filter is copied once per best value it can
// start with: a `ret K` of a copy jumps to the copy of the next filter for Combine(best, K),
// and in the oldest filter returns it. A KILL_PROCESS best returns at once (nothing beats it).
class Flattener {
 public:
  explicit Flattener(const std::vector<const VerifiedProgram*>& stack) : stack_(stack) {}

  Result<Code> Run() {
    std::map<uint32_t, int> level = {{seccomp::kRetAllow, b_.NewLabel()}};  // the kernel's start
    for (size_t i = stack_.size(); i-- > 0;) {  // newest first, as the kernel runs them
      const bool oldest = i == 0;
      std::map<uint32_t, int> next;
      for (const auto& [best, label] : level) {
        b_.Bind(label);
        EmitCopy(stack_[i]->original(), i + 1 == stack_.size(), best, oldest, &next);
      }
      level = std::move(next);
      if (b_.size() > static_cast<int>(kMaxInsns)) {
        return MakeError("merge", "the flattened filter would have more than the kernel's 4096 "
                                  "instructions (" + std::to_string(b_.size()) + " after " +
                                  std::to_string(stack_.size() - i) + " filters)");
      }
    }
    return b_.Finish();
  }

 private:
  void EmitCopy(const Program& p, bool newest, uint32_t best, bool oldest,
                std::map<uint32_t, int>* next) {
    if (!newest && Class(p.insns[0].code) != kLD) b_.Stmt(Insn(kLD | kIMM, 0));  // A = 0 ...
    if (!newest && ReadsX(p)) b_.Stmt(Insn(kLDX | kIMM, 0));  // ... and X = 0, as the kernel
    std::vector<int> labels(p.insns.size());
    for (int& l : labels) l = b_.NewLabel();
    for (size_t i = 0; i < p.insns.size(); ++i) {
      b_.Bind(labels[i]);
      const SockFilter& f = p.insns[i];
      const int after = static_cast<int>(i) + 1;
      if (Class(f.code) == kRET) {
        const uint32_t v = Combine(best, f.k);
        if (oldest || (v & seccomp::kRetActionFull) == seccomp::kRetKillProcess) {
          b_.Stmt(Insn(kRET | kK, v));
        } else {
          auto it = next->find(v);
          if (it == next->end()) it = next->emplace(v, b_.NewLabel()).first;
          b_.Ja(it->second);
        }
      } else if (Class(f.code) == kJMP && Op(f.code) == kJA) {
        b_.Ja(labels[after + static_cast<int>(f.k)]);
      } else if (Class(f.code) == kJMP) {
        SockFilter c = f;
        c.jt = c.jf = 0;
        b_.Cond(c, labels[after + f.jt], labels[after + f.jf]);
      } else {
        b_.Stmt(f);
      }
    }
  }

  const std::vector<const VerifiedProgram*>& stack_;
  CodeBuilder b_;
};

}  // namespace

Result<VerifiedProgram> FlattenStack(const std::vector<const VerifiedProgram*>& stack,
                                     std::vector<std::string>* notes) {
  if (stack.empty()) return MakeError("merge", "no filters to merge");
  if (stack.size() == 1) return *stack[0];
  std::vector<size_t> notifiers;
  for (size_t i = 0; i < stack.size(); ++i) {
    const Program& p = stack[i]->original();
    for (const SockFilter& f : p.insns) {
      if (Class(f.code) == kRET && RetSrc(f.code) != kK) {
        return MakeError("merge", "filter " + std::to_string(i + 1) + " returns a computed "
                                  "value (ret A); merging handles constant returns only");
      }
      // A zero X ends the filter with 0 in the kernel: a return merging cannot see.
      if (Class(f.code) == kALU && Src(f.code) == kX && (Op(f.code) == kDIV || Op(f.code) == kMOD)) {
        return MakeError("merge", "filter " + std::to_string(i + 1) + " divides by X (a zero "
                                  "X returns 0 from the middle of the filter); not merged");
      }
    }
    if (MayReturnUserNotif(p)) notifiers.push_back(i);
  }
  if (notifiers.size() > 1) {
    return MakeError("merge", "filters " + std::to_string(notifiers[0] + 1) + " and " +
                                  std::to_string(notifiers[1] + 1) +
                                  " can both return USER_NOTIF: each filter has its own "
                                  "listener, and one filter can have only one");
  }
  if (notifiers.size() == 1 && notes != nullptr) {
    notes->push_back("filter " + std::to_string(notifiers[0] + 1) +
                     " can return USER_NOTIF: install the merged filter with "
                     "SECCOMP_FILTER_FLAG_NEW_LISTENER in its place");
  }
  Result<Code> code = Flattener(stack).Run();
  if (!code.ok()) return code.error();
  Result<Program> laid = Layout(*code);
  if (!laid.ok()) {
    return MakeError("merge", "the flattened filter does not fit in one filter (the kernel's "
                              "4096 instructions): " + laid.error().message);
  }
  Result<VerifiedProgram> v = Verify(*laid);
  if (!v.ok()) {
    return MakeError("merge", "the flattened filter is not accepted: " + v.error().ToString());
  }
  return *v;
}

}  // namespace sckit::optimize
