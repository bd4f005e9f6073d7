#include "harness/results/manifest.h"

#include "harness/code_hash.h"  // generated: GCLAB_CODE_HASH

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <set>
#include <thread>

#include "absl/base/config.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "harness/results/results.h"
#include "harness/results/results_schema.h"
#include "runtime/plugin_loader.h"

// jemalloc's control interface, when jemalloc is linked in (weak: absent otherwise).
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp,
                       size_t newlen) __attribute__((weak));

namespace gclab {

std::string GitCommit() { return GCLAB_GIT_COMMIT; }

std::string UtcNow() {
  const std::time_t now = std::time(nullptr);
  std::tm utc;
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

namespace {

#ifdef __OPTIMIZE__
constexpr bool kGclabOptimized = true;
#else
constexpr bool kGclabOptimized = false;
#endif

// A set of flags, so that order and spacing do not count as a difference.
std::set<std::string> FlagSet(absl::string_view flags) {
  std::set<std::string> set;
  for (absl::string_view flag : absl::StrSplit(flags, ' ', absl::SkipWhitespace())) {
    set.emplace(flag);
  }
  return set;
}

}  // namespace

std::vector<std::string> PluginBuildWarnings() {
  std::vector<std::string> warnings;
  for (const LoadedPlugin& plugin : LoadedPlugins()) {
    std::string how;
    if (!plugin.optimized && kGclabOptimized) {
      how = "unoptimised";
    } else if (FlagSet(plugin.cxx_flags) != FlagSet(GCLAB_CXX_FLAGS)) {
      how = "with other flags than gclab's";
    } else {
      continue;
    }
    warnings.push_back(absl::StrCat(
        "plugin '", plugin.path, "' was built ", how, " (build type '", plugin.build_type,
        "', flags '", plugin.cxx_flags, "'; gclab: '", GCLAB_BUILD_TYPE, "', '",
        absl::StripAsciiWhitespace(GCLAB_CXX_FLAGS),
        "'): its collectors' results are not comparable with the built-ins'; rebuild it "
        "with find_package(gclab) and no CMAKE_BUILD_TYPE of its own"));
  }
  return warnings;
}

std::string CollectorBuildId(const std::string& collector_name) {
  if (const LoadedPlugin* plugin = PluginOf(collector_name); plugin != nullptr) {
    return absl::StrCat("plugin-sha256:", plugin->sha256.substr(0, 16));
  }
  return absl::StrCat("gclab-code-", GCLAB_CODE_HASH, "-", GCLAB_BUILD_TYPE);
}

nlohmann::json BuildContext() {
  std::string jemalloc = "not linked (system malloc)";
  if (mallctl != nullptr) {
    const char* version = nullptr;
    size_t size = sizeof(version);
    if (mallctl("version", &version, &size, nullptr, 0) == 0) jemalloc = version;
  }
  nlohmann::json plugins = nlohmann::json::array();
  for (const LoadedPlugin& plugin : LoadedPlugins()) {
    plugins.push_back({{"path", plugin.path},
                       {"sha256", plugin.sha256},
                       {"optimized", plugin.optimized},
                       {"build_type", plugin.build_type},
                       {"cxx_flags", plugin.cxx_flags},
                       {"compiler", plugin.compiler},
                       {"collectors", plugin.collectors}});
  }
  return {{"gclab_version", GCLAB_VERSION},
          {"git_commit", GitCommit()},
          {"code_hash", GCLAB_CODE_HASH},  // what the minimum-heap cache keys on
          {"build_type", GCLAB_BUILD_TYPE},
          {"cxx_flags", GCLAB_CXX_FLAGS},
          {"compiler", absl::StrCat(GCLAB_COMPILER_ID, " ", __VERSION__)},
          {"checks", GCLAB_CHECKS != 0},
          {"abseil", absl::StrCat(ABSL_LTS_RELEASE_VERSION, ".", ABSL_LTS_RELEASE_PATCH_LEVEL)},
          {"jemalloc", jemalloc},
          {"plugins", plugins}};
}

nlohmann::json HostContext() {
  std::string cpu_model = "unknown";
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (absl::StartsWith(line, "model name")) {
      cpu_model = std::string(absl::StripAsciiWhitespace(line.substr(line.find(':') + 1)));
      break;
    }
  }
  uint64_t memory_bytes = 0;
  std::ifstream meminfo("/proc/meminfo");
  for (std::string line; std::getline(meminfo, line);) {
    if (absl::StartsWith(line, "MemTotal:")) {
      std::string kb(absl::StripAsciiWhitespace(line.substr(9)));
      kb = kb.substr(0, kb.find(' '));
      if (absl::SimpleAtoi(kb, &memory_bytes)) memory_bytes *= 1024;
      break;
    }
  }
  utsname name;
  uname(&name);
  return {{"cpu_model", cpu_model},
          {"cores", std::thread::hardware_concurrency()},
          {"memory_bytes", memory_bytes},
          {"kernel", absl::StrCat(name.sysname, " ", name.release, " ", name.machine)},
          {"hostname", name.nodename}};
}

std::optional<std::string> HostDifference(const nlohmann::json& shard_hosts) {
  // Machine kind -> the shards that ran on it, in the order the list gives them.
  std::vector<std::pair<std::string, std::vector<std::string>>> kinds;
  for (const nlohmann::json& entry : shard_hosts) {
    const nlohmann::json host = entry.value("host", nlohmann::json::object());
    const std::string kind =
        absl::StrCat(host.value("cores", 0), " cores of ", host.value("cpu_model", "unknown"));
    auto it = std::find_if(kinds.begin(), kinds.end(), [&](const auto& k) { return k.first == kind; });
    if (it == kinds.end()) it = kinds.insert(kinds.end(), {kind, {}});
    it->second.push_back(entry.value("shard", "?"));
  }
  if (kinds.size() < 2) return std::nullopt;
  std::vector<std::string> parts;
  for (const auto& [kind, shards] : kinds) {
    parts.push_back(absl::StrCat(kind, " (shard", shards.size() > 1 ? "s " : " ",
                                 absl::StrJoin(shards, ", "), ")"));
  }
  return absl::StrCat("the shards ran on ", kinds.size(), " kinds of machine: ",
                      absl::StrJoin(parts, ", "));
}

absl::Status WriteMatrixManifest(const std::string& out_dir, const MatrixManifest& m) {
  const nlohmann::json manifest = {{"schema_version", kSchemaVersion},
                                   {"command_line", m.command_line},
                                   {"matrix", m.matrix},
                                   {"cells", m.cells},
                                   {"heap_bytes", m.heap_bytes},
                                   {"shard", m.shard},
                                   {"run_order_seed", m.run_order_seed},
                                   {"build", BuildContext()},
                                   {"host", HostContext()},
                                   {"date_utc", UtcNow()}};
  return WriteFileAtomically(out_dir + "/manifest.json", manifest.dump(2) + "\n");
}

}  // namespace gclab
