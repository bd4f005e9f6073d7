// File: runtime/plugin_loader.h
//
// Loads collector plugins (see plugin.h) into this process's CollectorRegistry.
#ifndef GCLAB_RUNTIME_PLUGIN_LOADER_H_
#define GCLAB_RUNTIME_PLUGIN_LOADER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace gclab {

// Loads the shared library at `path` and registers its collectors. Each failure is
// one line naming the plugin: the file cannot be loaded, it is not a gclab plugin
// (no entry points), it was built against another runtime ABI, a collector's name
// is taken, or making a registration threw.
absl::Status LoadPlugin(const std::string& path);

// The paths loaded so far, in order (child processes load the same).
const std::vector<std::string>& LoadedPlugins();

}  // namespace gclab

#endif  // GCLAB_RUNTIME_PLUGIN_LOADER_H_
