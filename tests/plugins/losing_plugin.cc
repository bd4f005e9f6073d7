// A plugin whose collector loses objects: marksweep, except that a collection a
// mutator asks for (Collect) does not see the pointer globals, so what only they
// reach is freed while they still point at it.
#include <vector>

#include "runtime/runtime.h"
#include "wrapped_collector.h"

namespace {

constexpr char kInner[] = "marksweep";

class Losing : public gclab_test_plugins::WrappedCollector {
 public:
  using WrappedCollector::WrappedCollector;
  absl::Status Init(gclab::Runtime& runtime, std::span<std::byte> heap) override {
    runtime_ = &runtime;
    return inner().Init(runtime, heap);
  }
  void Collect(gclab::Mutator& mutator, gclab::GcCause cause,
               gclab::CollectionKind kind) override {
    // The bug: the globals are hidden from the collection, then put back.
    std::vector<std::pair<gclab::Ref*, gclab::Ref>> hidden;
    runtime_->data().ForEachRefSlot([&](gclab::Ref* slot) {
      hidden.emplace_back(slot, *slot);
      *slot = nullptr;
    });
    inner().Collect(mutator, cause, kind);
    for (auto [slot, value] : hidden) *slot = value;
  }

 private:
  gclab::Runtime* runtime_ = nullptr;
};

}  // namespace

GCLAB_REGISTER_WRAPPED_COLLECTOR(Losing, kInner, "losing",
                                 "loses what only globals reach (a test)");
