// A plugin that takes a name gclab already has.
#include "runtime/collector.h"

namespace {
const gclab::CollectorTraits& DuplicateTraits() {
  static const gclab::CollectorTraits traits{.name = "marksweep", .description = "a copycat"};
  return traits;
}
}  // namespace

GCLAB_REGISTER_COLLECTOR(DuplicateTraits(), nullptr);
