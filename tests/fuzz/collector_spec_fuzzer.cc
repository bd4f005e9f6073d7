// libFuzzer target: collector specs "name[:key=value...]" (ParseCollectorSpec) and
// every collector's option parser behind CollectorRegistry::Create. A spec either
// makes a collector or is one line of error; a parsed spec has a name and keys.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "runtime/collector.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string spec(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<gclab::CollectorSpec> parsed = gclab::ParseCollectorSpec(spec);
  if (parsed.ok()) {
    if (parsed->name.empty()) std::abort();
    for (const auto& [key, value] : parsed->options) {
      if (key.empty()) std::abort();
    }
  }
  absl::StatusOr<std::unique_ptr<gclab::Collector>> collector =
      gclab::CollectorRegistry::Global().Create(spec);
  if (collector.ok() && *collector == nullptr) std::abort();
  if (!collector.ok() && collector.status().message().empty()) std::abort();
  return 0;
}
