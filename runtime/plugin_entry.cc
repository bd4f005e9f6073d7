// Compiled into every plugin (not into gclab): the entry points of runtime/plugin.h.
#include "runtime/plugin.h"

#include <vector>

namespace gclab::plugin_internal {
namespace {
std::vector<MakeRegistration>& Deferred() {
  static std::vector<MakeRegistration> deferred;
  return deferred;
}
}  // namespace

void Defer(MakeRegistration make) { Deferred().push_back(make); }

}  // namespace gclab::plugin_internal

extern "C" {
__attribute__((visibility("default"))) const char* gclab_plugin_abi_version() {
  return GCLAB_ABI_VERSION;
}
__attribute__((visibility("default"))) size_t gclab_plugin_collector_count() {
  return gclab::plugin_internal::Deferred().size();
}
__attribute__((visibility("default"))) void gclab_plugin_make_collector(
    size_t index, gclab::CollectorRegistration* out) {
  *out = gclab::plugin_internal::Deferred().at(index)();
}
}
