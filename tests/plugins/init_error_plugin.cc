// A plugin whose collector is made but cannot start: Init returns an error.
#include "wrapped_collector.h"

namespace {

constexpr char kInner[] = "marksweep";

class InitError : public gclab_test_plugins::WrappedCollector {
 public:
  using WrappedCollector::WrappedCollector;
  absl::Status Init(gclab::Runtime&, std::span<std::byte>) override {
    return absl::FailedPreconditionError("the init-error plugin refuses every heap");
  }
};

const gclab::CollectorTraits& Traits() {
  static const gclab::CollectorTraits traits =
      gclab_test_plugins::RenamedTraits(kInner, "init-error", "Init fails (a test)");
  return traits;
}

}  // namespace

GCLAB_REGISTER_COLLECTOR(Traits(), gclab_test_plugins::WrappingFactory<InitError>(kInner, Traits()));
