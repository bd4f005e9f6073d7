// A plugin whose collector cannot be made: gclab must say so in one line.
#include <stdexcept>

#include "runtime/collector.h"

namespace {
const gclab::CollectorTraits& ThrowingTraits() {
  throw std::runtime_error("the throwing plugin refuses to start");
}
}  // namespace

GCLAB_REGISTER_COLLECTOR(ThrowingTraits(), nullptr);
