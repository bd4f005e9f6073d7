// File: harness/results/minheap.h
//
// The minimum heap of a workload for a collector: the smallest heap, within a
// tolerance (2%), in which a run completes with status ok. Found by doubling and then
// bisecting over separate processes, as the DaCapo/MMTk methodology does, and cached
// in a CSV file so heap sizes given as multiples (--heap-x) reuse it. An entry holds
// for exactly what determines the answer: the collector spec, the build of the
// collector's code (a plugin's SHA-256, or a hash of gclab's runtime, collector and
// workload code with the compiler, flags and build type: GCLAB_CODE_HASH), the
// workload, its size, threads and escape analysis. A changed plugin, or a commit
// that changes that code, misses the cache and is measured again; one that changes
// only documentation, scripts or the harness's reporting does not.
#ifndef GCLAB_HARNESS_MINHEAP_H_
#define GCLAB_HARNESS_MINHEAP_H_

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace gclab {

inline constexpr double kMinHeapTolerance = 0.02;

struct MinHeapKey {
  std::string collector;
  std::string workload;
  std::string size;
  int threads = 1;
  bool escape_analysis = true;
  std::string build;  // CollectorBuildId (manifest.h)

  auto Tie() const { return std::tie(collector, workload, size, threads, escape_analysis, build); }
  bool operator<(const MinHeapKey& other) const { return Tie() < other.Tie(); }
  bool operator==(const MinHeapKey& other) const { return Tie() == other.Tie(); }
};

// Returns whether a run completes in a heap of `bytes`; an error aborts the search.
using HeapProbe = std::function<absl::StatusOr<bool>(size_t bytes)>;

// Doubles from `start_bytes` until a probe succeeds, then bisects until the gap
// between the largest failing and the smallest passing size is within `tolerance`
// of the latter, which it returns. Sizes are multiples of 64 KiB (the runtime's
// smallest heap); fails above 64 GiB.
absl::StatusOr<size_t> BisectMinHeap(size_t start_bytes, const HeapProbe& probe,
                                     double tolerance = kMinHeapTolerance);

// The cache file: collector,workload,size,threads,escape_analysis,build,min_heap_bytes.
// Rows of a file from before the build column are not loaded (stale_rows counts them).
class MinHeapCache {
 public:
  // A missing file is an empty cache; a malformed one is an error naming the file.
  static absl::StatusOr<MinHeapCache> Load(const std::string& path);
  // The cache file's contents; `path` is where Save() writes, and named in errors.
  static absl::StatusOr<MinHeapCache> Parse(const std::string& text, const std::string& path);
  std::optional<size_t> Find(const MinHeapKey& key) const;
  void Put(const MinHeapKey& key, size_t bytes) { entries_[key] = bytes; }
  absl::Status Save() const;  // atomically
  std::string Text() const;   // what Save() writes
  const std::map<MinHeapKey, size_t>& entries() const { return entries_; }
  int stale_rows() const { return stale_rows_; }

 private:
  std::string path_;
  int stale_rows_ = 0;
  std::map<MinHeapKey, size_t> entries_;
};

}  // namespace gclab

#endif  // GCLAB_HARNESS_MINHEAP_H_
