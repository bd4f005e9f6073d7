// A plugin whose collector has no factory (an empty std::function): refused as it loads.
#include "wrapped_collector.h"

GCLAB_REGISTER_COLLECTOR(
    gclab_test_plugins::NamedTraits("empty-factory", "a collector without a factory (a test)"),
    gclab::CollectorFactory{});
