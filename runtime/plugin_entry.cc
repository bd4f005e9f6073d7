// Compiled into every plugin (not into gclab): the entry points of runtime/plugin.h.
#include "runtime/plugin.h"

#include <vector>

// gclab_add_plugin defines these; a plugin built some other way says so.
#ifndef GCLAB_PLUGIN_BUILD_TYPE
#define GCLAB_PLUGIN_BUILD_TYPE "unknown (not built with gclab_add_plugin)"
#endif
#ifndef GCLAB_PLUGIN_CXX_FLAGS
#define GCLAB_PLUGIN_CXX_FLAGS "unknown"
#endif
#ifndef GCLAB_PLUGIN_COMPILER
#define GCLAB_PLUGIN_COMPILER "unknown"
#endif
#ifdef __OPTIMIZE__
#define GCLAB_PLUGIN_OPTIMIZED "1"
#else
#define GCLAB_PLUGIN_OPTIMIZED "0"
#endif

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
__attribute__((visibility("default"))) const char* gclab_plugin_build_info() {
  return "optimized=" GCLAB_PLUGIN_OPTIMIZED "\nbuild_type=" GCLAB_PLUGIN_BUILD_TYPE
         "\ncxx_flags=" GCLAB_PLUGIN_CXX_FLAGS "\ncompiler=" GCLAB_PLUGIN_COMPILER " " __VERSION__;
}
__attribute__((visibility("default"))) void gclab_plugin_make_collector(
    size_t index, gclab::CollectorRegistration* out) {
  *out = gclab::plugin_internal::Deferred().at(index)();
}
}
