// A deliberately broken collector for testing the conformance suite: gclab's
// concurrent collector, except that the write-barrier entries a mutator has logged
// but not yet flushed are dropped whenever that mutator may start a collection (an
// allocation slow path, an explicit collection). Under the Dijkstra barrier those
// entries are the only record of a reference stored into a black object, so the
// objects they name can be lost. `gclab conformance` must fail it; `--quick` may not.
#include <memory>

#include "runtime/collector.h"

namespace {

class DroppingLog : public gclab::Collector {
 public:
  explicit DroppingLog(std::unique_ptr<gclab::Collector> inner) : inner_(std::move(inner)) {
    traits_ = inner_->traits();
    traits_.name = "dropping-log";
    traits_.description = "concurrent, dropping unflushed barrier-log entries (a test)";
    traits_.test_variants = {};
  }
  const gclab::CollectorTraits& traits() const override { return traits_; }
  absl::Status Init(gclab::Runtime& runtime, std::span<std::byte> heap) override {
    return inner_->Init(runtime, heap);
  }
  void Shutdown() override { inner_->Shutdown(); }
  void AttachMutator(gclab::Mutator& mutator) override { inner_->AttachMutator(mutator); }
  void DetachMutator(gclab::Mutator& mutator) override { inner_->DetachMutator(mutator); }
  std::byte* AllocateSlow(gclab::Mutator& mutator, size_t bytes) override {
    mutator.ClearWriteBarrierLog();  // the bug
    return inner_->AllocateSlow(mutator, bytes);
  }
  void FlushWriteBarrier(gclab::Mutator& mutator) override { inner_->FlushWriteBarrier(mutator); }
  void Collect(gclab::Mutator& mutator, gclab::GcCause cause,
               gclab::CollectionKind kind) override {
    mutator.ClearWriteBarrierLog();  // the bug
    inner_->Collect(mutator, cause, kind);
  }
  gclab::HeapUsage Usage() const override { return inner_->Usage(); }
  bool IsLiveObject(const gclab::Object* object) const override {
    return inner_->IsLiveObject(object);
  }

 private:
  std::unique_ptr<gclab::Collector> inner_;
  gclab::CollectorTraits traits_;
};

gclab::CollectorTraits Traits() {
  gclab::CollectorTraits traits = gclab::CollectorRegistry::Global().Find("concurrent")->traits;
  traits.name = "dropping-log";
  traits.test_variants = {};
  return traits;
}

}  // namespace

GCLAB_REGISTER_COLLECTOR(Traits(), [](const gclab::CollectorOptions& options)
                                       -> absl::StatusOr<std::unique_ptr<gclab::Collector>> {
  if (!options.empty()) return absl::InvalidArgumentError("dropping-log takes no options");
  absl::StatusOr<std::unique_ptr<gclab::Collector>> inner =
      gclab::CollectorRegistry::Global().Create("concurrent:barrier=dijkstra");
  if (!inner.ok()) return inner.status();
  return std::make_unique<DroppingLog>(std::move(*inner));
});
