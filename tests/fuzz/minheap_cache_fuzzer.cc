// libFuzzer target: the minimum-heap cache file (MinHeapCache::Parse). A cache that
// parses is written back (Text) and parses to the same entries; every entry is a
// usable heap size.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "harness/results/minheap.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<gclab::MinHeapCache> cache = gclab::MinHeapCache::Parse(text, "fuzz.csv");
  if (!cache.ok()) {
    if (cache.status().message().empty()) std::abort();
    return 0;
  }
  for (const auto& [key, bytes] : cache->entries()) {
    if (bytes == 0 || bytes > (size_t{64} << 30) || key.threads < 1) std::abort();
  }
  absl::StatusOr<gclab::MinHeapCache> again = gclab::MinHeapCache::Parse(cache->Text(), "fuzz.csv");
  if (!again.ok() || again->entries() != cache->entries()) std::abort();
  return 0;
}
