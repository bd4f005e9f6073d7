// A collector that passes every call to one of gclab's own, for the test plugins that
// break one thing on purpose: each overrides what it breaks and nothing else.
#ifndef GCLAB_TESTS_PLUGINS_WRAPPED_COLLECTOR_H_
#define GCLAB_TESTS_PLUGINS_WRAPPED_COLLECTOR_H_

#include <memory>
#include <string>

#include "runtime/collector.h"

namespace gclab_test_plugins {

class WrappedCollector : public gclab::Collector {
 public:
  WrappedCollector(std::unique_ptr<gclab::Collector> inner, const gclab::CollectorTraits& traits)
      : inner_(std::move(inner)), traits_(traits) {}
  const gclab::CollectorTraits& traits() const override { return traits_; }
  absl::Status Init(gclab::Runtime& runtime, std::span<std::byte> heap) override {
    return inner_->Init(runtime, heap);
  }
  void Shutdown() override { inner_->Shutdown(); }
  void AttachMutator(gclab::Mutator& mutator) override { inner_->AttachMutator(mutator); }
  void DetachMutator(gclab::Mutator& mutator) override { inner_->DetachMutator(mutator); }
  std::byte* AllocateSlow(gclab::Mutator& mutator, size_t bytes,
                          const gclab::SiteInfo& site) override {
    return inner_->AllocateSlow(mutator, bytes, site);
  }
  void FlushWriteBarrier(gclab::Mutator& mutator) override { inner_->FlushWriteBarrier(mutator); }
  void Collect(gclab::Mutator& mutator, gclab::GcCause cause,
               gclab::CollectionKind kind) override {
    inner_->Collect(mutator, cause, kind);
  }
  gclab::HeapUsage Usage() const override { return inner_->Usage(); }
  bool IsLiveObject(const gclab::Object* object) const override {
    return inner_->IsLiveObject(object);
  }

 protected:
  gclab::Collector& inner() { return *inner_; }

 private:
  std::unique_ptr<gclab::Collector> inner_;
  gclab::CollectorTraits traits_;
};

// The traits of a stop-the-world collector named `name`, all else default.
inline gclab::CollectorTraits NamedTraits(const char* name, const char* description) {
  gclab::CollectorTraits traits;
  traits.name = name;
  traits.description = description;
  return traits;
}

// `inner_spec`'s traits under another name and description, without test variants.
inline gclab::CollectorTraits RenamedTraits(const std::string& inner_spec, const char* name,
                                            const char* description) {
  gclab::CollectorTraits traits =
      gclab::CollectorRegistry::Global().FindSpec(inner_spec)->traits;
  traits.name = name;
  traits.description = description;
  traits.test_variants = {};
  traits.options = {};
  return traits;
}

// The factory of a Wrapper (constructed from the inner collector and the traits)
// around `inner_spec`.
template <typename Wrapper>
gclab::CollectorFactory WrappingFactory(std::string inner_spec, gclab::CollectorTraits traits) {
  return [inner_spec, traits](const gclab::CollectorOptions& options)
             -> absl::StatusOr<std::unique_ptr<gclab::Collector>> {
    if (!options.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(traits.name, " takes no options"));
    }
    absl::StatusOr<std::unique_ptr<gclab::Collector>> inner =
        gclab::CollectorRegistry::Global().Create(inner_spec);
    if (!inner.ok()) return inner.status();
    return std::unique_ptr<gclab::Collector>(std::make_unique<Wrapper>(std::move(*inner), traits));
  };
}

}  // namespace gclab_test_plugins

// Registers Wrapper around gclab's collector `inner` (a spec) as `name`.
#define GCLAB_REGISTER_WRAPPED_COLLECTOR(Wrapper, inner, name, description)                \
  GCLAB_REGISTER_COLLECTOR(                                                                 \
      gclab_test_plugins::RenamedTraits(inner, name, description),                          \
      gclab_test_plugins::WrappingFactory<Wrapper>(                                         \
          inner, gclab_test_plugins::RenamedTraits(inner, name, description)))

#endif  // GCLAB_TESTS_PLUGINS_WRAPPED_COLLECTOR_H_
