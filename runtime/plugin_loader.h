// File: runtime/plugin_loader.h
//
// Loads collector plugins (see plugin.h) into this process's CollectorRegistry.
#ifndef GCLAB_RUNTIME_PLUGIN_LOADER_H_
#define GCLAB_RUNTIME_PLUGIN_LOADER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace gclab {

// Loads the shared library at `path` and registers its collectors. Each failure is
// one line naming the plugin: the file cannot be loaded, it is not a gclab plugin
// (no entry points, or some of them missing: named), it was built against another
// runtime ABI, a collector's name is taken or empty, a collector has no factory, or
// making a registration threw.
absl::Status LoadPlugin(const std::string& path);

// What the results record about a loaded plugin (the manifest's "plugins").
struct LoadedPlugin {
  std::string path;
  std::string sha256;      // of the file, hex
  bool optimized = false;  // compiled with optimisation (__OPTIMIZE__)
  std::string build_type;  // the plugin's CMake build type
  std::string cxx_flags;   // CMAKE_CXX_FLAGS and the build type's flags
  std::string compiler;
  std::vector<std::string> collectors;  // the names it registered
};

// The plugins loaded so far, in order (child processes load the same).
const std::vector<LoadedPlugin>& LoadedPlugins();
// The loaded plugin that registered collector `name`; null for a built-in one.
const LoadedPlugin* PluginOf(const std::string& collector_name);
// How error lines name a collector: "collector 'mygc' (plugin '/path/libmygc.so')",
// or "collector 'marksweep'" for a built-in one. `spec` may carry options.
std::string CollectorForMessages(absl::string_view spec);

}  // namespace gclab

#endif  // GCLAB_RUNTIME_PLUGIN_LOADER_H_
