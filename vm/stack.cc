// A thread's filter chain run as seccomp_run_filters() walks it (vm/stack.h).
#include "vm/stack.h"

#include "vm/record_layout.h"

namespace sckit {

void FilterStack::Push(VerifiedProgram program, uint32_t flags, std::string name) {
  auto engine = std::make_unique<InterpretedFilter>(program);
  Push(std::move(program), std::move(engine), flags, std::move(name));
}

void FilterStack::Push(VerifiedProgram program, std::unique_ptr<FilterEngine> engine,
                       uint32_t flags, std::string name) {
  filters_.push_back(StackFilter{std::move(program), flags, std::move(name), std::move(engine)});
}

StackDecision FilterStack::Evaluate(const SeccompData& data,
                                    std::span<uint32_t> rets) const noexcept {
  if (HasBigEndianLayout(data.arch)) return EvaluateImage(LoadedImage(data), rets);
  return EvaluateImage(data, rets);
}

StackDecision FilterStack::EvaluateImage(const SeccompData& image,
                                         std::span<uint32_t> rets) const noexcept {
  for (size_t i = filters_.size(); i-- > 0;) {  // current->seccomp.filter, then ->prev ...
    rets[i] = filters_[i].engine->Run(image);
  }
  return ResolveStack(rets.first(filters_.size()));
}

StackDecision FilterStack::EvaluateTraced(const SeccompData& data, std::span<uint32_t> rets,
                                          std::vector<FilterTrace>* traces) const {
  const SeccompData image = LoadedImage(data);
  traces->clear();
  for (size_t i = filters_.size(); i-- > 0;) {
    FilterTrace t;
    t.filter = static_cast<int>(i);
    t.ret = RunFilterTraced(filters_[i].program, image, &t.run);
    rets[i] = t.ret;
    traces->push_back(std::move(t));
  }
  return ResolveStack(rets.first(filters_.size()));
}

}  // namespace sckit
