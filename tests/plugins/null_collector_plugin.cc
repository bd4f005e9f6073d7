// A plugin whose factory returns no collector (a null pointer, not an error).
#include "wrapped_collector.h"

GCLAB_REGISTER_COLLECTOR(
    gclab_test_plugins::NamedTraits("null-collector", "a factory that makes nothing (a test)"),
    [](const gclab::CollectorOptions&) -> absl::StatusOr<std::unique_ptr<gclab::Collector>> {
      return std::unique_ptr<gclab::Collector>();
    });
