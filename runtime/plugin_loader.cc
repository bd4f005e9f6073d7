#include "runtime/plugin_loader.h"

#include <dlfcn.h>

#include <exception>
#include <string>

#include "absl/strings/str_cat.h"
#include "runtime/plugin.h"

namespace gclab {
namespace {

std::vector<std::string>& Loaded() {
  static auto* const loaded = new std::vector<std::string>;
  return *loaded;
}

template <typename Function>
Function* Symbol(void* library, const char* name) {
  return reinterpret_cast<Function*>(dlsym(library, name));
}

}  // namespace

absl::Status LoadPlugin(const std::string& path) {
  const std::string what = absl::StrCat("plugin '", path, "'");
  // RTLD_LOCAL: two plugins may each define the same internal symbols.
  void* library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    return absl::NotFoundError(absl::StrCat("cannot load ", what, ": ", dlerror()));
  }
  auto* abi_version = Symbol<decltype(gclab_plugin_abi_version)>(library, "gclab_plugin_abi_version");
  auto* count = Symbol<decltype(gclab_plugin_collector_count)>(library, "gclab_plugin_collector_count");
  auto* make = Symbol<decltype(gclab_plugin_make_collector)>(library, "gclab_plugin_make_collector");
  if (abi_version == nullptr || count == nullptr || make == nullptr) {
    dlclose(library);
    return absl::InvalidArgumentError(absl::StrCat(
        what, " is not a gclab plugin (no gclab_plugin_abi_version); build it with "
              "find_package(gclab) and link gclab::plugin"));
  }
  // Copied out before dlclose: the string (and the function) may live in the
  // library's own memory, which dlclose unmaps.
  if (const std::string plugin_abi = abi_version(); plugin_abi != GCLAB_ABI_VERSION) {
    dlclose(library);
    return absl::FailedPreconditionError(absl::StrCat(
        what, " was built for gclab runtime ABI ", plugin_abi, ", this gclab is ",
        GCLAB_ABI_VERSION, ": rebuild it against this gclab's installed headers"));
  }
  if (count() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(what, " registers no collector"));
  }
  // The library stays loaded: its code is the collectors'.
  for (size_t i = 0; i < count(); ++i) {
    CollectorRegistration registration;
    try {
      make(i, &registration);
    } catch (const std::exception& e) {
      return absl::InternalError(absl::StrCat(what, " failed to initialise: ", e.what()));
    } catch (...) {
      return absl::InternalError(absl::StrCat(what, " failed to initialise (threw)"));
    }
    if (absl::Status s = CollectorRegistry::Global().RegisterFromPlugin(std::move(registration));
        !s.ok()) {
      return absl::AlreadyExistsError(absl::StrCat(what, ": ", s.message()));
    }
  }
  Loaded().push_back(path);
  return absl::OkStatus();
}

const std::vector<std::string>& LoadedPlugins() { return Loaded(); }

}  // namespace gclab
