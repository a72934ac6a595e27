// The x86-64 assembler's layout (jit/x86_assembler.h): labels, the jump and patch sites the
// instruction forms record, and Finish(), which sizes every jump (rel8 until it does not fit),
// writes the final bytes and overwrites the 4-byte placeholders once every label is placed.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jit/x86_assembler.h"

namespace sckit::jit {
namespace {

// A jump displacement fits the rel8 form: a signed byte.
constexpr bool FitsRel8(int64_t disp) { return disp >= -128 && disp <= 127; }

// Jump sizes: jmp rel8 = EB cb, jmp rel32 = E9 cd, jcc rel8 = 7x cb, jcc rel32 = 0F 8x cd.
constexpr size_t JumpSize(int cond, bool near) {
  if (!near) return 2;
  return cond < 0 ? 5 : 6;
}

}  // namespace

// Records a jump; its bytes (rel8 or rel32) are written by Finish().
void X86Assembler::JumpTo(int cond, Label target) {
  jumps_.push_back(JumpSite{bytes_.size(), cond, target.id_});
}

// A 4-byte placeholder for a label-dependent field (see PatchSite), overwritten by Finish().
void X86Assembler::Patch32(Label target, int base) {
  patches_.push_back(PatchSite{bytes_.size(), jumps_.size(), target.id_, base});
  Imm32(0);
}

// ---- labels and layout ---------------------------------------------------------------------

Label X86Assembler::NewLabel() {
  labels_.emplace_back();
  return Label(static_cast<int>(labels_.size() - 1));
}

void X86Assembler::Bind(Label label) {
  LabelSite& site = labels_.at(static_cast<size_t>(label.id_));
  site.pos = bytes_.size();
  site.jumps_before = jumps_.size();
  if (!site.bound) bound_order_.push_back(label.id_);
  site.bound = true;
}

void X86Assembler::Reserve(size_t bytes, size_t jumps, size_t labels) {
  bytes_.reserve(bytes);
  jumps_.reserve(jumps);
  labels_.reserve(labels);
  bound_order_.reserve(labels);
}

uint32_t X86Assembler::LabelOffset(Label label) const {
  return label_offsets_.at(static_cast<size_t>(label.id_));
}

// Every jump and patch names a bound label; nullopt when so.
std::optional<Error> X86Assembler::CheckLabels() const {
  if (operand_error_ != nullptr) return MakeError("jit-internal", operand_error_);
  auto bound = [&](int label) {
    return label >= 0 && labels_[static_cast<size_t>(label)].bound;
  };
  for (const JumpSite& j : jumps_) {
    if (!bound(j.label)) return MakeError("jit-internal", "jump to an unbound label");
  }
  for (const PatchSite& p : patches_) {
    if (!bound(p.target) || (p.base >= 0 && !bound(p.base))) {
      return MakeError("jit-internal", "label reference to an unbound label");
    }
  }
  return std::nullopt;
}

// Layout passes: widen jumps whose rel8 does not fit until nothing changes. Fills near[i] and
// shift[i] (the total size of jumps 0..i-1, the bytes they add before jump i's position).
void X86Assembler::PlanJumps(std::vector<bool>* near, std::vector<size_t>* shift) const {
  const size_t n = jumps_.size();
  near->assign(n, false);
  shift->assign(n + 1, 0);
  auto label_offset = [&](const LabelSite& l) { return l.pos + (*shift)[l.jumps_before]; };
  for (bool changed = true; changed;) {
    for (size_t i = 0; i < n; ++i) {
      (*shift)[i + 1] = (*shift)[i] + JumpSize(jumps_[i].cond, (*near)[i]);
    }
    changed = false;
    for (size_t i = 0; i < n; ++i) {
      if ((*near)[i]) continue;
      const JumpSite& j = jumps_[i];
      const int64_t end = static_cast<int64_t>(j.pos + (*shift)[i] + JumpSize(j.cond, false));
      const int64_t disp =
          static_cast<int64_t>(label_offset(labels_[static_cast<size_t>(j.label)])) - end;
      if (!FitsRel8(disp)) {
        (*near)[i] = true;
        changed = true;
      }
    }
  }
}

// Appends jump i in its planned size, aimed at `target` (a final code offset).
Result<bool> X86Assembler::EmitJump(const JumpSite& j, bool near, uint32_t target,
                                    std::vector<uint8_t>* out) const {
  const int64_t end = static_cast<int64_t>(out->size() + JumpSize(j.cond, near));
  const int64_t disp = static_cast<int64_t>(target) - end;
  if (!near) {
    if (!FitsRel8(disp)) return MakeError("jit-internal", "rel8 jump out of range");
    out->push_back(j.cond < 0 ? 0xEB : static_cast<uint8_t>(0x70 | j.cond));  // jmp/jcc rel8
    out->push_back(static_cast<uint8_t>(static_cast<int8_t>(disp)));
    return true;
  }
  if (j.cond < 0) {
    out->push_back(0xE9);  // jmp rel32
  } else {
    out->push_back(0x0F);  // jcc rel32
    out->push_back(static_cast<uint8_t>(0x80 | j.cond));
  }
  const uint32_t d = static_cast<uint32_t>(static_cast<int32_t>(disp));
  for (int b = 0; b < 4; ++b) out->push_back(static_cast<uint8_t>(d >> (8 * b)));
  return true;
}

// Patches: every label is final; overwrite each placeholder where it landed.
std::optional<Error> X86Assembler::ApplyPatches(const std::vector<size_t>& shift,
                                                std::vector<uint8_t>* out) const {
  for (const PatchSite& p : patches_) {
    const size_t at = p.pos + shift[p.jumps_before];
    const int64_t from = p.base < 0 ? static_cast<int64_t>(at + 4)
                                    : label_offsets_[static_cast<size_t>(p.base)];
    const int64_t to = label_offsets_[static_cast<size_t>(p.target)];
    const int64_t value = to - from;
    if (value < INT32_MIN || value > INT32_MAX) {
      return MakeError("jit-internal", "label reference out of 32-bit range");
    }
    const uint32_t v = static_cast<uint32_t>(static_cast<int32_t>(value));
    for (size_t b = 0; b < 4; ++b) (*out)[at + b] = static_cast<uint8_t>(v >> (8 * b));
  }
  return std::nullopt;
}

Result<std::vector<uint8_t>> X86Assembler::Finish() {
  if (std::optional<Error> e = CheckLabels()) return *e;
  const size_t n = jumps_.size();
  std::vector<bool> near;
  std::vector<size_t> shift;
  PlanJumps(&near, &shift);
  std::vector<uint32_t> planned(labels_.size(), 0);
  const std::vector<int>& order = bound_order_;  // code order (see Bind)
  for (int l : order) {
    const LabelSite& site = labels_[static_cast<size_t>(l)];
    planned[static_cast<size_t>(l)] = static_cast<uint32_t>(site.pos + shift[site.jumps_before]);
  }

  // Final pass: write the bytes, recording where each label really lands.
  std::vector<uint8_t> out;
  out.reserve(bytes_.size() + shift[n]);
  label_offsets_.assign(labels_.size(), 0);
  size_t copied = 0;
  size_t next_label = 0;
  auto copy_to = [&](size_t pos) {
    out.insert(out.end(), bytes_.begin() + static_cast<ptrdiff_t>(copied),
               bytes_.begin() + static_cast<ptrdiff_t>(pos));
    copied = pos;
  };
  for (size_t i = 0; i <= n; ++i) {
    while (next_label < order.size() &&
           labels_[static_cast<size_t>(order[next_label])].jumps_before == i) {
      copy_to(labels_[static_cast<size_t>(order[next_label])].pos);
      label_offsets_[static_cast<size_t>(order[next_label])] = static_cast<uint32_t>(out.size());
      ++next_label;
    }
    copy_to(i < n ? jumps_[i].pos : bytes_.size());
    if (i == n) break;
    Result<bool> emitted =
        EmitJump(jumps_[i], near[i], planned[static_cast<size_t>(jumps_[i].label)], &out);
    if (!emitted.ok()) return emitted.error();
  }
  for (size_t l = 0; l < labels_.size(); ++l) {
    if (labels_[l].bound && label_offsets_[l] != planned[l]) {
      return MakeError("jit-internal", "label " + std::to_string(l) + " planned at " +
                                           std::to_string(planned[l]) + " landed at " +
                                           std::to_string(label_offsets_[l]));
    }
  }
  if (out.size() != bytes_.size() + shift[n]) {
    return MakeError("jit-internal", "final code size differs from the layout");
  }
  if (std::optional<Error> e = ApplyPatches(shift, &out)) return *e;
  return out;
}

}  // namespace sckit::jit
