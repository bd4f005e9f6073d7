#include "harness/manifest.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <thread>

#include "absl/base/config.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

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

nlohmann::json BuildContext() {
  std::string jemalloc = "not linked (system malloc)";
  if (mallctl != nullptr) {
    const char* version = nullptr;
    size_t size = sizeof(version);
    if (mallctl("version", &version, &size, nullptr, 0) == 0) jemalloc = version;
  }
  return {{"gclab_version", GCLAB_VERSION},
          {"git_commit", GitCommit()},
          {"build_type", GCLAB_BUILD_TYPE},
          {"cxx_flags", GCLAB_CXX_FLAGS},
          {"compiler", absl::StrCat(GCLAB_COMPILER_ID, " ", __VERSION__)},
          {"checks", GCLAB_CHECKS != 0},
          {"abseil", absl::StrCat(ABSL_LTS_RELEASE_VERSION, ".", ABSL_LTS_RELEASE_PATCH_LEVEL)},
          {"jemalloc", jemalloc}};
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

}  // namespace gclab
