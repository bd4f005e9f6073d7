// File: runtime/plugin.h
//
// Collectors built as shared libraries and loaded at run time
// (`gclab run --plugin=libmygc.so --collectors=mygc`).
//
// A plugin is compiled against the installed runtime headers with GCLAB_PLUGIN
// defined (the CMake package's gclab::plugin target does both, and compiles in the
// entry points below). Its GCLAB_REGISTER_COLLECTOR lines then register nothing
// when the library is loaded: each only remembers a function that makes the
// registration. gclab first compares the plugin's ABI version with its own, and
// only on a match asks for the registrations, inside a try block, so a plugin built
// against other headers is refused before any of its code touches gclab's objects,
// and one that throws while making its collectors is an error, not a crash.
//
// The ABI version is a hash of the runtime headers (and of GCLAB_CHECKS, which
// changes what inline code does), computed when gclab is configured.
#ifndef GCLAB_RUNTIME_PLUGIN_H_
#define GCLAB_RUNTIME_PLUGIN_H_

#include <cstddef>

#include "runtime/abi_version.h"
#include "runtime/collector.h"

namespace gclab::plugin_internal {

using MakeRegistration = CollectorRegistration (*)();

// In the plugin (hidden: each plugin has its own list).
__attribute__((visibility("hidden"))) void Defer(MakeRegistration make);

struct DeferredRegistrar {
  explicit DeferredRegistrar(MakeRegistration make) { Defer(make); }
};

}  // namespace gclab::plugin_internal

// The entry points every plugin exports (compiled in from plugin_entry.cc).
extern "C" {
// GCLAB_ABI_VERSION as the plugin saw it.
const char* gclab_plugin_abi_version();
// How many collectors the plugin registers.
size_t gclab_plugin_collector_count();
// Makes registration `index` into *out. May throw.
void gclab_plugin_make_collector(size_t index, gclab::CollectorRegistration* out);
// How the plugin was compiled, as "key=value" lines: optimized (1 if the compiler
// optimised it, from __OPTIMIZE__), build_type, cxx_flags and compiler (set by
// gclab_add_plugin in the CMake package).
const char* gclab_plugin_build_info();
}

#endif  // GCLAB_RUNTIME_PLUGIN_H_
