#include "runtime/plugin_loader.h"

#include <dlfcn.h>

#include <openssl/evp.h>

#include <exception>
#include <fstream>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "runtime/plugin.h"

namespace gclab {
namespace {

std::vector<LoadedPlugin>& Loaded() {
  static auto* const loaded = new std::vector<LoadedPlugin>;
  return *loaded;
}

// The SHA-256 of a file, in hex; empty if it cannot be read.
std::string Sha256OfFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  EVP_DigestInit_ex(context, EVP_sha256(), nullptr);
  char buffer[1 << 16];
  while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0) {
    EVP_DigestUpdate(context, buffer, static_cast<size_t>(in.gcount()));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context, digest, &length);
  EVP_MD_CTX_free(context);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), length));
}

void ParseBuildInfo(const std::string& text, LoadedPlugin* plugin) {
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    const auto [key, value] = std::pair<absl::string_view, absl::string_view>(
        absl::StrSplit(line, absl::MaxSplits('=', 1)));
    const std::string trimmed(absl::StripAsciiWhitespace(value));
    if (key == "optimized") plugin->optimized = trimmed == "1";
    if (key == "build_type") plugin->build_type = trimmed;
    if (key == "cxx_flags") plugin->cxx_flags = trimmed;
    if (key == "compiler") plugin->compiler = trimmed;
  }
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
  auto* build_info = Symbol<decltype(gclab_plugin_build_info)>(library, "gclab_plugin_build_info");
  if (abi_version == nullptr) {
    dlclose(library);
    return absl::InvalidArgumentError(absl::StrCat(
        what, " is not a gclab plugin (no gclab_plugin_abi_version); build it with "
              "find_package(gclab) and link gclab::plugin"));
  }
  if (count == nullptr || make == nullptr) {
    dlclose(library);
    return absl::InvalidArgumentError(absl::StrCat(
        what, " exports gclab_plugin_abi_version but not ",
        count == nullptr && make == nullptr ? "gclab_plugin_collector_count or "
                                              "gclab_plugin_make_collector"
        : count == nullptr                  ? "gclab_plugin_collector_count"
                                            : "gclab_plugin_make_collector",
        "; link gclab::plugin (gclab_add_plugin does), which compiles in every entry point"));
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
  // Same ABI, so the same entry points: build_info is there.
  LoadedPlugin loaded{.path = path, .sha256 = Sha256OfFile(path)};
  if (build_info != nullptr) ParseBuildInfo(build_info(), &loaded);
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
    const std::string name = registration.traits.name;
    // (A taken name is the first thing to fix: RegisterFromPlugin says so.)
    if (!registration.factory && CollectorRegistry::Global().Find(name) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, ": collector '", name, "' has an empty factory; GCLAB_REGISTER_COLLECTOR(traits, "
          "factory) needs a function that makes the collector"));
    }
    if (absl::Status s = CollectorRegistry::Global().RegisterFromPlugin(std::move(registration));
        !s.ok()) {
      return absl::AlreadyExistsError(absl::StrCat(what, ": ", s.message()));
    }
    loaded.collectors.push_back(name);
  }
  Loaded().push_back(std::move(loaded));
  return absl::OkStatus();
}

const std::vector<LoadedPlugin>& LoadedPlugins() { return Loaded(); }

std::string CollectorForMessages(absl::string_view spec) {
  const std::string name(spec.substr(0, spec.find(':')));
  const LoadedPlugin* plugin = PluginOf(name);
  if (plugin == nullptr) return absl::StrCat("collector '", spec, "'");
  return absl::StrCat("collector '", spec, "' (plugin '", plugin->path, "')");
}

const LoadedPlugin* PluginOf(const std::string& collector_name) {
  for (const LoadedPlugin& plugin : Loaded()) {
    for (const std::string& name : plugin.collectors) {
      if (name == collector_name) return &plugin;
    }
  }
  return nullptr;
}

}  // namespace gclab
