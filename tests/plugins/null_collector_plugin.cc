// A plugin whose factory returns no collector (a null pointer, not an error).
#include "runtime/collector.h"

namespace {
gclab::CollectorTraits Traits() {
  gclab::CollectorTraits traits;
  traits.name = "null-collector";
  traits.description = "a factory that makes nothing (a test)";
  return traits;
}
}  // namespace

GCLAB_REGISTER_COLLECTOR(Traits(), [](const gclab::CollectorOptions&)
                                       -> absl::StatusOr<std::unique_ptr<gclab::Collector>> {
  return std::unique_ptr<gclab::Collector>();
});
