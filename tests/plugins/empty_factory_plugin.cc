// A plugin whose collector has no factory (an empty std::function): refused as it loads.
#include "runtime/collector.h"

namespace {
gclab::CollectorTraits Traits() {
  gclab::CollectorTraits traits;
  traits.name = "empty-factory";
  traits.description = "a collector without a factory (a test)";
  return traits;
}
}  // namespace

GCLAB_REGISTER_COLLECTOR(Traits(), gclab::CollectorFactory{});
