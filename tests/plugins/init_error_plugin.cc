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

}  // namespace

GCLAB_REGISTER_WRAPPED_COLLECTOR(InitError, kInner, "init-error",
                                 "Init fails (a test)");
